/**
 * IPv4/IPv6 fragment reassembly, bounded in memory (datagrams and bytes held)
 * and in time (capture time). Overlaps: the first copy of a byte wins.
 */
export interface ReasmLimits {
  /** Datagrams being reassembled at once. */
  maxDatagrams: number;
  /** Bytes held across all of them. */
  maxBytes: number;
  /** Largest reassembled payload. */
  maxDatagramBytes: number;
  /** Seconds (capture time) before an incomplete datagram is dropped. */
  timeoutSec: number;
}

const DEFAULTS: ReasmLimits = { maxDatagrams: 256, maxBytes: 8 << 20, maxDatagramBytes: 65535, timeoutSec: 60 };

interface Datagram {
  parts: { off: number; bytes: Uint8Array }[];
  total: number; // known when the last fragment arrived, else -1
  held: number;
  frames: number[];
  firstSec: number;
}

export class IpReassembler {
  private readonly limits: ReasmLimits;
  private readonly map = new Map<string, Datagram>();
  private held = 0;
  private dropped: { reason: string; frames: number[] }[] = [];

  constructor(limits: Partial<ReasmLimits> = {}) {
    this.limits = { ...DEFAULTS, ...limits };
  }

  private drop(key: string, reason: string): void {
    const d = this.map.get(key);
    if (!d) return;
    this.map.delete(key);
    this.held -= d.held;
    if (this.dropped.length < 1000) this.dropped.push({ reason, frames: d.frames });
  }

  /** Add one fragment (`bytes` valid only during the call). Returns the whole payload when complete. */
  add(key: string, offset: number, more: boolean, bytes: Uint8Array, frame: number, tsSec: number): { payload: Uint8Array; frames: number[] } | null {
    // Expire old datagrams (insertion order ≈ age).
    for (const [k, d] of this.map) {
      if (tsSec - d.firstSec <= this.limits.timeoutSec) break;
      this.drop(k, 'timeout');
    }
    const end = offset + bytes.length;
    if (end > this.limits.maxDatagramBytes) {
      this.drop(key, 'too large');
      if (this.dropped.length < 1000) this.dropped.push({ reason: `fragment ends at ${end}, beyond ${this.limits.maxDatagramBytes}`, frames: [frame] });
      return null;
    }
    let d = this.map.get(key);
    if (!d) {
      while (this.map.size >= this.limits.maxDatagrams) this.drop(this.map.keys().next().value as string, 'too many datagrams');
      d = { parts: [], total: -1, held: 0, frames: [], firstSec: tsSec };
      this.map.set(key, d);
    }
    while (this.held + bytes.length > this.limits.maxBytes && this.map.size > 1) {
      const oldest = this.map.keys().next().value as string;
      if (oldest === key) break;
      this.drop(oldest, 'memory bound');
    }
    if (this.held + bytes.length > this.limits.maxBytes) {
      this.drop(key, 'memory bound');
      return null;
    }
    if (!more) d.total = end;
    d.parts.push({ off: offset, bytes: bytes.slice() });
    d.held += bytes.length;
    this.held += bytes.length;
    if (d.frames.length < 64) d.frames.push(frame);
    if (d.total < 0) return null;
    // Complete when [0, total) is covered.
    const parts = [...d.parts].sort((a, b) => a.off - b.off);
    let covered = 0;
    for (const p of parts) {
      if (p.off > covered) return null;
      covered = Math.max(covered, p.off + p.bytes.length);
    }
    if (covered < d.total) return null;
    const out = new Uint8Array(d.total);
    // First copy wins: write later arrivals first, earlier ones over them.
    for (let i = d.parts.length - 1; i >= 0; i--) {
      const p = d.parts[i]!;
      out.set(p.bytes.subarray(0, Math.max(0, Math.min(p.bytes.length, d.total - p.off))), p.off);
    }
    const frames = d.frames;
    this.map.delete(key);
    this.held -= d.held;
    return { payload: out, frames };
  }

  /** Datagrams dropped since the last call. */
  drain(): { reason: string; frames: number[] }[] {
    const d = this.dropped;
    this.dropped = [];
    return d;
  }
}
