/**
 * Capture crafting: build frames (Ethernet / IPv4 / IPv6 / TCP / UDP) and
 * write them as pcap or pcapng. Used by the crafted-capture generator, the
 * benchmark generator and tests. Every builder writes real checksums so tshark
 * and other tools accept the frames as they would a live capture.
 */

// ---------------------------------------------------------------- randomness

/** mulberry32: a small deterministic PRNG (generators and fuzzing are reproducible by seed). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---------------------------------------------------------------- bytes

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function be16(v: number): Uint8Array {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}

export function be32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function hexBytes(s: string): Uint8Array {
  const h = s.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(h.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** "192.0.2.1" → 4 bytes. */
export function ipv4Bytes(a: string): Uint8Array {
  const p = a.split('.').map((x) => Number(x));
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${a}`);
  return Uint8Array.from(p);
}

/** Any IPv6 text (with optional dotted tail) → 16 bytes. */
export function ipv6Bytes(a: string): Uint8Array {
  let s = a;
  const tail: number[] = [];
  const m = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (m) {
    const v4 = ipv4Bytes(m[1]!);
    s = s.slice(0, -m[1]!.length) + `${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const hs = head ? head.split(':') : [];
  const rs = rest !== undefined && rest !== '' ? rest.split(':') : [];
  const fill = rest === undefined ? 0 : 8 - hs.length - rs.length;
  const groups = [...hs, ...new Array(fill).fill('0'), ...rs].map((g) => parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => !(g >= 0 && g <= 0xffff))) throw new Error(`bad IPv6 ${a}`);
  void tail;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function macBytes(m: string): Uint8Array {
  return hexBytes(m);
}

// ---------------------------------------------------------------- checksums

function sum16(b: Uint8Array, acc = 0): number {
  let s = acc;
  for (let i = 0; i + 1 < b.length; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) s += b[b.length - 1]! << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

// ---------------------------------------------------------------- layers

export function ethernet(dst: string, src: string, ethertype: number, payload: Uint8Array): Uint8Array {
  return concat([macBytes(dst), macBytes(src), be16(ethertype), payload]);
}

export interface Ipv4Opts {
  id?: number;
  ttl?: number;
  /** Fragment offset in bytes (multiple of 8) and More Fragments flag. */
  fragOffset?: number;
  moreFragments?: boolean;
  dontFragment?: boolean;
  options?: Uint8Array;
  /** Override total length (to craft malformed packets). */
  totalLength?: number;
}

export function ipv4(src: string, dst: string, proto: number, payload: Uint8Array, o: Ipv4Opts = {}): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const ihl = 20 + opts.length;
  const h = new Uint8Array(ihl);
  h[0] = 0x40 | (ihl >> 2);
  const total = o.totalLength ?? ihl + payload.length;
  h.set(be16(total), 2);
  h.set(be16(o.id ?? 0x1234), 4);
  const frag = ((o.fragOffset ?? 0) >> 3) | (o.moreFragments ? 0x2000 : 0) | (o.dontFragment ? 0x4000 : 0);
  h.set(be16(frag), 6);
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  h.set(ipv4Bytes(src), 12);
  h.set(ipv4Bytes(dst), 16);
  h.set(opts, 20);
  h.set(be16(fold(sum16(h))), 10);
  return concat([h, payload]);
}

export function ipv6(src: string, dst: string, nextHeader: number, payload: Uint8Array, hopLimit = 64): Uint8Array {
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h.set(be16(payload.length), 4);
  h[6] = nextHeader;
  h[7] = hopLimit;
  h.set(ipv6Bytes(src), 8);
  h.set(ipv6Bytes(dst), 24);
  return concat([h, payload]);
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

function pseudo(src: Uint8Array, dst: Uint8Array, proto: number, len: number): Uint8Array {
  if (src.length === 4) return concat([src, dst, Uint8Array.of(0, proto), be16(len)]);
  return concat([src, dst, be32(len), Uint8Array.of(0, 0, 0, proto)]);
}

function addrBytes(a: string): Uint8Array {
  return a.includes(':') ? ipv6Bytes(a) : ipv4Bytes(a);
}

export interface TcpOpts {
  seq: number;
  ack?: number;
  flags?: number;
  window?: number;
  options?: Uint8Array;
}

/** A TCP segment (header + payload) with its checksum over the pseudo header of src/dst. */
export function tcp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array, o: TcpOpts): Uint8Array {
  const opts = o.options ?? new Uint8Array(0);
  const hl = 20 + opts.length;
  const h = new Uint8Array(hl);
  h.set(be16(sport), 0);
  h.set(be16(dport), 2);
  h.set(be32(o.seq >>> 0), 4);
  h.set(be32((o.ack ?? 0) >>> 0), 8);
  h[12] = (hl >> 2) << 4;
  h[13] = o.flags ?? TCP_ACK | TCP_PSH;
  h.set(be16(o.window ?? 65535), 14);
  h.set(opts, 20);
  const seg = concat([h, payload]);
  const ck = fold(sum16(seg, sum16(pseudo(addrBytes(src), addrBytes(dst), 6, seg.length))));
  seg.set(be16(ck), 16);
  return seg;
}

export function udp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const h = new Uint8Array(8);
  h.set(be16(sport), 0);
  h.set(be16(dport), 2);
  h.set(be16(8 + payload.length), 4);
  const seg = concat([h, payload]);
  let ck = fold(sum16(seg, sum16(pseudo(addrBytes(src), addrBytes(dst), 17, seg.length))));
  if (ck === 0) ck = 0xffff;
  seg.set(be16(ck), 6);
  return seg;
}

/** Ethernet + IPv4/IPv6 (by address form) + TCP. */
export function ethTcp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array, o: TcpOpts): Uint8Array {
  const seg = tcp(src, dst, sport, dport, payload, o);
  const v6 = src.includes(':');
  const ip = v6 ? ipv6(src, dst, 6, seg) : ipv4(src, dst, 6, seg);
  return ethernet(MAC_B, MAC_A, v6 ? 0x86dd : 0x0800, ip);
}

export function ethUdp(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const seg = udp(src, dst, sport, dport, payload);
  const v6 = src.includes(':');
  const ip = v6 ? ipv6(src, dst, 17, seg) : ipv4(src, dst, 17, seg);
  return ethernet(MAC_B, MAC_A, v6 ? 0x86dd : 0x0800, ip);
}

export const MAC_A = '02:00:00:00:00:0a';
export const MAC_B = '02:00:00:00:00:0b';

// ---------------------------------------------------------------- TCP conversations

export interface CraftFrame {
  readonly data: Uint8Array;
  /** Seconds since the epoch and nanoseconds. */
  readonly sec: number;
  readonly nsec: number;
  readonly origlen?: number;
}

/** A clock that advances a fixed step per frame. */
export class Clock {
  constructor(public sec = 1795464000, public nsec = 0, readonly stepNs = 1_000_000) {}
  tick(): { sec: number; nsec: number } {
    const t = { sec: this.sec, nsec: this.nsec };
    this.nsec += this.stepNs;
    while (this.nsec >= 1e9) {
      this.nsec -= 1e9;
      this.sec++;
    }
    return t;
  }
}

/**
 * A TCP connection between a client and a server with tracked sequence
 * numbers. `send` returns the frames for one application write, optionally
 * split into segments at given payload offsets.
 */
export class TcpConn {
  private seq: [number, number];
  constructor(
    readonly client: string,
    readonly cport: number,
    readonly server: string,
    readonly sport: number,
    isn: [number, number] = [1000, 5000],
    readonly frame: (src: string, dst: string, sp: number, dp: number, payload: Uint8Array, o: TcpOpts) => Uint8Array = ethTcp,
  ) {
    this.seq = [isn[0] >>> 0, isn[1] >>> 0];
  }

  private seg(dir: 0 | 1, payload: Uint8Array, flags: number): Uint8Array {
    const [s, d, sp, dp] = dir === 0 ? [this.client, this.server, this.cport, this.sport] : [this.server, this.client, this.sport, this.cport];
    const f = this.frame(s, d, sp, dp, payload, { seq: this.seq[dir], ack: this.seq[1 - dir], flags });
    this.seq[dir] = (this.seq[dir] + payload.length + (flags & (TCP_SYN | TCP_FIN) ? 1 : 0)) >>> 0;
    return f;
  }

  handshake(): Uint8Array[] {
    return [this.seg(0, new Uint8Array(0), TCP_SYN), this.seg(1, new Uint8Array(0), TCP_SYN | TCP_ACK), this.seg(0, new Uint8Array(0), TCP_ACK)];
  }

  /** dir 0 = client→server. `splits`: payload offsets where a new segment starts. */
  send(dir: 0 | 1, payload: Uint8Array, splits: readonly number[] = []): Uint8Array[] {
    const cuts = [0, ...splits.filter((x) => x > 0 && x < payload.length).sort((a, b) => a - b), payload.length];
    const out: Uint8Array[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) out.push(this.seg(dir, payload.subarray(cuts[i]!, cuts[i + 1]!), TCP_ACK | TCP_PSH));
    return out;
  }

  ack(dir: 0 | 1): Uint8Array {
    return this.seg(dir, new Uint8Array(0), TCP_ACK);
  }

  close(): Uint8Array[] {
    return [this.seg(0, new Uint8Array(0), TCP_FIN | TCP_ACK), this.seg(1, new Uint8Array(0), TCP_FIN | TCP_ACK), this.seg(0, new Uint8Array(0), TCP_ACK)];
  }

  /** Next sequence number of a direction (for crafting retransmissions/gaps). */
  nextSeq(dir: 0 | 1): number {
    return this.seq[dir];
  }

  /** Skip `n` bytes of a direction without emitting them (a capture gap). */
  skip(dir: 0 | 1, n: number): void {
    this.seq[dir] = (this.seq[dir] + n) >>> 0;
  }
}

// ---------------------------------------------------------------- file writers

export interface PcapOpts {
  linktype?: number;
  snaplen?: number;
  nano?: boolean;
  bigEndian?: boolean;
}

export function pcapHeader(o: PcapOpts = {}): Uint8Array {
  const b = new Uint8Array(24);
  const dv = new DataView(b.buffer);
  const le = !o.bigEndian;
  dv.setUint32(0, o.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
  dv.setUint16(4, 2, le);
  dv.setUint16(6, 4, le);
  dv.setUint32(16, o.snaplen ?? 262144, le);
  dv.setUint32(20, o.linktype ?? 1, le);
  return b;
}

export function pcapRecord(f: CraftFrame, o: PcapOpts = {}): Uint8Array {
  const snap = o.snaplen ?? 262144;
  const cap = Math.min(f.data.length, snap);
  const b = new Uint8Array(16 + cap);
  const dv = new DataView(b.buffer);
  const le = !o.bigEndian;
  dv.setUint32(0, f.sec, le);
  dv.setUint32(4, o.nano ? f.nsec : Math.floor(f.nsec / 1000), le);
  dv.setUint32(8, cap, le);
  dv.setUint32(12, f.origlen ?? f.data.length, le);
  b.set(f.data.subarray(0, cap), 16);
  return b;
}

export function pcapFile(frames: readonly CraftFrame[], o: PcapOpts = {}): Uint8Array {
  return concat([pcapHeader(o), ...frames.map((f) => pcapRecord(f, o))]);
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export interface PcapngIface {
  linktype: number;
  snaplen?: number;
  /** if_tsresol byte (default 6 = µs; 9 = ns; 0x80|n = 2^-n). */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: number;
}

export class PcapngWriter {
  private readonly parts: Uint8Array[] = [];
  constructor(readonly bigEndian = false) {}

  private block(type: number, body: Uint8Array): this {
    const len = 12 + pad4(body.length);
    const b = new Uint8Array(len);
    const dv = new DataView(b.buffer);
    const le = !this.bigEndian;
    dv.setUint32(0, type, le);
    dv.setUint32(4, len, le);
    b.set(body, 8);
    dv.setUint32(len - 4, len, le);
    this.parts.push(b);
    return this;
  }

  private opt(code: number, value: Uint8Array): Uint8Array {
    const b = new Uint8Array(4 + pad4(value.length));
    const dv = new DataView(b.buffer);
    dv.setUint16(0, code, !this.bigEndian);
    dv.setUint16(2, value.length, !this.bigEndian);
    b.set(value, 4);
    return b;
  }

  section(): this {
    const body = new Uint8Array(16);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 0x1a2b3c4d, !this.bigEndian);
    dv.setUint16(4, 1, !this.bigEndian);
    dv.setUint16(6, 0, !this.bigEndian);
    dv.setBigInt64(8, -1n, !this.bigEndian);
    return this.block(0x0a0d0d0a, body);
  }

  iface(i: PcapngIface): this {
    const head = new Uint8Array(8);
    const dv = new DataView(head.buffer);
    dv.setUint16(0, i.linktype, !this.bigEndian);
    dv.setUint32(4, i.snaplen ?? 262144, !this.bigEndian);
    const opts: Uint8Array[] = [];
    if (i.tsresol !== undefined) opts.push(this.opt(9, Uint8Array.of(i.tsresol)));
    if (i.tsoffset !== undefined) {
      const v = new Uint8Array(8);
      new DataView(v.buffer).setBigInt64(0, BigInt(i.tsoffset), !this.bigEndian);
      opts.push(this.opt(14, v));
    }
    if (opts.length) opts.push(new Uint8Array(4)); // opt_endofopt
    return this.block(1, concat([head, ...opts]));
  }

  /** Enhanced Packet Block; `ts` in units of the interface's resolution. */
  packet(ifaceId: number, ts: bigint, data: Uint8Array, origlen = data.length): this {
    const head = new Uint8Array(20);
    const dv = new DataView(head.buffer);
    const le = !this.bigEndian;
    dv.setUint32(0, ifaceId, le);
    dv.setUint32(4, Number((ts >> 32n) & 0xffffffffn), le);
    dv.setUint32(8, Number(ts & 0xffffffffn), le);
    dv.setUint32(12, data.length, le);
    dv.setUint32(16, origlen, le);
    const body = new Uint8Array(20 + pad4(data.length));
    body.set(head, 0);
    body.set(data, 20);
    return this.block(6, body);
  }

  /** Simple Packet Block (interface 0, no timestamp). */
  simple(data: Uint8Array, origlen = data.length): this {
    const body = new Uint8Array(4 + pad4(data.length));
    new DataView(body.buffer).setUint32(0, origlen, !this.bigEndian);
    body.set(data, 4);
    return this.block(3, body);
  }

  /** Obsolete Packet Block (type 2). */
  obsolete(ifaceId: number, ts: bigint, data: Uint8Array, origlen = data.length): this {
    const head = new Uint8Array(20);
    const dv = new DataView(head.buffer);
    const le = !this.bigEndian;
    dv.setUint16(0, ifaceId, le);
    dv.setUint16(2, 0, le);
    dv.setUint32(4, Number((ts >> 32n) & 0xffffffffn), le);
    dv.setUint32(8, Number(ts & 0xffffffffn), le);
    dv.setUint32(12, data.length, le);
    dv.setUint32(16, origlen, le);
    const body = new Uint8Array(20 + pad4(data.length));
    body.set(head, 0);
    body.set(data, 20);
    return this.block(2, body);
  }

  /** Any other block type, to test skipping. */
  raw(type: number, body: Uint8Array): this {
    return this.block(type, body);
  }

  bytes(): Uint8Array {
    return concat(this.parts);
  }
}

/** Frames at µs resolution into a pcapng (one Ethernet interface). */
export function pcapngFile(frames: readonly CraftFrame[], linktype = 1, bigEndian = false): Uint8Array {
  const w = new PcapngWriter(bigEndian).section().iface({ linktype, tsresol: 9 });
  for (const f of frames) w.packet(0, BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec), f.data, f.origlen ?? f.data.length);
  return w.bytes();
}
