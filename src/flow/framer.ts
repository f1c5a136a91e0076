/**
 * The PDU framer, in the shape of Wireshark's tcp_dissect_pdus: given a
 * fixed header length and a PDU-length function, turn in-order stream bytes
 * into whole PDUs — several per segment or one across many — each knowing the
 * frames that carried it and owned by the frame holding its last byte. A
 * stream joined mid-way, or resumed after a gap or garbage, resynchronises on
 * the next position the length function accepts.
 */
import { ByteView, copyBytes } from '../../dissector/core/byteview.js';
import type { Framing } from '../../dissector/core/protocol.js';

export interface FramerPdu {
  /** Owned copy of the PDU. */
  bytes: Uint8Array;
  /** Frames that carried its bytes, ascending, unique. */
  frames: number[];
  /** Frame of its last byte. */
  frame: number;
}

export interface FramerEvents {
  pdu(p: FramerPdu): void;
  /** Bytes skipped while looking for a PDU boundary; reason "resync-after-invalid: ..." when sync was lost. */
  skipped(bytes: number, frames: number[], reason: string): void;
}

export interface FramerOptions {
  /** Largest number of bytes buffered for one incomplete PDU (default 256 KiB). */
  maxBuffered?: number | undefined;
  /** Whether the stream start is known to be a PDU boundary (SYN seen). Default true. */
  startInSync?: boolean | undefined;
  /** How PDU bytes are copied out of the stream (default: an exact copy; the pipeline passes its Slab). */
  keep?: ((b: Uint8Array, from: number, to: number) => Uint8Array) | undefined;
}

export class PduFramer {
  private buf = new Uint8Array(0);
  private len = 0;
  /** Frame boundaries of buffered bytes: segEnd[i] is the buffer offset where segFrame[i]'s bytes end. */
  private readonly segEnd: number[] = [];
  private readonly segFrame: number[] = [];
  private readonly maxBuffered: number;
  private readonly keep: (b: Uint8Array, from: number, to: number) => Uint8Array;
  syncing: boolean;
  private lostReason = '';

  constructor(
    private readonly framing: Framing,
    private readonly events: FramerEvents,
    opts: FramerOptions = {},
  ) {
    this.maxBuffered = opts.maxBuffered ?? 256 * 1024;
    this.syncing = opts.startInSync === false;
    this.keep = opts.keep ?? copyBytes;
  }

  push(bytes: Uint8Array, frame: number): void {
    if (bytes.length === 0) return;
    if (this.len === 0) {
      // Fast path: whole PDUs straight out of the chunk, one copy each.
      const o = this.scan(bytes, 0, bytes.length, frame, null);
      if (o < bytes.length) this.append(bytes.subarray(o), frame);
      return;
    }
    this.append(bytes, frame);
    const o = this.scan(this.buf, 0, this.len, frame, this);
    this.consume(o);
    if (this.len > this.maxBuffered) {
      this.events.skipped(this.len, this.framesOf(0, this.len), 'resync-after-invalid: incomplete PDU larger than the buffer bound');
      this.consume(this.len);
      this.syncing = true;
    }
  }

  /** Bytes are missing: the partial PDU is dropped and the framer resynchronises. */
  gap(): void {
    this.consume(this.len);
    this.syncing = true;
    this.lostReason = '';
  }

  /** End of stream: the unfinished bytes (dropped). */
  end(): { bytes: number; frames: number[] } {
    const r = { bytes: this.syncing ? 0 : this.len, frames: this.framesOf(0, this.len) };
    this.consume(this.len);
    return r;
  }

  /**
   * Emit whole PDUs found in b[start, end); return the offset of the first byte
   * not consumed. `self` is set when b is the internal buffer (frames tracked).
   */
  private scan(b: Uint8Array, start: number, end: number, frame: number, self: PduFramer | null): number {
    const fr = this.framing;
    let o = start;
    let skipFrom = -1;
    while (end - o >= fr.headerLength) {
      const r = fr.pduLength(new ByteView(b, o, end - o));
      if ('length' in r) {
        if (this.syncing || skipFrom >= 0) {
          if (skipFrom >= 0) this.reportSkip(skipFrom, o, frame, self);
          skipFrom = -1;
          this.syncing = false;
        }
        if (r.length > end - o) break;
        const bytes = this.keep(b, o, o + r.length);
        const frames = self ? this.framesOf(o, o + r.length) : [frame];
        this.events.pdu({ bytes, frames, frame: frames[frames.length - 1]! });
        o += r.length;
        continue;
      }
      if ('need' in r) {
        if (skipFrom >= 0) {
          this.reportSkip(skipFrom, o, frame, self);
          skipFrom = -1;
        }
        break;
      }
      // Not a PDU start here.
      if (!this.syncing && skipFrom < 0) {
        this.lostReason = r.invalid;
        this.syncing = true;
        skipFrom = o;
      } else if (skipFrom < 0) skipFrom = o;
      o++;
    }
    if (skipFrom >= 0) {
      // Everything scanned so far is garbage; keep the last headerLength-1 bytes (a header may start there).
      const keep = Math.min(end - skipFrom, this.framing.headerLength - 1);
      const cut = end - keep;
      if (cut > skipFrom) this.reportSkip(skipFrom, cut, frame, self);
      return cut;
    }
    return o;
  }

  private reportSkip(from: number, to: number, frame: number, self: PduFramer | null): void {
    const frames = self ? this.framesOf(from, to) : [frame];
    const reason = this.lostReason ? `resync-after-invalid: ${this.lostReason}` : 'joined mid-stream';
    this.lostReason = '';
    this.events.skipped(to - from, frames, reason);
  }

  private append(bytes: Uint8Array, frame: number): void {
    const need = this.len + bytes.length;
    if (need > this.buf.length) {
      const nb = new Uint8Array(Math.max(need, this.buf.length * 2, 4096));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(bytes, this.len);
    this.len = need;
    const last = this.segFrame.length - 1;
    if (last >= 0 && this.segFrame[last] === frame) this.segEnd[last] = need;
    else {
      this.segEnd.push(need);
      this.segFrame.push(frame);
    }
  }

  private consume(n: number): void {
    if (n <= 0) return;
    // Arrays and buffer are reused in place: the framer lives as long as its stream, and fresh
    // ones per PDU would be moved to V8's old heap as garbage.
    if (n >= this.len) {
      this.len = 0;
      this.segEnd.length = 0;
      this.segFrame.length = 0;
      if (this.buf.length > 65536) this.buf = new Uint8Array(0);
      return;
    }
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    let k = 0;
    while (k < this.segEnd.length && this.segEnd[k]! <= n) k++;
    let j = 0;
    for (let i = k; i < this.segEnd.length; i++, j++) {
      this.segEnd[j] = this.segEnd[i]! - n;
      this.segFrame[j] = this.segFrame[i]!;
    }
    this.segEnd.length = j;
    this.segFrame.length = j;
  }

  private framesOf(from: number, to: number): number[] {
    const out: number[] = [];
    let prev = 0;
    for (let i = 0; i < this.segEnd.length; i++) {
      const e = this.segEnd[i]!;
      if (e > from && prev < to) {
        const f = this.segFrame[i]!;
        if (out[out.length - 1] !== f) out.push(f);
      }
      prev = e;
      if (prev >= to) break;
    }
    return out.sort((a, b) => a - b).filter((x, i, a) => i === 0 || a[i - 1] !== x);
  }
}
