/**
 * Hostile segmentation of crafted captures: every TCP payload split in two
 * segments at every position, every UDP datagram sent as two IPv4 fragments
 * at every 8-byte boundary. Works on the little-endian microsecond pcap files
 * tools/craft.ts writes (Ethernet, IPv4 without options).
 */
import { ethernet, ipv4, pcapFile, tcp, type CraftFrame, MAC_A, MAC_B } from '../../tools/craft.js';

export function readCraftedPcap(b: Uint8Array): CraftFrame[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 0xa1b2c3d4) throw new Error('not a little-endian microsecond pcap');
  const out: CraftFrame[] = [];
  for (let o = 24; o + 16 <= b.length; ) {
    const incl = dv.getUint32(o + 8, true);
    out.push({ sec: dv.getUint32(o, true), nsec: dv.getUint32(o + 4, true) * 1000, data: b.slice(o + 16, o + 16 + incl) });
    o += 16 + incl;
  }
  return out;
}

const ip4 = (d: Uint8Array, o: number): string => `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;

export interface Variant {
  /** 1-based number of the frame that was split (it becomes frames `at` and `at + 1`). */
  readonly at: number;
  readonly what: string;
  readonly bytes: Uint8Array;
}

/** Every way of splitting one frame's TCP payload or UDP datagram in two. */
export function* splitVariants(frames: readonly CraftFrame[]): Generator<Variant> {
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    const d = f.data;
    if (d.length < 34 || d[12] !== 0x08 || d[13] !== 0x00 || (d[14]! & 0x0f) !== 5) continue;
    const proto = d[23]!;
    const src = ip4(d, 26);
    const dst = ip4(d, 30);
    const seg = d.subarray(34, 14 + ((d[16]! << 8) | d[17]!));
    const around = (mid: CraftFrame[]): Uint8Array => pcapFile([...frames.slice(0, i), ...mid, ...frames.slice(i + 1)]);
    if (proto === 6) {
      const thl = (seg[12]! >> 4) * 4;
      const payload = seg.subarray(thl);
      const sp = (seg[0]! << 8) | seg[1]!;
      const dp = (seg[2]! << 8) | seg[3]!;
      const seq = new DataView(seg.buffer, seg.byteOffset).getUint32(4);
      const ack = new DataView(seg.buffer, seg.byteOffset).getUint32(8);
      const flags = seg[13]!;
      for (let k = 1; k < payload.length; k++) {
        const a = ethernet(MAC_B, MAC_A, 0x0800, ipv4(src, dst, 6, tcp(src, dst, sp, dp, payload.subarray(0, k), { seq, ack, flags: flags & ~0x01 })));
        const b = ethernet(MAC_B, MAC_A, 0x0800, ipv4(src, dst, 6, tcp(src, dst, sp, dp, payload.subarray(k), { seq: (seq + k) >>> 0, ack, flags })));
        yield { at: i + 1, what: `frame ${i + 1} TCP payload split at ${k}`, bytes: around([{ ...f, data: a }, { ...f, data: b }]) };
      }
    } else if (proto === 17) {
      for (let cut = 8; cut < seg.length; cut += 8) {
        const id = 0x7000 + i;
        const a = ethernet(MAC_B, MAC_A, 0x0800, ipv4(src, dst, 17, seg.subarray(0, cut), { id, moreFragments: true, totalLength: 20 + cut }));
        const b = ethernet(MAC_B, MAC_A, 0x0800, ipv4(src, dst, 17, seg.subarray(cut), { id, fragOffset: cut }));
        yield { at: i + 1, what: `frame ${i + 1} UDP datagram fragmented at ${cut}`, bytes: around([{ ...f, data: a }, { ...f, data: b }]) };
      }
    }
  }
}

/** Frame numbers of the split capture mapped back to the original's, in every `frame` / `frames` of a value. */
export function mapFrames(v: unknown, at: number): unknown {
  const m = (n: number): number => (n <= at ? n : n - 1);
  const walk = (x: unknown, key: string | null): unknown => {
    if (typeof x === 'number' && (key === 'frame' || key === 'frames')) return m(x);
    if (Array.isArray(x)) return x.map((y) => walk(y, key === 'frames' ? 'frames' : null));
    if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, y]) => [k, walk(y, k)]));
    return x;
  };
  return walk(v, null);
}

export interface Payload {
  readonly proto: 'tcp' | 'udp';
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly bytes: Uint8Array;
}

/** The TCP and UDP payloads of crafted Ethernet/IPv4 frames (seeds for mutation). */
export function payloads(frames: readonly CraftFrame[]): Payload[] {
  const out: Payload[] = [];
  for (const f of frames) {
    const d = f.data;
    if (d.length < 34 || d[12] !== 0x08 || d[13] !== 0x00 || (d[14]! & 0x0f) !== 5) continue;
    const seg = d.subarray(34, 14 + ((d[16]! << 8) | d[17]!));
    const sport = (seg[0]! << 8) | seg[1]!;
    const dport = (seg[2]! << 8) | seg[3]!;
    if (d[23] === 6) {
      const p = seg.subarray((seg[12]! >> 4) * 4);
      if (p.length) out.push({ proto: 'tcp', src: ip4(d, 26), dst: ip4(d, 30), sport, dport, bytes: p.slice() });
    } else if (d[23] === 17) out.push({ proto: 'udp', src: ip4(d, 26), dst: ip4(d, 30), sport, dport, bytes: seg.subarray(8).slice() });
  }
  return out;
}
