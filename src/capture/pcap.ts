/**
 * Classic pcap through the npm package `pcap-parser`, with its gaps covered by
 * a small guard that walks the record headers in front of it:
 *  - nanosecond magic (a1b23c4d / 4d3cb2a1), which pcap-parser rejects: it is
 *    shown the microsecond magic and the fraction is read as nanoseconds;
 *  - a record claiming a huge captured length, which pcap-parser would buffer
 *    without limit: rejected before it reaches the parser when larger than
 *    max(snaplen, maxRecordBytes), with the frame and byte offset;
 *  - a truncated last record, on which pcap-parser ends silently: reported as
 *    TRUNCATED_CAPTURE with the byte offset;
 *  - no backpressure: the parser is driven synchronously through a tiny stream
 *    adapter, one chunk at a time, so it never reads ahead.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type { CaptureSink } from '../types.js';
import type { FormatReader } from './read.js';

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

export class PcapGuard implements FormatReader {
  packets = 0;
  error: string | null = null;
  private readonly feed = new ChunkFeed();
  private header = Buffer.alloc(0);
  private le = true;
  private nano = false;
  private limit = 0;
  private linktype = 1;
  /** Absolute offset of the current record header; bytes of it still needed. */
  private recOff = GLOBAL;
  private hdr = Buffer.alloc(REC);
  private hdrHave = 0;
  private bodyLeft = 0;
  private bodyLen = 0;
  /** Absolute offset consumed so far. */
  private pos = 0;
  private started = false;
  /** Offset of the next record pcap-parser will emit (to give packets their offset). */
  private emitOff = GLOBAL;

  constructor(
    readonly file: string,
    private readonly sink: CaptureSink,
    private readonly maxRecord: number,
  ) {
    const parser = pcapParser.parse(this.feed);
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

  push(chunk: Buffer): boolean {
    if (this.error) return false;
    let c = chunk;
    if (!this.started) {
      // Collect the 24-byte global header (it may arrive in pieces).
      const need = GLOBAL - this.header.length;
      this.header = Buffer.concat([this.header, c.subarray(0, need)]);
      if (this.header.length < GLOBAL) return true;
      const h = this.header;
      const m = h.readUInt32BE(0);
      this.le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
      this.nano = m === 0xa1b23c4d || m === 0x4d3cb2a1;
      const major = this.le ? h.readUInt16LE(4) : h.readUInt16BE(4);
      const minor = this.le ? h.readUInt16LE(6) : h.readUInt16BE(6);
      if (major !== 2) return this.fatal(`unsupported pcap version ${major}.${minor}`, undefined, 4);
      const snap = this.le ? h.readUInt32LE(16) : h.readUInt32BE(16);
      this.linktype = (this.le ? h.readUInt32LE(20) : h.readUInt32BE(20)) & 0x0fffffff;
      this.limit = Math.max(snap, this.maxRecord);
      const fixed = Buffer.from(h);
      if (this.nano) fixed.writeUInt32BE(this.le ? 0xd4c3b2a1 : 0xa1b2c3d4, 0);
      this.feed.emit('data', fixed);
      this.started = true;
      this.pos = GLOBAL;
      c = c.subarray(need);
      if (c.length === 0) return true;
    }
    // Walk record headers inside this chunk; stop in front of an oversized one.
    let i = 0;
    const n = c.length;
    while (i < n) {
      if (this.bodyLeft > 0) {
        const k = Math.min(this.bodyLeft, n - i);
        this.bodyLeft -= k;
        i += k;
        if (this.bodyLeft === 0) {
          this.recOff += REC + this.bodyLen;
          this.hdrHave = 0;
        }
        continue;
      }
      const k = Math.min(REC - this.hdrHave, n - i);
      c.copy(this.hdr, this.hdrHave, i, i + k);
      this.hdrHave += k;
      i += k;
      if (this.hdrHave < REC) break;
      const cap = this.le ? this.hdr.readUInt32LE(8) : this.hdr.readUInt32BE(8);
      if (cap > this.limit) {
        // Hand pcap-parser everything before this record header, then stop.
        const before = i - REC; // may be negative when the header straddled chunks
        if (before > 0) this.feed.emit('data', c.subarray(0, before));
        return this.fatal(
          `record claims ${cap} captured bytes, more than the ${this.limit} accepted (max of snaplen and ${this.maxRecord}); reading stops here`,
          this.packets + 1,
          this.recOff,
        );
      }
      this.bodyLen = cap;
      this.bodyLeft = cap;
      if (cap === 0) {
        this.recOff += REC;
        this.hdrHave = 0;
      }
    }
    this.pos += n;
    this.feed.emit('data', c);
    return true;
  }

  end(): void {
    if (this.error) return;
    if (!this.started) {
      this.fatal(`pcap global header cut (${this.header.length} of ${GLOBAL} bytes)`, undefined, 0);
      return;
    }
    if (this.hdrHave > 0 || this.bodyLeft > 0) {
      const have = this.hdrHave < REC ? this.hdrHave : REC + this.bodyLen - this.bodyLeft;
      const want = this.hdrHave < REC ? REC : REC + this.bodyLen;
      const msg = `${this.file}: frame ${this.packets + 1}: byte offset ${this.recOff}: the file ends inside a record (${have} of ${want} bytes)`;
      this.sink.problem({ code: 'TRUNCATED_CAPTURE', file: this.file, frame: this.packets + 1, offset: this.recOff, message: msg, fatal: true });
    }
  }
}
