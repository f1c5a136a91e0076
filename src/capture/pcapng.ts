/**
 * pcapng, hand-written and streaming: several sections with either byte
 * order; an IDB per interface with its own link type, snaplen, if_tsresol and
 * if_tsoffset; EPB, SPB and the obsolete PB; other blocks skipped. A bad block
 * length stops reading with the byte offset; earlier packets are kept.
 */
import type { CaptureSink } from '../types.js';
import type { FormatReader } from './read.js';

interface Iface {
  linktype: number;
  snaplen: number;
  /** Timestamp units per second, as bigint; and display digits. */
  unitsPerSec: bigint;
  digits: number;
  offsetSec: bigint;
}

const SHB = 0x0a0d0d0a;

export class PcapngReader implements FormatReader {
  packets = 0;
  error: string | null = null;
  /** Carry-over bytes of an unfinished block (copied). */
  private carry: Buffer = Buffer.alloc(0);
  private pos = 0; // absolute offset of carry[0] / next block
  private le = true;
  private ifaces: Iface[] = [];
  private sawSection = false;
  private warnedIface = new Set<number>();

  constructor(
    readonly file: string,
    private readonly sink: CaptureSink,
    private readonly maxBlock: number,
  ) {}

  private fatal(msg: string, offset: number): false {
    this.error = `${this.file}: frame ${this.packets + 1}: byte offset ${offset}: ${msg}`;
    this.sink.problem({ code: 'CAPTURE_ERROR', file: this.file, frame: this.packets + 1, offset, message: this.error, fatal: true });
    return false;
  }

  push(chunk: Buffer): boolean {
    if (this.error) return false;
    let b: Buffer;
    if (this.carry.length) b = Buffer.concat([this.carry, chunk]);
    else b = chunk;
    let i = 0;
    while (b.length - i >= 12) {
      const off = this.pos + i;
      let type = b.readUInt32LE(i);
      if (type === SHB || b.readUInt32BE(i) === SHB) {
        // Byte order from the section's magic.
        const bom = b.readUInt32LE(i + 8);
        if (bom === 0x1a2b3c4d) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else return this.fatal(`section header with an unknown byte-order magic 0x${bom.toString(16)}`, off + 8);
        type = SHB;
      } else if (!this.sawSection) {
        return this.fatal('pcapng file does not start with a section header block', off);
      } else type = this.le ? type : b.readUInt32BE(i);
      const len = this.le ? b.readUInt32LE(i + 4) : b.readUInt32BE(i + 4);
      if (len < 12 || len % 4 !== 0) return this.fatal(`block of type 0x${type.toString(16)} has an invalid length ${len}`, off + 4);
      if (len > this.maxBlock) return this.fatal(`block of type 0x${type.toString(16)} claims ${len} bytes, more than the ${this.maxBlock} accepted`, off + 4);
      if (b.length - i < len) break;
      const trail = this.le ? b.readUInt32LE(i + len - 4) : b.readUInt32BE(i + len - 4);
      if (trail !== len) return this.fatal(`block length ${len} does not match its trailing length ${trail}`, off + len - 4);
      if (!this.block(type, b, i, len, off)) return false;
      i += len;
    }
    this.pos += i;
    // Keep only the unfinished block (copy, so the chunk is not pinned).
    this.carry = i < b.length ? Buffer.from(b.subarray(i)) : Buffer.alloc(0);
    return true;
  }

  private u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  private block(type: number, b: Buffer, i: number, len: number, off: number): boolean {
    const body = i + 8;
    const end = i + len - 4;
    switch (type) {
      case SHB:
        if (len < 28) return this.fatal(`section header block too short (${len})`, off + 4);
        this.sawSection = true;
        this.ifaces = [];
        return true;
      case 1: {
        // IDB: linktype u16, reserved u16, snaplen u32, options
        if (end - body < 8) return this.fatal('interface description block too short', off);
        const iface: Iface = { linktype: this.u16(b, body), snaplen: this.u32(b, body + 4), unitsPerSec: 1_000_000n, digits: 6, offsetSec: 0n };
        let o = body + 8;
        while (o + 4 <= end) {
          const code = this.u16(b, o);
          const olen = this.u16(b, o + 2);
          if (code === 0) break;
          if (o + 4 + olen > end) break;
          if (code === 9 && olen >= 1) {
            const r = b[o + 4]!;
            if (r & 0x80) {
              const p = r & 0x7f;
              iface.unitsPerSec = p < 64 ? 1n << BigInt(p) : 1n << 63n;
              iface.digits = 9;
            } else {
              const p = Math.min(r, 18);
              iface.unitsPerSec = 10n ** BigInt(p);
              iface.digits = Math.min(p, 9);
            }
          } else if (code === 14 && olen >= 8) {
            iface.offsetSec = this.le ? b.readBigInt64LE(o + 4) : b.readBigInt64BE(o + 4);
          }
          o += 4 + ((olen + 3) & ~3);
        }
        if (this.ifaces.length < 65536) this.ifaces.push(iface);
        return true;
      }
      case 6:
      case 2: {
        // EPB: iface u32, ts hi, ts lo, caplen, origlen, data. Obsolete PB: iface u16, drops u16, ...
        if (end - body < 20) return this.fatal('packet block too short', off);
        const id = type === 6 ? this.u32(b, body) : this.u16(b, body);
        const hi = this.u32(b, body + 4);
        const lo = this.u32(b, body + 8);
        let cap = this.u32(b, body + 12);
        const orig = this.u32(b, body + 16);
        if (cap > end - (body + 20)) return this.fatal(`packet block claims ${cap} captured bytes but holds ${end - body - 20}`, off + 20);
        const iface = this.ifaces[id];
        if (!iface) {
          if (!this.warnedIface.has(id)) {
            this.warnedIface.add(id);
            this.sink.problem({ code: 'CAPTURE_ERROR', file: this.file, frame: this.packets + 1, offset: off, message: `${this.file}: frame ${this.packets + 1}: byte offset ${off}: packet for undeclared interface ${id} skipped`, fatal: false });
          }
          this.packets++;
          return true;
        }
        if (cap > orig && orig > 0) cap = Math.min(cap, cap);
        this.emit(iface, id, (BigInt(hi) << 32n) | BigInt(lo), b.subarray(body + 20, body + 20 + cap), cap, orig, off);
        return true;
      }
      case 3: {
        // SPB: origlen u32, data (interface 0, no timestamp)
        if (end - body < 4) return this.fatal('simple packet block too short', off);
        const iface = this.ifaces[0];
        const orig = this.u32(b, body);
        let cap = Math.min(orig, end - (body + 4));
        if (iface && iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
        if (!iface) {
          this.packets++;
          return true;
        }
        this.packets++;
        this.sink.packet({ file: this.file, frame: this.packets, offset: off, linktype: iface.linktype, iface: 0, ts: { sec: 0, nsec: 0, digits: iface.digits }, caplen: cap, origlen: orig, data: b.subarray(body + 4, body + 4 + cap) });
        return true;
      }
      default:
        return true; // NRB, ISB, DSB, custom, unknown: skipped
    }
  }

  private emit(iface: Iface, id: number, ts: bigint, data: Buffer, cap: number, orig: number, off: number): void {
    const ups = iface.unitsPerSec;
    let sec: bigint;
    let nsec: bigint;
    if (ups === 1_000_000n) {
      sec = ts / 1_000_000n;
      nsec = (ts % 1_000_000n) * 1000n;
    } else if (ups === 1_000_000_000n) {
      sec = ts / 1_000_000_000n;
      nsec = ts % 1_000_000_000n;
    } else {
      sec = ts / ups;
      nsec = ((ts % ups) * 1_000_000_000n) / ups;
    }
    sec += iface.offsetSec;
    this.packets++;
    this.sink.packet({ file: this.file, frame: this.packets, offset: off, linktype: iface.linktype, iface: id, ts: { sec: Number(sec), nsec: Number(nsec), digits: iface.digits }, caplen: cap, origlen: Math.max(orig, cap), data });
  }

  end(): void {
    if (this.error) return;
    if (this.carry.length > 0) {
      const msg = `${this.file}: frame ${this.packets + 1}: byte offset ${this.pos}: the file ends inside a block (${this.carry.length} bytes of it present)`;
      this.sink.problem({ code: 'TRUNCATED_CAPTURE', file: this.file, frame: this.packets + 1, offset: this.pos, message: msg, fatal: true });
    } else if (!this.sawSection) {
      this.fatal('pcapng section header cut', 0);
    }
  }
}
