/**
 * The PDU framer, in the shape of Wireshark's tcp_dissect_pdus: given a
 * fixed header length and a PDU-length function, turn in-order stream bytes
 * into whole PDUs — several per segment or one across many — each knowing the
 * frames that carried it and owned by the frame holding its last byte.
 *
 * Synchronisation. A stream whose start was captured (SYN seen) is in sync
 * from its first byte, and stays so while each PDU header is valid. A stream
 * joined mid-way, every stream after a gap, and a stream where an invalid
 * header was met, resynchronise — only at a *plausible* header (the
 * protocol's stricter `plausible` test), and only once it is confirmed: the
 * PDU ends exactly where the captured data ends (senders start PDUs at
 * segment starts, as tshark assumes), or the next header right after it is
 * plausible too. Until one is confirmed the bytes are kept (bounded); the
 * bytes passed over are reported once per episode, with the reason.
 *
 * Snaplen. Bytes a capture cut from a segment (`cut`) are not a gap: the PDU
 * they belong to is emitted with the bytes that were captured and how many
 * are missing; when the cut reaches past that PDU, the stream resynchronises.
 */
import { ByteView, copyBytes } from '../../dissector/core/byteview.js';
import type { Framing } from '../../dissector/core/protocol.js';
import { StreamBuffer, type HeldBytes } from './stream-buffer.js';

export interface FramerPdu {
  /** Owned copy of the PDU (only the captured bytes when `missing` > 0). */
  bytes: Uint8Array;
  /** Frames that carried its bytes, ascending, unique. */
  frames: number[];
  /** Frame of its last byte. */
  frame: number;
  /** Bytes of the PDU the capture cut (snaplen); 0 for a whole PDU. */
  missing: number;
  /** The first PDU after bytes were lost or passed over (a gap, a mid-stream start, a cut, garbage). */
  resynced: boolean;
}

/** Why bytes were passed over. */
export type SkipReason = 'joined mid-stream' | 'after a gap' | 'after a snaplen cut' | `resync-after-invalid: ${string}`;

export interface FramerEvents {
  pdu(p: FramerPdu): void;
  /** Bytes passed over before a PDU boundary was found (one report per resynchronisation episode). */
  skipped(bytes: number, frames: number[], reason: SkipReason): void;
}

export interface FramerOptions {
  /** Largest number of bytes buffered for one incomplete PDU (default 256 KiB). */
  maxBuffered?: number | undefined;
  /** Whether the stream start is known to be a PDU boundary (SYN seen). Default true. */
  startInSync?: boolean | undefined;
  /** How PDU bytes are copied out of the stream (default: an exact copy; the pipeline passes its Slab). */
  keep?: ((b: Uint8Array, from: number, to: number) => Uint8Array) | undefined;
  /** Where the bytes its buffer holds are counted, with every other stream's (the stream table's byte bound). */
  held?: HeldBytes | undefined;
}

/** A shared empty list (never written): most streams never need theirs. */
const NONE: number[] = [];

/** Frames listed per skip report (first ones; the count is always exact). */
const MAX_SKIP_FRAMES = 20;

export class PduFramer {
  private readonly sb: StreamBuffer; // the bytes held, with the frames and segment starts they came with
  private readonly maxBuffered: number;
  private readonly keep: (b: Uint8Array, from: number, to: number) => Uint8Array;
  syncing: boolean;
  /** Why sync was lost (the reason of the current episode). */
  private reason: SkipReason;
  /** Bytes passed over in the current episode, and their first frames. */
  private skippedBytes = 0;
  private skippedFrames: number[] = NONE;
  /** In sync: bytes of the next PDU still to be passed over (the rest of a PDU cut by the snaplen). */
  private drop = 0;
  /** PDUs emitted so far. */
  pdus = 0;
  /** Bytes were lost or passed over since the last PDU emitted (set from the start when joined mid-stream). */
  private resynced: boolean;
  /** While resynchronising: buffered offsets of plausible headers not confirmable yet, and the next offset to examine. */
  private open: number[] = NONE;
  private scanned = 0;

  constructor(
    private readonly framing: Framing,
    private readonly events: FramerEvents,
    opts: FramerOptions = {},
  ) {
    this.maxBuffered = opts.maxBuffered ?? 256 * 1024;
    this.syncing = opts.startInSync === false;
    this.resynced = this.syncing;
    this.reason = 'joined mid-stream';
    this.keep = opts.keep ?? copyBytes;
    this.sb = new StreamBuffer(opts.held);
  }

  /** The stream is closed or no longer framed: its buffer is given up. */
  release(): void {
    this.sb.release();
  }

  push(bytes: Uint8Array, frame: number, segmentStart = true): void {
    if (bytes.length === 0) return;
    if (this.drop > 0) {
      const n = Math.min(this.drop, bytes.length);
      this.drop -= n;
      if (n === bytes.length) return;
      bytes = bytes.subarray(n);
      segmentStart = false;
    }
    if (this.sb.len === 0 && !this.syncing) {
      // Fast path: whole PDUs straight out of the chunk, one copy each.
      const o = this.inSync(bytes, bytes.length, frame, false);
      if (o < bytes.length) this.sb.append(bytes.subarray(o), frame, o === 0 && segmentStart);
      if (this.syncing) this.process(false);
      return;
    }
    this.sb.append(bytes, frame, segmentStart);
    this.process(false);
    if (this.sb.len > this.maxBuffered) {
      this.events.skipped(this.sb.len, this.sb.framesOf(0, this.sb.len), 'resync-after-invalid: incomplete PDU larger than the buffer bound');
      this.consume(this.sb.len);
      this.lose('resync-after-invalid: incomplete PDU larger than the buffer bound');
    }
  }

  /** Bytes are missing: the partial PDU is dropped and the framer resynchronises. */
  gap(): void {
    // The bytes before the hole end there: a candidate PDU they hold whole is taken first.
    if (this.syncing) this.process(true);
    this.passOver(this.sb.len);
    this.drop = 0;
    this.lose('after a gap');
  }

  /**
   * The capture cut `n` bytes that the stream carried right after the bytes
   * pushed last (snaplen). The PDU they belong to is emitted with what was
   * captured; if the cut reaches past it, the stream resynchronises.
   */
  cut(n: number, frame: number): void {
    if (n <= 0) return;
    if (this.drop > 0) {
      // Still inside the rest of a PDU already emitted cut.
      const d = Math.min(this.drop, n);
      this.drop -= d;
      n -= d;
      if (n === 0) return;
      this.lose('after a snaplen cut');
      return;
    }
    // The captured bytes end at the cut: a candidate PDU they hold whole is settled first.
    if (this.syncing) this.process(true);
    if (this.syncing && !this.cutAtSegmentStart()) {
      // Nothing to place the cut in: the captured bytes of the segment are passed over with it.
      if (this.skippedBytes === 0) this.reason = 'after a snaplen cut';
      this.passOver(this.sb.len);
      return;
    }
    if (!this.syncing && this.sb.len > 0 && this.sb.len < this.framing.headerLength && this.framing.startsHeader?.(new ByteView(this.sb.buf, 0, this.sb.len))) {
      // The cut falls inside a header: the PDU is kept with the header bytes there are.
      this.emitCut(n);
      this.lose('after a snaplen cut');
      return;
    }
    if (this.syncing || this.sb.len < this.framing.headerLength) {
      // No PDU header to place the cut bytes in: they are lost like a gap's.
      this.passOver(this.sb.len);
      this.lose('after a snaplen cut');
      return;
    }
    const r = this.framing.pduLength(new ByteView(this.sb.buf, 0, this.sb.len));
    if (!('length' in r) || r.length <= this.sb.len) {
      // (Whole PDUs were emitted when their bytes arrived: a header that is not one, or lies.)
      this.passOver(this.sb.len);
      this.lose('after a snaplen cut');
      return;
    }
    // The buffered bytes are a PDU's first `len` bytes (whole PDUs were emitted already). It is
    // decoded as far as it was captured before the cut: its later bytes, even those captured in
    // later segments, are not put after a hole.
    const missing = r.length - this.sb.len;
    this.emitCut(missing);
    if (n < missing) this.drop = missing - n; // the PDU's last bytes arrive in later segments: pass over them
    else if (n > missing) this.lose('after a snaplen cut');
    void frame;
  }

  /**
   * While resynchronising, a segment the snaplen cut: if its first bytes are a
   * plausible header (or, fewer than a header, the start of one), it is taken
   * as a PDU start — senders start PDUs at segment starts — and the framer is
   * in sync at it. False when nothing can be placed.
   */
  private cutAtSegmentStart(): boolean {
    const fr = this.framing;
    const H = fr.headerLength;
    for (const s of this.sb.segmentStarts()) {
      const v = new ByteView(this.sb.buf, s, this.sb.len - s);
      const whole = this.sb.len - s >= H && (!fr.plausible || fr.plausible(v)) && 'length' in fr.pduLength(v);
      const part = this.sb.len - s > 0 && this.sb.len - s < H && fr.startsHeader?.(v) === true;
      if (!whole && !part) continue;
      this.passOver(s);
      this.report();
      this.syncing = false;
      this.open = NONE;
      this.scanned = 0;
      return true;
    }
    return false;
  }

  /** End of stream: an unconfirmed but complete PDU is taken; what is left is reported. Returns the unfinished bytes. */
  end(): { bytes: number; frames: number[] } {
    if (this.syncing) this.process(true);
    const left = this.syncing ? 0 : this.sb.len;
    const r = { bytes: left, frames: this.sb.framesOf(0, this.sb.len) };
    if (this.syncing) this.passOver(this.sb.len);
    else this.consume(this.sb.len);
    this.report();
    return r;
  }

  private lose(reason: SkipReason): void {
    this.resynced = true;
    if (!this.syncing) {
      this.syncing = true;
      this.reason = reason;
      this.open = NONE;
      this.scanned = 0;
    }
  }

  /** Frame what is buffered: in sync, PDU after PDU; syncing, look for a confirmed header first. */
  private process(final: boolean): void {
    for (;;) {
      if (this.syncing) {
        const o = this.resync(final);
        if (o < 0) return;
        this.passOver(o);
        this.report();
        this.syncing = false;
      }
      const o = this.inSync(this.sb.buf, this.sb.len, this.sb.lastFrame(), true);
      this.consume(o);
      if (!this.syncing) return;
    }
  }

  /**
   * Emit whole PDUs from b[0, end) while headers are valid; return the offset
   * of the first byte not consumed. An invalid header loses sync there.
   */
  private inSync(b: Uint8Array, end: number, frame: number, buffered: boolean): number {
    const fr = this.framing;
    let o = 0;
    while (end - o >= fr.headerLength) {
      // The common case from the bytes alone (pduLengthAt); otherwise pduLength, which says why not.
      let n = fr.pduLengthAt ? fr.pduLengthAt(b, o, end - o) : -1;
      if (n < 0) {
        const r = fr.pduLength(new ByteView(b, o, end - o));
        if ('need' in r) break;
        if (!('length' in r)) {
          this.lose(`resync-after-invalid: ${r.invalid}`);
          break;
        }
        n = r.length;
      }
      if (n > end - o) break;
      this.emit(b, o, o + n, buffered ? this.sb.framesOf(o, o + n) : [frame], 0);
      o += n;
    }
    return o;
  }

  /** A PDU: b[from, to), carried by `frames`, missing `missing` bytes the snaplen cut. */
  private emit(b: Uint8Array, from: number, to: number, frames: number[], missing: number): void {
    const bytes = this.keep(b, from, to);
    this.pdus++;
    const resynced = this.resynced;
    this.resynced = false;
    this.events.pdu({ bytes, frames, frame: frames[frames.length - 1]!, missing, resynced });
  }

  /** Everything buffered is a cut PDU missing `missing` bytes: emit and consume it. */
  private emitCut(missing: number): void {
    const n = this.sb.len;
    this.emit(this.sb.buf, 0, n, this.sb.framesOf(0, n), missing);
    this.consume(n);
  }

  /**
   * Whether a PDU may start at buffered offset o: 'yes' (plausible header,
   * confirmed), 'no' (never), 'open' (plausible, not confirmable yet).
   */
  private candidate(o: number, final: boolean): { st: 'yes' | 'no' | 'open'; end: number } {
    const fr = this.framing;
    const H = fr.headerLength;
    const head = (at: number): number | 'need' | null => {
      const v = new ByteView(this.sb.buf, at, this.sb.len - at);
      if (fr.plausible && !fr.plausible(v)) return null;
      const r = fr.pduLength(v);
      return 'length' in r ? r.length : 'need' in r ? 'need' : null;
    };
    if (this.sb.len - o < H) return { st: final ? 'no' : 'open', end: 0 };
    const L = head(o);
    if (L === null) return { st: 'no', end: 0 };
    if (L === 'need') return { st: final ? 'no' : 'open', end: 0 };
    const next = o + L;
    if (next === this.sb.len) return { st: 'yes', end: next }; // ends where the captured data ends
    if (next > this.sb.len) return { st: final ? 'no' : 'open', end: next };
    if (this.sb.len - next < H) return { st: final ? 'yes' : 'open', end: next };
    return { st: head(next) !== null ? 'yes' : 'no', end: next }; // confirmed by the next header
  }

  /**
   * The first buffered offset where a confirmed PDU starts, or -1 (not found
   * yet: the bytes that can never start one are passed over, the rest kept).
   * Positions are examined once; candidates still open are re-examined as
   * data arrives. Of two confirmed candidates, a segment start lying inside
   * the earlier one's claimed PDU wins (senders start PDUs at segment starts).
   */
  private resync(final: boolean): number {
    const H = this.framing.headerLength;
    let found = -1;
    let foundEnd = 0;
    let open: number[] = NONE;
    for (const c of this.open) {
      if (found >= 0) break;
      const r = this.candidate(c, final);
      if (r.st === 'yes') {
        found = c;
        foundEnd = r.end;
      } else if (r.st === 'open') (open === NONE ? (open = []) : open).push(c);
    }
    for (let o = this.scanned; found < 0 && o + H <= this.sb.len; o++) {
      const r = this.candidate(o, final);
      if (r.st === 'yes') {
        found = o;
        foundEnd = r.end;
      } else if (r.st === 'open') (open === NONE ? (open = []) : open).push(o);
      this.scanned = o + 1;
    }
    if (found >= 0) {
      // A confirmed header at a segment start inside the claimed PDU is the likelier truth.
      for (const start of this.sb.segmentStarts()) {
        if (start > found && start < foundEnd && this.candidate(start, final).st === 'yes') {
          found = start;
          break;
        }
      }
      this.open = NONE;
      this.scanned = 0;
      return found;
    }
    this.open = open;
    if (final) return -1;
    // Nothing confirmed: keep from the first open candidate, or the last H-1 bytes.
    this.passOver(Math.min(open.length ? open[0]! : this.scanned, Math.max(0, this.sb.len - H + 1)));
    return -1;
  }

  /** Pass over the first n buffered bytes (counted for the episode's report). */
  private passOver(n: number): void {
    if (n <= 0) return;
    this.skippedBytes += n;
    if (this.skippedFrames.length < MAX_SKIP_FRAMES) {
      if (this.skippedFrames === NONE) this.skippedFrames = [];
      for (const f of this.sb.framesOf(0, n)) {
        if (this.skippedFrames.length >= MAX_SKIP_FRAMES) break;
        if (!this.skippedFrames.includes(f)) this.skippedFrames.push(f);
      }
    }
    this.consume(n);
  }

  /** The episode's skipped bytes, once (when sync is found again, or at the end). */
  private report(): void {
    if (this.skippedBytes > 0) this.events.skipped(this.skippedBytes, this.skippedFrames.sort((a, b) => a - b), this.reason);
    this.skippedBytes = 0;
    this.skippedFrames = NONE;
  }

  private consume(n: number): void {
    if (n <= 0) return;
    if (this.syncing) {
      this.scanned = Math.max(0, this.scanned - n);
      if (this.open.length) this.open = this.open.filter((c) => c >= n).map((c) => c - n);
    }
    this.sb.consume(n);
  }
}
