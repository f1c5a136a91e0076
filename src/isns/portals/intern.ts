/**
 * RFC 4171 strings of the attributes the portal walk reads (node names,
 * entity ids, symbolic names), decoded once per distinct value: iSNS traffic
 * repeats the same names all day (re-registrations, queries), so the same
 * bytes give the same string object — no decoder call, and the Maps keyed by
 * it hash it once. Bounded: past `max` distinct values the memo starts over.
 */
import { rfcString, type StringDecoder } from '../../../dissector/isns/index.js';

export class Interner implements StringDecoder {
  private map = new Map<number, string>();
  constructor(private readonly max = 1 << 16) {}

  /** UTF-8 up to the first NUL (rfcString) of the `len` bytes at `off` of `b`: the same object for the same ASCII bytes. */
  text(b: Uint8Array, off: number, len: number): string {
    let h = 0x811c9dc5 | 0;
    let n = 0;
    for (; n < len; n++) {
      const c = b[off + n]!;
      if (c === 0) break;
      if (c >= 0x80 || n >= 512) return rfcString(b.subarray(off, off + len));
      h = Math.imul(h ^ c, 0x01000193);
    }
    h = (h ^ n) | 0;
    const s = this.map.get(h);
    if (s !== undefined && s.length === n) {
      let k = 0;
      while (k < n && s.charCodeAt(k) === b[off + k]) k++;
      if (k === n) return s;
    }
    const t = String.fromCharCode.apply(null, b.subarray(off, off + n) as unknown as number[]);
    if (this.map.size >= this.max) this.map = new Map();
    this.map.set(h, t);
    return t;
  }
}
