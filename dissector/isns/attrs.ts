/**
 * iSNS attribute tags (RFC 4171 §6): how each value is encoded, the RFC name,
 * Wireshark 4.0's label and value field, and Wireshark's own length checks and
 * "Not Decoded Yet" list (so `-e` output can follow it exactly).
 */

export type AttrKind =
  | 'none' // delimiter
  | 'string' // NUL-terminated UTF-8, zero-padded to 4
  | 'u32'
  | 'u64'
  | 'u24' // 24-bit id in the low 3 bytes of a 4-byte word (RFC); Wireshark reads 3 bytes
  | 'ip' // 16 bytes, IPv6 or IPv4-mapped / -compatible
  | 'port' // port word: low 16 bits port, 0x00010000 UDP
  | 'psb' // Portal Security Bitmap
  | 'scn' // SCN bitmap
  | 'nodetype' // iSCSI node type bitmap
  | 'pgt' // PG Tag: low 16 bits, zero length = NULL
  | 'range' // protocol version range: max (high 16) / min (low 16)
  | 'bytes'; // opaque

export interface TagSpec {
  readonly tag: number;
  /** RFC 4171 name. */
  readonly name: string;
  /** Wireshark's label for isns.attr.tag. */
  readonly ws: string;
  readonly kind: AttrKind;
  /** Wireshark's value field, or null when Wireshark shows "Not Decoded Yet". */
  readonly wsField: string | null;
  /** Wireshark's required length (an "Invalid attribute length" expert otherwise). */
  readonly wsLen?: number;
  /** Our field for the value where Wireshark has none (or decodes it wrongly). */
  readonly xField?: string;
  /** RFC length when fixed. */
  readonly rfcLen?: number;
}

const T = (tag: number, name: string, kind: AttrKind, wsField: string | null, o: Partial<TagSpec> = {}): TagSpec => ({
  tag,
  name,
  ws: o.ws ?? name,
  kind,
  wsField,
  ...o,
});

export const TAGS: readonly TagSpec[] = [
  T(0, 'Delimiter', 'none', null, { rfcLen: 0 }),
  T(1, 'Entity Identifier', 'string', 'isns.entity_identifier', { ws: 'Entity Identifier (EID)' }),
  T(2, 'Entity Protocol', 'u32', 'isns.entity_protocol', { wsLen: 4, rfcLen: 4 }),
  T(3, 'Management IP Address', 'ip', 'isns.mgmt.ip_address', { wsLen: 16, rfcLen: 16 }),
  T(4, 'Timestamp', 'u64', 'isns.timestamp', { wsLen: 8, rfcLen: 8 }),
  T(5, 'Protocol Version Range', 'range', null, { rfcLen: 4, xField: 'isnsx.protocol_version_range' }),
  T(6, 'Registration Period', 'u32', 'isns.registration_period', { wsLen: 4, rfcLen: 4 }),
  T(7, 'Entity Index', 'u32', 'isns.entity.index', { wsLen: 4, rfcLen: 4 }),
  T(8, 'Entity Next Index', 'u32', 'isns.entity.next_index', { wsLen: 4, rfcLen: 4 }),
  T(11, 'Entity ISAKMP Phase-1', 'bytes', null, { xField: 'isnsx.entity_isakmp_phase1' }),
  T(12, 'Entity Certificate', 'bytes', null, { xField: 'isnsx.entity_certificate' }),
  T(16, 'Portal IP Address', 'ip', 'isns.portal.ip_address', { rfcLen: 16 }),
  T(17, 'Portal TCP/UDP Port', 'port', 'isns.portal_port', { rfcLen: 4 }),
  T(18, 'Portal Symbolic Name', 'string', 'isns.portal.symbolic_name'),
  T(19, 'ESI Interval', 'u32', 'isns.esi_interval', { rfcLen: 4 }),
  T(20, 'ESI Port', 'port', 'isns.esi_port', { rfcLen: 4 }),
  T(22, 'Portal Index', 'u32', 'isns.portal.index', { rfcLen: 4 }),
  T(23, 'SCN Port', 'port', 'isns.scn_port', { rfcLen: 4 }),
  T(24, 'Portal Next Index', 'u32', 'isns.portal.next_index', { rfcLen: 4 }),
  T(27, 'Portal Security Bitmap', 'psb', 'isns.psb', { rfcLen: 4 }),
  T(28, 'Portal ISAKMP Phase-1', 'bytes', null, { xField: 'isnsx.portal_isakmp_phase1' }),
  T(29, 'Portal ISAKMP Phase-2', 'bytes', null, { xField: 'isnsx.portal_isakmp_phase2' }),
  T(31, 'Portal Certificate', 'bytes', null, { xField: 'isnsx.portal_certificate' }),
  T(32, 'iSCSI Name', 'string', 'isns.iscsi_name'),
  T(33, 'iSCSI Node Type', 'nodetype', 'isns.iscsi.node_type', { wsLen: 4, rfcLen: 4 }),
  T(34, 'iSCSI Alias', 'string', 'isns.iscsi_alias'),
  T(35, 'iSCSI SCN Bitmap', 'scn', 'isns.scn_bitmap', { wsLen: 4, rfcLen: 4 }),
  T(36, 'iSCSI Node Index', 'u32', 'isns.node.index', { wsLen: 4, rfcLen: 4 }),
  T(37, 'WWNN Token', 'u64', 'isns.wwnn_token', { wsLen: 8, rfcLen: 8 }),
  T(38, 'iSCSI Node Next Index', 'u32', 'isns.node.next_index', { wsLen: 4, rfcLen: 4 }),
  T(42, 'iSCSI AuthMethod', 'string', 'isns.iscsi_auth_method'),
  T(48, 'PG iSCSI Name', 'string', 'isns.pg_iscsi_name'),
  T(49, 'PG Portal IP Addr', 'ip', 'isns.pg_portal.ip_address', { rfcLen: 16 }),
  T(50, 'PG Portal TCP/UDP Port', 'port', 'isns.pg.portal_port', { ws: 'PG Portal Port', wsLen: 4, rfcLen: 4 }),
  T(51, 'PG Tag', 'pgt', 'isns.portal_group_tag', { ws: 'Portal Group Tag', wsLen: 4, rfcLen: 4 }),
  T(52, 'PG Index', 'u32', 'isns.pg_index', { wsLen: 4, rfcLen: 4 }),
  T(53, 'PG Next Index', 'u32', 'isns.pg_next_index', { wsLen: 4, rfcLen: 4 }),
  T(64, 'FC Port Name WWPN', 'u64', 'isns.fc_port_name_wwpn', { wsLen: 8, rfcLen: 8 }),
  T(65, 'Port ID', 'u24', 'isns.port_id', { wsLen: 3, rfcLen: 4, xField: 'isnsx.port_id' }),
  T(66, 'FC Port Type', 'u32', null, { rfcLen: 4, xField: 'isnsx.fc_port_type' }),
  T(67, 'Symbolic Port Name', 'string', 'isns.port.symbolic_name'),
  T(68, 'Fabric Port Name', 'u64', 'isns.fabric_port_name', { wsLen: 8, rfcLen: 8 }),
  T(69, 'Hard Address', 'u24', 'isns.hard_address', { wsLen: 3, rfcLen: 4, xField: 'isnsx.hard_address' }),
  T(70, 'Port IP-Address', 'ip', 'isns.port.ip_address', { wsLen: 16, rfcLen: 16 }),
  T(71, 'Class of Service', 'u32', null, { rfcLen: 4, xField: 'isnsx.class_of_service' }),
  T(72, 'FC-4 Types', 'bytes', null, { rfcLen: 32, xField: 'isnsx.fc4_types' }),
  T(73, 'FC-4 Descriptor', 'string', 'isns.fc4_descriptor'),
  T(74, 'FC-4 Features', 'bytes', null, { rfcLen: 128, xField: 'isnsx.fc4_features' }),
  T(75, 'iFCP SCN Bitmap', 'u32', null, { ws: 'iFCP SCN bitmap', rfcLen: 4, xField: 'isnsx.ifcp_scn_bitmap' }),
  T(76, 'Port Role', 'u32', null, { rfcLen: 4, xField: 'isnsx.port_role' }),
  T(77, 'Permanent Port Name', 'u64', 'isns.permanent_port_name', { wsLen: 8, rfcLen: 8 }),
  T(95, 'FC-4 Type Code', 'u32', null, { rfcLen: 4, xField: 'isnsx.fc4_type_code' }),
  T(96, 'FC Node Name WWNN', 'u64', 'isns.fc_node_name_wwnn', { wsLen: 8, rfcLen: 8 }),
  T(97, 'Symbolic Node Name', 'string', 'isns.node.symbolic_name'),
  T(98, 'Node IP-Address', 'ip', 'isns.node.ip_address', { wsLen: 16, rfcLen: 16 }),
  T(99, 'Node IPA', 'u64', 'isns.node_ipa', { wsLen: 8, rfcLen: 8 }),
  T(101, 'Proxy iSCSI Name', 'string', 'isns.proxy_iscsi_name'),
  T(128, 'Switch Name', 'u64', 'isns.switch_name', { wsLen: 8, rfcLen: 8 }),
  T(129, 'Preferred ID', 'u32', 'isns.preferred_id', { wsLen: 4, rfcLen: 4 }),
  T(130, 'Assigned ID', 'u32', 'isns.assigned_id', { wsLen: 4, rfcLen: 4 }),
  T(131, 'Virtual_Fabric_ID', 'string', 'isns.virtual_fabric_id'),
  T(256, 'iSNS Server Vendor OUI', 'u32', 'isns.vendor_oui', { wsLen: 4, rfcLen: 4 }),
  T(2049, 'DD_Set ID', 'u32', 'isns.dd_set_id', { wsLen: 4, rfcLen: 4 }),
  T(2050, 'DD_Set Sym Name', 'string', 'isns.dd_set.symbolic_name'),
  T(2051, 'DD_Set Status', 'u32', null, { rfcLen: 4, xField: 'isnsx.dd_set_status' }),
  T(2052, 'DD_Set_Next_ID', 'u32', 'isns.dd_set_next_id', { wsLen: 4, rfcLen: 4 }),
  T(2065, 'DD_ID', 'u32', 'isns.dd_id', { wsLen: 4, rfcLen: 4 }),
  T(2066, 'DD_Symbolic Name', 'string', 'isns.dd.symbolic_name'),
  T(2067, 'DD_Member iSCSI Index', 'u32', 'isns.member_iscsi_index', { wsLen: 4, rfcLen: 4 }),
  T(2068, 'DD_Member iSCSI Name', 'string', 'isns.dd_member.iscsi_name'),
  T(2069, 'DD_Member FC Port Name', 'u64', 'isns.member_fc_port_name', { wsLen: 4, rfcLen: 8, xField: 'isnsx.dd_member_fc_port_name' }),
  T(2070, 'DD_Member Portal Index', 'u32', 'isns.member_portal_index', { ws: 'DD Member Portal Index', wsLen: 4, rfcLen: 4 }),
  T(2071, 'DD_Member Portal IP Addr', 'ip', 'isns.dd.member_portal.ip_address', { wsLen: 16, rfcLen: 16 }),
  T(2072, 'DD_Member Portal TCP/UDP', 'port', 'isns.dd_member_portal_port', { ws: 'DD Member Portal TCP/UDP', wsLen: 4, rfcLen: 4 }),
  T(2078, 'DD_Features', 'u32', null, { rfcLen: 4, xField: 'isnsx.dd_features' }),
  T(2079, 'DD_ID Next ID', 'u32', 'isns.dd_id_next_id', { wsLen: 4, rfcLen: 4 }),
];

export const TAG_BY_NUMBER: ReadonlyMap<number, TagSpec> = new Map(TAGS.map((t) => [t.tag, t]));

/** Specs of tags below 4096 by index (every RFC 4171 tag): the per-attribute lookup without hashing. */
const SPEC_BY_INDEX: readonly (TagSpec | undefined)[] = Array.from({ length: 4096 }, (_, t) => TAG_BY_NUMBER.get(t));

/** The spec of a tag, if the RFC defines it. */
export function tagSpec(tag: number): TagSpec | undefined {
  return tag < 4096 ? SPEC_BY_INDEX[tag] : TAG_BY_NUMBER.get(tag);
}

/**
 * The one value length (other than 0) a spec allows, or -1 when any length is
 * allowed: the rule valueProblem (values.ts) words, and LENGTH_RULE holds per
 * tag for the parser (one table read per attribute).
 */
export function allowedLength(spec: TagSpec): number {
  switch (spec.kind) {
    case 'ip':
      return 16;
    case 'port':
    case 'psb':
    case 'scn':
    case 'nodetype':
    case 'pgt':
    case 'u24':
    case 'u64':
    case 'u32':
    case 'range':
      return spec.rfcLen ?? -1;
    default:
      return -1;
  }
}

/** LENGTH_RULE values: any length fits; the tag is not an RFC 4171 one. */
export const ANY_LENGTH = -1;
export const UNKNOWN_TAG = -2;

/** Per tag below 4096: the one length its value may have (allowedLength), ANY_LENGTH, or UNKNOWN_TAG. */
export const LENGTH_RULE: Readonly<Int32Array> = Int32Array.from({ length: 4096 }, (_, t) => {
  const spec = tagSpec(t);
  return spec ? allowedLength(spec) : UNKNOWN_TAG;
});

/** Tags that start a new object among operating attributes (RFC 4171 §5.6.3). */
export const OBJECT_KEYS: ReadonlySet<number> = new Set([1, 16, 32, 64, 96, 2049, 2065]);

/** OBJECT_KEYS by tag (all below 4096): asked once per attribute walked, without hashing. */
const OBJECT_KEY_BY_INDEX: readonly boolean[] = Array.from({ length: 4096 }, (_, t) => OBJECT_KEYS.has(t));

export function isObjectKey(tag: number): boolean {
  return tag < 4096 && OBJECT_KEY_BY_INDEX[tag]!;
}
