/**
 * iSNS (RFC 4171) — the dissector.
 *
 * PDU layout (RFC 4171 §5.1, in our words): a 12-byte header of six
 * big-endian 16-bit words — version (1), function id (MSB set for responses),
 * PDU length (payload bytes only: neither the header nor an authentication
 * block), flags, transaction id, sequence id — then the payload, then, when
 * flag 0x2000 is set, an authentication block (§5.5) that the PDU length does
 * not count. The payload is a list of TLVs (tag u32, length u32, value padded
 * to 4), except that responses start with a 4-byte status and the Heartbeat
 * has a fixed layout.
 *
 * Two views of one PDU:
 *  - isnsTree(pdu, {full: false}) — exactly the fields tshark 4.0 shows, with
 *    its limits (non-first PDUs undecoded, "Not Decoded Yet" attributes, its
 *    length checks, UDP ignoring the PDU length), so `-e` output matches it;
 *  - parseIsnsMessage(...) — our own complete decode of an assembled message
 *    (all PDUs joined), with the role of every attribute; the tree with
 *    {full: true} decodes every attribute and the authentication block.
 * Fields Wireshark does not have live under `isnsx.*`, never `isns.*`.
 */
import { ByteView, formatIpv6 } from './byteview.js';
import type { FieldDef, FieldNode, FieldValue } from './field.js';
import type { AppProtocol, PduContext, PduLength } from './protocol.js';
import { OBJECT_KEYS, TAG_BY_NUMBER, TAGS, type TagSpec } from './isns-attrs.js';
import { f } from './layer.js';

// ------------------------------------------------------------------ names

export const FUNCTION_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0001, 'DevAttrReg'], [0x0002, 'DevAttrQry'], [0x0003, 'DevGetNext'], [0x0004, 'DeregDev'],
  [0x0005, 'SCNReg'], [0x0006, 'SCNDereg'], [0x0007, 'SCNEvent'], [0x0008, 'SCN'], [0x0009, 'DDReg'],
  [0x000a, 'DDDereg'], [0x000b, 'DDSReg'], [0x000c, 'DDSDereg'], [0x000d, 'ESI'], [0x000e, 'Heartbeat'],
  [0x0011, 'RqstDomId'], [0x0012, 'RlseDomId'], [0x0013, 'GetDomId'],
  [0x8001, 'DevAttrRegRsp'], [0x8002, 'DevAttrQryRsp'], [0x8003, 'DevGetNextRsp'], [0x8004, 'DeregDevRsp'],
  [0x8005, 'SCNRegRsp'], [0x8006, 'SCNDeregRsp'], [0x8007, 'SCNEventRsp'], [0x8008, 'SCNRsp'], [0x8009, 'DDRegRsp'],
  [0x800a, 'DDDeregRsp'], [0x800b, 'DDSRegRsp'], [0x800c, 'DDSDeregRsp'], [0x800d, 'ESIRsp'],
  [0x8011, 'RqstDomIdRsp'], [0x8012, 'RlseDomIdRsp'], [0x8013, 'GetDomIdRsp'],
]);

export const STATUS_NAMES: readonly string[] = [
  'No Error', 'Unknown Error', 'Message Format Error', 'Invalid Registration', 'RESERVED', 'Invalid Query',
  'Source Unknown', 'Source Absent', 'Source Unauthorized', 'No such Entry', 'Version Not Supported',
  'Internal Error', 'Busy', 'Option Not Understood', 'Invalid Update', 'Message (FUNCTION_ID) Not supported',
  'SCN Event Rejected', 'SCN Registration Rejected', 'Attribute Not Implemented', 'FC_DOMAIN_ID Not available',
  'FC_DOMAIN_ID not allocated', 'ESI Not Available', 'Invalid Deregistration', 'Registration Feature Not Supported',
];

export function functionName(fid: number): string {
  return FUNCTION_NAMES.get(fid) ?? `Unknown function ID 0x${fid.toString(16).padStart(4, '0')}`;
}
export function isResponse(fid: number): boolean {
  return (fid & 0x8000) !== 0;
}
export function statusName(code: number): string {
  return STATUS_NAMES[code] ?? `Unknown (${code})`;
}

export const FLAG_CLIENT = 0x8000;
export const FLAG_SERVER = 0x4000;
export const FLAG_AUTH = 0x2000;
export const FLAG_REPLACE = 0x1000;
export const FLAG_LAST = 0x0800;
export const FLAG_FIRST = 0x0400;
export const HEADER = 12;
const HEARTBEAT = 0x000e;

// ------------------------------------------------------------------ field table

const vs = (m: ReadonlyMap<number, string> | readonly string[]): ReadonlyMap<number, string> =>
  m instanceof Map ? m : new Map((m as readonly string[]).map((s, i) => [i, s]));

/** Wireshark 4.0's 103 isns.* fields (checked against `tshark -G fields` by a test), then ours. */
const FIELD_LIST: FieldDef[] = [
  f('isns.PVer', 'iSNSP Version', 'uint16', 'dec'),
  f('isns.functionid', 'Function ID', 'uint16', 'dec'),
  f('isns.pdulength', 'PDU Length', 'uint16', 'dec'),
  f('isns.flags', 'Flags', 'uint16', 'hex'),
  f('isns.flags.client', 'Client', 'boolean', undefined, { bitmask: 0x8000, bitWidth: 16 }),
  f('isns.flags.server', 'Server', 'boolean', undefined, { bitmask: 0x4000, bitWidth: 16 }),
  f('isns.flags.authentication_block', 'Auth', 'boolean', undefined, { bitmask: 0x2000, bitWidth: 16 }),
  f('isns.flags.replace', 'Replace', 'boolean', undefined, { bitmask: 0x1000, bitWidth: 16 }),
  f('isns.flags.lastpdu', 'Last PDU', 'boolean', undefined, { bitmask: 0x800, bitWidth: 16 }),
  f('isns.flags.firstpdu', 'First PDU', 'boolean', undefined, { bitmask: 0x400, bitWidth: 16 }),
  f('isns.transactionid', 'Transaction ID', 'uint16', 'dec'),
  f('isns.sequenceid', 'Sequence ID', 'uint16', 'dec'),
  f('isns.entity_protocol', 'Entity Protocol', 'uint32', 'dec'),
  f('isns.dd_member_portal_port', 'DD Member Portal Port', 'uint32', 'dec'),
  f('isns.iscsi.node_type', 'iSCSI Node Type', 'uint32', 'hex'),
  f('isns.esi_port', 'ESI Port', 'uint32', 'dec'),
  f('isns.scn_port', 'SCN Port', 'uint32', 'dec'),
  f('isns.portal_port', 'Portal Port', 'uint32', 'dec'),
  f('isns.pg.portal_port', 'PG Portal Port', 'uint32', 'dec'),
  f('isns.port.port_type', 'Port Type', 'boolean', undefined, { bitmask: 0x1, bitWidth: 16 }),
  f('isns.psb', 'Portal Security Bitmap', 'uint32', 'hex'),
  f('isns.psb.tunnel', 'Tunnel Mode', 'boolean', undefined, { bitmask: 0x40, bitWidth: 32 }),
  f('isns.psb.transport', 'Transport Mode', 'boolean', undefined, { bitmask: 0x20, bitWidth: 32 }),
  f('isns.psb.pfs', 'PFS', 'boolean', undefined, { bitmask: 0x10, bitWidth: 32 }),
  f('isns.psb.aggressive_mode', 'Aggressive Mode', 'boolean', undefined, { bitmask: 0x8, bitWidth: 32 }),
  f('isns.psb.main_mode', 'Main Mode', 'boolean', undefined, { bitmask: 0x4, bitWidth: 32 }),
  f('isns.psb.ike_ipsec', 'IKE/IPSec', 'boolean', undefined, { bitmask: 0x2, bitWidth: 32 }),
  f('isns.psb.bitmap', 'Bitmap', 'boolean', undefined, { bitmask: 0x1, bitWidth: 32 }),
  f('isns.scn_bitmap', 'iSCSI SCN Bitmap', 'uint32', 'hex'),
  f('isns.scn_bitmap.initiator_and_self_information_only', 'Initiator And Self Information Only', 'boolean', undefined, { bitmask: 0x80, bitWidth: 32 }),
  f('isns.scn_bitmap.target_and_self_information_only', 'Target And Self Information Only', 'boolean', undefined, { bitmask: 0x40, bitWidth: 32 }),
  f('isns.scn_bitmap.management_registration_scn', 'Management Registration/SCN', 'boolean', undefined, { bitmask: 0x20, bitWidth: 32 }),
  f('isns.scn_bitmap.object_removed', 'Object Removed', 'boolean', undefined, { bitmask: 0x10, bitWidth: 32 }),
  f('isns.scn_bitmap.object_added', 'Object Added', 'boolean', undefined, { bitmask: 0x8, bitWidth: 32 }),
  f('isns.scn_bitmap.object_updated', 'Object Updated', 'boolean', undefined, { bitmask: 0x4, bitWidth: 32 }),
  f('isns.scn_bitmap.dd_dds_member_removed', 'DD/DDS Member Removed (Mgmt Reg/SCN only)', 'boolean', undefined, { bitmask: 0x2, bitWidth: 32 }),
  f('isns.scn_bitmap.dd_dds_member_added', 'DD/DDS Member Added (Mgmt Reg/SCN only)', 'boolean', undefined, { bitmask: 0x1, bitWidth: 32 }),
  f('isns.isnt.control', 'Control', 'boolean', undefined, { bitmask: 0x4, bitWidth: 32 }),
  f('isns.isnt.initiator', 'Initiator', 'boolean', undefined, { bitmask: 0x2, bitWidth: 32 }),
  f('isns.isnt.target', 'Target', 'boolean', undefined, { bitmask: 0x1, bitWidth: 32 }),
  f('isns.errorcode', 'ErrorCode', 'uint32', 'dec'),
  f('isns.attr.tag', 'Attribute Tag', 'uint32', 'dec'),
  f('isns.attr.len', 'Attribute Length', 'uint32', 'dec'),
  f('isns.not_decoded_yet', 'Not Decoded Yet', 'none', undefined),
  f('isns.heartbeat.address', 'Heartbeat Address (ipv6)', 'ipv6', undefined),
  f('isns.heartbeat.tcpport', 'Heartbeat TCP Port', 'uint16', 'dec'),
  f('isns.heartbeat.udpport', 'Heartbeat UDP Port', 'uint16', 'dec'),
  f('isns.heartbeat.interval', 'Heartbeat Interval (secs)', 'uint32', 'dec'),
  f('isns.heartbeat.counter', 'Heartbeat counter', 'uint32', 'dec'),
  f('isns.iscsi_name', 'iSCSI Name', 'string', undefined),
  f('isns.dd_member.iscsi_name', 'DD Member iSCSI Name', 'string', undefined),
  f('isns.virtual_fabric_id', 'Virtual Fabric ID', 'string', undefined),
  f('isns.proxy_iscsi_name', 'Proxy iSCSI Name', 'string', undefined),
  f('isns.fc4_descriptor', 'FC4 Descriptor', 'string', undefined),
  f('isns.iscsi_auth_method', 'iSCSI Auth Method', 'string', undefined),
  f('isns.iscsi_alias', 'iSCSI Alias', 'string', undefined),
  f('isns.portal.symbolic_name', 'Portal Symbolic Name', 'string', undefined),
  f('isns.dd_set.symbolic_name', 'DD Set Symbolic Name', 'string', undefined),
  f('isns.dd.symbolic_name', 'DD Symbolic Name', 'string', undefined),
  f('isns.port.symbolic_name', 'Symbolic Port Name', 'string', undefined),
  f('isns.node.symbolic_name', 'Symbolic Node Name', 'string', undefined),
  f('isns.entity_identifier', 'Entity Identifier', 'string', undefined),
  f('isns.mgmt.ip_address', 'Management IP Address', 'ipv6', undefined),
  f('isns.node.ip_address', 'Node IP Address', 'ipv6', undefined),
  f('isns.port.ip_address', 'Port IP Address', 'ipv6', undefined),
  f('isns.portal.ip_address', 'Portal IP Address', 'ipv6', undefined),
  f('isns.dd.member_portal.ip_address', 'DD Member Portal IP Address', 'ipv6', undefined),
  f('isns.pg_iscsi_name', 'PG iSCSI Name', 'string', undefined),
  f('isns.pg_portal.ip_address', 'PG Portal IP Address', 'ipv6', undefined),
  f('isns.pg_index', 'PG Index', 'uint32', 'dec'),
  f('isns.pg_next_index', 'PG Next Index', 'uint32', 'dec'),
  f('isns.dd_id_next_id', 'DD ID Next ID', 'uint32', 'dec'),
  f('isns.member_iscsi_index', 'Member iSCSI Index', 'uint32', 'dec'),
  f('isns.member_portal_index', 'Member Portal Index', 'uint32', 'dec'),
  f('isns.member_fc_port_name', 'Member FC Port Name', 'uint32', 'dec'),
  f('isns.vendor_oui', 'Vendor OUI', 'uint32', 'dec'),
  f('isns.preferred_id', 'Preferred ID', 'uint32', 'dec'),
  f('isns.dd_set_id', 'DD Set ID', 'uint32', 'dec'),
  f('isns.dd_id', 'DD ID', 'uint32', 'dec'),
  f('isns.port_id', 'Port ID', 'uint24', 'hex'),
  f('isns.hard_address', 'Hard Address', 'uint24', 'hex'),
  f('isns.wwnn_token', 'WWNN Token', 'uint64', 'hex'),
  f('isns.fc_port_name_wwpn', 'FC Port Name WWPN', 'uint64', 'hex'),
  f('isns.fc_node_name_wwnn', 'FC Node Name WWNN', 'uint64', 'hex'),
  f('isns.node_ipa', 'Node IPA', 'uint64', 'hex'),
  f('isns.fabric_port_name', 'Fabric Port Name', 'uint64', 'hex'),
  f('isns.permanent_port_name', 'Permanent Port Name', 'uint64', 'hex'),
  f('isns.switch_name', 'Switch Name', 'uint64', 'hex'),
  f('isns.dd_set_next_id', 'DD Set Next ID', 'uint32', 'dec'),
  f('isns.assigned_id', 'Assigned ID', 'uint32', 'dec'),
  f('isns.node.index', 'Node Index', 'uint32', 'dec'),
  f('isns.node.next_index', 'Node Next Index', 'uint32', 'dec'),
  f('isns.portal.index', 'Portal Index', 'uint32', 'dec'),
  f('isns.portal.next_index', 'Portal Next Index', 'uint32', 'dec'),
  f('isns.entity.index', 'Entity Index', 'uint32', 'dec'),
  f('isns.entity.next_index', 'Entity Next Index', 'uint32', 'dec'),
  f('isns.timestamp', 'Timestamp', 'uint64', 'dec'),
  f('isns.esi_interval', 'ESI Interval', 'uint32', 'dec'),
  f('isns.registration_period', 'Registration Period', 'uint32', 'dec'),
  f('isns.portal_group_tag', 'PG Tag', 'uint32', 'dec'),
  f('isns.payload', 'Payload', 'bytes', undefined),
  f('isns.not_first_pdu', 'This is not the first PDU. The attributes are not decoded', 'none', undefined),
  f('isns.invalid_attribute_length', 'Invalid attribute length', 'none', undefined),
  // ---- beyond Wireshark (isnsx.*)
  f('isnsx.auth', 'Authentication Block', 'none'),
  f('isnsx.auth.bsd', 'Block Structure Descriptor', 'uint32', 'hex'),
  f('isnsx.auth.length', 'Authentication Block Length', 'uint32', 'dec'),
  f('isnsx.auth.timestamp', 'Timestamp', 'uint64', 'dec'),
  f('isnsx.auth.spi_length', 'SPI String Length', 'uint32', 'dec'),
  f('isnsx.auth.spi', 'SPI String', 'string'),
  f('isnsx.auth.signature', 'Structured Authenticator', 'bytes'),
  f('isnsx.protocol_version_range.max', 'Maximum Protocol Version', 'uint16', 'dec'),
  f('isnsx.protocol_version_range.min', 'Minimum Protocol Version', 'uint16', 'dec'),
  f('isnsx.entity_isakmp_phase1', 'Entity ISAKMP Phase-1', 'bytes'),
  f('isnsx.entity_certificate', 'Entity Certificate', 'bytes'),
  f('isnsx.portal_isakmp_phase1', 'Portal ISAKMP Phase-1', 'bytes'),
  f('isnsx.portal_isakmp_phase2', 'Portal ISAKMP Phase-2', 'bytes'),
  f('isnsx.portal_certificate', 'Portal Certificate', 'bytes'),
  f('isnsx.port_id', 'Port ID', 'uint24', 'hex'),
  f('isnsx.hard_address', 'Hard Address', 'uint24', 'hex'),
  f('isnsx.fc_port_type', 'FC Port Type', 'uint32', 'hex'),
  f('isnsx.class_of_service', 'Class of Service', 'uint32', 'hex'),
  f('isnsx.fc4_types', 'FC-4 Types', 'bytes'),
  f('isnsx.fc4_features', 'FC-4 Features', 'bytes'),
  f('isnsx.ifcp_scn_bitmap', 'iFCP SCN Bitmap', 'uint32', 'hex'),
  f('isnsx.port_role', 'Port Role', 'uint32', 'hex'),
  f('isnsx.fc4_type_code', 'FC-4 Type Code', 'uint32', 'hex'),
  f('isnsx.dd_set_status', 'DD_Set Status', 'uint32', 'hex'),
  f('isnsx.dd_member_fc_port_name', 'DD_Member FC Port Name', 'uint64', 'hex'),
  f('isnsx.dd_features', 'DD_Features', 'uint32', 'hex'),
  f('isnsx.unknown_attribute', 'Unknown attribute value', 'bytes'),
  f('isnsx.certificate_length', 'Certificate length', 'uint32', 'dec'),
];

const TF: Record<string, readonly [string, string]> = {
  'isns.flags.client': ['Sender is iSNS client', 'Sender is not iSNS client'],
  'isns.flags.server': ['Sender is iSNS server', 'Sender is not iSNS server'],
  'isns.flags.authentication_block': ['Authentication Block is PRESENT', 'No authentication block'],
  'isns.flags.replace': ['Replace', "Don't replace"],
  'isns.flags.lastpdu': ['Last PDU of iSNS Message', 'Not the Last PDU of iSNS Message'],
  'isns.flags.firstpdu': ['First PDU of iSNS Message', 'Not the first PDU of iSNS Message'],
  'isns.port.port_type': ['UDP', 'TCP'],
  'isns.psb.tunnel': ['Preferred', 'No Preference'],
  'isns.psb.transport': ['Preferred', 'No Preference'],
  'isns.psb.pfs': ['Enabled', 'Disabled'],
  'isns.psb.aggressive_mode': ['Enabled', 'Disabled'],
  'isns.psb.main_mode': ['Enabled', 'Disabled'],
  'isns.psb.ike_ipsec': ['Enabled', 'Disabled'],
  'isns.psb.bitmap': ['VALID', 'INVALID'],
  'isns.isnt.control': ['Yes', 'No'],
  'isns.isnt.initiator': ['Yes', 'No'],
  'isns.isnt.target': ['Yes', 'No'],
};
const STRINGS: Record<string, ReadonlyMap<number, string>> = {
  'isns.functionid': FUNCTION_NAMES,
  'isns.errorcode': vs(STATUS_NAMES),
  'isns.entity_protocol': new Map([[1, 'No Protocol'], [2, 'iSCSI'], [3, 'iFCP']]),
  'isns.attr.tag': new Map(TAGS.map((t) => [t.tag, t.ws])),
};

export const ISNS_FIELDS: readonly FieldDef[] = FIELD_LIST.map((d) => {
  const tf = TF[d.abbrev];
  const st = STRINGS[d.abbrev];
  return tf || st ? { ...d, ...(tf ? { tf } : {}), ...(st ? { strings: st } : {}) } : d;
});
const FD = new Map(ISNS_FIELDS.map((d) => [d.abbrev, d]));
function F(abbrev: string): FieldDef {
  const d = FD.get(abbrev);
  if (!d) throw new Error(`isns: no field ${abbrev}`);
  return d;
}

// ------------------------------------------------------------------ framing

/** Largest authentication block accepted (open-isns rejects more than 8192). */
export const MAX_AUTH = 8192;

function knownFunction(fid: number): boolean {
  return FUNCTION_NAMES.has(fid);
}

/** Framing for TCP (tcp_dissect_pdus shape), counting the authentication block. */
export function isnsPduLength(v: ByteView): PduLength {
  if (!v.has(0, HEADER)) return { need: HEADER };
  const ver = v.u16(0);
  if (ver !== 1) return { invalid: `iSNSP version ${ver}` };
  const fid = v.u16(2);
  if (!knownFunction(fid)) return { invalid: `unknown function ID 0x${fid.toString(16).padStart(4, '0')}` };
  const len = v.u16(4);
  const flags = v.u16(6);
  let total = HEADER + len;
  if (flags & FLAG_AUTH) {
    if (!v.has(total, 8)) return { need: total + 8 };
    const alen = v.u32(total + 4);
    // An implausible block length: frame the PDU without it (the bytes that follow resynchronise).
    if (alen >= 20 && alen <= MAX_AUTH) total += alen;
  }
  return { length: total };
}

export function isnsProbe(v: ByteView): boolean {
  return v.has(0, HEADER) && v.u16(0) === 1 && knownFunction(v.u16(2));
}

// ------------------------------------------------------------------ PDU

export interface IsnsHeader {
  version: number;
  functionId: number;
  pduLength: number;
  flags: number;
  xid: number;
  seq: number;
}

export interface AuthBlock {
  bsd: number;
  length: number;
  timestamp: bigint;
  spi: string;
  signature: Uint8Array;
  /** Offset of the block in the PDU. */
  offset: number;
}

export interface IsnsPduResult {
  header: IsnsHeader | null;
  /** The payload (PDU Length bytes, or what is present). */
  payload: Uint8Array;
  auth: AuthBlock | null;
  problems: string[];
}

function readAuth(v: ByteView, o: number, problems: string[]): AuthBlock | null {
  if (!v.has(o, 20)) {
    problems.push(`authentication block at offset ${o} is cut (${v.remaining(o)} of at least 20 bytes)`);
    return null;
  }
  const bsd = v.u32(o);
  const length = v.u32(o + 4);
  const timestamp = v.u64(o + 8);
  const spiLen = v.u32(o + 16);
  if (length < 20 || length > MAX_AUTH || !v.has(o, length)) {
    problems.push(`authentication block at offset ${o}: length ${length} is invalid or runs past the PDU`);
    return null;
  }
  if (20 + spiLen > length) {
    problems.push(`authentication block at offset ${o}: SPI length ${spiLen} runs past the block (${length})`);
    return null;
  }
  const spi = new TextDecoder('utf-8', { fatal: false }).decode(v.bytes(o + 20, spiLen));
  return { bsd, length, timestamp, spi, signature: v.bytes(o + 20 + spiLen, length - 20 - spiLen).slice(), offset: o };
}

/** Header, payload and authentication block of one PDU. Never throws. */
export function dissectIsnsPdu(v: ByteView, transport: 'tcp' | 'udp'): IsnsPduResult {
  const problems: string[] = [];
  if (!v.has(0, HEADER)) return { header: null, payload: new Uint8Array(0), auth: null, problems: [`PDU of ${v.captured} bytes is shorter than the 12-byte header`] };
  const header: IsnsHeader = { version: v.u16(0), functionId: v.u16(2), pduLength: v.u16(4), flags: v.u16(6), xid: v.u16(8), seq: v.u16(10) };
  let plen = header.pduLength;
  const avail = v.captured - HEADER;
  if (plen > avail) {
    problems.push(`PDU length ${plen} runs past the ${avail} bytes present`);
    plen = avail;
  }
  if (header.pduLength % 4 !== 0) problems.push(`PDU length ${header.pduLength} is not a multiple of 4 (RFC 4171 §5.1.3)`);
  if (header.flags & 0x03ff) problems.push(`reserved flag bits 0x${(header.flags & 0x3ff).toString(16).padStart(4, '0')} are set`);
  const payload = v.bytes(HEADER, plen);
  let auth: AuthBlock | null = null;
  if (header.flags & FLAG_AUTH) auth = readAuth(v, HEADER + plen, problems);
  else if (transport === 'tcp' && v.captured > HEADER + plen) problems.push(`${v.captured - HEADER - plen} bytes follow the PDU`);
  return { header, payload, auth, problems };
}

export const isns: AppProtocol<IsnsPduResult> & { readonly fields: readonly FieldDef[] } = {
  abbrev: 'isns',
  name: 'iSNS',
  fields: ISNS_FIELDS,
  framing: { headerLength: HEADER, pduLength: isnsPduLength, maxPduLength: HEADER + 65535 + MAX_AUTH },
  probe: isnsProbe,
  dissectPdu(v: ByteView, ctx: PduContext): IsnsPduResult {
    return dissectIsnsPdu(v, ctx.transport);
  },
};

// ------------------------------------------------------------------ value decoding

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Wireshark's ENC_ASCII string: up to the first NUL, every byte >= 0x80 shown as U+FFFD. */
function wsString(v: ByteView, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = v.u8(o + i);
    if (b === 0) break;
    s += b >= 0x80 ? '\ufffd' : String.fromCharCode(b);
  }
  return s;
}

/** RFC string: UTF-8 up to the first NUL. */
function rfcString(raw: Uint8Array): string {
  const z = raw.indexOf(0);
  return UTF8.decode(z >= 0 ? raw.subarray(0, z) : raw);
}

function u32of(raw: Uint8Array, o = 0): number {
  return ((raw[o]! << 24) >>> 0) + ((raw[o + 1]! << 16) | (raw[o + 2]! << 8) | raw[o + 3]!);
}

const PSB_BITS: [string, number][] = [
  ['isns.psb.tunnel', 0x40], ['isns.psb.transport', 0x20], ['isns.psb.pfs', 0x10], ['isns.psb.aggressive_mode', 0x08],
  ['isns.psb.main_mode', 0x04], ['isns.psb.ike_ipsec', 0x02], ['isns.psb.bitmap', 0x01],
];
const SCN_BITS: [string, number][] = [
  ['isns.scn_bitmap.initiator_and_self_information_only', 0x80], ['isns.scn_bitmap.target_and_self_information_only', 0x40],
  ['isns.scn_bitmap.management_registration_scn', 0x20], ['isns.scn_bitmap.object_removed', 0x10],
  ['isns.scn_bitmap.object_added', 0x08], ['isns.scn_bitmap.object_updated', 0x04],
  ['isns.scn_bitmap.dd_dds_member_removed', 0x02], ['isns.scn_bitmap.dd_dds_member_added', 0x01],
];
const ISNT_BITS: [string, number][] = [['isns.isnt.control', 0x4], ['isns.isnt.initiator', 0x2], ['isns.isnt.target', 0x1]];

const PSB_NAMES: [number, string][] = [[0x01, 'VALID'], [0x02, 'IKE/IPsec'], [0x04, 'Main Mode'], [0x08, 'Aggressive Mode'], [0x10, 'PFS'], [0x20, 'Transport Mode'], [0x40, 'Tunnel Mode']];
const SCN_NAMES: [number, string][] = [[0x80, 'Initiator and self information only'], [0x40, 'Target and self information only'], [0x20, 'Management registration/SCN'], [0x10, 'Object removed'], [0x08, 'Object added'], [0x04, 'Object updated'], [0x02, 'DD/DDS member removed'], [0x01, 'DD/DDS member added']];
const NT_NAMES: [number, string][] = [[0x1, 'Target'], [0x2, 'Initiator'], [0x4, 'Control']];

function n(abbrev: string, value: FieldValue, offset: number, length: number, children?: FieldNode[]): FieldNode {
  return children ? { def: F(abbrev), value, offset, length, children } : { def: F(abbrev), value, offset, length };
}

function bits(list: [string, number][], v: number, o: number): FieldNode[] {
  return list.map(([a, m]) => n(a, (v & m) !== 0, o, 4));
}

// ------------------------------------------------------------------ trees

export interface TreeOptions {
  readonly transport: 'tcp' | 'udp';
  /** false: exactly Wireshark 4.0's fields; true: our complete decode. */
  readonly full: boolean;
}

/** Stop marker for Wireshark's exceptions (malformed: the rest of the PDU is not shown). */
class Stop extends Error {}

/** The field tree of one PDU (see the module comment for the two modes). Never throws. */
export function isnsTree(pdu: Uint8Array, o: TreeOptions): FieldNode[] {
  const out: FieldNode[] = [];
  const v = ByteView.of(pdu);
  if (!v.has(0, HEADER)) return out;
  try {
    header(v, out, o);
  } catch (e) {
    if (!(e instanceof Stop) && !(e instanceof Error && e.name.endsWith('Error'))) throw e;
  }
  return out;
}

function header(v: ByteView, out: FieldNode[], o: TreeOptions): void {
  const fid = v.u16(2);
  const len = v.u16(4);
  const flags = v.u16(6);
  out.push(n('isns.PVer', v.u16(0), 0, 2), n('isns.functionid', fid, 2, 2), n('isns.pdulength', len, 4, 2));
  out.push(
    n('isns.flags', flags, 6, 2, [
      n('isns.flags.client', (flags & FLAG_CLIENT) !== 0, 6, 2),
      n('isns.flags.server', (flags & FLAG_SERVER) !== 0, 6, 2),
      n('isns.flags.authentication_block', (flags & FLAG_AUTH) !== 0, 6, 2),
      n('isns.flags.replace', (flags & FLAG_REPLACE) !== 0, 6, 2),
      n('isns.flags.lastpdu', (flags & FLAG_LAST) !== 0, 6, 2),
      n('isns.flags.firstpdu', (flags & FLAG_FIRST) !== 0, 6, 2),
    ]),
  );
  out.push(n('isns.transactionid', v.u16(8), 8, 2), n('isns.sequenceid', v.u16(10), 10, 2));
  // Wireshark: TCP PDUs are framed to 12 + PDU length; a UDP datagram is taken whole.
  let end = o.transport === 'udp' && !o.full ? v.captured : Math.min(v.captured, HEADER + len);
  if (o.full) end = Math.min(v.captured, HEADER + len);
  const payloadNodes: FieldNode[] = [];
  out.push(n('isns.payload', v.bytes(HEADER, end - HEADER), HEADER, end - HEADER, payloadNodes));
  try {
    payload(v, end, fid, flags, payloadNodes, o.full);
  } finally {
    if (o.full && flags & FLAG_AUTH) {
      const problems: string[] = [];
      const a = readAuth(v, HEADER + len, problems);
      if (a) {
        out.push(
          n('isnsx.auth', null, a.offset, a.length, [
            n('isnsx.auth.bsd', a.bsd, a.offset, 4),
            n('isnsx.auth.length', a.length, a.offset + 4, 4),
            n('isnsx.auth.timestamp', a.timestamp, a.offset + 8, 8),
            n('isnsx.auth.spi_length', new TextEncoder().encode(a.spi).length, a.offset + 16, 4),
            n('isnsx.auth.spi', a.spi, a.offset + 20, a.spi.length),
            n('isnsx.auth.signature', a.signature, a.offset + 20 + a.spi.length, a.signature.length),
          ]),
        );
      }
    }
  }
}

function payload(v: ByteView, end: number, fid: number, flags: number, out: FieldNode[], full: boolean): void {
  let off = HEADER;
  if (fid === HEARTBEAT) {
    const need = (k: number): void => {
      if (off + k > end) throw new Stop();
    };
    need(16);
    out.push(n('isns.heartbeat.address', v.ipv6(off), off, 16));
    off += 16;
    need(2);
    out.push(n('isns.heartbeat.tcpport', v.u16(off), off, 2));
    off += 2;
    need(2);
    out.push(n('isns.heartbeat.udpport', v.u16(off), off, 2));
    off += 2;
    need(4);
    out.push(n('isns.heartbeat.interval', v.u32(off), off, 4));
    off += 4;
    need(4);
    out.push(n('isns.heartbeat.counter', v.u32(off), off, 4));
    return;
  }
  const first = (flags & FLAG_FIRST) !== 0;
  if (isResponse(fid) && first) {
    if (off + 4 > end) throw new Stop();
    out.push(n('isns.errorcode', v.u32(off), off, 4));
    off += 4;
  }
  if (!first && !full) {
    out.push(n('isns.not_first_pdu', null, off, end - off));
    return;
  }
  if (!first && full) return; // attributes of a continuation PDU are decoded with the assembled message
  while (off < end) {
    if (off + 8 > end) throw new Stop();
    const tag = v.u32(off);
    const len = v.u32(off + 4);
    const kids: FieldNode[] = [n('isns.attr.tag', tag, off, 4), n('isns.attr.len', len, off + 4, 4)];
    out.push(...kids);
    if (len === 0) {
      if (tag === 51 && (fid === 0x0001 || fid === 0x8001)) out.push(n('isns.portal_group_tag', 0, off, 8));
      off += 8;
      continue;
    }
    if (len > end - off - 8) throw new Stop();
    const vo = off + 8;
    const spec = TAG_BY_NUMBER.get(tag);
    if (full) fullValue(v, vo, len, spec, out);
    else wsValue(v, vo, len, spec, out);
    off = vo + len;
  }
}

/** One attribute value exactly as Wireshark 4.0 shows it. */
function wsValue(v: ByteView, o: number, len: number, spec: TagSpec | undefined, out: FieldNode[]): void {
  if (!spec || spec.wsField === null) {
    out.push(n('isns.not_decoded_yet', null, o, len));
    return;
  }
  if (spec.wsLen !== undefined && len !== spec.wsLen) {
    out.push(n('isns.invalid_attribute_length', null, o, len));
    return;
  }
  const a = spec.wsField;
  switch (spec.kind) {
    case 'string':
      out.push(n(a, wsString(v, o, len), o, len));
      return;
    case 'ip':
      if (len !== 16) throw new Stop();
      out.push(n(a, v.ipv6(o), o, 16));
      return;
    case 'port':
      if (len < 4) throw new Stop();
      out.push(n(a, v.u16(o + 2), o, 4), n('isns.port.port_type', (v.u16(o) & 1) === 1, o, 2));
      return;
    case 'u24':
      out.push(n(a, v.u24(o), o, 3));
      return;
    case 'u64':
      if (spec.wsLen === 4) out.push(n(a, v.u32(o), o, 4));
      else out.push(n(a, v.u64(o), o, 8));
      return;
    case 'psb': {
      if (len < 4) throw new Stop();
      const x = v.u32(o);
      out.push(n(a, x, o, 4, bits(PSB_BITS, x, o)));
      return;
    }
    case 'scn': {
      const x = v.u32(o);
      out.push(n(a, x, o, 4, bits(SCN_BITS, x, o)));
      return;
    }
    case 'nodetype': {
      const x = v.u32(o);
      out.push(n(a, x, o, 4, bits(ISNT_BITS, x, o)));
      return;
    }
    default:
      if (len < 4) throw new Stop();
      out.push(n(a, v.u32(o), o, 4));
  }
}

/** One attribute value decoded per RFC 4171 (our full decode). */
function fullValue(v: ByteView, o: number, len: number, spec: TagSpec | undefined, out: FieldNode[]): void {
  const raw = v.bytes(o, len);
  if (!spec) {
    out.push(n('isnsx.unknown_attribute', raw, o, len));
    return;
  }
  const a = spec.xField ?? spec.wsField!;
  const fixed = (k: number): boolean => len >= k;
  switch (spec.kind) {
    case 'string':
      out.push(n(a, rfcString(raw), o, len));
      return;
    case 'ip':
      if (len === 16) out.push(n(a, formatIpv6(raw, 0), o, 16));
      else out.push(n('isnsx.unknown_attribute', raw, o, len));
      return;
    case 'port':
      if (fixed(4)) out.push(n(a, v.u16(o + 2), o, 4), n('isns.port.port_type', (v.u16(o) & 1) === 1, o, 2));
      return;
    case 'u24':
      if (fixed(4)) out.push(n(a, v.u32(o) & 0xffffff, o, 4));
      else if (fixed(3)) out.push(n(a, v.u24(o), o, 3));
      return;
    case 'u64':
      if (fixed(8)) out.push(n(a, v.u64(o), o, 8));
      return;
    case 'range':
      if (fixed(4)) out.push(n('isnsx.protocol_version_range.max', v.u16(o), o, 2), n('isnsx.protocol_version_range.min', v.u16(o + 2), o + 2, 2));
      return;
    case 'bytes':
      out.push(n(a, raw, o, len));
      if (spec.tag === 12 || spec.tag === 31) out.push(n('isnsx.certificate_length', len, o, len));
      return;
    case 'psb':
    case 'scn':
    case 'nodetype': {
      if (!fixed(4)) return;
      const x = v.u32(o);
      const list = spec.kind === 'psb' ? PSB_BITS : spec.kind === 'scn' ? SCN_BITS : ISNT_BITS;
      out.push(n(a, x, o, 4, bits(list, x, o)));
      return;
    }
    default:
      if (fixed(4)) out.push(n(a, v.u32(o), o, 4));
  }
}

// ------------------------------------------------------------------ messages

export type AttrRole = 'source' | 'key' | 'delimiter' | 'operating';

export type IsnsValue =
  | { kind: 'empty' }
  | { kind: 'string'; text: string }
  | { kind: 'uint'; value: number }
  | { kind: 'uint64'; value: bigint }
  | { kind: 'address'; text: string; ipv4: string | null }
  | { kind: 'port'; port: number; udp: boolean }
  | { kind: 'bitmap'; value: number; names: string[] }
  | { kind: 'bytes'; hex: string };

export interface IsnsAttr {
  tag: number;
  length: number;
  /** Offset of the TLV within the message payload. */
  offset: number;
  role: AttrRole;
  /** Index of the object among operating attributes (-1 for source/key/delimiter). */
  object: number;
  /** Wireshark's value field where it has one, else ours (isnsx.*). */
  abbrev: string;
  /** RFC 4171 name. */
  name: string;
  value: IsnsValue;
  /** The value bytes. */
  raw: Uint8Array;
  problem?: string;
}

export interface IsnsMessage {
  functionId: number;
  name: string;
  isResponse: boolean;
  xid: number;
  flags: number;
  /** Responses: the status at the start of the (assembled) payload. */
  status: number | null;
  attrs: IsnsAttr[];
  problems: string[];
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function names(v: number, list: [number, string][]): string[] {
  return list.filter(([m]) => (v & m) !== 0).map(([, s]) => s);
}

/** IPv4 text when the 16 bytes are IPv4-mapped, or IPv4-compatible with a non-zero upper half (so ::1 stays IPv6). */
export function ipv4Of(raw: Uint8Array): string | null {
  for (let i = 0; i < 10; i++) if (raw[i] !== 0) return null;
  const mapped = raw[10] === 0xff && raw[11] === 0xff;
  const compat = raw[10] === 0 && raw[11] === 0 && (raw[12] !== 0 || raw[13] !== 0);
  return mapped || compat ? `${raw[12]}.${raw[13]}.${raw[14]}.${raw[15]}` : null;
}

/** Text made on first use: most values are never shown (only records are built). */
function lazyBytes(raw: Uint8Array): IsnsValue {
  let h: string | undefined;
  return {
    kind: 'bytes',
    get hex(): string {
      return (h ??= hex(raw));
    },
  };
}

function lazyAddress(raw: Uint8Array): IsnsValue {
  let t: string | undefined;
  return {
    kind: 'address',
    get text(): string {
      return (t ??= formatIpv6(raw, 0));
    },
    ipv4: ipv4Of(raw),
  };
}

function decodeValue(spec: TagSpec | undefined, raw: Uint8Array): { value: IsnsValue; problem?: string } {
  if (raw.length === 0) return { value: { kind: 'empty' } };
  if (!spec) return { value: lazyBytes(raw), problem: 'unknown tag' };
  const wrong = spec.rfcLen !== undefined && raw.length !== spec.rfcLen ? `length ${raw.length}, RFC 4171 wants ${spec.rfcLen}` : undefined;
  const w = (value: IsnsValue): { value: IsnsValue; problem?: string } => (wrong ? { value, problem: wrong } : { value });
  switch (spec.kind) {
    case 'string':
      return { value: { kind: 'string', text: rfcString(raw) } };
    case 'ip':
      if (raw.length !== 16) return { value: lazyBytes(raw), problem: wrong ?? 'bad address length' };
      return { value: lazyAddress(raw) };
    case 'port':
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'port', port: ((raw[2]! << 8) | raw[3]!) >>> 0, udp: (raw[1]! & 1) === 1 });
    case 'psb':
    case 'scn':
    case 'nodetype': {
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      const x = u32of(raw);
      return w({ kind: 'bitmap', value: x, names: names(x, spec.kind === 'psb' ? PSB_NAMES : spec.kind === 'scn' ? SCN_NAMES : NT_NAMES) });
    }
    case 'pgt':
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint', value: u32of(raw) & 0xffff });
    case 'u24':
      if (raw.length < 3) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint', value: raw.length >= 4 ? u32of(raw) & 0xffffff : (raw[0]! << 16) | (raw[1]! << 8) | raw[2]! });
    case 'u64':
      if (raw.length < 8) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint64', value: (BigInt(u32of(raw)) << 32n) | BigInt(u32of(raw, 4)) });
    case 'u32':
    case 'range':
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint', value: u32of(raw) });
    default:
      return { value: lazyBytes(raw) };
  }
}

/** Requests that carry no source attribute (RFC 4171 §5.6.5): SCN and ESI start with their own attributes. */
const NO_SOURCE = new Set([0x0008, 0x000d, 0x000e]);

/**
 * Decode an assembled message payload (all PDUs joined in sequence order):
 * status for responses, then TLVs with their roles. Never throws.
 */
export function parseIsnsMessage(functionId: number, flags: number, xid: number, payload: Uint8Array): IsnsMessage {
  const resp = isResponse(functionId);
  const m: IsnsMessage = { functionId, name: functionName(functionId), isResponse: resp, xid, flags, status: null, attrs: [], problems: [] };
  const v = ByteView.of(payload);
  let o = 0;
  if (functionId === HEARTBEAT) return m;
  if (resp) {
    if (payload.length < 4) {
      m.problems.push(`response of ${payload.length} bytes has no 4-byte status`);
      return m;
    }
    m.status = v.u32(0);
    o = 4;
  }
  const hasSource = !resp && !NO_SOURCE.has(functionId);
  let seenDelim = false;
  let object = -1;
  let prevTag = -1;
  const tlvs: IsnsAttr[] = [];
  while (o < payload.length) {
    if (payload.length - o < 8) {
      m.problems.push(`${payload.length - o} stray bytes at offset ${o}, too few for an attribute header`);
      break;
    }
    const tag = v.u32(o);
    const len = v.u32(o + 4);
    if (len > payload.length - o - 8) {
      m.problems.push(`attribute tag ${tag} at offset ${o}: length ${len} runs past the end of the message (${payload.length - o - 8} bytes left)`);
      break;
    }
    const raw = v.bytes(o + 8, len);
    const spec = TAG_BY_NUMBER.get(tag);
    const { value, problem } = decodeValue(spec, raw);
    let role: AttrRole;
    if (tag === 0) {
      role = 'delimiter';
      seenDelim = true;
    } else if (hasSource && tlvs.length === 0) role = 'source';
    else if (!seenDelim) role = 'key';
    else role = 'operating';
    const a: IsnsAttr = {
      tag,
      length: len,
      offset: o,
      role,
      object: -1,
      abbrev: spec ? (spec.wsField ?? spec.xField ?? 'isnsx.unknown_attribute') : 'isnsx.unknown_attribute',
      name: spec?.name ?? `Unknown attribute ${tag}`,
      value,
      raw,
    };
    let prob = problem;
    if (len % 4 !== 0) prob = (prob ? prob + '; ' : '') + `length ${len} is not a multiple of 4`;
    if (tag === 0 && len !== 0) prob = (prob ? prob + '; ' : '') + `delimiter with length ${len}`;
    if (prob) {
      a.problem = prob;
      m.problems.push(`attribute ${a.name} (tag ${tag}) at offset ${o}: ${prob}`);
    }
    tlvs.push(a);
    o += 8 + len;
  }
  // Without a delimiter, messages that have none by design (SCN, ESI, their responses, and
  // responses in general) carry operating attributes; requests keep source + key.
  if (!seenDelim && (resp || NO_SOURCE.has(functionId))) for (const a of tlvs) if (a.role === 'key') a.role = 'operating';
  for (const a of tlvs) {
    if (a.role === 'operating') {
      const startsObject = OBJECT_KEYS.has(a.tag) || (a.tag === 48 && prevTag !== 51 && prevTag !== 48);
      if (startsObject || object < 0) object++;
      a.object = object;
      prevTag = a.tag;
    }
  }
  m.attrs = tlvs;
  return m;
}
