/**
 * The packet pipeline: capture records → link → IP (with fragment
 * reassembly) → TCP (stream reassembly + PDU framing) / UDP → application
 * PDUs. Synchronous per packet; the only async edge is the capture source.
 */
import { ByteView, keepBytes } from '../../dissector/core/byteview.js';
import type { AppProtocol, LayerResult, Protocol } from '../../dissector/core/protocol.js';
import type { Registry } from '../../dissector/core/table.js';
import type { IpInfo } from '../../dissector/net/ipv4.js';
import type { TcpInfo } from '../../dissector/transport/tcp.js';
import type { UdpInfo } from '../../dissector/transport/udp.js';
import { IpReassembler, type ReasmLimits } from './ipreasm.js';
import { OooBudget, TcpDirection, TcpStreamTable, type TcpLimits } from './reassembly.js';
import { PduFramer } from './framer.js';
import { conversationId, type Endpoint, type FramedPdu } from './pdu.js';
import { finding, type Finding } from '../findings/registry.js';
import { eth } from '../../dissector/link/eth.js';
import { ipv4 } from '../../dissector/net/ipv4.js';
import { tcp } from '../../dissector/transport/tcp.js';
import type { CaptureProblem, CaptureSink, Packet, Timestamp } from '../types.js';

export interface PipelineLimits {
  readonly tcp?: Partial<TcpLimits>;
  readonly ip?: Partial<ReasmLimits>;
  /** Bytes buffered by one framer while a PDU is incomplete. */
  readonly maxPduBuffer?: number;
}

export interface PipelineHandlers {
  /** A whole application PDU and the protocol whose table entry claimed it. */
  pdu(pdu: FramedPdu, app: AppProtocol): void;
  finding(f: Finding): void;
  /** Called after each packet has been fully processed (PDUs of it emitted). */
  packetDone?(p: Packet): void;
}

const DEFAULT_TCP: TcpLimits = {
  maxOooBytesPerStream: 1 << 20,
  maxOooBytesTotal: 64 << 20,
  maxStreams: 100_000,
};

/** Nesting bound for link/network layers (VLAN stacks, tunnels). */
const MAX_LAYERS = 12;

interface TcpSide {
  readonly dir: TcpDirection;
  framer: PduFramer | null;
  readonly src: Endpoint;
  readonly dst: Endpoint;
}

interface TcpConv {
  readonly id: string;
  readonly index: number;
  readonly app: AppProtocol;
  /** Side keyed by "addr:port" of the sender. */
  readonly sides: Map<string, TcpSide>;
  readonly file: string;
  /** Its entry in the fixed-offset flow cache, if any. */
  fast?: FastFlow;
}

/**
 * A TCP/IPv4 conversation as the fixed-offset fast path finds it: addresses
 * and ports as numbers (no text per packet), both sides resolved once.
 */
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
}

/**
 * Timestamps of recent frames, to time PDUs completed by a held (earlier)
 * segment. Kept as numbers: holding the frames' own timestamp objects for
 * thousands of packets would move every one of them to V8's old heap.
 */
class FrameTimes {
  private readonly frames = new Int32Array(4096).fill(-1);
  private readonly sec = new Float64Array(4096);
  private readonly nsec = new Int32Array(4096);
  private readonly digits = new Int8Array(4096);
  set(frame: number, ts: Timestamp): void {
    const i = frame & 4095;
    this.frames[i] = frame;
    this.sec[i] = ts.sec;
    this.nsec[i] = ts.nsec;
    this.digits[i] = ts.digits;
  }
  get(frame: number, fallback: Timestamp): Timestamp {
    const i = frame & 4095;
    return this.frames[i] === frame ? { sec: this.sec[i]!, nsec: this.nsec[i]!, digits: this.digits[i]! } : fallback;
  }
}

export class Pipeline implements CaptureSink {
  private readonly ctx = { tree: false } as const;
  private readonly tcpLimits: TcpLimits;
  private readonly budget: OooBudget;
  private tcpStreams: TcpStreamTable<TcpConv>;
  private ipReasm: IpReassembler;
  private readonly unsupported = new Set<string>();
  private readonly convIndex = new Map<string, number>();
  private readonly frameTimes = new FrameTimes();
  /** Conversation-bound ports learned at run time (ESI/SCN ports): "tcp|addr|port". */
  private readonly dynamicPorts = new Map<string, AppProtocol>();
  /** Port numbers of the conversation-bound ports, for the fast skip. */
  private readonly dynTcp = new Set<number>();
  private readonly dynUdp = new Set<number>();
  private cur: Packet | null = null;
  private readonly tcpProto: Protocol | undefined;
  private readonly udpProto: Protocol | undefined;
  /** Whether the registry dissects Ethernet/IPv4/TCP with the built-in dissectors (the fast path assumes them). */
  private readonly fastTcpOk: boolean;
  /** Fixed-offset flow cache: symmetric hash of the IPv4 4-tuple → flows. */
  private fastFlows = new Map<number, FastFlow[]>();
  packets = 0;
  appPdus = 0;
  /** Packets the fixed-offset fast path handled. */
  fastPackets = 0;

  constructor(
    readonly registry: Registry,
    private readonly handlers: PipelineHandlers,
    private readonly limits: PipelineLimits = {},
  ) {
    this.tcpLimits = { ...DEFAULT_TCP, ...limits.tcp };
    this.budget = new OooBudget(this.tcpLimits.maxOooBytesTotal);
    this.tcpStreams = this.newStreamTable();
    this.ipReasm = new IpReassembler(limits.ip);
    this.tcpProto = registry.ipProto.get(6);
    this.udpProto = registry.ipProto.get(17);
    this.fastTcpOk = registry.linktype.get(1) === eth && registry.ethertype.get(0x0800) === ipv4 && this.tcpProto === tcp;
  }

  private newStreamTable(): TcpStreamTable<TcpConv> {
    return new TcpStreamTable<TcpConv>(this.tcpLimits.maxStreams, (c) => this.closeConv(c));
  }

  /** Make traffic to/from `addr:port` (one host's ESI/SCN port) dissected by `app`. */
  addConversationPort(transport: 'tcp' | 'udp', addr: string, port: number, app: AppProtocol): void {
    if (port <= 0 || port > 65535) return;
    const k = `${transport}|${addr}|${port}`;
    if (!this.dynamicPorts.has(k) && this.dynamicPorts.size < 65536) {
      this.dynamicPorts.set(k, app);
      (transport === 'tcp' ? this.dynTcp : this.dynUdp).add(port);
    }
  }

  problem(p: CaptureProblem): void {
    if (p.code === 'TRUNCATED_CAPTURE') {
      this.handlers.finding(finding('TRUNCATED_CAPTURE', `${p.message}`, p.frame !== undefined ? [p.frame] : [], p.file));
    }
  }

  /**
   * The common cases decided from fixed offsets before anything is allocated,
   * for an unfragmented Ethernet/IPv4 frame:
   *  - TCP or UDP on ports no dissector claims, or another protocol: skipped at
   *    once (most packets of a storage network are iSCSI data);
   *  - TCP on a conversation already seen, with well-formed header lengths and
   *    nothing cut by the snaplen: its segment goes straight to reassembly
   *    (knownTcp), exactly as the layered path would deliver it.
   * Anything else takes the layered path.
   */
  private fixedOffsets(p: Packet): Fixed {
    const d = p.data;
    if (p.linktype !== 1 || d.length < 38 || d[12] !== 0x08 || d[13] !== 0x00) return LAYERED;
    const vihl = d[14]!;
    if (vihl >> 4 !== 4) return LAYERED;
    if (((d[20]! << 8) | d[21]!) & 0x3fff) return LAYERED; // a fragment: reassembly decides
    const proto = d[23]!;
    if (proto !== 6 && proto !== 17) return SKIPPED;
    const t = 14 + (vihl & 15) * 4;
    if (d.length < t + 4) return LAYERED;
    const sport = (d[t]! << 8) | d[t + 1]!;
    const dport = (d[t + 2]! << 8) | d[t + 3]!;
    const table = proto === 6 ? this.registry.tcpPort : this.registry.udpPort;
    const dyn = proto === 6 ? this.dynTcp : this.dynUdp;
    if (!table.has(sport) && !table.has(dport) && !dyn.has(sport) && !dyn.has(dport)) return SKIPPED;
    return proto === 6 && this.fastTcpOk && this.knownTcp(p, t, sport, dport) ? FAST : LAYERED;
  }

  /** The packet every PDU completed now belongs to (and its time, for PDUs completed later). */
  private enter(p: Packet): void {
    this.cur = p;
    this.frameTimes.set(p.frame, p.ts);
  }

  packet(p: Packet): void {
    this.packets++;
    const fixed = this.fixedOffsets(p);
    if (fixed === FAST) this.fastPackets++;
    if (fixed !== LAYERED) {
      this.handlers.packetDone?.(p);
      return;
    }
    this.enter(p);
    let proto: Protocol | undefined = this.registry.linktype.get(p.linktype);
    if (!proto) {
      const k = `${p.file}\u0000${p.iface}`;
      if (!this.unsupported.has(k)) {
        this.unsupported.add(k);
        this.handlers.finding(
          finding(
            'UNSUPPORTED_LINK_TYPE',
            `link type ${p.linktype} (interface ${p.iface}) is not supported: its frames are skipped, so iSNS traffic on it is not seen`,
            [p.frame],
            p.file,
          ),
        );
      }
      this.handlers.packetDone?.(p);
      return;
    }
    let view = new ByteView(p.data, 0, Math.max(p.origlen, p.caplen), p.caplen);
    let ip: IpInfo | null = null;
    for (let depth = 0; depth < MAX_LAYERS && proto; depth++) {
      if (proto === this.tcpProto || proto === this.udpProto) {
        if (ip) this.transport(proto, view, ip, p);
        break;
      }
      const r: LayerResult = proto.dissect(view, this.ctx);
      if (r.info && (r.info as IpInfo).version !== undefined && (r.info as IpInfo).src !== undefined) {
        ip = r.info as IpInfo;
        if (ip.fragment && r.payload) {
          const whole = this.reassembleIp(ip, r.payload, p);
          if (!whole) break;
          view = whole;
          proto = this.registry.ipProto.get(ip.proto);
          continue;
        }
      }
      if (!r.next || !r.payload) break;
      proto = this.registry.table(r.next.table).get(r.next.key) as Protocol | undefined;
      view = r.payload;
    }
    this.handlers.packetDone?.(p);
  }

  /**
   * fixedOffsets' TCP case: the TCP header at `t` of a frame on a known
   * conversation. Returns false (nothing done) for a frame the layered path
   * must see: cut by the snaplen, odd header lengths, or a new conversation
   * or direction.
   */
  private knownTcp(p: Packet, t: number, sport: number, dport: number): boolean {
    const d = p.data;
    const n = d.length;
    const ihl = t - 14;
    if (p.origlen !== n || ihl < 20) return false;
    const totalLen = (d[16]! << 8) | d[17]!;
    // IPv4 total length 0 (TSO on the sending host) means "to the end of the frame", as in ipv4.ts.
    const ipEnd = totalLen === 0 ? n : 14 + totalLen;
    if (ipEnd > n || (totalLen !== 0 && totalLen < ihl) || t + 20 > ipEnd) return false;
    const thl = (d[t + 12]! >> 4) * 4;
    if (thl < 20 || t + thl > ipEnd) return false;
    const src = ((d[26]! << 24) | (d[27]! << 16) | (d[28]! << 8) | d[29]!) >>> 0;
    const dst = ((d[30]! << 24) | (d[31]! << 16) | (d[32]! << 8) | d[33]!) >>> 0;
    const hash = flowHash(src, dst, sport, dport);
    const bucket = this.fastFlows.get(hash);
    let flow: FastFlow | undefined;
    let forward = true;
    if (bucket) {
      for (const f of bucket) {
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
    }
    if (!flow) return false;
    const side = forward ? flow.ab : flow.ba;
    if (!side) return false;
    this.tcpStreams.touch(flow.conv.id);
    const seq = ((d[t + 4]! << 24) | (d[t + 5]! << 16) | (d[t + 6]! << 8) | d[t + 7]!) >>> 0;
    const flags = ((d[t + 12]! << 8) | d[t + 13]!) & 0x0fff;
    if (flags & 0x10) {
      const other = forward ? flow.ba : flow.ab;
      if (other) other.dir.acked(((d[t + 8]! << 24) | (d[t + 9]! << 16) | (d[t + 10]! << 8) | d[t + 11]!) >>> 0);
    }
    this.enter(p);
    const o = t + thl;
    side.dir.segment({ frame: p.frame, ts: p.ts, seq, flags, payload: o < ipEnd ? d.subarray(o, ipEnd) : EMPTY });
    return true;
  }

  /** After the layered path handled an IPv4 TCP packet of `conv`: let the fast path take the next ones. */
  private cacheFlow(conv: TcpConv, ip: IpInfo, t: TcpInfo, side: TcpSide): void {
    if (ip.version !== 4) return;
    const src = ipv4Number(ip.src);
    let f = conv.fast;
    if (!f) {
      const dst = ipv4Number(ip.dst);
      f = { hash: flowHash(src, dst, t.srcport, t.dstport), a: src, ap: t.srcport, b: dst, bp: t.dstport, conv, ab: null, ba: null };
      conv.fast = f;
      const bucket = this.fastFlows.get(f.hash);
      if (bucket) bucket.push(f);
      else this.fastFlows.set(f.hash, [f]);
    }
    if (t.srcport === f.ap && src === f.a) f.ab = side;
    else f.ba = side;
  }

  private uncacheFlow(c: TcpConv): void {
    const f = c.fast;
    if (!f) return;
    c.fast = undefined;
    const bucket = this.fastFlows.get(f.hash);
    if (!bucket) return;
    const i = bucket.indexOf(f);
    if (i >= 0) bucket.splice(i, 1);
    if (bucket.length === 0) this.fastFlows.delete(f.hash);
  }

  private reassembleIp(ip: IpInfo, payload: ByteView, p: Packet): ByteView | null {
    const f = ip.fragment!;
    const n = payload.captured;
    const bytes = payload.bytes(0, n);
    const key = `${ip.version}|${ip.src}|${ip.dst}|${f.id}|${ip.proto}`;
    const done = this.ipReasm.add(key, f.offset, f.more, bytes, p.frame, p.ts.sec);
    // Datagrams dropped by the bounds are not findings by themselves: if they carried
    // iSNS, the TCP stream reports the hole as a TCP_GAP.
    this.ipReasm.drain();
    if (!done) return null;
    return ByteView.of(done.payload);
  }

  private appFor(table: 'tcp' | 'udp', ip: IpInfo, sport: number, dport: number): AppProtocol | undefined {
    const t = table === 'tcp' ? this.registry.tcpPort : this.registry.udpPort;
    const lo = sport < dport ? sport : dport;
    const hi = sport < dport ? dport : sport;
    const a = t.get(lo) ?? t.get(hi);
    if (a || this.dynamicPorts.size === 0) return a;
    return (
      this.dynamicPorts.get(`${table}|${ip.dst}|${dport}`) ??
      this.dynamicPorts.get(`${table}|${ip.src}|${sport}`)
    );
  }

  private transport(proto: Protocol, view: ByteView, ip: IpInfo, p: Packet): void {
    const r = proto.dissect(view, this.ctx);
    if (proto === this.udpProto) {
      const u = r.info as UdpInfo;
      if (!u || u.srcport === undefined) return;
      const app = this.appFor('udp', ip, u.srcport, u.dstport);
      if (!app || !r.payload) return;
      const pl = r.payload;
      const n = pl.captured;
      if (n === 0) return;
      const src = { addr: ip.src, port: u.srcport };
      const dst = { addr: ip.dst, port: u.dstport };
      const cid = conversationId('udp', src, dst);
      this.emit({
        file: p.file,
        transport: 'udp',
        src,
        dst,
        conversation: cid,
        streamIndex: this.indexOf(cid),
        bytes: keepBytes(pl.bytes(0, n)),
        frames: [p.frame],
        frame: p.frame,
        ts: p.ts,
      }, app);
      return;
    }
    const t = r.info as TcpInfo;
    if (!t || t.srcport === undefined) return;
    const app = this.appFor('tcp', ip, t.srcport, t.dstport);
    if (!app) return;
    const cid = conversationId('tcp', { addr: ip.src, port: t.srcport }, { addr: ip.dst, port: t.dstport });
    const conv = this.tcpStreams.get(cid, () => ({
      id: cid,
      index: this.indexOf(cid),
      app,
      sides: new Map(),
      file: p.file,
    }));
    const sk = `${ip.src}|${t.srcport}`;
    let side = conv.sides.get(sk);
    if (!side) {
      if (conv.sides.size >= 2) return; // a third "direction" cannot exist for one 5-tuple pair
      side = this.newSide(conv, { addr: ip.src, port: t.srcport }, { addr: ip.dst, port: t.dstport });
      conv.sides.set(sk, side);
    }
    // An ACK for bytes this side never saw in the capture: the hole in the other direction is final.
    if (t.flags & 0x10 && conv.sides.size === 2) {
      for (const [k, other] of conv.sides) if (k !== sk) other.dir.acked(t.ack);
    }
    const payload = r.payload;
    const n = payload ? payload.captured : 0;
    // Only the captured bytes are delivered: a segment cut by the snaplen leaves a hole that the
    // next segment (or an ACK beyond it) turns into a TCP_GAP.
    const data = n > 0 ? payload!.bytes(0, n) : EMPTY;
    side.dir.segment({ frame: p.frame, ts: p.ts, seq: t.seq, flags: t.flags, payload: data });
    if (conv.fast?.ab !== side && conv.fast?.ba !== side) this.cacheFlow(conv, ip, t, side);
  }

  private newSide(conv: TcpConv, src: Endpoint, dst: Endpoint): TcpSide {
    const app = conv.app;
    const side: TcpSide = {
      src,
      dst,
      framer: null,
      dir: null as unknown as TcpDirection,
    };
    const onPdu = (bytes: Uint8Array, frames: number[], frame: number): void => {
      const cur = this.cur!;
      this.emit(
        {
          file: conv.file,
          transport: 'tcp',
          src,
          dst,
          conversation: conv.id,
          streamIndex: conv.index,
          bytes,
          frames,
          frame,
          ts: frame === cur.frame ? cur.ts : this.frameTimes.get(frame, cur.ts),
        },
        app,
      );
    };
    const makeFramer = (inSync: boolean): PduFramer | null =>
      app.framing
        ? new PduFramer(
            app.framing,
            {
              pdu: (fp) => onPdu(fp.bytes, fp.frames, fp.frame),
              skipped: (bytes, frames, reason) => {
                if (reason.startsWith('resync-after-invalid')) {
                  this.handlers.finding(
                    finding(
                      'MALFORMED_PDU',
                      `${conv.id}: ${bytes} bytes from ${src.addr}:${src.port} are not a valid ${app.name} PDU (${reason}); skipped to the next plausible PDU header`,
                      frames,
                      conv.file,
                    ),
                  );
                }
              },
            },
            { startInSync: inSync, maxBuffered: this.limits.maxPduBuffer },
          )
        : null;
    let started = false;
    (side as { dir: TcpDirection }).dir = new TcpDirection(
      {
        data: (bytes, frame) => {
          if (!started) {
            started = true;
            side.framer = makeFramer(side.dir.sawSyn);
          }
          if (side.framer) side.framer.push(bytes, frame);
          else onPdu(keepBytes(bytes), [frame], frame);
        },
        gap: (g) => {
          const frames = g.frameBefore === null ? [g.frameAfter] : [g.frameBefore, g.frameAfter];
          this.handlers.finding(
            finding(
              'TCP_GAP',
              `${conv.id}: ${g.bytes} bytes from ${src.addr}:${src.port} are missing from the capture (between frames ${frames.join(' and ')}); ${app.name} PDUs in them are lost and the stream resynchronises at the next PDU header`,
              frames,
              conv.file,
            ),
          );
          side.framer?.gap();
        },
      },
      this.tcpLimits,
      this.budget,
    );
    return side;
  }

  private closeConv(c: TcpConv): void {
    this.uncacheFlow(c);
    for (const side of c.sides.values()) {
      side.dir.finish();
      const left = side.framer?.end();
      if (left && left.bytes > 0) {
        this.handlers.finding(
          finding(
            'MALFORMED_PDU',
            `${c.id}: the stream from ${side.src.addr}:${side.src.port} ends inside an ${c.app.name} PDU (${left.bytes} bytes of an incomplete PDU)`,
            left.frames,
            c.file,
          ),
        );
      }
    }
  }

  private indexOf(cid: string): number {
    let i = this.convIndex.get(cid);
    if (i === undefined) {
      i = this.convIndex.size;
      if (this.convIndex.size < 1_000_000) this.convIndex.set(cid, i);
    }
    return i;
  }

  private emit(pdu: FramedPdu, app: AppProtocol): void {
    this.appPdus++;
    this.handlers.pdu(pdu, app);
  }

  /** End of one input file: flush its TCP streams (streams do not continue across files). */
  endFile(): void {
    for (const c of this.tcpStreams.values()) this.closeConv(c);
    this.tcpStreams = this.newStreamTable();
    this.fastFlows = new Map();
    this.ipReasm = new IpReassembler(this.limits.ip);
    this.convIndex.clear();
  }
}

const EMPTY = new Uint8Array(0);

/** What fixedOffsets did with a packet. */
type Fixed = 0 | 1 | 2;
const LAYERED = 0;
const SKIPPED = 1;
const FAST = 2;

/** Symmetric hash of an IPv4 TCP 4-tuple (the same for both directions). */
function flowHash(a: number, b: number, aport: number, bport: number): number {
  return (a ^ b ^ Math.imul(aport ^ bport, 0x9e3779b1)) >>> 0;
}

/** A dotted-quad IPv4 address as an unsigned 32-bit number. */
function ipv4Number(text: string): number {
  const q = text.split('.');
  return ((Number(q[0]) << 24) | (Number(q[1]) << 16) | (Number(q[2]) << 8) | Number(q[3])) >>> 0;
}
