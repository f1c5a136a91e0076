/**
 * The bytes of one unfinished record or block, gathered across chunks.
 *
 * Appending grows the buffer geometrically (never past the record's own size
 * once it is known), so a record arriving in many small chunks — zlib hands
 * out 64 KiB at a time — costs linear time: the bytes already held are copied
 * O(log n) times, not once per chunk. Memory stays within twice what was
 * received (and the caller's bound on a record), never what a length claims.
 */
const EMPTY = Buffer.alloc(0);
const MIN = 4096;

export class Carry {
  private buf: Buffer = EMPTY;
  private len = 0;

  get length(): number {
    return this.len;
  }

  /** Append `src` (copied). `want`: the whole record's size when known, else a lower bound. */
  append(src: Buffer, want: number): void {
    const need = this.len + src.length;
    if (need > this.buf.length) {
      const grown = Math.max(need, this.buf.length * 2, MIN);
      const next = Buffer.allocUnsafe(Math.min(grown, Math.max(want, need)));
      this.buf.copy(next, 0, 0, this.len);
      this.buf = next;
    }
    src.copy(this.buf, this.len);
    this.len = need;
  }

  /** The bytes held (a view: valid until the next append or clear). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }

  /** Forget the bytes and release the buffer (a large record's memory is not kept). */
  clear(): void {
    this.buf = EMPTY;
    this.len = 0;
  }
}
