/**
 * The bytes a framer holds for one direction of a stream, with where each
 * sender segment's bytes lie in them: which frame carried each byte (a PDU
 * lists its frames and belongs to the frame of its last byte), and where
 * segments start (senders start PDUs at segment starts). Reused in place:
 * the buffer lives as long as its stream, and fresh arrays per PDU would end
 * up as old-heap garbage.
 */
/** Bytes held by every stream's buffer together (the stream table's byte bound reads it). */
export interface HeldBytes {
  used: number;
}

export class StreamBuffer {
  buf = new Uint8Array(0);
  len = 0;
  constructor(private readonly held: HeldBytes = { used: 0 }) {}
  /**
   * The segments held, three numbers each (one array: a stream holding one
   * segment costs one small array, not three): where segment i's bytes end in
   * the buffer (seg[3i]), the frame that carried them (seg[3i+1]), and 1 when
   * its first byte here is where the sender's segment started (seg[3i+2]).
   */
  private seg: number[] = [];

  append(bytes: Uint8Array, frame: number, segmentStart: boolean): void {
    const need = this.len + bytes.length;
    if (need > this.buf.length) {
      // Grown by doubling from the size needed (no large minimum: a million streams each holding
      // half a PDU must cost their bytes, not a fixed buffer each).
      const nb = new Uint8Array(Math.max(need, this.buf.length * 2, 64));
      nb.set(this.buf.subarray(0, this.len));
      this.held.used += nb.length - this.buf.length;
      this.buf = nb;
    }
    this.buf.set(bytes, this.len);
    this.len = need;
    const g = this.seg;
    const last = g.length - 3;
    if (last >= 0 && g[last + 1] === frame && !segmentStart) g[last] = need;
    else g.push(need, frame, segmentStart ? 1 : 0);
  }

  /** Drop the first n bytes. */
  consume(n: number): void {
    if (n <= 0) return;
    const g = this.seg;
    if (n >= this.len) {
      this.len = 0;
      g.length = 0;
      if (this.buf.length > 65536) this.release();
      return;
    }
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    let k = 0;
    while (k < g.length && g[k]! <= n) k += 3;
    let j = 0;
    let start = k === 0 ? 0 : g[k - 3]!;
    for (let i = k; i < g.length; i += 3, j += 3) {
      const end = g[i]!;
      // A segment whose first bytes were consumed no longer starts at its own start.
      g[j + 2] = g[i + 2]! && start >= n ? 1 : 0;
      g[j] = end - n;
      g[j + 1] = g[i + 1]!;
      start = end;
    }
    g.length = j;
  }

  /** Give the buffer up (its stream is closed, or it is emptied and large). */
  release(): void {
    this.held.used -= this.buf.length;
    this.buf = new Uint8Array(0);
    this.len = 0;
    this.seg.length = 0;
  }

  /** Buffer offsets where a sender's segment starts, ascending. */
  *segmentStarts(): Generator<number> {
    const g = this.seg;
    let start = 0;
    for (let i = 0; i < g.length; i += 3) {
      if (g[i + 2] && start < this.len) yield start;
      start = g[i]!;
    }
  }

  /** The frame of the last bytes held (0 when empty). */
  lastFrame(): number {
    return this.seg.length ? this.seg[this.seg.length - 2]! : 0;
  }

  /** Frames that carried bytes [from, to), ascending, unique. */
  framesOf(from: number, to: number): number[] {
    const out: number[] = [];
    const g = this.seg;
    let prev = 0;
    let ascending = true;
    for (let i = 0; i < g.length; i += 3) {
      const e = g[i]!;
      if (e > from && prev < to) {
        const f = g[i + 1]!;
        const last = out.length ? out[out.length - 1]! : -1;
        if (last !== f) {
          if (f < last) ascending = false;
          out.push(f);
        }
      }
      prev = e;
      if (prev >= to) break;
    }
    // Segments held out of order came later than their frames: only then sorted (and made unique again).
    return ascending ? out : out.sort((a, b) => a - b).filter((x, i, a) => i === 0 || a[i - 1] !== x);
  }
}
