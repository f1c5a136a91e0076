/**
 * The packet pipeline: capture records → link → IP (with fragment
 * reassembly) → TCP (stream reassembly + PDU framing) / UDP → application
 * PDUs, handed on with the protocol whose dissector-table entry claimed them.
 * Synchronous per packet; the only async edge is the capture source.
 *
 * Path of one packet: fastpath.ts decides from fixed offsets (skip, or a
 * known TCP conversation straight to reassembly); otherwise the layered walk
 * below asks the registry's tables link type → ethertype → IP protocol →
 * TCP/UDP port; TCP goes through conversations.ts (reassembly.ts, framer.ts).
 */
import { ByteView } from '../../dissector/core/byteview.js';
import type { AppProtocol, LayerProblem, LayerResult, Protocol } from '../../dissector/core/protocol.js';
import type { Registry } from '../../dissector/core/table.js';
import { eth } from '../../dissector/link/eth.js';
import { ipv4, type IpInfo } from '../../dissector/net/ipv4.js';
import { tcp, type TcpInfo } from '../../dissector/transport/tcp.js';
import type { UdpInfo } from '../../dissector/transport/udp.js';
import { finding, type Finding } from '../findings/registry.js';
import type { CaptureProblem, CaptureSink, Packet, Timestamp } from '../types.js';
import { Tally } from '../findings/tally.js';
import { closeSides, openSide, type SideDeps, type TcpConv, type TcpSide } from './conversations.js';
import { ESP_FAST, FAST, FastPath, LAYERED } from './fastpath.js';
import { esp, type EspInfo } from '../../dissector/isakmp/index.js';
import { IpReassembler, type ReasmLimits } from './ipreasm.js';
import { LearnedPorts } from './learned-ports.js';
import { conversationId, type Endpoint, type FramedPdu } from './pdu.js';
import { OooBudget, TcpStreamTable, type TcpLimits } from './reassembly.js';
import { Slab } from './slab.js';

export interface PipelineLimits {
  /** Dissect the packets ICMP errors quote (UDP datagrams reach the handlers marked `quoted`; for display). */
  readonly quotes?: boolean;
  readonly tcp?: Partial<TcpLimits>;
  readonly ip?: Partial<ReasmLimits>;
  /** Bytes buffered by one framer while a PDU is incomplete. */
  readonly maxPduBuffer?: number;
}

/** A TCP segment with SYN, RST or FIN on a conversation a protocol claims (connection attempts and their answers). */
export interface TcpControl {
  readonly conversation: string;
  readonly app: AppProtocol;
  readonly file: string;
  readonly frame: number;
  readonly ts: Timestamp;
  /** The sender. */
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** Whether the sender is the client (its peer holds the claimed port). */
  readonly fromClient: boolean;
  /** TCP flags (FIN 1, SYN 2, RST 4, ACK 0x10). */
  readonly flags: number;
}

/** An ESP packet (IP protocol 50): who sent it to whom, its SPI and sequence number. */
export interface EspPacket {
  readonly file: string;
  readonly frame: number;
  readonly ts: Timestamp;
  readonly src: string;
  readonly dst: string;
  readonly spi: number;
  readonly seq: number | null;
  /** The ESP header's bytes as captured (SPI, sequence number); valid only during the call. */
  readonly bytes: Uint8Array;
}

export interface PipelineHandlers {
  /** Every ESP packet (IP protocol 50; ESP inside UDP comes as a PDU of udpencap). */
  esp?(e: EspPacket): void;
  /** A whole application PDU and the protocol whose table entry claimed it. */
  pdu(pdu: FramedPdu, app: AppProtocol): void;
  /** SYN, RST and FIN segments of claimed TCP conversations. */
  tcpControl?(c: TcpControl): void;
  /**
   * A claimed TCP conversation seen for the first time (with the flags of its
   * first segment): false to skip it from the start (e.g. an iSCSI connection
   * whose login was not captured).
   */
  admit?(c: TcpControl): boolean;
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

const EMPTY = new Uint8Array(0);
/** SYN, RST, FIN: a connection starts, is refused or ends. */
const CONTROL_FLAGS = 0x07;

/** Dotted-quad text of an IPv4 address held as a number. */
function ipv4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Bytes of a payload the capture's snaplen cut (not a length field's lie: the frame itself was cut). */
function snaplenCut(p: Packet, payload: ByteView): number {
  return p.origlen > p.caplen ? Math.max(0, Math.min(payload.length - payload.captured, p.origlen - p.caplen)) : 0;
}

/** UDP conversations with datagrams the snaplen cut, told at the end of the file (bounded). */
const MAX_UDP_CUT_CONVERSATIONS = 10_000;

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
  /** UDP datagrams the snaplen cut, per conversation, for one TRUNCATED_PDU each at the end of the file. */
  private udpCuts = new Map<string, { tally: Tally; app: AppProtocol; src: string }>();
  /** Conversation-bound ports learned at run time (ESI/SCN ports). */
  private readonly learned = new LearnedPorts();
  private readonly fast: FastPath;
  private readonly slab = new Slab();
  private readonly sideDeps: SideDeps;
  private cur: Packet | null = null;
  private readonly tcpProto: Protocol | undefined;
  private readonly udpProto: Protocol | undefined;
  private readonly espProto: Protocol | undefined;
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
    this.espProto = registry.ipProto.get(50);
    const builtIn = registry.linktype.get(1) === eth && registry.ethertype.get(0x0800) === ipv4 && this.tcpProto === tcp;
    this.fast = new FastPath(builtIn, {
      claimed: (t, sport, dport) => {
        const table = t === 'tcp' ? registry.tcpPort : registry.udpPort;
        return table.has(sport) || table.has(dport) || this.learned.mayMatch(t, sport, dport);
      },
    });
    this.fast.esp = this.espProto === esp && handlers.esp !== undefined;
    this.fast.quotes = limits.quotes === true;
    this.sideDeps = {
      limits: this.tcpLimits,
      budget: this.budget,
      maxPduBuffer: limits.maxPduBuffer,
      keep: (b, from, to) => this.slab.keep(b, from, to),
      pdu: (side, bytes, frames, frame, missing, resynced) => this.tcpPdu(side, bytes, frames, frame, missing, resynced),
      finding: (f) => this.handlers.finding(f),
    };
  }

  private newStreamTable(): TcpStreamTable<TcpConv> {
    return new TcpStreamTable<TcpConv>(this.tcpLimits.maxStreams, (c) => this.closeConv(c));
  }

  /** Make traffic to/from `addr:port` (one host's ESI/SCN port) dissected by `app`. */
  addConversationPort(transport: 'tcp' | 'udp', addr: string, port: number, app: AppProtocol): void {
    this.learned.add(transport, addr, port, app);
  }

  problem(p: CaptureProblem): void {
    if (p.code === 'TRUNCATED_CAPTURE') {
      this.handlers.finding(finding('TRUNCATED_CAPTURE', { text: p.message }, p.frame !== undefined ? [p.frame] : [], p.file));
    }
  }

  /** The packet every PDU completed now belongs to (and its time, for PDUs completed later). */
  private enter(p: Packet): void {
    this.cur = p;
    this.frameTimes.set(p.frame, p.ts);
  }

  packet(p: Packet): void {
    this.packets++;
    const fixed = this.fast.classify(p.linktype, p.data, p.origlen);
    if (fixed === FAST) {
      this.fastPackets++;
      this.fastSegment(p);
    } else if (fixed === ESP_FAST) {
      this.fastPackets++;
      const e = this.fast.espPacket;
      this.handlers.esp!({ file: p.file, frame: p.frame, ts: p.ts, src: ipv4Text(e.src), dst: ipv4Text(e.dst), spi: e.spi, seq: e.seq, bytes: p.data.subarray(e.at, e.at + 8) });
    }
    if (fixed !== LAYERED) {
      this.handlers.packetDone?.(p);
      return;
    }
    this.enter(p);
    this.layered(p);
    this.handlers.packetDone?.(p);
  }

  /** A segment the fast path found on a known conversation. */
  private fastSegment(p: Packet): void {
    const s = this.fast.segment!;
    this.tcpStreams.touch(s.conv.id);
    if (s.flags & CONTROL_FLAGS) this.control(s.conv, s.side, s.flags, p);
    if (s.flags & 0x10 && s.other) s.other.dir.acked(s.ack, p.frame);
    this.enter(p);
    s.side.dir.segment({ frame: p.frame, ts: p.ts, seq: s.seq, flags: s.flags, payload: s.from < s.to ? p.data.subarray(s.from, s.to) : EMPTY });
  }

  /** The layered walk: each table's dissector, until TCP/UDP. */
  private layered(p: Packet): void {
    let proto: Protocol | undefined = this.registry.linktype.get(p.linktype);
    if (!proto) {
      const k = `${p.file}\u0000${p.iface}`;
      if (!this.unsupported.has(k)) {
        this.unsupported.add(k);
        this.handlers.finding(finding('UNSUPPORTED_LINK_TYPE', { linktype: p.linktype, iface: p.iface }, [p.frame], p.file));
      }
      return;
    }
    let view = new ByteView(p.data, 0, Math.max(p.origlen, p.caplen), p.caplen);
    let ip: IpInfo | null = null;
    /** What the layers below the transport found wrong (reported if the packet belongs to an application). */
    let problems: LayerProblem[] | null = null;
    /** Inside a packet an ICMP error quotes. */
    let quoted = false;
    for (let depth = 0; depth < MAX_LAYERS && proto; depth++) {
      if (proto === this.tcpProto || proto === this.udpProto) {
        if (!ip) return;
        if (!quoted) this.transport(proto, view, ip, p, problems);
        else if (proto === this.udpProto) this.quotedUdp(view, ip, p);
        return;
      }
      if (proto.quotes && !this.limits.quotes) return;
      const r: LayerResult = proto.dissect(view, this.ctx);
      if (r.problems?.length) (problems ??= []).push(...r.problems);
      if (ip && proto === this.espProto) {
        if (quoted) return;
        const e = r.info as EspInfo | null;
        if (e && this.handlers.esp) this.handlers.esp({ file: p.file, frame: p.frame, ts: p.ts, src: ip.src, dst: ip.dst, spi: e.spi, seq: e.seq, bytes: view.bytes(0, Math.min(8, view.captured)) });
        return;
      }
      if (proto.quotes && r.next) quoted = true;
      if (proto.layer === 'network' && r.info) {
        ip = r.info as IpInfo;
        if (ip.fragment && r.payload) {
          if (quoted) return;
          const whole = this.reassembleIp(ip, r.payload, p);
          if (!whole) return;
          if (whole.conflict) (problems ??= []).push({ kind: 'malformed', offset: -1, message: `IP reassembly: ${whole.conflict}` });
          view = whole.view;
          proto = this.registry.ipProto.get(ip.proto);
          continue;
        }
      }
      if (!r.next || !r.payload) return;
      proto = this.registry.table(r.next.table).get(r.next.key) as Protocol | undefined;
      view = r.payload;
    }
  }

  private reassembleIp(ip: IpInfo, payload: ByteView, p: Packet): { view: ByteView; conflict: string | null } | null {
    const f = ip.fragment!;
    const bytes = payload.bytes(0, payload.captured);
    const key = `${ip.version}|${ip.src}|${ip.dst}|${f.id}|${ip.proto}`;
    const done = this.ipReasm.add(key, f.offset, f.more, bytes, p.frame, p.ts.sec);
    // Datagrams dropped by the bounds are not findings by themselves: if they carried
    // iSNS, the TCP stream reports the hole as a TCP_GAP.
    this.ipReasm.drain();
    if (!done) return null;
    return { view: ByteView.of(done.payload), conflict: done.conflict };
  }

  /** The port appFor() found the protocol on (the server's). */
  private serverPort = 0;

  /** The protocol claiming a conversation: the lower port's table entry, the higher's, else a learned port. */
  private appFor(transport: 'tcp' | 'udp', ip: IpInfo, sport: number, dport: number): AppProtocol | undefined {
    const t = transport === 'tcp' ? this.registry.tcpPort : this.registry.udpPort;
    const lo = sport < dport ? sport : dport;
    const hi = sport < dport ? dport : sport;
    let a = t.get(lo);
    this.serverPort = lo;
    if (!a) {
      a = t.get(hi);
      this.serverPort = hi;
    }
    if (!a) {
      a = this.learned.get(transport, ip.src, sport, ip.dst, dport);
      this.serverPort = this.learned.lastPort;
    }
    return a;
  }

  private transport(proto: Protocol, view: ByteView, ip: IpInfo, p: Packet, below: LayerProblem[] | null): void {
    const r = proto.dissect(view, this.ctx);
    const problems = r.problems?.length ? [...(below ?? []), ...r.problems] : below;
    const app = proto === this.udpProto ? this.udp(r as LayerResult<UdpInfo | null>, ip, p) : this.tcp(r as LayerResult<TcpInfo | null>, ip, p);
    if (app && problems) this.layerProblems(p, ip, r.info as { srcport: number; dstport: number }, app, problems, proto === this.udpProto);
  }

  /**
   * Header problems of a packet an application claims (its bytes may be lost
   * or misread): one MALFORMED_PDU naming the frame, the conversation and what
   * each layer found, with its byte offset in the frame.
   */
  private layerProblems(p: Packet, ip: IpInfo, t: { srcport: number; dstport: number }, app: AppProtocol, problems: LayerProblem[], udp: boolean): void {
    const cid = conversationId(udp ? 'udp' : 'tcp', { addr: ip.src, port: t.srcport }, { addr: ip.dst, port: t.dstport });
    const what = problems.map((x) => (x.offset < 0 ? x.message : `${x.message} (byte offset ${x.offset} in the frame${x.kind === 'truncated' ? ', cut by the snaplen' : ''})`)).join('; ');
    const text = `frame ${p.frame} of this ${app.name} conversation has damaged headers: ${what}`;
    this.handlers.finding(finding('MALFORMED_PDU', { conversation: cid, text }, [p.frame], p.file));
  }

  /** A datagram an ICMP error quotes: to its application's handlers, marked, for display only. */
  private quotedUdp(view: ByteView, ip: IpInfo, p: Packet): void {
    const r = this.udpProto!.dissect(view, this.ctx) as LayerResult<UdpInfo | null>;
    const u = r.info;
    if (!u || !r.payload || r.payload.captured === 0) return;
    const app = this.appFor('udp', ip, u.srcport, u.dstport);
    if (!app) return;
    const src = { addr: ip.src, port: u.srcport };
    const dst = { addr: ip.dst, port: u.dstport };
    const bytes = this.slab.keep(r.payload.bytes(0, r.payload.captured));
    const cid = conversationId('udp', src, dst);
    const missing = Math.max(0, r.payload.length - r.payload.captured);
    this.emit({ file: p.file, transport: 'udp', src, dst, conversation: cid, streamIndex: -1, bytes, frames: [p.frame], frame: p.frame, ts: p.ts, quoted: true, ...(missing > 0 ? { missing } : {}) }, app);
  }

  /** A datagram to its application (returned), if one claims it. */
  private udp(r: LayerResult<UdpInfo | null>, ip: IpInfo, p: Packet): AppProtocol | undefined {
    const u = r.info;
    if (!u || u.srcport === undefined) return undefined;
    const app = this.appFor('udp', ip, u.srcport, u.dstport);
    if (!app || !r.payload) return app;
    const n = r.payload.captured;
    if (n === 0) return app;
    const src = { addr: ip.src, port: u.srcport };
    const dst = { addr: ip.dst, port: u.dstport };
    const cid = conversationId('udp', src, dst);
    const bytes = this.slab.keep(r.payload.bytes(0, n));
    const missing = snaplenCut(p, r.payload);
    if (missing > 0) this.udpCut(cid, p, missing, app);
    this.emit({ file: p.file, transport: 'udp', src, dst, conversation: cid, streamIndex: this.indexOf(cid), bytes, frames: [p.frame], frame: p.frame, ts: p.ts, ...(missing > 0 ? { missing } : {}) }, app);
    return app;
  }

  /** A segment to its conversation's reassembly; the application that claims it (returned), if any. */
  private tcp(r: LayerResult<TcpInfo | null>, ip: IpInfo, p: Packet): AppProtocol | undefined {
    const t = r.info;
    if (!t || t.srcport === undefined) return undefined;
    const app = this.appFor('tcp', ip, t.srcport, t.dstport);
    if (!app) return undefined;
    const src: Endpoint = { addr: ip.src, port: t.srcport };
    const dst: Endpoint = { addr: ip.dst, port: t.dstport };
    const cid = conversationId('tcp', src, dst);
    const serverPort = this.serverPort;
    let fresh = false;
    const conv = this.tcpStreams.get(cid, () => {
      fresh = true;
      return { id: cid, index: this.indexOf(cid), app, sides: new Map(), file: p.file, serverPort };
    });
    if (fresh && this.handlers.admit) {
      const fromClient = src.port !== dst.port ? dst.port === serverPort : true;
      if (!this.handlers.admit({ conversation: cid, app, file: p.file, frame: p.frame, ts: p.ts, src, dst, fromClient, flags: t.flags })) conv.ignored = true;
    }
    if (conv.ignored) {
      // Skipped from now on; the fast path learns the flow so its next packets cost a lookup only.
      if (!conv.fast && ip.version === 4) this.fast.learnIgnored(conv, ip, t);
      return app;
    }
    const sk = `${ip.src}|${t.srcport}`;
    let side = conv.sides.get(sk);
    if (!side) {
      if (conv.sides.size >= 2) return app; // a third "direction" cannot exist for one 5-tuple pair
      side = openSide(conv, src, dst, this.sideDeps);
      conv.sides.set(sk, side);
    }
    if (t.flags & CONTROL_FLAGS) this.control(conv, side, t.flags, p);
    // An ACK for bytes this side never saw in the capture: the hole in the other direction is final.
    if (t.flags & 0x10 && conv.sides.size === 2) {
      for (const [k, other] of conv.sides) if (k !== sk) other.dir.acked(t.ack, p.frame);
    }
    const n = r.payload ? r.payload.captured : 0;
    const data = n > 0 ? r.payload!.bytes(0, n) : EMPTY;
    // Bytes the snaplen cut take their sequence space and are told to the framer as cut, not as a gap.
    const cut = r.payload ? snaplenCut(p, r.payload) : 0;
    side.dir.segment({ frame: p.frame, ts: p.ts, seq: t.seq, flags: t.flags, payload: data, ...(cut > 0 ? { cut } : {}) });
    if (!this.fast.knows(conv, side)) this.fast.learn(conv, ip, t, side);
    return app;
  }

  private control(conv: TcpConv, side: TcpSide, flags: number, p: Packet): void {
    this.handlers.tcpControl?.({ conversation: conv.id, app: conv.app, file: p.file, frame: p.frame, ts: p.ts, src: side.src, dst: side.dst, fromClient: side.fromClient, flags });
  }

  /**
   * A binder no longer needs a TCP conversation (e.g. an iSCSI session in
   * full-feature phase): its packets are skipped from now on, like traffic
   * no protocol claims, and what it held is released.
   */
  ignoreConversation(cid: string): void {
    const conv = this.tcpStreams.peek(cid);
    if (!conv || conv.ignored) return;
    conv.ignored = true;
    for (const side of conv.sides.values()) {
      side.dir.release();
      side.framer = null;
    }
  }

  /** A PDU a TCP side completed: it belongs to the frame of its last byte. */
  private tcpPdu(side: TcpSide, bytes: Uint8Array, frames: number[], frame: number, missing: number, resynced: boolean): void {
    const cur = this.cur!;
    const conv = side.conv;
    this.emit(
      {
        file: conv.file,
        transport: 'tcp',
        src: side.src,
        dst: side.dst,
        conversation: conv.id,
        streamIndex: conv.index,
        bytes,
        frames,
        frame,
        ts: frame === cur.frame ? cur.ts : this.frameTimes.get(frame, cur.ts),
        fromClient: side.fromClient,
        ...(missing > 0 ? { missing } : {}),
        ...(resynced ? { resynced } : {}),
        ...(conv.state !== undefined ? { connection: conv.state } : {}),
      },
      conv.app,
    );
  }

  private closeConv(c: TcpConv): void {
    this.fast.forget(c);
    if (c.ignored) return;
    closeSides(c, (f) => this.handlers.finding(f));
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

  private udpCut(cid: string, p: Packet, missing: number, app: AppProtocol): void {
    let e = this.udpCuts.get(cid);
    if (!e) {
      if (this.udpCuts.size >= MAX_UDP_CUT_CONVERSATIONS) return;
      e = { tally: new Tally(), app, src: p.file };
      this.udpCuts.set(cid, e);
    }
    e.tally.add(missing, [p.frame]);
  }

  /** End of one input file: flush its TCP streams (streams do not continue across files). */
  endFile(): void {
    for (const [cid, e] of this.udpCuts) {
      const t = e.tally;
      const text = `the capture's snaplen cut ${t.bytes} bytes from ${t.count} datagram${t.count === 1 ? '' : 's'} (frame${t.frames.length > 1 ? 's' : ''} ${t.sorted().join(', ')}${t.count > t.frames.length ? ', …' : ''}): the ${e.app.name} PDUs in them are decoded only as far as they were captured`;
      this.handlers.finding(finding('TRUNCATED_PDU', { conversation: cid, text }, t.sorted(), e.src));
    }
    this.udpCuts = new Map();
    for (const c of this.tcpStreams.values()) this.closeConv(c);
    this.tcpStreams = this.newStreamTable();
    this.fast.reset();
    this.ipReasm = new IpReassembler(this.limits.ip);
    this.convIndex.clear();
  }
}
