/**
 * TCP stream reassembly, one direction at a time: wrap-safe 32-bit sequence
 * arithmetic, retransmissions and overlaps delivered once (first copy wins),
 * out-of-order segments held (bounded per stream and in total), and a missing
 * span reported as a gap naming the frames around it.
 */
import type { Timestamp } from '../types.js';
import { copyBytes } from '../../dissector/core/byteview.js';

export interface TcpLimits {
  /** Out-of-order bytes held per direction. */
  maxOooBytesPerStream: number;
  /** Out-of-order bytes held across all streams. */
  maxOooBytesTotal: number;
  /** Concurrent TCP conversations (the least recently used is closed beyond it). */
  maxStreams: number;
  /** Bytes held in framer buffers (partial PDUs) across all streams (the least recently used streams are closed beyond it). */
  maxBufferedBytes?: number;
}

export interface SegmentIn {
  frame: number;
  ts: Timestamp;
  seq: number;
  /** TCP flags byte: FIN 1, SYN 2, RST 4. */
  flags: number;
  /** Valid only during the call. */
  payload: Uint8Array;
  /** Bytes of the segment after `payload` that the capture did not hold (snaplen); they take sequence space. */
  cut?: number;
}

export interface GapInfo {
  missingFrom: number;
  missingTo: number;
  bytes: number;
  frameBefore: number | null;
  frameAfter: number;
}

export interface DirectionEvents {
  /**
   * In-order new bytes (valid only during the call), each byte exactly once;
   * `segmentStart`: they begin where the sender's segment began.
   */
  data(bytes: Uint8Array, frame: number, segmentStart: boolean): void;
  gap(info: GapInfo): void;
  /** `n` in-order bytes the capture did not hold (cut by the snaplen), right after the last data. */
  cut?(n: number, frame: number): void;
}

/** Out-of-order bytes held across every stream. */
export class OooBudget {
  used = 0;
  constructor(readonly max: number) {}
  take(n: number): boolean {
    if (this.used + n > this.max) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used -= n;
  }
}

/** Beyond this distance ahead of the expected sequence number a segment is not held: the span is a gap. */
const MAX_AHEAD = 1 << 30;

interface Held {
  seq: number;
  bytes: Uint8Array;
  frame: number;
  /** Bytes after `bytes` the capture cut (snaplen). */
  cut: number;
}

const SYN = 2;
const FIN = 1;

export class TcpDirection {
  private next: number | null = null;
  /** Out-of-order segments, the lowest sequence number first (a heap: O(log n) per segment however they arrive). */
  private held = new SeqHeap();
  private heldBytes = 0;
  private lastFrame: number | null = null;
  /** The highest sequence number the other side acknowledged, and the frame of that ACK. */
  private maxAck: number | null = null;
  private maxAckFrame = 0;
  /** Sequence number of this direction's FIN, if one was seen. */
  private fin: number | null = null;
  sawSyn = false;

  constructor(
    private readonly events: DirectionEvents,
    private readonly limits: TcpLimits,
    private readonly budget: OooBudget,
  ) {}

  segment(s: SegmentIn): void {
    const len = s.payload.length;
    const cut = s.cut ?? 0;
    const total = len + cut;
    // A FIN takes one sequence number after the segment's bytes (its ACK is not a byte we missed).
    if (s.flags & FIN) this.fin = (((s.flags & SYN ? s.seq + 1 : s.seq) >>> 0) + total) >>> 0;
    if (this.next === null) {
      if (s.flags & SYN) {
        this.sawSyn = true;
        this.next = (s.seq + 1) >>> 0;
        if (total === 0) return;
        this.deliverSeg(s.payload, cut, s.frame, 0);
        this.next = (this.next + total) >>> 0;
        return;
      }
      if (total === 0) return;
      this.next = s.seq >>> 0;
    }
    if (total === 0) return;
    const seq = s.flags & SYN ? (s.seq + 1) >>> 0 : s.seq >>> 0;
    const rel = (seq - this.next) | 0;
    if (rel <= 0) {
      const skip = -rel;
      if (skip >= total) return; // retransmission of delivered bytes
      this.deliverSeg(s.payload, cut, s.frame, skip);
      this.next = (this.next + total - skip) >>> 0;
      this.drain();
      return;
    }
    // Ahead of what we expect: hold it, within bounds; otherwise the hole is a gap.
    if (rel < MAX_AHEAD && this.heldBytes + len <= this.limits.maxOooBytesPerStream && this.budget.take(len)) {
      this.insert({ seq, bytes: copyBytes(s.payload), frame: s.frame, cut });
      this.heldBytes += len;
      return;
    }
    // Cannot hold it: what is held before it is delivered (after gaps), then the hole up to it is a gap.
    while (this.held.size && ((this.held.peek().seq - seq) | 0) < 0) this.skipTo(this.held.peek());
    this.skipTo({ seq, bytes: s.payload, frame: s.frame, cut });
    const skip = (this.next - seq) | 0;
    if (skip >= 0 && skip < total) {
      this.deliverSeg(s.payload, cut, s.frame, skip);
      this.next = (this.next + total - skip) >>> 0;
    }
    this.drain();
  }

  /** A segment's bytes from `skip` on: what was captured, then what the snaplen cut. */
  private deliverSeg(bytes: Uint8Array, cut: number, frame: number, skip: number): void {
    if (skip < bytes.length) this.deliver(skip ? bytes.subarray(skip) : bytes, frame, skip === 0);
    const c = skip <= bytes.length ? cut : cut - (skip - bytes.length);
    if (c > 0) {
      this.lastFrame = frame;
      this.events.cut?.(c, frame);
    }
  }

  private insert(h: Held): void {
    this.held.push(h);
  }

  /** Declare the hole up to `h.seq` a gap (when `h` is held, deliver it and what follows). */
  private skipTo(h: Held): void {
    const rel = (h.seq - this.next!) | 0;
    if (rel <= 0) {
      this.drain();
      return;
    }
    this.events.gap({ missingFrom: this.next!, missingTo: h.seq, bytes: rel, frameBefore: this.lastFrame, frameAfter: h.frame });
    this.next = h.seq;
    this.drain();
  }

  private deliver(bytes: Uint8Array, frame: number, segmentStart: boolean): void {
    this.lastFrame = frame;
    this.events.data(bytes, frame, segmentStart);
  }

  /** Deliver held segments that are now in order. */
  private drain(): void {
    while (this.held.size) {
      const h = this.held.peek();
      const rel = (h.seq - this.next!) | 0;
      if (rel > 0) return;
      this.held.pop();
      this.heldBytes -= h.bytes.length;
      this.budget.give(h.bytes.length);
      const skip = -rel;
      const total = h.bytes.length + h.cut;
      if (skip >= total) continue;
      this.deliverSeg(h.bytes, h.cut, h.frame, skip);
      this.next = (this.next! + total - skip) >>> 0;
    }
  }

  /**
   * The other direction acknowledged up to `ack`: the receiver has bytes the
   * capture does not, so a hole before `ack` will never fill — declare it now.
   */
  acked(ack: number, frame = 0): void {
    if (this.next === null) return;
    if (((ack - this.next) | 0) <= 0) return;
    if (this.maxAck === null || ((ack - this.maxAck) | 0) > 0) {
      this.maxAck = ack >>> 0;
      this.maxAckFrame = frame;
    }
    if (this.held.size === 0) return;
    while (this.held.size && ((this.held.peek().seq - ack) | 0) < 0) this.skipTo(this.held.peek());
  }

  /** Drop what is held (the conversation is no longer followed); nothing is delivered. */
  release(): void {
    for (const h of this.held.items()) this.budget.give(h.bytes.length);
    this.held = new SeqHeap();
    this.heldBytes = 0;
  }

  /**
   * End of input: what is held after a hole is delivered after a gap; bytes
   * the other side acknowledged but the capture never held (the stream's
   * last segments lost) are a gap too.
   */
  finish(): void {
    while (this.held.size) this.skipTo(this.held.peek());
    if (this.next !== null && this.maxAck !== null) {
      const end = this.fin !== null && ((this.maxAck - this.fin) | 0) === 1 ? this.fin : this.maxAck;
      const missing = (end - this.next) | 0;
      if (missing > 0 && missing < MAX_AHEAD) {
        this.events.gap({ missingFrom: this.next, missingTo: end, bytes: missing, frameBefore: this.lastFrame, frameAfter: this.maxAckFrame });
        this.next = end;
      }
    }
  }
}

const NO_HELD: Held[] = [];

/**
 * A binary min-heap of held segments by sequence number, compared wrap-safe
 * (every held segment lies within 2^30 of the expected sequence number, so
 * the 32-bit difference orders them).
 */
class SeqHeap {
  /** Shared and empty until the first push (most streams never hold a segment). */
  private a: Held[] = NO_HELD;
  get size(): number {
    return this.a.length;
  }
  peek(): Held {
    return this.a[0]!;
  }
  items(): readonly Held[] {
    return this.a;
  }
  push(h: Held): void {
    if (this.a === NO_HELD) this.a = [];
    const a = this.a;
    a.push(h);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (((a[p]!.seq - h.seq) | 0) <= 0) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = h;
  }
  pop(): Held | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && ((a[r]!.seq - a[l]!.seq) | 0) < 0 ? r : l;
      if (((a[c]!.seq - last.seq) | 0) >= 0) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Conversations keyed by the caller's string key, the least recently used
 * evicted beyond `max`. Recency is refreshed (a delete and re-insert, which
 * moves the key to the end of the Map's order) only when the key has not
 * been refreshed during the last max/4 lookups: exact enough to evict an idle
 * conversation rather than a busy one, without re-inserting a key per packet
 * (every re-insert leaves a deleted entry that V8 must later rehash away).
 */
export class TcpStreamTable<T> {
  private readonly map = new Map<string, LruNode<T>>();
  /** Least recently used first. */
  private head: LruNode<T> | null = null;
  private tail: LruNode<T> | null = null;
  private clock = 0;
  constructor(
    private readonly max: number,
    private readonly onEvict: (v: T) => void,
  ) {}

  /** Move to the most recent end, at most once per max/4 uses (a packet's lookup stays cheap). */
  private refresh(e: LruNode<T>): void {
    const now = ++this.clock;
    if (now - e.stamp <= this.max >> 2 || e === this.tail) return;
    e.stamp = now;
    this.unlink(e);
    this.append(e);
  }

  private unlink(e: LruNode<T>): void {
    if (e.prev) e.prev.next = e.next;
    else this.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else this.tail = e.prev;
    e.prev = e.next = null;
  }

  private append(e: LruNode<T>): void {
    e.prev = this.tail;
    if (this.tail) this.tail.next = e;
    else this.head = e;
    this.tail = e;
  }

  get(key: string, create: () => T): T {
    const e = this.map.get(key);
    if (e !== undefined) {
      this.refresh(e);
      return e.v;
    }
    if (this.map.size >= this.max && this.head) {
      // The least recently used goes: O(1), never a walk over the table.
      const old = this.head;
      this.unlink(old);
      this.map.delete(old.key);
      this.onEvict(old.v);
    }
    const n: LruNode<T> = { key, v: create(), prev: null, next: null, stamp: ++this.clock };
    this.map.set(key, n);
    this.append(n);
    return n.v;
  }

  /** The value of `key`, if present (recency unchanged). */
  peek(key: string): T | undefined {
    return this.map.get(key)?.v;
  }

  /** Mark `key` (present) as just used, as get() does. */
  touch(key: string): void {
    const e = this.map.get(key);
    if (e !== undefined) this.refresh(e);
  }

  /** The entry of `key` (present), for touchEntry(): a holder of it refreshes it without a lookup. */
  entry(key: string): StreamEntry | undefined {
    return this.map.get(key);
  }

  /** Mark an entry from entry() as just used (it must still be in the table). */
  touchEntry(e: StreamEntry): void {
    this.refresh(e as LruNode<T>);
  }

  /** Close the least recently used conversations while `over()` holds, keeping the most recent one. */
  evictWhile(over: () => boolean): void {
    while (over() && this.head && this.head !== this.tail) {
      const old = this.head;
      this.unlink(old);
      this.map.delete(old.key);
      this.onEvict(old.v);
    }
  }

  *values(): IterableIterator<T> {
    for (let e = this.head; e; e = e.next) yield e.v;
  }

  get size(): number {
    return this.map.size;
  }
}

/** A table entry, opaque to its holder. */
export type StreamEntry = object;

interface LruNode<T> {
  readonly key: string;
  readonly v: T;
  prev: LruNode<T> | null;
  next: LruNode<T> | null;
  stamp: number;
}
