/**
 * The bytes a framer holds for one direction of a stream, with where each
 * sender segment's bytes lie in them: which frame carried each byte (a PDU
 * lists its frames and belongs to the frame of its last byte), and where
 * segments start (senders start PDUs at segment starts). Reused in place:
 * the buffer lives as long as its stream, and fresh arrays per PDU would end
 * up as old-heap garbage.
 */
export class StreamBuffer {
  buf = new Uint8Array(0);
  len = 0;
  /** segEnd[i]: the buffer offset where segment i's bytes end (segFrame[i] carried them). */
  private readonly segEnd: number[] = [];
  private readonly segFrame: number[] = [];
  /** Whether segment i's first byte in the buffer is where the sender's segment started. */
  private readonly segStarts: boolean[] = [];

  append(bytes: Uint8Array, frame: number, segmentStart: boolean): void {
    const need = this.len + bytes.length;
    if (need > this.buf.length) {
      // Grown by doubling from the size needed (no large minimum: a million streams each holding
      // half a PDU must cost their bytes, not a fixed buffer each).
      const nb = new Uint8Array(Math.max(need, this.buf.length * 2, 64));
      nb.set(this.buf.subarray(0, this.len));
      this.buf = nb;
    }
    this.buf.set(bytes, this.len);
    this.len = need;
    const last = this.segFrame.length - 1;
    if (last >= 0 && this.segFrame[last] === frame && !segmentStart) this.segEnd[last] = need;
    else {
      this.segEnd.push(need);
      this.segFrame.push(frame);
      this.segStarts.push(segmentStart);
    }
  }

  /** Drop the first n bytes. */
  consume(n: number): void {
    if (n <= 0) return;
    if (n >= this.len) {
      this.len = 0;
      this.segEnd.length = 0;
      this.segFrame.length = 0;
      this.segStarts.length = 0;
      if (this.buf.length > 65536) this.buf = new Uint8Array(0);
      return;
    }
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    let k = 0;
    while (k < this.segEnd.length && this.segEnd[k]! <= n) k++;
    let j = 0;
    let start = k === 0 ? 0 : this.segEnd[k - 1]!;
    for (let i = k; i < this.segEnd.length; i++, j++) {
      const end = this.segEnd[i]!;
      // A segment whose first bytes were consumed no longer starts at its own start.
      this.segStarts[j] = this.segStarts[i]! && start >= n;
      this.segEnd[j] = end - n;
      this.segFrame[j] = this.segFrame[i]!;
      start = end;
    }
    this.segEnd.length = j;
    this.segFrame.length = j;
    this.segStarts.length = j;
  }

  /** Buffer offsets where a sender's segment starts, ascending. */
  *segmentStarts(): Generator<number> {
    let start = 0;
    for (let i = 0; i < this.segEnd.length; i++) {
      if (this.segStarts[i] && start < this.len) yield start;
      start = this.segEnd[i]!;
    }
  }

  /** The frame of the last bytes held (0 when empty). */
  lastFrame(): number {
    return this.segFrame[this.segFrame.length - 1] ?? 0;
  }

  /** Frames that carried bytes [from, to), ascending, unique. */
  framesOf(from: number, to: number): number[] {
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
