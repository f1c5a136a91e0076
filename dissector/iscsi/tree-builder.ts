/**
 * The tree primitives of iscsi.* items, shared by the PDU dissectors
 * (tree-*.ts): Wireshark's bounds (an exception ends the PDU's items), the
 * common header fields, header and data digests, padding, data segments and
 * key=value text as tshark shows them or as RFC 7143 reads them.
 */
import type { ByteView } from '../core/byteview.js';
import { maskedValue, type FieldNode, type FieldValue } from '../core/field.js';
import { node } from '../core/layer.js';
import { crc32c } from './crc32c.js';
import { F } from './fields.js';
import { parseKeyValues } from './keyvalues.js';

/** Wireshark's exceptions: the rest of the PDU is not shown. */
export class Stop extends Error {}

export function n(abbrev: string, value: FieldValue, offset: number, length: number, children?: FieldNode[]): FieldNode {
  return node(F(abbrev), value, offset, length, children);
}

/** Wireshark's ENC_ASCII: every byte >= 0x80 becomes U+FFFD. */
function ascii(v: ByteView, o: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    const b = v.u8(o + i);
    s += b >= 0x80 ? '\ufffd' : String.fromCharCode(b);
  }
  return s;
}

export class Builder {
  constructor(
    readonly v: ByteView,
    /** tshark's session digest modes. */
    readonly hd: boolean,
    readonly dd: boolean,
    readonly full: boolean,
  ) {}

  /** End of what tshark's tvb holds: here, the PDU. */
  get end(): number {
    return this.v.captured;
  }

  need(o: number, len: number): void {
    if (o < 0 || len < 0 || o + len > this.end) throw new Stop();
  }

  u8(o: number): number {
    this.need(o, 1);
    return this.v.u8(o);
  }
  u16(o: number): number {
    this.need(o, 2);
    return this.v.u16(o);
  }
  u24(o: number): number {
    this.need(o, 3);
    return this.v.u24(o);
  }
  u32(o: number): number {
    this.need(o, 4);
    return this.v.u32(o);
  }
  bytes(o: number, len: number): Uint8Array {
    this.need(o, len);
    return this.v.bytes(o, len);
  }

  // -- common items
  item(out: FieldNode[], abbrev: string, o: number, len: number): void {
    const v = len === 1 ? this.u8(o) : len === 2 ? this.u16(o) : len === 3 ? this.u24(o) : this.u32(o);
    const d = F(abbrev);
    out.push(node(d, d.bitmask ? maskedValue(v, d.bitmask) : v, o, len));
  }
  bit(out: FieldNode[], abbrev: string, o: number): void {
    out.push(n(abbrev, (this.u8(o) & F(abbrev).bitmask!) !== 0, o, 1));
  }
  flags(out: FieldNode[], o: number, bits: string[]): void {
    const b = this.u8(o);
    out.push(n('iscsi.flags', b, o, 1, bits.map((a) => n(a, (b & F(a).bitmask!) !== 0, o, 1))));
  }
  /** CmdSN and ExpStatSN (bytes 24..31 of an initiator PDU). */
  cmdSN(out: FieldNode[], off: number): void {
    this.item(out, 'iscsi.cmdsn', off + 24, 4);
    this.item(out, 'iscsi.expstatsn', off + 28, 4);
  }
  /** StatSN, ExpCmdSN and MaxCmdSN (bytes 24..35 of a target PDU). */
  statSN(out: FieldNode[], off: number): void {
    this.item(out, 'iscsi.statsn', off + 24, 4);
    this.item(out, 'iscsi.expcmdsn', off + 28, 4);
    this.item(out, 'iscsi.maxcmdsn', off + 32, 4);
  }
  ahsLen(out: FieldNode[], off: number): void {
    this.item(out, 'iscsi.totalahslength', off + 4, 1);
  }
  dsl(out: FieldNode[], off: number): void {
    out.push(n('iscsi.datasegmentlength', this.u24(off + 5), off + 5, 3));
  }
  lun(out: FieldNode[], off: number): void {
    if (this.full) out.push(n('iscsix.lun', this.bytes(off + 8, 8), off + 8, 8));
    else this.need(off + 8, 8); // scsi.lun in Wireshark: not an iscsi.* item
  }

  /** handleHeaderDigest: returns the offset after the header (and its digest when on). */
  headerDigest(out: FieldNode[], off: number, headerLen: number): number {
    if (!this.hd) return off + headerLen;
    if (this.end - off >= headerLen + 4) this.digest(out, HEADER_DIGEST, off, headerLen);
    return off + headerLen + 4;
  }

  /** handleDataDigest. */
  dataDigest(out: FieldNode[], off: number, dataLen: number): number {
    if (dataLen > 0 && this.dd) {
      if (this.end - off >= dataLen + 4) this.digest(out, DATA_DIGEST, off, dataLen);
      return off + dataLen + 4;
    }
    return off + dataLen;
  }

  /** The digest of `[off, off + len)` as sent (and, in the full decode, as computed and whether they agree). */
  private digest(out: FieldNode[], abbrevs: DigestAbbrevs, off: number, len: number): void {
    const at = off + len;
    const sent = this.v.u32(at);
    out.push(n(abbrevs[0], sent, at, 4));
    if (this.full) {
      const computed = wireWord(crc32c(this.v.bytes(off, len)));
      out.push(n(abbrevs[1], computed, at, 4), n(abbrevs[2], computed === sent, at, 4));
    }
  }

  padding(out: FieldNode[], off: number): number {
    if (off < this.end && (off & 3) !== 0) {
      const p = 4 - (off & 3);
      out.push(n('iscsi.padding', this.bytes(off, p), off, p));
      return off + p;
    }
    return off;
  }

  /** handleDataSegment. */
  dataSegment(out: FieldNode[], off: number, dsl: number, abbrev: string): number {
    if (this.end > off) {
      const start = off;
      const len = Math.min(dsl, this.end - off);
      if (len > 0) {
        out.push(n(abbrev, this.bytes(off, len), off, len));
        off += len;
      }
      off = this.padding(out, off);
      if (dsl > 0 && off < this.end) off = this.dataDigest(out, start, off - start);
    }
    return off;
  }

  /** handleDataSegmentAsTextKeys. */
  textKeys(out: FieldNode[], off: number, dsl: number, digestsActive: boolean): number {
    if (this.end <= off) return off;
    const start = off;
    const textLen = Math.min(dsl, this.end - off);
    if (this.full) {
      if (textLen > 0) this.fullKeys(out, off, textLen);
      off = start + textLen;
      // RFC places: padding to 4 after the data segment, then the data digest.
      if (off < this.end && (off & 3) !== 0) {
        const p = Math.min(4 - (off & 3), this.end - off);
        out.push(n('iscsi.padding', this.bytes(off, p), off, p));
        off += p;
      }
      if (digestsActive && dsl > 0 && off < this.end) off = this.dataDigest(out, start, off - start);
      return off;
    }
    if (textLen > 0) {
      const limit = off + textLen;
      while (off < limit) {
        // tvb_get_stringz: to the next NUL anywhere in the tvb, an exception without one
        const z = this.v.indexOf(0, off, this.end - off);
        if (z < 0) throw new Stop();
        const len = z - off + 1;
        const s = ascii(this.v, off, len - 1);
        out.push(n('iscsi.keyvalue', s, off, len));
        if (!s.includes('=')) break;
        off += len;
      }
    }
    off = this.padding(out, off);
    if (digestsActive && dsl > 0 && off < this.end) off = this.dataDigest(out, start, off - start);
    return off;
  }

  fullKeys(out: FieldNode[], off: number, len: number): void {
    const text = this.bytes(off, len);
    for (const kv of parseKeyValues(text)) {
      const o = off + kv.offset;
      const kids: FieldNode[] = [n('iscsix.key', kv.key, o, Math.min(kv.length, Buffer.byteLength(kv.key)))];
      if (kv.value !== null) kids.push(n('iscsix.value', kv.value, o + Buffer.byteLength(kv.key) + 1, Buffer.byteLength(kv.value)));
      else kids.push(n('iscsix.keyvalue.no_equals', null, o, kv.length));
      if (kv.partial) kids.push(n('iscsix.keyvalue.partial', null, o, kv.length));
      out.push(n('iscsi.keyvalue', kv.value === null ? kv.key : `${kv.key}=${kv.value}`, o, kv.length + (kv.partial ? 0 : 1), kids));
    }
  }

  isid(out: FieldNode[], off: number): void {
    const b8 = this.u8(off + 8);
    out.push(
      n('iscsi.isid', this.bytes(off + 8, 6), off + 8, 6, [
        n('iscsi.isid.t', (b8 & 0xc0) >> 6, off + 8, 1),
        n('iscsi.isid.a', b8 & 0x3f, off + 8, 1),
        n('iscsi.isid.b', this.u16(off + 9), off + 9, 2),
        n('iscsi.isid.c', this.u8(off + 11), off + 11, 1),
        n('iscsi.isid.d', this.u16(off + 12), off + 12, 2),
      ]),
    );
  }

  loginFlags(out: FieldNode[], off: number): void {
    const b = this.u8(off + 1);
    this.bit(out, 'iscsi.login.T', off + 1);
    this.bit(out, 'iscsi.login.C', off + 1);
    out.push(n('iscsi.login.csg', (b & 0x0c) >> 2, off + 1, 1));
    if (b & 0x80) out.push(n('iscsi.login.nsg', b & 0x03, off + 1, 1));
  }
}

type DigestAbbrevs = readonly [sent: string, computed: string, good: string];
const HEADER_DIGEST: DigestAbbrevs = ['iscsi.headerdigest32', 'iscsix.headerdigest.computed', 'iscsix.headerdigest.good'];
const DATA_DIGEST: DigestAbbrevs = ['iscsi.datadigest32', 'iscsix.datadigest.computed', 'iscsix.datadigest.good'];

/** A CRC32C shown the way tshark shows the digest field: the big-endian word of its wire bytes (sent least significant byte first). */
function wireWord(c: number): number {
  return (((c & 0xff) << 24) | ((c & 0xff00) << 8) | ((c >>> 8) & 0xff00) | (c >>> 24)) >>> 0;
}
