/**
 * The field tree of one iSNS PDU, in two modes:
 *  - full = false: exactly the fields tshark 4.0 shows, with its limits
 *    (non-first PDUs undecoded, "Not Decoded Yet" attributes, its length
 *    checks, UDP ignoring the PDU length), so `-e` output matches it; the
 *    value reading follows Wireshark's rules (wsAttr);
 *  - full = true: every attribute decoded per RFC 4171 through the one value
 *    decoder (values.ts), plus the authentication block (isnsx.*).
 */
import { ByteView, ViewError } from '../core/byteview.js';
import type { FieldNode, FieldValue } from '../core/field.js';
import { TAG_BY_NUMBER, type TagSpec } from './attrs.js';
import { F } from './fields.js';
import { FLAG_AUTH, FLAG_CLIENT, FLAG_FIRST, FLAG_LAST, FLAG_REPLACE, FLAG_SERVER, HEADER, HEARTBEAT, isResponse } from './names.js';
import { readAuth } from './pdu.js';
import { decodeValue } from './values.js';

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

function n(abbrev: string, value: FieldValue, offset: number, length: number, children?: FieldNode[]): FieldNode {
  return children ? { def: F(abbrev), value, offset, length, children } : { def: F(abbrev), value, offset, length };
}

function bits(list: [string, number][], v: number, o: number): FieldNode[] {
  return list.map(([a, m]) => n(a, (v & m) !== 0, o, 4));
}

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
  if (!v.has(0, HEADER)) {
    // A header the snaplen cut: the words there are, as tshark shows them.
    if (v.has(0, 4)) partialHeader(v, out);
    return out;
  }
  try {
    header(v, out, o);
  } catch (e) {
    // Where Wireshark's dissection ends (Stop) or a read runs past the bytes: the tree so far is kept.
    // Anything else is a bug and is not hidden.
    if (!(e instanceof Stop) && !(e instanceof ViewError)) throw e;
  }
  return out;
}

function partialHeader(v: ByteView, out: FieldNode[]): void {
  out.push(n('isns.PVer', v.u16(0), 0, 2), n('isns.functionid', v.u16(2), 2, 2));
  if (v.has(4, 2)) out.push(n('isns.pdulength', v.u16(4), 4, 2));
  if (v.has(6, 2)) out.push(flagsNode(v.u16(6)));
  if (v.has(8, 2)) out.push(n('isns.transactionid', v.u16(8), 8, 2));
}

function flagsNode(flags: number): FieldNode {
  return n('isns.flags', flags, 6, 2, [
    n('isns.flags.client', (flags & FLAG_CLIENT) !== 0, 6, 2),
    n('isns.flags.server', (flags & FLAG_SERVER) !== 0, 6, 2),
    n('isns.flags.authentication_block', (flags & FLAG_AUTH) !== 0, 6, 2),
    n('isns.flags.replace', (flags & FLAG_REPLACE) !== 0, 6, 2),
    n('isns.flags.lastpdu', (flags & FLAG_LAST) !== 0, 6, 2),
    n('isns.flags.firstpdu', (flags & FLAG_FIRST) !== 0, 6, 2),
  ]);
}

function header(v: ByteView, out: FieldNode[], o: TreeOptions): void {
  const fid = v.u16(2);
  const len = v.u16(4);
  const flags = v.u16(6);
  out.push(n('isns.PVer', v.u16(0), 0, 2), n('isns.functionid', fid, 2, 2), n('isns.pdulength', len, 4, 2));
  out.push(flagsNode(flags));
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

/** One attribute value as our full decode shows it: the value decodeValue gives, as field nodes. */
function fullValue(v: ByteView, o: number, len: number, spec: TagSpec | undefined, out: FieldNode[]): void {
  const raw = v.bytes(o, len);
  if (!spec) {
    out.push(n('isnsx.unknown_attribute', raw, o, len));
    return;
  }
  const a = spec.xField ?? spec.wsField!;
  const { value } = decodeValue(spec, raw);
  switch (value.kind) {
    case 'string':
      out.push(n(a, value.text, o, len));
      return;
    case 'address':
      out.push(n(a, value.text, o, 16));
      return;
    case 'port':
      out.push(n(a, value.port, o, 4), n('isns.port.port_type', value.udp, o, 2));
      return;
    case 'uint64':
      out.push(n(a, value.value, o, 8));
      return;
    case 'bitmap': {
      const list = spec.kind === 'psb' ? PSB_BITS : spec.kind === 'scn' ? SCN_BITS : ISNT_BITS;
      out.push(n(a, value.value, o, 4, bits(list, value.value, o)));
      return;
    }
    case 'uint':
      if (spec.kind === 'range') out.push(n('isnsx.protocol_version_range.max', value.value >>> 16, o, 2), n('isnsx.protocol_version_range.min', value.value & 0xffff, o + 2, 2));
      else out.push(n(a, value.value, o, Math.min(len, 4)));
      return;
    case 'bytes':
      // An address of the wrong length is shown as bytes; other fixed-size values too short to decode are not shown.
      if (spec.kind === 'bytes') {
        out.push(n(a, raw, o, len));
        if (spec.tag === 12 || spec.tag === 31) out.push(n('isnsx.certificate_length', len, o, len));
      } else if (spec.kind === 'ip') out.push(n('isnsx.unknown_attribute', raw, o, len));
      return;
    default:
      return;
  }
}
