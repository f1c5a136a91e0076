/**
 * The field tree of one iSCSI PDU.
 *
 * {full: false} — exactly the iscsi.* items tshark 4.0.17 shows (protocol
 * version preference at its default, "Draft 13"), including its quirks,
 * verified against tshark on crafted captures (test/iscsi-tshark.test.ts):
 *  - only the fields its Draft 13 branches add: no iscsi.X, iscsi.login.X,
 *    iscsi.isid8/type/namingauthority/qualifier, iscsi.tsid or
 *    iscsi.scsicommand.crn; no TotalAHSLength/DataSegmentLength in a Task
 *    Management Function Response; no I bit for Login, SCSI Data-Out, SNACK;
 *    the NSG only when T is set; the LUN and TTT of a Data-In only with A set;
 *  - key=value text: each string runs to the next NUL wherever it is (past the
 *    data segment, into padding or digest bytes); a string without "=" (also
 *    an empty one) is shown and ends the text without being consumed; a string
 *    with no NUL before the end of the PDU is an exception (nothing after it);
 *  - "Padding" is 4 - (offset & 3) bytes from wherever the text or data ended,
 *    and the data digest is read right after it (so after a text that stopped
 *    early, both come from inside the data segment);
 *  - a Reject's data is dissected again as a PDU header (its fields repeat,
 *    an undefined opcode adds iscsi.opcode.invalid), with its own header
 *    digest when digests are on;
 *  - Async Message event data runs from after the sense data to the end of
 *    the PDU (padding and data digest included);
 *  - digests are shown on every PDU but Login ones once the connection uses
 *    them, whether or not they verify.
 * tshark reads a few of these past the PDU, up to the end of its TCP segment
 * (the next PDU's bytes): we stop at the end of the PDU. See the module
 * comment of test/iscsi-tshark.test.ts for those differences.
 *
 * {full: true} — the same header items, then RFC 7143's reading where tshark
 * has quirks: every key=value pair of the data segment (UTF-8, a cut pair
 * marked), padding and digests at their RFC places with their verification,
 * the LUN, AHS of any opcode, the login status class/detail, problems.
 *
 * The request/response cross-references (iscsi.request_frame, iscsi.time,
 * ...) need the PDUs before this one: IscsiTaskTracker (tasks.ts) adds them.
 */
import { ByteView, MalformedError, TruncatedError } from '../core/byteview.js';
import type { FieldNode, FieldValue } from '../core/field.js';
import { BHS_LENGTH, OP, bhsProblem, digestsApply, digestWord, inferDigests, loginStatusName, type IscsiDigests } from './bhs.js';
import { crc32c } from './crc32c.js';
import { F, OPCODE_NAMES } from './fields.js';
import { parseKeyValues } from './keyvalues.js';

export interface IscsiTreeOptions {
  /** false: tshark 4.0's items exactly; true: our complete decode. */
  readonly full: boolean;
  /** Digests in use on the PDU's connection (after login); inferred from the PDU's length when absent. */
  readonly digests?: Readonly<IscsiDigests>;
}

/** Wireshark's exceptions: the rest of the PDU is not shown. */
class Stop extends Error {}

function n(abbrev: string, value: FieldValue, offset: number, length: number, children?: FieldNode[]): FieldNode {
  return children ? { def: F(abbrev), value, offset, length, children } : { def: F(abbrev), value, offset, length };
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

const MAX_DEPTH = 8;

class Builder {
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
    if (d.bitmask) {
      let m = d.bitmask;
      let shift = 0;
      while ((m & 1) === 0) {
        m >>>= 1;
        shift++;
      }
      out.push(n(abbrev, (v & d.bitmask) >>> shift, o, len));
    } else out.push(n(abbrev, v, o, len));
  }
  bit(out: FieldNode[], abbrev: string, o: number): void {
    out.push(n(abbrev, (this.u8(o) & F(abbrev).bitmask!) !== 0, o, 1));
  }
  flags(out: FieldNode[], o: number, bits: string[]): void {
    const b = this.u8(o);
    out.push(n('iscsi.flags', b, o, 1, bits.map((a) => n(a, (b & F(a).bitmask!) !== 0, o, 1))));
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
    if (this.end - off >= headerLen + 4) {
      out.push(n('iscsi.headerdigest32', this.v.u32(off + headerLen), off + headerLen, 4));
      if (this.full) {
        const c = crc32c(this.v.bytes(off, headerLen));
        out.push(n('iscsix.headerdigest.computed', swap(c), off + headerLen, 4), n('iscsix.headerdigest.good', c === digestWord(this.v, off + headerLen), off + headerLen, 4));
      }
    }
    return off + headerLen + 4;
  }

  /** handleDataDigest. */
  dataDigest(out: FieldNode[], off: number, dataLen: number): number {
    if (dataLen > 0 && this.dd) {
      if (this.end - off >= dataLen + 4) {
        out.push(n('iscsi.datadigest32', this.v.u32(off + dataLen), off + dataLen, 4));
        if (this.full) {
          const c = crc32c(this.v.bytes(off, dataLen));
          out.push(n('iscsix.datadigest.computed', swap(c), off + dataLen, 4), n('iscsix.datadigest.good', c === digestWord(this.v, off + dataLen), off + dataLen, 4));
        }
      }
      return off + dataLen + 4;
    }
    return off + dataLen;
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

  /** dissect_iscsi_pdu for the PDU (or rejected header) at `off`; `dsl` is the data length to use. */
  pdu(out: FieldNode[], off: number, dsl: number, depth: number): void {
    if (depth > MAX_DEPTH) throw new Stop();
    const op = this.u8(off) & 0x3f;
    const it = (a: string, at: number, len: number): void => this.item(out, a, off + at, len);
    out.push(n('iscsi.opcode', op, off, 1));
    if (!(op & 0x20) && op !== OP.DATA_OUT && op !== OP.LOGIN && op !== OP.SNACK) this.bit(out, 'iscsi.I', off);
    const padded = (dsl + 3) & ~3;
    switch (op) {
      case OP.NOP_OUT:
      case OP.NOP_IN: {
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.targettransfertag', 20, 4);
        if (op === OP.NOP_OUT) {
          it('iscsi.cmdsn', 24, 4);
          it('iscsi.expstatsn', 28, 4);
        } else {
          it('iscsi.statsn', 24, 4);
          it('iscsi.expcmdsn', 28, 4);
          it('iscsi.maxcmdsn', 32, 4);
        }
        const o = this.headerDigest(out, off, BHS_LENGTH);
        this.dataSegment(out, o, dsl, 'iscsi.pingdata');
        return;
      }
      case OP.SCSI_CMD: {
        const ahsLen = this.u8(off + 4) * 4;
        this.flags(out, off + 1, ['iscsi.scsicommand.F', 'iscsi.scsicommand.R', 'iscsi.scsicommand.W']);
        out[out.length - 1]!.children!.push(n('iscsi.scsicommand.attr', this.u8(off + 1) & 7, off + 1, 1));
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.scsicommand.expecteddatatransferlength', 20, 4);
        it('iscsi.cmdsn', 24, 4);
        it('iscsi.expstatsn', 28, 4);
        if (ahsLen > 0) this.wsAhs(out, off, ahsLen);
        const o = this.headerDigest(out, off, BHS_LENGTH + ahsLen);
        this.dataSegment(out, o, dsl, 'iscsi.immediatedata');
        return;
      }
      case OP.SCSI_RSP: {
        this.flags(out, off + 1, ['iscsi.scsiresponse.o', 'iscsi.scsiresponse.u', 'iscsi.scsiresponse.O', 'iscsi.scsiresponse.U']);
        it('iscsi.scsiresponse.response', 2, 1);
        it('iscsi.scsiresponse.status', 3, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        if (this.full) it('iscsix.snacktag', 20, 4);
        it('iscsi.statsn', 24, 4);
        it('iscsi.expcmdsn', 28, 4);
        it('iscsi.maxcmdsn', 32, 4);
        it('iscsi.expdatasn', 36, 4);
        it('iscsi.scsiresponse.bidireadresidualcount', 40, 4);
        it('iscsi.scsiresponse.residualcount', 44, 4);
        const o = this.headerDigest(out, off, BHS_LENGTH);
        this.dataDigest(out, o, padded);
        // after the PDU's items: the sense length of a CHECK CONDITION (the sense data itself is SCSI's)
        if (this.u8(off + 3) === 0x02 && this.end - o >= 2) out.push(n('iscsi.scsiresponse.senselength', this.u16(o), o, 2));
        return;
      }
      case OP.TMF: {
        it('iscsi.taskmanfun.function', 1, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.taskmanfun.referencedtasktag', 20, 4);
        it('iscsi.cmdsn', 24, 4);
        it('iscsi.expstatsn', 28, 4);
        it('iscsi.refcmdsn', 32, 4);
        this.headerDigest(out, off, BHS_LENGTH);
        return;
      }
      case OP.TMF_RSP: {
        it('iscsi.taskmanfun.response', 2, 1);
        if (this.full) {
          this.ahsLen(out, off);
          this.dsl(out, off);
        }
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.statsn', 24, 4);
        it('iscsi.expcmdsn', 28, 4);
        it('iscsi.maxcmdsn', 32, 4);
        this.headerDigest(out, off, BHS_LENGTH);
        return;
      }
      case OP.LOGIN:
      case OP.LOGIN_RSP: {
        this.loginFlags(out, off);
        it('iscsi.versionmax', 2, 1);
        it(op === OP.LOGIN ? 'iscsi.versionmin' : 'iscsi.versionactive', 3, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.isid(out, off);
        it('iscsi.tsih', 14, 2);
        it('iscsi.initiatortasktag', 16, 4);
        if (op === OP.LOGIN) {
          it('iscsi.cid', 20, 2);
          it('iscsi.cmdsn', 24, 4);
          it('iscsi.expstatsn', 28, 4);
        } else {
          it('iscsi.statsn', 24, 4);
          it('iscsi.expcmdsn', 28, 4);
          it('iscsi.maxcmdsn', 32, 4);
          it('iscsi.login.status', 36, 2);
          if (this.full) {
            const st = this.u16(off + 36);
            out.push(
              n('iscsix.login.status_class', st >> 8, off + 36, 1),
              n('iscsix.login.status_detail', st & 0xff, off + 37, 1),
              n('iscsix.login.status_name', loginStatusName(st), off + 36, 2),
            );
          }
        }
        // no digests in the login phase
        this.textKeys(out, off + BHS_LENGTH, dsl, false);
        return;
      }
      case OP.TEXT:
      case OP.TEXT_RSP: {
        this.flags(out, off + 1, ['iscsi.text.F', 'iscsi.text.C']);
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.targettransfertag', 20, 4);
        if (op === OP.TEXT) {
          it('iscsi.cmdsn', 24, 4);
          it('iscsi.expstatsn', 28, 4);
        } else {
          it('iscsi.statsn', 24, 4);
          it('iscsi.expcmdsn', 28, 4);
          it('iscsi.maxcmdsn', 32, 4);
        }
        const o = this.headerDigest(out, off, BHS_LENGTH);
        this.textKeys(out, o, dsl, true);
        return;
      }
      case OP.DATA_OUT: {
        this.flags(out, off + 1, ['iscsi.scsidata.F']);
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.targettransfertag', 20, 4);
        it('iscsi.expstatsn', 28, 4);
        it('iscsi.datasn', 36, 4);
        it('iscsi.bufferOffset', 40, 4);
        const o = this.headerDigest(out, off, BHS_LENGTH);
        this.dataDigest(out, o, padded);
        return;
      }
      case OP.DATA_IN: {
        const b = this.u8(off + 1);
        this.flags(out, off + 1, ['iscsi.scsidata.F', 'iscsi.scsidata.A', 'iscsi.scsidata.O', 'iscsi.scsidata.U', 'iscsi.scsidata.S']);
        if (b & 0x01) it('iscsi.scsiresponse.status', 3, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        if (b & 0x40) this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        if (b & 0x40) it('iscsi.targettransfertag', 20, 4);
        it('iscsi.statsn', 24, 4);
        it('iscsi.expcmdsn', 28, 4);
        it('iscsi.maxcmdsn', 32, 4);
        it('iscsi.datasn', 36, 4);
        it('iscsi.bufferOffset', 40, 4);
        it('iscsi.scsidata.readresidualcount', 44, 4);
        const o = this.headerDigest(out, off, BHS_LENGTH);
        this.dataDigest(out, o, padded);
        return;
      }
      case OP.LOGOUT: {
        it('iscsi.logout.reason', 1, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.cid', 20, 2);
        it('iscsi.cmdsn', 24, 4);
        it('iscsi.expstatsn', 28, 4);
        this.headerDigest(out, off, BHS_LENGTH);
        return;
      }
      case OP.LOGOUT_RSP: {
        it('iscsi.logout.response', 2, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.statsn', 24, 4);
        it('iscsi.expcmdsn', 28, 4);
        it('iscsi.maxcmdsn', 32, 4);
        it('iscsi.time2wait', 40, 2);
        it('iscsi.time2retain', 42, 2);
        this.headerDigest(out, off, BHS_LENGTH);
        return;
      }
      case OP.SNACK: {
        it('iscsi.snack.type', 1, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.targettransfertag', 20, 4);
        it('iscsi.expstatsn', 28, 4);
        it('iscsi.snack.begrun', 40, 4);
        it('iscsi.snack.runlength', 44, 4);
        this.headerDigest(out, off, BHS_LENGTH);
        return;
      }
      case OP.R2T: {
        this.ahsLen(out, off);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.initiatortasktag', 16, 4);
        it('iscsi.targettransfertag', 20, 4);
        it('iscsi.statsn', 24, 4);
        it('iscsi.expcmdsn', 28, 4);
        it('iscsi.maxcmdsn', 32, 4);
        it('iscsi.r2tsn', 36, 4);
        it('iscsi.bufferOffset', 40, 4);
        it('iscsi.desireddatalength', 44, 4);
        this.headerDigest(out, off, BHS_LENGTH);
        return;
      }
      case OP.ASYNC: {
        this.ahsLen(out, off);
        const hdrDsl = this.u24(off + 5);
        this.dsl(out, off);
        this.lun(out, off);
        it('iscsi.statsn', 24, 4);
        it('iscsi.expcmdsn', 28, 4);
        it('iscsi.maxcmdsn', 32, 4);
        it('iscsi.asyncevent', 36, 1);
        it('iscsi.eventvendorcode', 37, 1);
        it('iscsi.parameter1', 38, 2);
        it('iscsi.parameter2', 40, 2);
        it('iscsi.parameter3', 42, 2);
        let o = this.headerDigest(out, off, BHS_LENGTH);
        if (this.full) {
          this.dataSegment(out, o, dsl, 'iscsi.asynceventdata');
          return;
        }
        // Wireshark reads the header's DataSegmentLength here (also in a rejected header)
        if (hdrDsl) {
          const senseLen = this.u16(o);
          o += 2;
          if (senseLen) {
            this.need(o, 0);
            if (o + senseLen > this.end) throw new Stop();
            o += senseLen;
          }
          if (this.end > o) out.push(n('iscsi.asynceventdata', this.bytes(o, this.end - o), o, this.end - o));
        }
        return;
      }
      case OP.REJECT: {
        it('iscsi.reject.reason', 2, 1);
        this.ahsLen(out, off);
        this.dsl(out, off);
        it('iscsi.statsn', 24, 4);
        it('iscsi.expcmdsn', 28, 4);
        it('iscsi.maxcmdsn', 32, 4);
        it('iscsi.datasn', 36, 4);
        const o = this.headerDigest(out, off, BHS_LENGTH);
        if (this.full) {
          // the rejected header, on its own: 48 bytes, no digests
          const len = Math.min(dsl, this.end - o);
          if (len > 0) out.push(n('iscsix.data', this.bytes(o, len), o, len));
          if (len >= BHS_LENGTH) new Builder(this.v.sub(0, o + BHS_LENGTH), false, false, true).pdu(out, o, 0, depth + 1);
          return;
        }
        this.pdu(out, o, 0, depth + 1);
        return;
      }
      case OP.VENDOR_I0:
      case OP.VENDOR_I1:
      case OP.VENDOR_I2:
      case OP.VENDOR_T0:
      case OP.VENDOR_T1:
      case OP.VENDOR_T2: {
        this.ahsLen(out, off);
        this.dsl(out, off);
        const o = this.headerDigest(out, off, BHS_LENGTH);
        this.dataSegment(out, o, dsl, 'iscsi.vendorspecificdata');
        return;
      }
      default:
        // only reached for a rejected header: tshark's top level refuses undefined opcodes
        out.push(n('iscsi.opcode.invalid', null, off, 1));
    }
  }

  /** SCSI Command AHS as Wireshark walks it. */
  wsAhs(out: FieldNode[], off: number, ahsLen: number): void {
    let o = off + BHS_LENGTH;
    while (o < off + BHS_LENGTH + ahsLen) {
      const len = this.u16(o);
      out.push(n('iscsi.ahs.length', len, o, 2));
      o += 2;
      const type = this.u8(o);
      out.push(n('iscsi.ahs.type', type, o, 1));
      o++;
      if (type === 1) {
        const cdbLen = len - 1;
        if (cdbLen < 0) throw new Stop();
        out.push(n('iscsi.ahs.extended_cdb', this.bytes(o + 1, cdbLen), o + 1, cdbLen));
        o += len;
      } else if (type === 2) {
        o++;
        out.push(n('iscsi.ahs.bidir.length', this.u32(o), o, 4));
        o += 4;
      } else {
        out.push(n('iscsi.ahs.unknown_blob', this.bytes(o, len), o, len));
        o += len;
      }
      if (o & 3) o = (o + 3) & ~3;
    }
  }
}

/** A CRC32C shown the way tshark shows the digest field: the big-endian word of its wire bytes. */
function swap(c: number): number {
  return (((c & 0xff) << 24) | ((c & 0xff00) << 8) | ((c >>> 8) & 0xff00) | (c >>> 24)) >>> 0;
}

/** The field tree of one framed PDU (see the module comment). Never throws. */
export function iscsiTree(pdu: ByteView | Uint8Array, o: IscsiTreeOptions): FieldNode[] {
  const v = pdu instanceof ByteView ? pdu : ByteView.of(pdu);
  const out: FieldNode[] = [];
  if (!v.has(0, BHS_LENGTH)) return out;
  const op = v.u8(0) & 0x3f;
  const dg = o.digests ?? inferDigests(v);
  const on = digestsApply(op);
  const b = new Builder(v, on && dg.header, on && dg.data, o.full);
  try {
    if (!OPCODE_NAMES.has(op)) out.push(n('iscsi.opcode', op, 0, 1), n('iscsi.opcode.invalid', null, 0, 1));
    else b.pdu(out, 0, v.u24(5), 0);
  } catch (e) {
    if (!(e instanceof Stop || e instanceof TruncatedError || e instanceof MalformedError)) throw e;
  }
  if (o.full) {
    const why = bhsProblem(v, 0xffffff);
    if (why) out.push(n('iscsix.problem', why, 0, BHS_LENGTH));
  }
  return out;
}
