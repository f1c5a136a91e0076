/**
 * pcapng, hand-written and streaming: several sections with either byte
 * order (each SHB's byte-order magic); an IDB per interface with its own link
 * type, snaplen, if_tsresol (option 9) and if_tsoffset (option 14); EPB (6),
 * SPB (3) and the obsolete PB (2); every other block type is skipped.
 *
 * - A bad block length (< 12, not a multiple of 4, trailing length different,
 *   or larger than the bound) stops reading: CAPTURE_ERROR, fatal, with the
 *   byte offset of the length field; earlier packets are kept.
 * - A block cut by the end of the file: TRUNCATED_CAPTURE with the offset of
 *   the block.
 * - A block split over many chunks (zlib hands out 64 KiB at a time) is
 *   gathered in a buffer that grows geometrically (carry.ts), never re-copied
 *   whole per chunk.
 * - Frame numbers follow tshark 4.0: besides EPB/SPB/PB, Custom Blocks
 *   (0x0BAD, 0x40000BAD), systemd Journal Export (9) and Sysdig event blocks
 *   (0x204, 0x216, 0x221) are records there, so each takes a frame number here
 *   (nothing is delivered for them) and counts in `packets`.
 * - A packet for an interface the section never declared: a non-fatal
 *   CAPTURE_ERROR (once per interface id and section) and the packet is
 *   skipped. It still takes its frame number, so later frames keep the number
 *   of their position in the file, and it counts in `packets`.
 *
 * Timestamps are exact: 10^-n units give nsec = the fraction scaled to ns
 * (digits min(n, 9)); 2^-n units are converted to whole nanoseconds, rounded
 * down (digits 9); if_tsoffset seconds are added. µs and ns (the usual cases)
 * are divided with plain numbers in 16-bit steps (exact), others with BigInt.
 */
import type { CaptureSink } from '../types.js';
import { Carry } from './carry.js';
import { u16At, u32At } from './order.js';
import type { FormatReader } from './reader.js';

interface Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per second: 1e6 and 1e9 take the fast path; else `big`. */
  units: number;
  big: bigint;
  digits: number;
  offsetSec: number;
}

const SHB = 0x0a0d0d0a;
const NS = 1_000_000_000;
const NSn = 1_000_000_000n;

export class PcapngReader implements FormatReader {
  packets = 0;
  error: string | null = null;
  /** Bytes of an unfinished block (copied, so no chunk is pinned). */
  private readonly carry = new Carry();
  /** Absolute offset of the next block (= of carry[0]). */
  private pos = 0;
  private le = true;
  private ifaces: Iface[] = [];
  private sawSection = false;
  private warned = new Set<number>();
  /** Remainder of the last div() call. */
  private rem = 0;

  constructor(
    readonly file: string,
    private readonly sink: CaptureSink,
    private readonly maxBlock: number,
  ) {}

  private fatal(msg: string, offset: number): false {
    const frame = this.sawSection ? this.packets + 1 : undefined;
    this.error = `${this.file}: ${frame !== undefined ? `frame ${frame}: ` : ''}byte offset ${offset}: ${msg}`;
    this.sink.problem({ code: 'CAPTURE_ERROR', file: this.file, ...(frame !== undefined ? { frame } : {}), offset, message: this.error, fatal: true });
    return false;
  }

  /** The chunk dataOf() last made a plain view of, and that view. */
  private viewOf: Buffer | null = null;
  private view: Uint8Array = new Uint8Array(0);

  /** The bytes b[from, to) as a plain Uint8Array view (a Buffer's own subarray() costs a JS constructor call per packet). */
  private dataOf(b: Buffer, from: number, to: number): Uint8Array {
    if (this.viewOf !== b) {
      this.viewOf = b;
      this.view = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    }
    return this.view.subarray(from, to);
  }

  /** Integers in the section's byte order (order.ts). */
  private u16(b: Buffer, o: number): number {
    return u16At(b, o, this.le);
  }
  private u32(b: Buffer, o: number): number {
    return u32At(b, o, this.le);
  }

  /**
   * The block header at b[i..i+12): sets the byte order on a section header,
   * validates the length (then at b[i+4..i+8], in that byte order). Returns
   * the type, or null after a fatal error.
   */
  private header(b: Buffer, i: number, off: number): number | null {
    let type: number;
    if (u32At(b, i, true) === SHB) {
      // SHB: its byte-order magic decides how this section is read.
      const bom = u32At(b, i + 8, true);
      if (bom === 0x1a2b3c4d) this.le = true;
      else if (bom === 0x4d3c2b1a) this.le = false;
      else {
        this.fatal(`section header block with an unknown byte-order magic 0x${bom.toString(16).padStart(8, '0')}`, off + 8);
        return null;
      }
      type = SHB;
    } else if (!this.sawSection) {
      this.fatal('pcapng file does not start with a section header block', off);
      return null;
    } else type = this.u32(b, i);
    const len = this.u32(b, i + 4);
    if (len < 12 || len % 4 !== 0) {
      this.fatal(`block of type 0x${type.toString(16)} has an invalid length ${len}`, off + 4);
      return null;
    }
    if (len > this.maxBlock) {
      this.fatal(`block of type 0x${type.toString(16)} claims ${len} bytes, more than the ${this.maxBlock} accepted`, off + 4);
      return null;
    }
    return type;
  }

  /** A whole block at b[i..i+len). */
  private whole(b: Buffer, i: number, type: number, len: number, off: number): boolean {
    const trail = this.u32(b, i + len - 4);
    if (trail !== len) return this.fatal(`block length ${len} does not match its trailing length ${trail}`, off + len - 4);
    return this.block(type, b, i, len, off);
  }

  push(chunk: Buffer): boolean {
    if (this.error) return false;
    const n = chunk.length;
    let i = 0;
    // 1. Finish the block carried over from earlier chunks, copying only its own new bytes.
    const carry = this.carry;
    if (carry.length > 0) {
      if (carry.length < 12) {
        const k = Math.min(12 - carry.length, n);
        carry.append(chunk.subarray(0, k), 12);
        i = k;
        if (carry.length < 12) return true;
      }
      const type = this.header(carry.bytes(), 0, this.pos);
      if (type === null) return false;
      const len = this.u32(carry.bytes(), 4);
      const k = Math.min(len - carry.length, n - i);
      if (k > 0) {
        carry.append(chunk.subarray(i, i + k), len);
        i += k;
      }
      if (carry.length < len) return true;
      const ok = this.whole(carry.bytes(), 0, type, len, this.pos);
      carry.clear();
      if (!ok) return false;
      this.pos += len;
    }
    // 2. Whole blocks straight from the chunk.
    while (n - i >= 12) {
      const off = this.pos;
      const type = this.header(chunk, i, off);
      if (type === null) return false;
      const len = this.u32(chunk, i + 4);
      if (n - i < len) break;
      if (!this.whole(chunk, i, type, len, off)) return false;
      i += len;
      this.pos += len;
    }
    // 3. The unfinished block is copied (its length was checked above when its header is here).
    if (i < n) this.carry.append(chunk.subarray(i), n - i >= 12 ? this.u32(chunk, i + 4) : 12);
    return true;
  }

  private block(type: number, b: Buffer, i: number, len: number, off: number): boolean {
    const body = i + 8;
    const end = i + len - 4;
    switch (type) {
      case SHB: {
        // byte-order magic u32, major u16, minor u16, section length i64, options
        if (len < 28) return this.fatal(`section header block too short (${len} bytes)`, off + 4);
        const major = this.u16(b, body + 4);
        if (major !== 1) return this.fatal(`unsupported pcapng version ${major}.${this.u16(b, body + 6)}`, off + 12);
        this.sawSection = true;
        this.ifaces = [];
        this.warned.clear();
        return true;
      }
      case 1:
        return this.idb(b, body, end, off);
      case 6:
      case 2: {
        // EPB: iface u32, ts high u32, ts low u32, caplen u32, origlen u32, data, options.
        // Obsolete PB: iface u16, drops u16, then the same.
        if (end - body < 20) return this.fatal(`${type === 6 ? 'enhanced ' : ''}packet block too short (${len} bytes)`, off + 4);
        const id = type === 6 ? this.u32(b, body) : this.u16(b, body);
        const cap = this.u32(b, body + 12);
        const room = end - (body + 20);
        if (cap > room) return this.fatal(`packet block claims ${cap} captured bytes but holds ${room}`, off + 20);
        const iface = this.ifaces[id];
        this.packets++;
        if (!iface) return this.undeclared(id, off);
        const hi = this.u32(b, body + 4);
        const lo = this.u32(b, body + 8);
        let sec: number;
        let nsec: number;
        if (iface.units === 1e6) {
          sec = this.div(hi, lo, 1e6);
          nsec = this.rem * 1000;
        } else if (iface.units === NS) {
          sec = this.div(hi, lo, NS);
          nsec = this.rem;
        } else {
          const t = (BigInt(hi) << 32n) | BigInt(lo);
          sec = Number(t / iface.big);
          nsec = Number(((t % iface.big) * NSn) / iface.big);
        }
        this.sink.packet({
          file: this.file,
          frame: this.packets,
          offset: off,
          linktype: iface.linktype,
          iface: id,
          ts: { sec: sec + iface.offsetSec, nsec, digits: iface.digits },
          caplen: cap,
          origlen: this.u32(b, body + 16),
          data: this.dataOf(b, body + 20, body + 20 + cap),
        });
        return true;
      }
      case 3: {
        // SPB: origlen u32, data — interface 0, no timestamp.
        if (end - body < 4) return this.fatal(`simple packet block too short (${len} bytes)`, off + 4);
        const iface = this.ifaces[0];
        this.packets++;
        if (!iface) return this.undeclared(0, off);
        const orig = this.u32(b, body);
        let cap = Math.min(orig, end - (body + 4));
        if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        this.sink.packet({
          file: this.file,
          frame: this.packets,
          offset: off,
          linktype: iface.linktype,
          iface: 0,
          ts: { sec: 0, nsec: 0, digits: iface.digits },
          caplen: cap,
          origlen: orig,
          data: this.dataOf(b, body + 4, body + 4 + cap),
        });
        return true;
      }
      case 0x00000bad: // Custom Block, copyable
      case 0x40000bad: // Custom Block, not to be copied
      case 0x00000009: // systemd Journal Export Block
      case 0x00000204: // Sysdig event
      case 0x00000216: // Sysdig event v2
      case 0x00000221: // Sysdig event v2, large
        // Not packets, but tshark 4.0 shows each as a frame of its own: it takes a frame number.
        this.packets++;
        return true;
      default:
        return true; // NRB, ISB, DSB, unknown: skipped without a frame number
    }
  }

  /** IDB: link type u16, reserved u16, snaplen u32, options. */
  private idb(b: Buffer, body: number, end: number, off: number): boolean {
    if (end - body < 8) return this.fatal('interface description block too short', off + 4);
    const iface: Iface = { linktype: this.u16(b, body), snaplen: this.u32(b, body + 4), units: 1e6, big: 1_000_000n, digits: 6, offsetSec: 0 };
    let o = body + 8;
    while (o + 4 <= end) {
      const code = this.u16(b, o);
      const olen = this.u16(b, o + 2);
      if (code === 0 || o + 4 + olen > end) break; // opt_endofopt, or an option running past the block
      if (code === 9 && olen >= 1) {
        const r = b[o + 4]!;
        const p = r & 0x7f;
        if (r & 0x80) {
          iface.big = 1n << BigInt(p);
          iface.units = 0; // the BigInt path
          iface.digits = 9;
        } else {
          iface.big = 10n ** BigInt(p);
          iface.units = p === 6 ? 1e6 : p === 9 ? NS : 0;
          iface.digits = Math.min(p, 9);
        }
      } else if (code === 14 && olen >= 8) {
        iface.offsetSec = Number(this.le ? b.readBigInt64LE(o + 4) : b.readBigInt64BE(o + 4));
      }
      o += 4 + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
    return true;
  }

  private undeclared(id: number, off: number): true {
    if (!this.warned.has(id)) {
      this.warned.add(id);
      this.sink.problem({
        code: 'CAPTURE_ERROR',
        file: this.file,
        frame: this.packets,
        offset: off,
        message: `${this.file}: frame ${this.packets}: byte offset ${off}: packet for interface ${id}, which this section does not declare (${this.ifaces.length} interface${this.ifaces.length === 1 ? '' : 's'}): skipped, and so are its later packets`,
        fatal: false,
      });
    }
    return true;
  }

  /**
   * floor((hi·2^32 + lo) / d) for d in [2^11, 2^37): below 2^52 one division,
   * else long division in 16-bit digits, every intermediate below 2^53, so
   * exact. Remainder in this.rem.
   */
  private div(hi: number, lo: number, d: number): number {
    if (hi < 0x100000) {
      // Below 2^52 (microseconds until the year 2112) one division of the exact double: t/d is
      // at least 1/d from the next integer, more than half an ulp of a quotient below 2^52/d, so
      // the rounded quotient never reaches it; q·d ≤ t is exact.
      const t = hi * 4294967296 + lo;
      const q = Math.floor(t / d);
      this.rem = t - q * d;
      return q;
    }
    let cur = hi >>> 16;
    let q = Math.floor(cur / d);
    let r = cur - q * d;
    cur = r * 65536 + (hi & 0xffff);
    let qd = Math.floor(cur / d);
    r = cur - qd * d;
    q = q * 65536 + qd;
    cur = r * 65536 + (lo >>> 16);
    qd = Math.floor(cur / d);
    r = cur - qd * d;
    q = q * 65536 + qd;
    cur = r * 65536 + (lo & 0xffff);
    qd = Math.floor(cur / d);
    r = cur - qd * d;
    q = q * 65536 + qd;
    this.rem = r;
    return q;
  }

  end(): void {
    if (this.error) return;
    if (!this.sawSection) {
      this.fatal(`pcapng section header cut (${this.carry.length} bytes)`, 0);
      return;
    }
    if (this.carry.length > 0) {
      const want = this.carry.length >= 12 ? ` of ${this.u32(this.carry.bytes(), 4)}` : '';
      const msg = `${this.file}: frame ${this.packets + 1}: byte offset ${this.pos}: the file ends inside a block (${this.carry.length}${want} bytes)`;
      this.sink.problem({ code: 'TRUNCATED_CAPTURE', file: this.file, frame: this.packets + 1, offset: this.pos, message: msg, fatal: true });
    }
  }
}
