/**
 * Classic pcap through the npm package `pcap-parser`, with its gaps covered by
 * a small guard that walks the record headers in front of it:
 *  - nanosecond magic (a1b23c4d / 4d3cb2a1), which pcap-parser rejects: it is
 *    shown the microsecond magic and the fraction is read as nanoseconds;
 *  - a record claiming a huge captured length, which pcap-parser would buffer
 *    without limit: rejected before it reaches the parser when larger than
 *    max(snaplen, maxRecordBytes), with the frame and byte offset — a snaplen
 *    counts up to 16 MiB only (libpcap and Wireshark refuse records over
 *    256 KiB whatever the snaplen says; 0xFFFFFFFF must not mean "anything");
 *  - a record split over many chunks (zlib hands out 64 KiB at a time) is
 *    gathered in a buffer that grows geometrically (carry.ts), never
 *    re-copied whole per chunk;
 *  - a truncated last record, on which pcap-parser ends silently: reported as
 *    TRUNCATED_CAPTURE with the byte offset;
 *  - no backpressure: the parser is driven synchronously through a tiny stream
 *    adapter, one chunk at a time, so it never reads ahead;
 *  - a cut global header (< 24 bytes), on which it waits silently: our own
 *    "global header cut" error at byte offset 0;
 *  - its version test (`major != 2 && minor != 4`) lets most wrong versions
 *    through: anything but 2.4 is rejected here.
 *
 * The guard hands pcap-parser the 24-byte global header on its own (so its
 * 'globalHeader' is parsed before any record), then only whole records, each
 * batch taken straight from the chunk (no copy); pcap-parser emits 'packet'
 * synchronously inside `feed.emit('data', ...)`. Its remainder buffer is then
 * empty and is reset, so it never concatenates chunks or keeps one alive.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { CaptureSink } from '../types.js';
import { Carry } from './carry.js';
import { u16At, u32At } from './order.js';
import type { FormatReader } from './reader.js';

const require = createRequire(import.meta.url);

interface PcapParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}
const pcapParser = require('pcap-parser') as { parse(input: NodeJS.EventEmitter): NodeJS.EventEmitter };

/** A stream stand-in that pcap-parser subscribes to; we push chunks into it synchronously. */
class ChunkFeed extends EventEmitter {
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
}

const GLOBAL = 24;
const REC = 16;
/** The most a snaplen raises the record bound to (the pcapng block bound). */
export const SNAPLEN_BOUND = 16 * 1024 * 1024;

export class PcapGuard implements FormatReader {
  packets = 0;
  error: string | null = null;
  private readonly feed = new ChunkFeed();
  private readonly parser: NodeJS.EventEmitter & { buffer: Buffer | null };
  private header = Buffer.alloc(0);
  private le = true;
  private nano = false;
  private limit = 0;
  private snaplen = 0;
  private linktype = 1;
  /** Absolute offset of the current record header; bytes of it still needed. */
  private recOff = GLOBAL;
  /** Bytes of a record not yet complete (copied out of its chunk). */
  private readonly carry = new Carry();
  private started = false;
  /** Offset of the next record pcap-parser will emit (to give packets their offset). */
  private emitOff = GLOBAL;

  constructor(
    readonly file: string,
    private readonly sink: CaptureSink,
    private readonly maxRecord: number,
  ) {
    const parser = pcapParser.parse(this.feed) as NodeJS.EventEmitter & { buffer: Buffer | null };
    this.parser = parser;
    parser.on('packet', (p: PcapParserPacket) => this.onPacket(p));
    parser.on('error', () => {
      /* the guard validated the header already; nothing pcap-parser reports can be new */
    });
  }

  private onPacket(p: PcapParserPacket): void {
    const h = p.header;
    const off = this.emitOff;
    this.emitOff += REC + h.capturedLength;
    let sec = h.timestampSeconds;
    let nsec = this.nano ? h.timestampMicroseconds : h.timestampMicroseconds * 1000;
    if (nsec >= 1e9) {
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    this.packets++;
    this.sink.packet({
      file: this.file,
      frame: this.packets,
      offset: off,
      linktype: this.linktype,
      iface: 0,
      ts: { sec, nsec, digits: this.nano ? 9 : 6 },
      caplen: h.capturedLength,
      origlen: h.originalLength,
      data: p.data,
    });
  }

  private fatal(msg: string, frame: number | undefined, offset: number): false {
    this.error = `${this.file}: ${frame !== undefined ? `frame ${frame}: ` : ''}byte offset ${offset}: ${msg}`;
    this.sink.problem({ code: 'CAPTURE_ERROR', file: this.file, ...(frame !== undefined ? { frame } : {}), offset, message: this.error, fatal: true });
    return false;
  }

  /** Hand pcap-parser whole records only, so it never keeps a remainder to copy the next chunk onto. */
  private feedRecords(buf: Buffer): void {
    if (buf.length === 0) return;
    this.feed.emit('data', buf);
    // Its remainder is now empty: drop it, so the next chunk is taken as is instead of being copied
    // onto an empty buffer (pcap-parser concatenates whenever its buffer is not null).
    if (this.parser.buffer && this.parser.buffer.length === 0) this.parser.buffer = null;
  }

  /** The captured length of the record header at b[o..o+16). */
  private capOf(b: Buffer, o: number): number {
    return u32At(b, o + 8, this.le);
  }

  private tooBig(cap: number): false {
    const snap = this.snaplen > SNAPLEN_BOUND ? `; a snaplen over ${SNAPLEN_BOUND} counts as ${SNAPLEN_BOUND}` : '';
    return this.fatal(
      `record claims ${cap} captured bytes, more than the ${this.limit} accepted (max of snaplen and ${this.maxRecord}${snap}); reading stops here`,
      this.packets + 1,
      this.recOff,
    );
  }

  push(chunk: Buffer): boolean {
    if (this.error) return false;
    let c = chunk;
    if (!this.started) {
      // Collect the 24-byte global header (it may arrive in pieces).
      const need = GLOBAL - this.header.length;
      this.header = Buffer.concat([this.header, c.subarray(0, need)]);
      if (this.header.length < GLOBAL) return true;
      const h = this.header;
      const m = u32At(h, 0, false);
      this.le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
      this.nano = m === 0xa1b23c4d || m === 0x4d3cb2a1;
      const major = u16At(h, 4, this.le);
      const minor = u16At(h, 6, this.le);
      // libpcap has written 2.4 since 1998; pcap-parser reads only that layout.
      if (major !== 2 || minor !== 4) return this.fatal(`unsupported pcap version ${major}.${minor} (only 2.4 is read)`, undefined, 4);
      const snap = u32At(h, 16, this.le);
      // The upper bits hold FCS information (libpcap's LT_LINKTYPE mask).
      this.linktype = u32At(h, 20, this.le) & 0x03ffffff;
      this.snaplen = snap;
      this.limit = Math.max(Math.min(snap, SNAPLEN_BOUND), this.maxRecord);
      const fixed = Buffer.from(h);
      if (this.nano) fixed.writeUInt32BE(this.le ? 0xd4c3b2a1 : 0xa1b2c3d4, 0);
      this.feedRecords(fixed);
      this.started = true;
      c = c.subarray(need);
      if (c.length === 0) return true;
    }
    const n = c.length;
    let i = 0;
    // 1. Complete the record carried over from the previous chunk (only its new bytes are copied).
    const carry = this.carry;
    if (carry.length > 0) {
      if (carry.length < REC) {
        const k = Math.min(REC - carry.length, n);
        carry.append(c.subarray(0, k), REC);
        i = k;
        if (carry.length < REC) return true;
      }
      const cap = this.capOf(carry.bytes(), 0);
      if (cap > this.limit) return this.tooBig(cap);
      const total = REC + cap;
      const k = Math.min(total - carry.length, n - i);
      if (k > 0) {
        carry.append(c.subarray(i, i + k), total);
        i += k;
      }
      if (carry.length < total) return true;
      this.feedRecords(carry.bytes());
      carry.clear();
      this.recOff += total;
    }
    // 2. Whole records straight from the chunk (no copy); stop in front of an oversized one.
    const start = i;
    while (i + REC <= n) {
      const cap = this.capOf(c, i);
      if (cap > this.limit) {
        this.feedRecords(c.subarray(start, i));
        return this.tooBig(cap);
      }
      if (i + REC + cap > n) break;
      i += REC + cap;
      this.recOff += REC + cap;
    }
    this.feedRecords(c.subarray(start, i));
    // 3. The unfinished record is carried (copied, so the chunk is not pinned).
    if (i < n) this.carry.append(c.subarray(i), n - i >= REC ? REC + this.capOf(c, i) : REC);
    return true;
  }

  end(): void {
    if (this.error) return;
    if (!this.started) {
      this.fatal(`pcap global header cut (${this.header.length} of ${GLOBAL} bytes)`, undefined, 0);
      return;
    }
    if (this.carry.length > 0) {
      const want = this.carry.length >= REC ? REC + this.capOf(this.carry.bytes(), 0) : REC;
      const msg = `${this.file}: frame ${this.packets + 1}: byte offset ${this.recOff}: the file ends inside a record (${this.carry.length} of ${want} bytes)`;
      this.sink.problem({ code: 'TRUNCATED_CAPTURE', file: this.file, frame: this.packets + 1, offset: this.recOff, message: msg, fatal: true });
    }
  }
}
