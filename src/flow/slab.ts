/**
 * Copies of the many small pieces made per packet (every PDU). A piece of up
 * to 4 KiB is copied into a shared 64 KiB slab that is never written again
 * once handed out, so the piece is as immutable as an exact copy at a
 * fraction of the cost of its own buffer. A piece kept for long pins its slab:
 * holders of many long-lived pieces (requests awaiting a response) copy them
 * with copyBytes when they keep them. One Slab per pipeline (no module state).
 */
import { copyBytes } from '../../dissector/core/byteview.js';

const SLAB = 64 * 1024;
const MAX_PIECE = 4 * 1024;

export class Slab {
  private slab = new Uint8Array(0);
  private used = 0;

  /** An immutable copy of b[from, to). */
  keep(b: Uint8Array, from = 0, to = b.length): Uint8Array {
    const n = to - from;
    if (n > MAX_PIECE) return copyBytes(b, from, to);
    if (this.used + n > this.slab.length) {
      // Not zero-filled (a new slab every ~150 PDUs; 64 KiB of zeroes each cost ~12% of this
      // method): only bytes written here are ever handed out. A plain view, as Buffer's own
      // subarray() is a constructor call.
      const b = Buffer.allocUnsafeSlow(SLAB);
      this.slab = new Uint8Array(b.buffer, b.byteOffset, SLAB);
      this.used = 0;
    }
    const o = this.used;
    this.slab.set(b.subarray(from, to), o);
    this.used = (o + n + 7) & ~7;
    return this.slab.subarray(o, o + n);
  }
}
