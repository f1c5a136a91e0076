/**
 * Whole units (pcap records, pcapng blocks) cut from a byte stream that comes
 * in chunks: a unit inside a chunk is handed over as a view of it (no copy);
 * one spanning chunks is gathered in a Carry (geometric growth), never
 * re-copied per chunk. The caller says how long a unit is from its first
 * `head` bytes (or that it is invalid: reading stops).
 */
import { Carry } from '../capture/carry.js';

export type UnitLength = (b: Buffer, i: number) => number | null;
export type OnUnit = (b: Buffer, i: number, len: number) => boolean;

export class Units {
  private readonly carry = new Carry();
  stopped = false;

  constructor(
    /** Bytes needed to know a unit's length. */
    private readonly head: () => number,
    private readonly lengthOf: UnitLength,
    private readonly onUnit: OnUnit,
  ) {}

  /** Feed a chunk; false once reading must stop (an invalid length, or onUnit said so). */
  push(c: Buffer): boolean {
    if (this.stopped) return false;
    let i = 0;
    const n = c.length;
    const carry = this.carry;
    if (carry.length > 0) {
      const h = this.head();
      if (carry.length < h) {
        const k = Math.min(h - carry.length, n);
        carry.append(c.subarray(0, k), h);
        i = k;
        if (carry.length < h) return true;
      }
      const len = this.lengthOf(carry.bytes(), 0);
      if (len === null) return this.stop();
      const k = Math.min(len - carry.length, n - i);
      if (k > 0) {
        carry.append(c.subarray(i, i + k), len);
        i += k;
      }
      if (carry.length < len) return true;
      const ok = this.onUnit(carry.bytes(), 0, len);
      carry.clear();
      if (!ok) return this.stop();
    }
    while (i < n) {
      const h = this.head();
      if (n - i < h) break;
      const len = this.lengthOf(c, i);
      if (len === null) return this.stop();
      if (n - i < len) break;
      if (!this.onUnit(c, i, len)) return this.stop();
      i += len;
    }
    if (i < n) this.carry.append(c.subarray(i), this.head());
    return true;
  }

  /** Bytes of an unfinished unit at the end (a cut file: the unit is dropped). */
  get leftover(): number {
    return this.carry.length;
  }

  private stop(): false {
    this.stopped = true;
    this.carry.clear();
    return false;
  }
}
