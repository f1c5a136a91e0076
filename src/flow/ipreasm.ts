/**
 * IPv4 and IPv6 fragment reassembly, bounded in memory and in (capture) time.
 *
 * Each datagram being reassembled keeps one buffer (grown by doubling, never
 * beyond `maxDatagramBytes`) and the sorted list of byte ranges received so
 * far. The first copy of a byte wins: a later fragment only fills holes; if
 * it disagrees with bytes already held, the conflict is reported (the
 * datagram is still completed with the first copy). The datagram is complete
 * when the last fragment (MF clear) has fixed its length and the ranges cover
 * [0, length) without a hole.
 *
 * Bounds: at most `maxDatagrams` datagrams at once and `maxBytes` of buffer
 * capacity in total — the oldest datagram is evicted to make room; a
 * fragment reaching past `maxDatagramBytes` drops its datagram; a datagram
 * older than `timeoutSec` (capture time since its first fragment) is
 * dropped. Every drop is queued as an event for `drain()`.
 */

export interface ReasmLimits {
  /** Datagrams under reassembly at once (default 256). */
  maxDatagrams: number;
  /** Buffer bytes held across all datagrams (default 8 MiB). */
  maxBytes: number;
  /**
   * Largest reassembled upper-layer payload, i.e. the furthest end offset a
   * fragment may reach (default 65535: an IPv4 datagram's payload is at most
   * 65535 - 20 bytes, an IPv6 fragmentable part at most 65535 - 8).
   */
  maxDatagramBytes: number;
  /** Seconds of capture time, from a datagram's first fragment, before it is dropped (default 60). */
  timeoutSec: number;
}

export const DEFAULT_REASM_LIMITS: Readonly<ReasmLimits> = {
  maxDatagrams: 256,
  maxBytes: 8 * 1024 * 1024,
  maxDatagramBytes: 65535,
  timeoutSec: 60,
};

export interface ReasmEvent {
  readonly reason: string;
  /** Frames of the fragments that datagram had received, ascending. */
  readonly frames: number[];
}

/** Events kept between two drain() calls; beyond this they are only counted. */
const MAX_EVENTS = 1024;
const MIN_CAPACITY = 2048;

interface Datagram {
  buf: Uint8Array;
  /** Received ranges, sorted and merged: [start0, end0, start1, end1, ...]. */
  ranges: number[];
  /** Payload length once the last fragment has been seen, else -1. */
  total: number;
  frames: number[];
  firstSec: number;
  /** An overlapping fragment that disagreed with bytes already held (the first copy was kept). */
  conflict: string | null;
}

export class IpReassembler {
  readonly limits: Readonly<ReasmLimits>;
  /** Insertion order = age order (oldest first), which eviction relies on. */
  private readonly map = new Map<string, Datagram>();
  private held = 0;
  private events: ReasmEvent[] = [];
  private lostEvents = 0;

  constructor(limits: Partial<ReasmLimits> = {}) {
    const l = { ...DEFAULT_REASM_LIMITS };
    for (const k of Object.keys(l) as (keyof ReasmLimits)[]) {
      const v = limits[k];
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) l[k] = v;
    }
    this.limits = l;
  }

  /** Datagrams under reassembly now. */
  get pending(): number {
    return this.map.size;
  }

  /** Buffer bytes held now. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * Add one fragment. `key` identifies the datagram (version, addresses,
   * identification, and for IPv4 the protocol); `offset` is in bytes;
   * `bytes` is only read during the call. Returns the whole payload and the
   * frames that carried it when this fragment completes the datagram.
   */
  add(key: string, offset: number, more: boolean, bytes: Uint8Array, frame: number, tsSec: number): { payload: Uint8Array; frames: number[]; conflict: string | null } | null {
    const lim = this.limits;
    this.expire(tsSec);
    const len = bytes.length;
    const end = offset + len;
    let d = this.map.get(key);
    if (d && tsSec - d.firstSec > lim.timeoutSec) {
      this.drop(key, d, `incomplete after ${lim.timeoutSec} s (timeout)`);
      d = undefined;
    }
    if (!Number.isInteger(offset) || offset < 0 || end > lim.maxDatagramBytes) {
      const frames = d ? [...d.frames] : [];
      if (d) this.remove(key, d);
      addFrame(frames, frame);
      this.event(`fragment at offset ${offset} (${len} bytes) reaches past the ${lim.maxDatagramBytes}-byte limit: datagram dropped`, frames);
      return null;
    }
    if (!d) {
      d = { buf: EMPTY, ranges: [], total: -1, frames: [], firstSec: tsSec, conflict: null };
      while (this.map.size >= Math.max(1, lim.maxDatagrams)) this.evictOldest('too many datagrams under reassembly');
      this.map.set(key, d);
    }

    // The datagram's length: fixed by the last fragment, and nothing may lie beyond it.
    if (!more) {
      if (d.total >= 0 && d.total !== end) {
        addFrame(d.frames, frame);
        this.drop(key, d, `two last fragments disagree on the length (${d.total} vs ${end}): datagram dropped`);
        return null;
      }
      const furthest = d.ranges.length ? d.ranges[d.ranges.length - 1]! : 0;
      if (furthest > end) {
        addFrame(d.frames, frame);
        this.drop(key, d, `last fragment ends at ${end} but data was received up to ${furthest}: datagram dropped`);
        return null;
      }
      d.total = end;
    } else if (d.total >= 0 && end > d.total) {
      addFrame(d.frames, frame);
      this.drop(key, d, `fragment ends at ${end}, past the datagram length ${d.total}: datagram dropped`);
      return null;
    }

    if (len > 0) {
      if (!this.reserve(key, d, end, frame)) return null;
      const res = this.insert(d, offset, bytes);
      if (res & ADDED) addFrame(d.frames, frame);
      if (res & CONFLICT) {
        const frames = [...d.frames];
        addFrame(frames, frame);
        const reason = `overlapping fragment (frame ${frame}) disagrees with data already received: the first copy was kept`;
        this.event(reason, frames);
        d.conflict ??= reason;
      }
    } else if (!more) {
      addFrame(d.frames, frame);
    }

    if (d.total >= 0 && (d.total === 0 || (d.ranges.length === 2 && d.ranges[0] === 0 && d.ranges[1] === d.total))) {
      this.remove(key, d);
      const payload = d.buf.length === d.total ? d.buf : d.buf.subarray(0, d.total);
      return { payload, frames: d.frames, conflict: d.conflict };
    }
    return null;
  }

  /** Drop events since the last call (dropped datagrams, conflicting overlaps). */
  drain(): ReasmEvent[] {
    const out = this.events;
    if (this.lostEvents > 0) {
      out.push({ reason: `${this.lostEvents} more reassembly events not itemised`, frames: [] });
      this.lostEvents = 0;
    }
    this.events = [];
    return out;
  }

  /** Give up on everything still incomplete (end of input); each becomes a drop event. */
  flush(reason = 'incomplete at the end of the capture'): void {
    for (const [k, d] of this.map) this.drop(k, d, reason);
  }

  // ---------------------------------------------------------------- internals

  /** Drop datagrams older than the timeout; oldest first, stopping at the first one still young. */
  private expire(now: number): void {
    const t = this.limits.timeoutSec;
    for (const [k, d] of this.map) {
      if (now - d.firstSec <= t) break;
      this.drop(k, d, `incomplete after ${t} s (timeout)`);
    }
  }

  /** Make `d.buf` hold at least `end` bytes within the byte budget. */
  private reserve(key: string, d: Datagram, end: number, frame: number): boolean {
    if (d.buf.length >= end) return true;
    const lim = this.limits;
    let cap = Math.max(MIN_CAPACITY, d.buf.length);
    while (cap < end) cap *= 2;
    cap = Math.min(cap, Math.max(end, lim.maxDatagramBytes));
    if (cap > lim.maxBytes) cap = end; // no slack when the budget is that tight
    if (cap > lim.maxBytes) {
      addFrame(d.frames, frame);
      this.drop(key, d, `datagram needs ${cap} bytes, more than the ${lim.maxBytes}-byte reassembly budget: dropped`);
      return false;
    }
    const grow = cap - d.buf.length;
    while (this.held + grow > lim.maxBytes) {
      const oldest = this.oldestOtherThan(d);
      if (!oldest) break;
      this.drop(oldest[0], oldest[1], `evicted: reassembly buffers reached ${lim.maxBytes} bytes`);
    }
    if (this.held + grow > lim.maxBytes) {
      addFrame(d.frames, frame);
      this.drop(key, d, `datagram needs ${cap} bytes, more than the ${lim.maxBytes}-byte reassembly budget: dropped`);
      return false;
    }
    const nb = new Uint8Array(cap);
    nb.set(d.buf);
    d.buf = nb;
    this.held += grow;
    return true;
  }

  /**
   * Copy the parts of [offset, offset+len) not yet received into the buffer
   * and merge the range. Returns ADDED when new bytes were stored, CONFLICT
   * when an overlapped part differs from what was already held.
   */
  private insert(d: Datagram, offset: number, bytes: Uint8Array): number {
    const r = d.ranges;
    const s = offset;
    const e = offset + bytes.length;
    // First range whose end reaches s (adjacent ranges merge too).
    let lo = 0;
    let hi = r.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[2 * mid + 1]! < s) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    let res = 0;
    let cur = s;
    let i = first;
    for (; 2 * i < r.length && r[2 * i]! <= e; i++) {
      const a = r[2 * i]!;
      const b = r[2 * i + 1]!;
      if (a > cur) {
        d.buf.set(bytes.subarray(cur - s, a - s), cur);
        res |= ADDED;
      }
      const os = Math.max(a, s);
      const oe = Math.min(b, e);
      if (!(res & CONFLICT)) for (let p = os; p < oe; p++) if (d.buf[p] !== bytes[p - s]) { res |= CONFLICT; break; }
      if (b > cur) cur = b;
    }
    if (cur < e) {
      d.buf.set(bytes.subarray(cur - s), cur);
      res |= ADDED;
    }
    // Ranges first..i-1 touch [s, e): replace them with their union.
    const ns = i > first ? Math.min(s, r[2 * first]!) : s;
    const ne = i > first ? Math.max(e, r[2 * i - 1]!) : e;
    r.splice(2 * first, 2 * (i - first), ns, ne);
    return res;
  }

  private oldestOtherThan(d: Datagram): [string, Datagram] | null {
    for (const kv of this.map) if (kv[1] !== d) return kv;
    return null;
  }

  private evictOldest(reason: string): void {
    const it = this.map.entries().next();
    if (it.done) return;
    this.drop(it.value[0], it.value[1], `evicted: ${reason}`);
  }

  private remove(key: string, d: Datagram): void {
    if (this.map.get(key) === d) this.map.delete(key);
    this.held -= d.buf.length;
  }

  private drop(key: string, d: Datagram, reason: string): void {
    this.remove(key, d);
    d.buf = EMPTY;
    this.event(reason, d.frames);
  }

  private event(reason: string, frames: number[]): void {
    if (this.events.length < MAX_EVENTS) this.events.push({ reason, frames });
    else this.lostEvents++;
  }
}

const EMPTY = new Uint8Array(0);
const ADDED = 1;
const CONFLICT = 2;

/** Keep frame lists ascending and without repeats (fragments mostly arrive in frame order). */
function addFrame(frames: number[], f: number): void {
  const n = frames.length;
  if (n === 0 || frames[n - 1]! < f) {
    frames.push(f);
    return;
  }
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (frames[mid]! < f) lo = mid + 1;
    else hi = mid;
  }
  if (frames[lo] !== f) frames.splice(lo, 0, f);
}
