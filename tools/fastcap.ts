/**
 * Fast capture writing for large generated captures (millions of frames):
 * Ethernet/IPv4/TCP|UDP frames built straight into bytes (IPv4 header
 * checksum computed; TCP/UDP checksums left 0 — the tool, like tshark by
 * default, does not verify them), written as classic pcap (µs) or pcapng (ns)
 * through one reused buffer. Not shipped; used by tools/adversarial.ts and
 * bench/gen.ts.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { pcapHeader, PcapngWriter } from './craft.js';

export const SYN = 0x02;
export const ACK = 0x10;
export const PSH = 0x08;
export const FIN = 0x01;

/** "10.1.2.3" → unsigned 32-bit number. */
export function ip4(a: string): number {
  const p = a.split('.').map(Number);
  return (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0;
}

export function ip4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

const MAC = Uint8Array.of(2, 0, 0, 0, 0, 0x0b, 2, 0, 0, 0, 0, 0x0a, 0x08, 0x00);

export interface IpFrag {
  id: number;
  /** Fragment offset in bytes (a multiple of 8). */
  offset: number;
  more: boolean;
}

/** Ethernet + IPv4 header (20 bytes, checksummed) for `payloadLen` bytes of protocol `proto`. */
function ethIp(out: Uint8Array, src: number, dst: number, proto: number, payloadLen: number, frag?: IpFrag): void {
  out.set(MAC, 0);
  const o = 14;
  out[o] = 0x45;
  out[o + 1] = 0;
  const total = 20 + payloadLen;
  out[o + 2] = total >>> 8;
  out[o + 3] = total & 255;
  const id = frag ? frag.id : 0x1234;
  out[o + 4] = (id >>> 8) & 255;
  out[o + 5] = id & 255;
  const f = frag ? (frag.offset >> 3) | (frag.more ? 0x2000 : 0) : 0x4000;
  out[o + 6] = f >>> 8;
  out[o + 7] = f & 255;
  out[o + 8] = 64;
  out[o + 9] = proto;
  out[o + 10] = 0;
  out[o + 11] = 0;
  for (let i = 0; i < 4; i++) {
    out[o + 12 + i] = (src >>> (24 - 8 * i)) & 255;
    out[o + 16 + i] = (dst >>> (24 - 8 * i)) & 255;
  }
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += (out[o + i]! << 8) | out[o + i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const ck = ~s & 0xffff;
  out[o + 10] = ck >>> 8;
  out[o + 11] = ck & 255;
}

/** An Ethernet/IPv4/TCP frame. */
export function tcpFrame(src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, payload: Uint8Array = EMPTY): Uint8Array {
  const out = new Uint8Array(14 + 20 + 20 + payload.length);
  ethIp(out, src, dst, 6, 20 + payload.length);
  const t = 34;
  out[t] = sport >>> 8;
  out[t + 1] = sport & 255;
  out[t + 2] = dport >>> 8;
  out[t + 3] = dport & 255;
  for (let i = 0; i < 4; i++) {
    out[t + 4 + i] = (seq >>> (24 - 8 * i)) & 255;
    out[t + 8 + i] = (ack >>> (24 - 8 * i)) & 255;
  }
  out[t + 12] = 0x50;
  out[t + 13] = flags;
  out[t + 14] = 0xff;
  out[t + 15] = 0xff;
  out.set(payload, 54);
  return out;
}

/** An Ethernet/IPv4/UDP frame; with `frag`, an IPv4 fragment whose payload is `payload` as given (no UDP header added). */
export function udpFrame(src: number, dst: number, sport: number, dport: number, payload: Uint8Array, frag?: IpFrag): Uint8Array {
  if (frag) {
    const out = new Uint8Array(34 + payload.length);
    ethIp(out, src, dst, 17, payload.length, frag);
    out.set(payload, 34);
    return out;
  }
  const out = new Uint8Array(14 + 20 + 8 + payload.length);
  ethIp(out, src, dst, 17, 8 + payload.length);
  out[34] = sport >>> 8;
  out[35] = sport & 255;
  out[36] = dport >>> 8;
  out[37] = dport & 255;
  const len = 8 + payload.length;
  out[38] = len >>> 8;
  out[39] = len & 255;
  out.set(payload, 42);
  return out;
}

/** The UDP header + payload bytes of a datagram (to be cut into IPv4 fragments). */
export function udpDatagram(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out[0] = sport >>> 8;
  out[1] = sport & 255;
  out[2] = dport >>> 8;
  out[3] = dport & 255;
  out[4] = (out.length >>> 8) & 255;
  out[5] = out.length & 255;
  out.set(payload, 8);
  return out;
}

const EMPTY = new Uint8Array(0);

/** A TCP connection with tracked sequence numbers (dir 0 = client → server). */
export class Conn {
  private seq: [number, number];
  constructor(
    readonly out: CapWriter,
    readonly client: number,
    readonly cport: number,
    readonly server: number,
    readonly sport: number,
    isn: [number, number] = [1000, 9000],
  ) {
    this.seq = [isn[0] >>> 0, isn[1] >>> 0];
  }
  private emit(dir: 0 | 1, payload: Uint8Array, flags: number, seq = this.seq[dir]): void {
    const [s, d, sp, dp] = dir === 0 ? [this.client, this.server, this.cport, this.sport] : [this.server, this.client, this.sport, this.cport];
    this.out.frame(tcpFrame(s, d, sp, dp, seq, this.seq[1 - dir], flags, payload));
  }
  handshake(): this {
    this.emit(0, EMPTY, SYN);
    this.seq[0] = (this.seq[0] + 1) >>> 0;
    this.emit(1, EMPTY, SYN | ACK);
    this.seq[1] = (this.seq[1] + 1) >>> 0;
    return this;
  }
  syn(): this {
    this.emit(0, EMPTY, SYN);
    this.seq[0] = (this.seq[0] + 1) >>> 0;
    return this;
  }
  /** One write of `payload`, in segments of at most `mss` bytes. */
  send(dir: 0 | 1, payload: Uint8Array, mss = 1448): this {
    for (let o = 0; o < payload.length; o += mss) {
      const part = payload.subarray(o, Math.min(payload.length, o + mss));
      this.emit(dir, part, ACK | PSH);
      this.seq[dir] = (this.seq[dir] + part.length) >>> 0;
    }
    return this;
  }
  /** A segment at relative offset `rel` from the next sequence number, not advancing it (out of order). */
  sendAt(dir: 0 | 1, rel: number, payload: Uint8Array): this {
    this.emit(dir, payload, ACK | PSH, (this.seq[dir] + rel) >>> 0);
    return this;
  }
  fin(dir: 0 | 1): this {
    this.emit(dir, EMPTY, FIN | ACK);
    this.seq[dir] = (this.seq[dir] + 1) >>> 0;
    return this;
  }
  advance(dir: 0 | 1, n: number): this {
    this.seq[dir] = (this.seq[dir] + n) >>> 0;
    return this;
  }
}

/** Classic pcap (little-endian, µs) or pcapng (ns) written through one buffer; frames `stepUsec` apart. */
export class CapWriter {
  private readonly buf = Buffer.allocUnsafe(8 << 20);
  private n = 0;
  private readonly fd: number;
  bytes = 0;
  frames = 0;
  private usec = 0;
  private readonly sec0 = 1795464000;

  constructor(
    path: string,
    readonly format: 'pcap' | 'pcapng' = 'pcap',
    snaplen = 262144,
    private readonly stepUsec = 10,
  ) {
    this.fd = openSync(path, 'w');
    // pcapng: one Ethernet interface with if_tsresol = 9 (ns)
    this.put(format === 'pcap' ? pcapHeader({ linktype: 1, snaplen }) : new PcapngWriter().section().iface({ linktype: 1, snaplen, tsresol: 9 }).bytes());
  }

  /** Raw bytes into the file (to craft broken records). */
  put(b: Uint8Array): void {
    if (this.n + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) {
      writeSync(this.fd, b);
      this.bytes += b.length;
      return;
    }
    this.buf.set(b, this.n);
    this.n += b.length;
    this.bytes += b.length;
  }

  private flush(): void {
    if (this.n) writeSync(this.fd, this.buf, 0, this.n);
    this.n = 0;
  }

  frame(data: Uint8Array): void {
    this.frames++;
    const sec = this.sec0 + Math.floor(this.usec / 1e6);
    const usec = this.usec % 1e6;
    this.usec += this.stepUsec;
    if (this.format === 'pcap') {
      if (this.n + 16 + data.length > this.buf.length) this.flush();
      const b = this.buf;
      let o = this.n;
      b.writeUInt32LE(sec, o);
      b.writeUInt32LE(usec, o + 4);
      b.writeUInt32LE(data.length, o + 8);
      b.writeUInt32LE(data.length, o + 12);
      o += 16;
      if (data.length > b.length - o) {
        this.n = o;
        this.bytes += 16;
        this.put(data);
        return;
      }
      b.set(data, o);
      this.n = o + data.length;
      this.bytes += 16 + data.length;
    } else {
      const len = 32 + ((data.length + 3) & ~3);
      const h = Buffer.alloc(28);
      h.writeUInt32LE(6, 0);
      h.writeUInt32LE(len, 4);
      const ts = BigInt(sec) * 1_000_000_000n + BigInt(usec) * 1000n;
      h.writeUInt32LE(Number(ts >> 32n), 12);
      h.writeUInt32LE(Number(ts & 0xffffffffn), 16);
      h.writeUInt32LE(data.length, 20);
      h.writeUInt32LE(data.length, 24);
      this.put(h);
      this.put(data);
      const tail = Buffer.alloc(len - 32 - data.length + 4);
      tail.writeUInt32LE(len, tail.length - 4);
      this.put(tail);
    }
  }

  close(): number {
    this.flush();
    closeSync(this.fd);
    return this.bytes;
  }
}
