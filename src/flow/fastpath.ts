/**
 * The fixed-offset fast path: the common cases decided from the Ethernet,
 * IPv4 and TCP header offsets the dissectors define (ETH, IPV4, TCP), before
 * anything is allocated, for an unfragmented Ethernet/IPv4 frame:
 *  - TCP or UDP on ports no dissector claims, or another IP protocol: skipped
 *    at once (most packets of a storage network are iSCSI data);
 *  - TCP on a conversation already seen, with well-formed header lengths and
 *    nothing cut by the snaplen: its segment goes straight to reassembly,
 *    exactly as the layered path would deliver it.
 * Anything else takes the layered path (pipeline.ts), which also fills the
 * flow cache this path looks conversations up in.
 */
import { ETH } from '../../dissector/link/eth.js';
import { IPV4, IPV4_FRAGMENT_BITS, ipv4Number } from '../../dissector/net/ipv4.js';
import { TCP } from '../../dissector/transport/tcp.js';
import type { IpInfo } from '../../dissector/net/ipv4.js';
import type { TcpInfo } from '../../dissector/transport/tcp.js';
import type { TcpConv, TcpSide } from './conversations.js';

/** What the fast path did with a packet. */
export const LAYERED = 0;
export const SKIPPED = 1;
export const FAST = 2;
/** An ESP packet read at fixed offsets (see `espPacket`). */
export const ESP_FAST = 3;
export type Fixed = typeof LAYERED | typeof SKIPPED | typeof FAST | typeof ESP_FAST;

/** An ESP packet's addresses (IPv4 as numbers), SPI and sequence number. */
export interface FastEsp {
  /** Offset of the ESP header in the frame. */
  at: number;
  src: number;
  dst: number;
  spi: number;
  seq: number | null;
}

const ETHERTYPE_IPV4 = 0x0800;
const IP_TCP = 6;
const IP_UDP = 17;
const IP_ESP = 50;
const IP_ICMP = 1;
const LINKTYPE_ETHERNET = 1;

/** A TCP/IPv4 conversation as the fast path finds it: addresses and ports as numbers, both sides resolved once. */
interface FastFlow {
  readonly hash: number;
  /** Address and port of side `ab`'s sender. */
  readonly a: number;
  readonly ap: number;
  readonly b: number;
  readonly bp: number;
  readonly conv: TcpConv;
  ab: TcpSide | null;
  ba: TcpSide | null;
  /** The next flow with the same hash (a bucket is a chain: no array per flow). */
  chain: FastFlow | null;
}

/** A segment of a known conversation, found at fixed offsets. */
export interface FastSegment {
  conv: TcpConv;
  side: TcpSide;
  /** The other direction, if seen (it learns this segment's ACK). */
  other: TcpSide | null;
  seq: number;
  ack: number;
  flags: number;
  /** Payload bounds in the frame. */
  from: number;
  to: number;
}

const be16 = (d: Uint8Array, o: number): number => (d[o]! << 8) | d[o + 1]!;
const be32 = (d: Uint8Array, o: number): number => ((d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!) >>> 0;

/** murmur3's finaliser: every input bit moves every output bit. */
function fmix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * Symmetric hash of an IPv4 TCP 4-tuple (the same for both directions): each
 * endpoint's address and port mixed with a per-run random seed, the two
 * summed. A capture cannot line its flows up in one bucket without knowing
 * the seed (an unseeded src^dst hash let 1e5 flows share one).
 */
function flowHash(seed: number, a: number, b: number, aport: number, bport: number): number {
  const ea = fmix(fmix(a ^ seed) ^ Math.imul(aport + seed, 0x9e3779b1));
  const eb = fmix(fmix(b ^ seed) ^ Math.imul(bport + seed, 0x9e3779b1));
  return (ea + eb) >>> 0;
}


/** Which TCP/UDP ports something is dissected on (the registry's tables and the learned ports). */
export interface PortClaims {
  claimed(transport: 'tcp' | 'udp', src: number, sport: number, dst: number, dport: number): boolean;
}

export class FastPath {
  /** Flows by hash: the first of each bucket's chain. */
  private flows = new Map<number, FastFlow>();
  /** The segment found by the last classify() that returned FAST (reused: read it before the next call). */
  readonly segment: FastSegment = { conv: null!, side: null!, other: null, seq: 0, ack: 0, flags: 0, from: 0, to: 0 };
  /** The ESP packet found by the last classify() that returned ESP_FAST (reused). */
  readonly espPacket: FastEsp = { at: 0, src: 0, dst: 0, spi: 0, seq: null };
  /** Whether ESP packets are wanted (ESP is in the registry's ip.proto table and someone listens). */
  esp = false;
  /** Whether ICMP errors are dissected for the packets they quote. */
  quotes = false;
  /** The flow hash's seed, random per run. */
  private readonly seed = (Math.random() * 0x100000000) >>> 0;

  constructor(
    /** Whether the registry dissects Ethernet/IPv4/TCP with the built-in dissectors (the fast path assumes them). */
    private readonly enabled: boolean,
    private readonly ports: PortClaims,
  ) {}

  /** Decide a frame from fixed offsets (see the module comment). */
  classify(linktype: number, d: Uint8Array, origlen: number): Fixed {
    const ip = ETH.HEADER;
    if (linktype !== LINKTYPE_ETHERNET || d.length < ip + IPV4.MIN_HEADER + 4 || be16(d, ETH.TYPE) !== ETHERTYPE_IPV4) return LAYERED;
    const vihl = d[ip + IPV4.VIHL]!;
    if (vihl >> 4 !== 4) return LAYERED;
    if (be16(d, ip + IPV4.FRAG) & IPV4_FRAGMENT_BITS) return LAYERED; // a fragment: reassembly decides
    const proto = d[ip + IPV4.PROTO]!;
    if (proto !== IP_TCP && proto !== IP_UDP) return proto === IP_ESP && this.esp ? this.espAt(d, ip + (vihl & 15) * 4) : proto === IP_ICMP && this.quotes ? LAYERED : SKIPPED;
    const t = ip + (vihl & 15) * 4;
    if (d.length < t + 4) return LAYERED;
    const sport = be16(d, t + TCP.SPORT);
    const dport = be16(d, t + TCP.DPORT);
    const src = be32(d, ip + IPV4.SRC);
    const dst = be32(d, ip + IPV4.DST);
    if (!this.ports.claimed(proto === IP_TCP ? 'tcp' : 'udp', src, sport, dst, dport)) return SKIPPED;
    return proto === IP_TCP && this.enabled ? this.knownTcp(d, origlen, t, src, sport, dst, dport) : LAYERED;
  }

  /**
   * The TCP header at `t` of a frame on a known conversation: FAST (`segment`
   * set), SKIPPED (a conversation no longer followed), or LAYERED (nothing
   * done) for a frame the layered path must see: cut by the snaplen, odd
   * header lengths, or a new conversation or direction.
   */
  private knownTcp(d: Uint8Array, origlen: number, t: number, src: number, sport: number, dst: number, dport: number): Fixed {
    const n = d.length;
    const ip = ETH.HEADER;
    const ihl = t - ip;
    if (origlen !== n || ihl < IPV4.MIN_HEADER) return LAYERED;
    const totalLen = be16(d, ip + IPV4.LEN);
    // IPv4 total length 0 (TSO on the sending host) means "to the end of the frame", as in ipv4.ts.
    const ipEnd = totalLen === 0 ? n : ip + totalLen;
    if (ipEnd > n || (totalLen !== 0 && totalLen < ihl) || t + TCP.MIN_HEADER > ipEnd) return LAYERED;
    const thl = (d[t + TCP.OFF]! >> 4) * 4;
    if (thl < TCP.MIN_HEADER || t + thl > ipEnd) return LAYERED;
    let flow: FastFlow | undefined;
    let forward = true;
    for (let f: FastFlow | null | undefined = this.flows.get(flowHash(this.seed, src, dst, sport, dport)); f; f = f.chain) {
      if (f.a === src && f.ap === sport && f.b === dst && f.bp === dport) {
        flow = f;
        break;
      }
      if (f.a === dst && f.ap === dport && f.b === src && f.bp === sport) {
        flow = f;
        forward = false;
        break;
      }
    }
    if (!flow) return LAYERED;
    // A conversation its binder no longer follows: skipped like unclaimed traffic.
    if (flow.conv.ignored) return SKIPPED;
    const side = forward ? flow.ab : flow.ba;
    if (!side) return LAYERED;
    const o = t + thl;
    const s = this.segment;
    s.conv = flow.conv;
    s.side = side;
    s.other = forward ? flow.ba : flow.ab;
    s.seq = be32(d, t + TCP.SEQ);
    s.ack = be32(d, t + TCP.ACK);
    s.flags = be16(d, t + TCP.OFF) & 0x0fff;
    s.from = o;
    s.to = o < ipEnd ? ipEnd : o;
    return FAST;
  }

  /** An unfragmented IPv4 ESP packet: SPI and sequence number at their offsets (RFC 4303 §2). */
  private espAt(d: Uint8Array, o: number): Fixed {
    if (d.length < o + 4) return LAYERED;
    const e = this.espPacket;
    e.at = o;
    e.src = be32(d, ETH.HEADER + IPV4.SRC);
    e.dst = be32(d, ETH.HEADER + IPV4.DST);
    e.spi = be32(d, o);
    e.seq = d.length >= o + 8 ? be32(d, o + 4) : null;
    return ESP_FAST;
  }

  /**
   * After the layered path handled an IPv4 TCP packet of `conv`: let the fast
   * path take the next ones of `side` (null: a skipped conversation, cached
   * so that its packets are recognised at fixed offsets).
   */
  learn(conv: TcpConv, ip: IpInfo, t: TcpInfo, side: TcpSide | null): void {
    if (ip.version !== 4) return;
    const src = ipv4Number(ip.src)!;
    let f = conv.fast as FastFlow | undefined;
    if (!f) {
      const dst = ipv4Number(ip.dst)!;
      f = { hash: flowHash(this.seed, src, dst, t.srcport, t.dstport), a: src, ap: t.srcport, b: dst, bp: t.dstport, conv, ab: null, ba: null, chain: null };
      conv.fast = f;
      f.chain = this.flows.get(f.hash) ?? null;
      this.flows.set(f.hash, f);
    }
    if (!side) return;
    if (t.srcport === f.ap && src === f.a) f.ab = side;
    else f.ba = side;
  }

  /** Whether the cache already holds this side of `conv`. */
  knows(conv: TcpConv, side: TcpSide): boolean {
    const f = conv.fast as FastFlow | undefined;
    return f !== undefined && (f.ab === side || f.ba === side);
  }

  forget(conv: TcpConv): void {
    const f = conv.fast as FastFlow | undefined;
    if (!f) return;
    conv.fast = undefined;
    const head = this.flows.get(f.hash);
    if (head === f) {
      if (f.chain) this.flows.set(f.hash, f.chain);
      else this.flows.delete(f.hash);
      return;
    }
    for (let g: FastFlow | null | undefined = head; g; g = g.chain) {
      if (g.chain === f) {
        g.chain = f.chain;
        return;
      }
    }
  }

  reset(): void {
    this.flows = new Map();
  }
}
