/**
 * RFC 4171 strings of the attributes the portal walk reads (node names,
 * entity ids, symbolic names), decoded once per distinct value: iSNS traffic
 * repeats the same names all day (re-registrations, queries), so the same
 * bytes give the same string object — no decoder call, and the Maps keyed by
 * it hash it once. Bounded: past `max` distinct values the memo starts over.
 */
import { rfcString } from '../../../dissector/isns/index.js';

export class Interner {
  private map = new Map<number, string>();
  constructor(private readonly max = 1 << 16) {}

  /** UTF-8 up to the first NUL (rfcString), the same object for the same ASCII bytes. */
  text(raw: Uint8Array): string {
    let h = 0x811c9dc5 | 0;
    let n = 0;
    const len = raw.length;
    for (; n < len; n++) {
      const b = raw[n]!;
      if (b === 0) break;
      if (b >= 0x80 || n >= 512) return rfcString(raw);
      h = Math.imul(h ^ b, 0x01000193);
    }
    h = (h ^ n) | 0;
    const s = this.map.get(h);
    if (s !== undefined && s.length === n) {
      let k = 0;
      while (k < n && s.charCodeAt(k) === raw[k]) k++;
      if (k === n) return s;
    }
    const t = String.fromCharCode.apply(null, raw.subarray(0, n) as unknown as number[]);
    if (this.map.size >= this.max) this.map = new Map();
    this.map.set(h, t);
    return t;
  }
}
