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
import { ByteView, formatIpv6 } from '../core/byteview.js';
import type { FieldDef, FieldNode, FieldValue } from '../core/field.js';
import type { AppProtocol, PduContext, PduLength } from '../core/protocol.js';
import { OBJECT_KEYS, TAG_BY_NUMBER, TAGS, type TagSpec } from './attrs.js';
import { f } from '../core/layer.js';

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
  'isns.psb.tunnel': ['Preferred', 'No preference'],
  'isns.psb.transport': ['Preferred', 'No preference'],
  'isns.psb.pfs': ['Enabled', 'Disabled'],
  'isns.psb.aggressive_mode': ['Enabled', 'Disabled'],
  'isns.psb.main_mode': ['Enabled', 'Disabled'],
  'isns.psb.ike_ipsec': ['Enabled', 'Disabled'],
  'isns.psb.bitmap': ['Valid', 'Invalid'],
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

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Largest authentication block accepted (open-isns rejects more than 8192). */
export const MAX_AUTH = 8192;

function knownFunction(fid: number): boolean {
  return FUNCTION_NAMES.has(fid);
}

/**
 * Framing for TCP (tcp_dissect_pdus shape), counting the authentication block.
 * Accepts what Wireshark accepts (version 1, a function ID in its table, any
 * PDU length — alignment is not enforced, only reported by dissectIsnsPdu),
 * plus the block: with flag 0x2000 the length word at 12 + PDU length + 4 is
 * read and added. A block length under 20 or over MAX_AUTH (open-isns's
 * bounds) is not believed: the PDU is framed without it, dissectIsnsPdu
 * reports the missing block, and the stream resynchronises on the bytes that
 * follow (so a lying length word cannot swallow later PDUs).
 */
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
  /** SPI string length in bytes. */
  spiLength: number;
  /** SPI string (UTF-8 decoded; open-isns puts the sender's principal name here). */
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
  if (v.remaining(o) === 0) {
    // TCP framing leaves the block out when its length word is under 20 or over MAX_AUTH.
    problems.push(`the Auth flag is set but no authentication block follows the payload at offset ${o} (block lengths under 20 or over ${MAX_AUTH} are not accepted)`);
    return null;
  }
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
  const spi = UTF8.decode(v.bytes(o + 20, spiLen));
  // A view into the PDU's bytes (FramedPdu bytes are owned), not a copy.
  return { bsd, length, timestamp, spiLength: spiLen, spi, signature: v.bytes(o + 20 + spiLen, length - 20 - spiLen), offset: o };
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
  // An empty payload has no item in Wireshark (and so nothing under it, not even isns.not_first_pdu).
  if (end > HEADER) out.push(n('isns.payload', v.bytes(HEADER, end - HEADER), HEADER, end - HEADER, payloadNodes));
  try {
    if (end > HEADER) payload(v, end, fid, flags, payloadNodes, o.full);
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
            n('isnsx.auth.spi_length', a.spiLength, a.offset + 16, 4),
            n('isnsx.auth.spi', a.spi, a.offset + 20, a.spiLength),
            n('isnsx.auth.signature', a.signature, a.offset + 20 + a.spiLength, a.signature.length),
          ]),
        );
      }
    }
  }
}

function payload(v: ByteView, end: number, fid: number, flags: number, out: FieldNode[], full: boolean): void {
  let off = HEADER;
  if (fid === HEARTBEAT) {
    // Fixed layout; Wireshark shows the first 28 bytes, each item only if its bytes are there.
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
  if (!first) {
    // Wireshark: an expert item over the rest of the payload, none when the payload is empty.
    if (!full && off < end) out.push(n('isns.not_first_pdu', null, off, end - off));
    return; // full: the attributes of a continuation PDU are decoded with the assembled message
  }
  while (off < end) off = full ? fullAttr(v, off, end, fid, out) : wsAttr(v, off, end, fid, out);
}

/**
 * One TLV exactly as Wireshark 4.0 shows it; returns the next offset or throws
 * Stop where Wireshark's dissection ends with an exception. Rules verified
 * with tshark 4.0.17 on crafted PDUs (test/isns-tshark.test.ts), where
 * R = bytes left after the tag and length words:
 *  - the tag item when 4 bytes are left, the length item when 8 are;
 *  - length 0: nothing more, except a zero-length PG Tag in DevAttrReg(Rsp),
 *    which adds "PG Tag: <NULL>" (value 0);
 *  - a delimiter with a non-zero length: no value item;
 *  - "Not Decoded Yet" (and unknown tags): always shown, whatever the length;
 *  - tags with a required length: any other length → isns.invalid_attribute_length;
 *  - strings: shown when length <= R, or length 0xffffffff (= "to the end");
 *  - unchecked uint32 (19, 22, 24): shown when length <= R; 1–3 bytes are
 *    read as a big-endian number, longer values by their first 4 bytes;
 *  - unchecked addresses (16, 49): a length under 16 ends the PDU; shown when
 *    length <= R (the first 16 bytes);
 *  - port words (17, 20, 23) and the PSB (27): 4 bytes read whatever the length;
 *  - afterwards a length beyond R (or >= 2^31) ends the PDU.
 */
function wsAttr(v: ByteView, off: number, end: number, fid: number, out: FieldNode[]): number {
  if (off + 4 > end) throw new Stop();
  const tag = v.u32(off);
  out.push(n('isns.attr.tag', tag, off, 4));
  if (off + 8 > end) throw new Stop();
  const len = v.u32(off + 4);
  out.push(n('isns.attr.len', len, off + 4, 4));
  const o = off + 8;
  if (len === 0) {
    if (tag === 51 && (fid === 0x0001 || fid === 0x8001)) out.push(n('isns.portal_group_tag', 0, o, 8));
    return o;
  }
  const rest = end - o;
  const fits = len <= rest;
  const spec = TAG_BY_NUMBER.get(tag);
  if (tag === 0) {
    // a delimiter's value is skipped
  } else if (!spec || spec.wsField === null) {
    out.push(n('isns.not_decoded_yet', null, o, Math.min(len, rest)));
  } else if (spec.wsLen !== undefined && len !== spec.wsLen) {
    out.push(n('isns.invalid_attribute_length', null, off + 4, 4));
  } else {
    const a = spec.wsField;
    switch (spec.kind) {
      case 'string': {
        const l = len === 0xffffffff ? rest : fits ? len : -1;
        if (l > 0) out.push(n(a, wsString(v, o, l), o, l));
        break;
      }
      case 'ip':
        if (len < 16) throw new Stop(); // "Trying to fetch an IPv6 address with length n": an exception
        if (fits) out.push(n(a, v.ipv6(o), o, 16));
        break;
      case 'port':
        if (o + 4 > end) throw new Stop();
        out.push(n(a, v.u16(o + 2), o, 4), n('isns.port.port_type', (v.u16(o) & 1) === 1, o, 2));
        break;
      case 'psb': {
        if (o + 4 > end) throw new Stop();
        const x = v.u32(o);
        out.push(n(a, x, o, 4, bits(PSB_BITS, x, o)));
        break;
      }
      case 'scn':
      case 'nodetype':
        if (fits) {
          const x = v.u32(o);
          out.push(n(a, x, o, 4, bits(spec.kind === 'scn' ? SCN_BITS : ISNT_BITS, x, o)));
        }
        break;
      case 'u24':
        if (fits) out.push(n(a, v.u24(o), o, 3));
        break;
      case 'u64':
        if (fits) out.push(spec.wsLen === 4 ? n(a, v.u32(o), o, 4) : n(a, v.u64(o), o, 8));
        break;
      default: {
        // uint32 (also the PG Tag): 1–3 bytes big-endian, longer values by their first 4 bytes
        if (fits) {
          let x = 0;
          for (let i = 0; i < Math.min(len, 4); i++) x = x * 256 + v.u8(o + i);
          out.push(n(a, x, o, len));
        }
      }
    }
  }
  if (!fits || len >= 0x80000000) throw new Stop();
  return o + len;
}

/** One TLV of our full decode (RFC rules); a length past the end stops the PDU. */
function fullAttr(v: ByteView, off: number, end: number, fid: number, out: FieldNode[]): number {
  if (off + 8 > end) throw new Stop();
  const tag = v.u32(off);
  const len = v.u32(off + 4);
  out.push(n('isns.attr.tag', tag, off, 4), n('isns.attr.len', len, off + 4, 4));
  const o = off + 8;
  if (len === 0) {
    if (tag === 51 && (fid === 0x0001 || fid === 0x8001)) out.push(n('isns.portal_group_tag', 0, o, 8));
    return o;
  }
  if (len > end - o) throw new Stop();
  if (tag !== 0) fullValue(v, o, len, TAG_BY_NUMBER.get(tag), out);
  return o + len;
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
  /** Heartbeat (0x000E) only: its fixed, non-TLV layout. */
  heartbeat?: IsnsHeartbeat;
  problems: string[];
}

/** A heartbeat server address with its ports (RFC 4171 §5.6.5.14). */
export interface HeartbeatServer {
  /** inet_ntop text of the 16 bytes. */
  address: string;
  /** Dotted quad when IPv4-mapped or -compatible (see ipv4Of). */
  ipv4: string | null;
  tcpPort: number;
  udpPort: number;
}

/** The Heartbeat payload: active server, interval, counter, backup servers, vendor bytes. */
export interface IsnsHeartbeat extends HeartbeatServer {
  interval: number;
  counter: number;
  /** Backup server count as sent (the list holds those actually present). */
  backupCount: number;
  backups: HeartbeatServer[];
  /** Vendor-specific bytes after the backup list. */
  vendor: Uint8Array;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function names(v: number, list: [number, string][]): string[] {
  return list.filter(([m]) => (v & m) !== 0).map(([, s]) => s);
}

/**
 * IPv4 text when the 16 bytes carry an IPv4 address: IPv4-mapped (::ffff:a.b.c.d,
 * the RFC form, including ::ffff:0.0.0.0), or IPv4-compatible (::a.b.c.d, what
 * open-isns sends) when the upper 16 bits of the last word are non-zero. That
 * is exactly when inet_ntop (and tshark) prints a dotted quad, so ::, ::1 and
 * ::0.0.1.0 (= ::100) stay IPv6, never the ambiguous "0.0.0.0"/"0.0.0.1".
 */
export function ipv4Of(raw: Uint8Array): string | null {
  return ipv4Bits(raw) === null ? null : `${raw[12]}.${raw[13]}.${raw[14]}.${raw[15]}`;
}

/** The IPv4 address ipv4Of shows, as a 32-bit signed integer (a small integer for V8: a cheap Map key). */
export function ipv4Bits(raw: Uint8Array): number | null {
  for (let i = 0; i < 10; i++) if (raw[i] !== 0) return null;
  const mapped = raw[10] === 0xff && raw[11] === 0xff;
  const compat = raw[10] === 0 && raw[11] === 0 && (raw[12] !== 0 || raw[13] !== 0);
  return mapped || compat ? (raw[12]! << 24) | (raw[13]! << 16) | (raw[14]! << 8) | raw[15]! : null;
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

export function decodeValue(spec: TagSpec | undefined, raw: Uint8Array): { value: IsnsValue; problem?: string } {
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

/** What decodeValue would report for a value of `len` bytes, without decoding it. */
function valueProblem(spec: TagSpec | undefined, len: number): string | undefined {
  if (len === 0) return undefined;
  if (!spec) return 'unknown tag';
  const wrong = spec.rfcLen !== undefined && len !== spec.rfcLen ? `length ${len}, RFC 4171 wants ${spec.rfcLen}` : undefined;
  switch (spec.kind) {
    case 'string':
      return undefined;
    case 'ip':
      return len !== 16 ? (wrong ?? 'bad address length') : undefined;
    case 'port':
    case 'psb':
    case 'scn':
    case 'nodetype':
    case 'pgt':
    case 'u24':
    case 'u64':
    case 'u32':
    case 'range':
      return wrong;
    default:
      return undefined;
  }
}

/**
 * One TLV of a parsed message. Its bytes and decoded value are made on first
 * use (building portal records reads few of them); `raw` may be re-pointed to
 * an owned copy by whoever keeps the message (see ownAttrBytes).
 */
class Attr implements IsnsAttr {
  object = -1;
  problem?: string;
  private r: Uint8Array | null = null;
  private v: IsnsValue | null = null;
  constructor(
    readonly tag: number,
    readonly length: number,
    readonly offset: number,
    public role: AttrRole,
    private readonly spec: TagSpec | undefined,
    private src: Uint8Array,
  ) {}
  get abbrev(): string {
    const spec = this.spec;
    return spec ? (spec.wsField ?? spec.xField ?? 'isnsx.unknown_attribute') : 'isnsx.unknown_attribute';
  }
  get name(): string {
    return this.spec?.name ?? `Unknown attribute ${this.tag}`;
  }
  get raw(): Uint8Array {
    return (this.r ??= this.src.subarray(this.offset + 8, this.offset + 8 + this.length));
  }
  set raw(b: Uint8Array) {
    this.r = b;
    this.src = b;
    this.v = null;
  }
  get value(): IsnsValue {
    return (this.v ??= decodeValue(this.spec, this.raw).value);
  }
  set value(x: IsnsValue) {
    this.v = x;
  }
  toJSON(): unknown {
    const { tag, length, offset, role, object, abbrev, name, value, raw, problem } = this;
    return { tag, length, offset, role, object, abbrev, name, value, raw, ...(problem !== undefined ? { problem } : {}) };
  }
}

/**
 * Give a message that will be kept (a request awaiting its response) its own
 * exactly-sized copy of its attribute bytes, so it no longer pins the shared
 * buffers its PDU was cut from (see keepBytes).
 */
export function ownAttrBytes(m: IsnsMessage): void {
  let total = 0;
  for (const a of m.attrs) total += a.length;
  const buf = new Uint8Array(total);
  let o = 0;
  for (const a of m.attrs) {
    const r = a.raw;
    buf.set(r, o);
    a.raw = buf.subarray(o, o + r.length);
    o += r.length;
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
  if (functionId === HEARTBEAT) {
    parseHeartbeat(v, m);
    return m;
  }
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
    const spec = TAG_BY_NUMBER.get(tag);
    const problem = valueProblem(spec, len);
    let role: AttrRole;
    if (tag === 0) {
      role = 'delimiter';
      seenDelim = true;
    } else if (hasSource && tlvs.length === 0) role = 'source';
    else if (!seenDelim) role = 'key';
    else role = 'operating';
    const a = new Attr(tag, len, o, role, spec, payload);
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
  if (hasSource && tlvs.length > 0 && tlvs[0]!.role !== 'source') m.problems.push('request without a source attribute: it starts with the delimiter (RFC 4171 §5.6.1)');
  // In DDS messages a DD_ID lists a member DD of the set, not a new object.
  const dds = (functionId & 0x7fff) === 0x000b || (functionId & 0x7fff) === 0x000c;
  for (const a of tlvs) {
    if (a.role === 'operating') {
      const startsObject = (OBJECT_KEYS.has(a.tag) && !(dds && a.tag === 2065)) || (a.tag === 48 && prevTag !== 51 && prevTag !== 48);
      if (startsObject || object < 0) object++;
      a.object = object;
      prevTag = a.tag;
    }
  }
  m.attrs = tlvs;
  return m;
}

/** Heartbeat payload (RFC 4171 §5.6.5.14): fixed fields, a backup list bounded by the bytes present. */
function parseHeartbeat(v: ByteView, m: IsnsMessage): void {
  const len = v.captured;
  if (len < 32) {
    m.problems.push(`heartbeat payload of ${len} bytes is shorter than its 32-byte fixed part`);
    if (len < 28) return;
  }
  const server = (o: number): HeartbeatServer => {
    const raw = v.bytes(o, 16);
    return { address: formatIpv6(raw, 0), ipv4: ipv4Of(raw), tcpPort: v.u16(o + 16), udpPort: v.u16(o + 18) };
  };
  const hb: IsnsHeartbeat = { ...server(0), interval: v.u32(20), counter: v.u32(24), backupCount: 0, backups: [], vendor: new Uint8Array(0) };
  let o = 28;
  if (len >= 32) {
    hb.backupCount = v.u16(30);
    o = 32;
    for (let i = 0; i < hb.backupCount; i++) {
      if (o + 20 > len) {
        m.problems.push(`heartbeat announces ${hb.backupCount} backup servers but only ${i} fit in the payload`);
        break;
      }
      hb.backups.push(server(o));
      o += 20;
    }
  }
  hb.vendor = v.bytes(o, len - o);
  m.heartbeat = hb;
}
