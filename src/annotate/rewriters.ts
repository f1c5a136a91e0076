/**
 * The second pass of `annotate`: format readers (capture/read.ts's
 * `readerFor`) that write the capture back out as pcapng, with a packet
 * comment on every frame a finding names.
 *  - pcap: one section per input, one interface (its link type, snaplen and
 *    time resolution: if_tsresol 6 for µs, 9 for ns files), one enhanced
 *    packet block per record with the exact timestamp;
 *  - pcapng: every block passed through as it is (interfaces with their
 *    if_tsresol/if_tsoffset, name resolution, statistics, custom blocks), in
 *    its own byte order; the section length set to "unknown" (blocks grow);
 *    a packet block with comments gets them as opt_comment options before
 *    its own options; a simple packet block that needs one becomes an
 *    enhanced packet block on interface 0 (it has no timestamp: 0).
 * Frames are numbered as the analysis numbered them (capture/pcapng.ts): a
 * custom, systemd journal or Sysdig block takes a number too. Reading stops
 * where the analysis stopped (a bad length); a cut last record is dropped.
 */
import type { FormatReader } from '../capture/reader.js';
import { SNAPLEN_BOUND } from '../capture/pcap.js';
import { block, comment, epb, existingOptions, idb, shb } from './blocks.js';
import { Units } from './units.js';

export type Out = (b: Buffer) => void;
export type CommentsOf = (frame: number) => readonly string[] | undefined;

const FRAME_BLOCKS = new Set([0x00000bad, 0x40000bad, 0x00000009, 0x00000204, 0x00000216, 0x00000221]);
const SHB = 0x0a0d0d0a;

/** pcap in, one pcapng section out. */
export class PcapToPcapng implements FormatReader {
  packets = 0;
  error: string | null = null;
  private le = true;
  private ns = false;
  private snaplen = 0;
  private started = false;
  private readonly units: Units;

  constructor(
    private readonly input: string,
    private readonly out: Out,
    private readonly comments: CommentsOf,
    private readonly maxRecord: number,
  ) {
    this.units = new Units(() => (this.started ? 16 : 24), (b, i) => this.lengthOf(b, i), (b, i, len) => this.unit(b, i, len));
  }

  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  private lengthOf(b: Buffer, i: number): number | null {
    if (!this.started) return 24;
    const cap = this.u32(b, i + 8);
    if (cap > Math.max(Math.min(this.snaplen, SNAPLEN_BOUND), this.maxRecord)) {
      this.error = `${this.input}: frame ${this.packets + 1}: record too large`;
      return null;
    }
    return 16 + cap;
  }

  private unit(b: Buffer, i: number, len: number): boolean {
    if (!this.started) {
      const m = b.readUInt32BE(i);
      this.le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
      this.ns = m === 0xa1b23c4d || m === 0x4d3cb2a1;
      this.snaplen = this.u32(b, i + 16);
      this.started = true;
      this.out(shb(this.input));
      this.out(idb(this.u32(b, i + 20), this.snaplen, this.ns ? 9 : 6));
      return true;
    }
    this.packets++;
    const sec = BigInt(this.u32(b, i));
    const frac = BigInt(this.u32(b, i + 4));
    const ts = sec * (this.ns ? 1_000_000_000n : 1_000_000n) + frac;
    const cs = this.comments(this.packets);
    this.out(epb(0, ts, b.subarray(i + 16, i + len), this.u32(b, i + 12), cs ? cs.map(comment) : [], true));
    return true;
  }

  push(chunk: Buffer): boolean {
    return this.units.push(chunk);
  }

  end(): void {}
}

/** pcapng in, the same blocks out, packet comments added. */
export class PcapngAnnotator implements FormatReader {
  packets = 0;
  error: string | null = null;
  private le = true;
  private readonly units: Units;

  constructor(
    private readonly input: string,
    private readonly out: Out,
    private readonly comments: CommentsOf,
    private readonly maxBlock: number,
  ) {
    this.units = new Units(() => 12, (b, i) => this.lengthOf(b, i), (b, i, len) => this.unit(b, i, len));
  }

  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  private lengthOf(b: Buffer, i: number): number | null {
    if (b.readUInt32LE(i) === SHB) {
      const bom = b.readUInt32LE(i + 8);
      if (bom !== 0x1a2b3c4d && bom !== 0x4d3c2b1a) return this.bad('byte-order magic');
      this.le = bom === 0x1a2b3c4d;
    }
    const len = this.u32(b, i + 4);
    if (len < 12 || len % 4 !== 0 || len > this.maxBlock) return this.bad(`block length ${len}`);
    return len;
  }

  private bad(what: string): null {
    this.error = `${this.input}: frame ${this.packets + 1}: bad ${what}`;
    return null;
  }

  private unit(b: Buffer, i: number, len: number): boolean {
    if (this.u32(b, i + len - 4) !== len) {
      this.bad('trailing block length');
      return false;
    }
    const type = b.readUInt32LE(i) === SHB ? SHB : this.u32(b, i);
    const whole = b.subarray(i, i + len);
    if (type === SHB) {
      const copy = Buffer.from(whole);
      if (len >= 28) copy.writeBigInt64LE(-1n, 16); // section length: unknown (-1 is all ones in either order)
      this.out(copy);
      return true;
    }
    if (type === 6 || type === 2 || type === 3) {
      this.packets++;
      const cs = this.comments(this.packets);
      this.out(cs ? this.annotated(type, b, i, len, cs) : Buffer.from(whole));
      return true;
    }
    if (FRAME_BLOCKS.has(type)) this.packets++;
    this.out(Buffer.from(whole));
    return true;
  }

  private annotated(type: number, b: Buffer, i: number, len: number, cs: readonly string[]): Buffer {
    const body = i + 8;
    const end = i + len - 4;
    const opts = cs.map(comment);
    if (type === 3) {
      const orig = this.u32(b, body);
      const cap = Math.min(orig, end - (body + 4));
      return epb(0, 0n, b.subarray(body + 4, body + 4 + cap), orig, opts, this.le);
    }
    const hdr = 20;
    if (end - body < hdr) return Buffer.from(b.subarray(i, i + len));
    const cap = this.u32(b, body + 12);
    const dataEnd = body + hdr + ((cap + 3) & ~3);
    if (dataEnd > end) return Buffer.from(b.subarray(i, i + len));
    const raw = existingOptions(b, dataEnd, end, this.le);
    const head = Buffer.from(b.subarray(body, dataEnd));
    const parts: Buffer[] = [head];
    // comments first, then the block's own options, then opt_endofopt
    for (const o of opts) {
      const h = Buffer.alloc(4);
      if (this.le) {
        h.writeUInt16LE(o.code, 0);
        h.writeUInt16LE(o.value.length, 2);
      } else {
        h.writeUInt16BE(o.code, 0);
        h.writeUInt16BE(o.value.length, 2);
      }
      parts.push(h, o.value, Buffer.alloc(((o.value.length + 3) & ~3) - o.value.length));
    }
    if (raw) parts.push(raw);
    parts.push(Buffer.alloc(4));
    return block(type, Buffer.concat(parts), this.le);
  }

  push(chunk: Buffer): boolean {
    return this.units.push(chunk);
  }

  end(): void {}
}
