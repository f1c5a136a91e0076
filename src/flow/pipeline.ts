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
import { closeSides, fromClient, openSide, type SideDeps, type TcpConv, type TcpSide } from './conversations.js';
import { ESP_FAST, FAST, FastPath, LAYERED } from './fastpath.js';
import { esp, type EspInfo } from '../../dissector/isakmp/index.js';
import { IpReassembler, type ReasmLimits } from './ipreasm.js';
import { LearnedPorts } from './learned-ports.js';
import { conversationId, type Endpoint, type FramedPdu, type FramedPduDraft } from './pdu.js';
import { OooBudget, TcpStreamTable, type SegmentIn, type TcpLimits } from './reassembly.js';
import { Slab } from './slab.js';
import type { HeldBytes } from './stream-buffer.js';
import { CONTROL_FLAGS, DEFAULT_TCP, EMPTY, FrameTimes, ipv4Text, MAX_LAYERS, snaplenCut, StreamIndexes, UdpCuts } from './frame-times.js';
import type { EspPacket, PipelineHandlers, PipelineLimits, TcpControl } from './events.js';

export type { EspPacket, PipelineHandlers, PipelineLimits, TcpControl } from './events.js';

export class Pipeline implements CaptureSink {
  private readonly ctx = { tree: false } as const;
  private readonly tcpLimits: TcpLimits;
  private readonly budget: OooBudget;
  private tcpStreams: TcpStreamTable<TcpConv>;
  /** Bytes held in every stream's framer buffer, and their bound (tcpLimits.maxBufferedBytes). */
  private readonly held: HeldBytes & { max: number };
  private ipReasm: IpReassembler;
  private readonly unsupported = new Set<string>();
  private readonly convIndex: StreamIndexes;
  private readonly frameTimes = new FrameTimes();
  /** UDP datagrams the snaplen cut, per conversation, for one TRUNCATED_PDU each at the end of the file. */
  private readonly udpCuts = new UdpCuts();
  /** Conversation-bound ports learned at run time (ESI/SCN ports). */
  private readonly learned = new LearnedPorts();
  private readonly fast: FastPath;
  private readonly slab = new Slab();
  private readonly sideDeps: SideDeps;
  private cur: Packet | null = null;
  private readonly seg: SegmentIn = { frame: 0, ts: { sec: 0, nsec: 0, digits: 0 }, seq: 0, flags: 0, payload: EMPTY, cut: 0 };
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
    this.held = { used: 0, max: this.tcpLimits.maxBufferedBytes ?? DEFAULT_TCP.maxBufferedBytes };
    this.tcpStreams = this.newStreamTable();
    this.convIndex = new StreamIndexes(2 * this.tcpLimits.maxStreams);
    this.ipReasm = new IpReassembler(limits.ip);
    this.tcpProto = registry.ipProto.get(6);
    this.udpProto = registry.ipProto.get(17);
    this.espProto = registry.ipProto.get(50);
    const builtIn = registry.linktype.get(1) === eth && registry.ethertype.get(0x0800) === ipv4 && this.tcpProto === tcp;
    this.fast = new FastPath(builtIn, {
      claimed: (t, src, sport, dst, dport) => {
        const table = t === 'tcp' ? registry.tcpPort : registry.udpPort;
        return table.has(sport) || table.has(dport) || this.learned.mayMatch(t, src, sport, dst, dport);
      },
    });
    this.fast.esp = this.espProto === esp && handlers.esp !== undefined;
    this.fast.quotes = limits.quotes === true;
    this.sideDeps = {
      limits: this.tcpLimits,
      budget: this.budget,
      maxPduBuffer: limits.maxPduBuffer,
      held: this.held,
      keep: (b, from, to) => this.slab.keep(b, from, to),
      pdu: (side, bytes, frames, frame, missing, resynced) => this.tcpPdu(side, bytes, frames, frame, missing, resynced),
      finding: (f) => this.handlers.finding(f),
    };
  }

  private newStreamTable(): TcpStreamTable<TcpConv> {
    const over = (): string => (this.held.used > this.held.max ? `over ${this.held.max} bytes held in all streams' buffers` : `over ${this.tcpLimits.maxStreams} concurrent streams`);
    return new TcpStreamTable<TcpConv>(this.tcpLimits.maxStreams, (c) => this.closeConv(c, over()));
  }

  /**
   * Make traffic to/from `addr:port` (one host's ESI/SCN port, a discovered portal) dissected by
   * `app` from now on — with `peer`, only with that address — unless a table gives the port away.
   */
  addConversationPort(transport: 'tcp' | 'udp', addr: string, port: number, app: AppProtocol, peer: string | null = null): void {
    if ((transport === 'tcp' ? this.registry.tcpPort : this.registry.udpPort).has(port)) return;
    this.learned.add(transport, addr, port, app, peer);
  }

  problem(p: CaptureProblem): void {
    if (p.code === 'TRUNCATED_CAPTURE') {
      this.handlers.finding(finding('TRUNCATED_CAPTURE', { text: p.message.startsWith(`${p.file}: `) ? p.message.slice(p.file.length + 2) : p.message }, p.frame !== undefined ? [p.frame] : [], p.file));
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
    if (fixed === LAYERED) {
      this.enter(p);
      this.layered(p);
    }
    // Over the byte bound, the least recently used streams are closed (their findings made) until under it.
    if (this.held.used > this.held.max) this.tcpStreams.evictWhile(() => this.held.used > this.held.max);
    this.handlers.packetDone?.(p);
  }

  /** A segment the fast path found on a known conversation. */
  private fastSegment(p: Packet): void {
    const s = this.fast.segment;
    this.tcpStreams.touchEntry(s.conv.entry!);
    if (s.flags & CONTROL_FLAGS) this.control(s.conv, s.side, s.flags, p);
    if (s.flags & 0x10 && s.other) s.other.dir.acked(s.ack, p.frame);
    this.enter(p);
    this.toStream(s.side, p, s.seq, s.flags, s.from < s.to ? p.data.subarray(s.from, s.to) : EMPTY, 0);
  }

  /** A segment to its direction's reassembly (through one reused SegmentIn: it is read during the call only). */
  private toStream(side: TcpSide, p: Packet, seq: number, flags: number, payload: Uint8Array, cut: number): void {
    const g = this.seg;
    g.frame = p.frame;
    g.ts = p.ts;
    g.seq = seq;
    g.flags = flags;
    g.payload = payload;
    g.cut = cut;
    side.dir.segment(g);
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
        else if (proto === this.udpProto) this.udp(proto.dissect(view, this.ctx) as LayerResult<UdpInfo | null>, ip, p, true);
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

  /**
   * A datagram to its application (returned), if one claims it. `quoted`: one an
   * ICMP error quotes, marked, for display only (no stream index, no finding).
   */
  private udp(r: LayerResult<UdpInfo | null>, ip: IpInfo, p: Packet, quoted = false): AppProtocol | undefined {
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
    const missing = quoted ? r.payload.length - n : snaplenCut(p, r.payload);
    if (missing > 0 && !quoted) this.udpCuts.add(cid, p, missing, app);
    const streamIndex = quoted ? -1 : this.convIndex.of(cid);
    const pdu: FramedPduDraft = { file: p.file, transport: 'udp', src, dst, conversation: cid, streamIndex, bytes, frames: [p.frame], frame: p.frame, ts: p.ts };
    if (quoted) pdu.quoted = true;
    if (missing > 0) pdu.missing = missing;
    this.emit(pdu, app);
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
      return { id: cid, index: this.convIndex.of(cid), app, sides: [], file: p.file, serverPort };
    });
    if (fresh) {
      conv.entry = this.tcpStreams.entry(cid);
      if (this.handlers.admit && !this.handlers.admit({ conversation: cid, app, file: p.file, frame: p.frame, ts: p.ts, src, dst, fromClient: fromClient(src, dst, serverPort, true), flags: t.flags })) conv.ignored = true;
    }
    if (conv.ignored) {
      // Skipped from now on; the fast path learns the flow so its next packets cost a lookup only.
      if (!conv.fast) this.fast.learn(conv, ip, t, null);
      return app;
    }
    const sides = conv.sides;
    let side = sides[0] && sides[0].src.port === t.srcport && sides[0].src.addr === ip.src ? sides[0] : sides[1] && sides[1].src.port === t.srcport && sides[1].src.addr === ip.src ? sides[1] : undefined;
    if (!side) {
      if (sides.length >= 2) return app; // a third "direction" cannot exist for one 5-tuple pair
      side = openSide(conv, src, dst, this.sideDeps);
      sides.push(side);
    }
    if (t.flags & CONTROL_FLAGS) this.control(conv, side, t.flags, p);
    // An ACK for bytes this side never saw in the capture: the hole in the other direction is final.
    if (t.flags & 0x10 && sides.length === 2) (sides[0] === side ? sides[1]! : sides[0]!).dir.acked(t.ack, p.frame);
    const n = r.payload ? r.payload.captured : 0;
    const data = n > 0 ? r.payload!.bytes(0, n) : EMPTY;
    // Bytes the snaplen cut take their sequence space and are told to the framer as cut, not as a gap.
    const cut = r.payload ? snaplenCut(p, r.payload) : 0;
    this.toStream(side, p, t.seq, t.flags, data, cut);
    if (!this.fast.knows(conv, side)) this.fast.learn(conv, ip, t, side);
    return app;
  }

  private control(conv: TcpConv, side: TcpSide, flags: number, p: Packet): void {
    this.handlers.tcpControl?.({ conversation: conv.id, app: conv.app, file: p.file, frame: p.frame, ts: p.ts, src: side.src, dst: side.dst, fromClient: side.fromClient, flags });
  }

  /**
   * A binder no longer needs a TCP conversation (e.g. an iSCSI session in full-feature
   * phase): its packets are skipped from now on, and what it held is released.
   */
  ignoreConversation(cid: string): void {
    const conv = this.tcpStreams.peek(cid);
    if (!conv || conv.ignored) return;
    conv.ignored = true;
    for (const side of conv.sides) {
      side.dir.release();
      side.framer?.release();
      side.framer = null;
    }
  }

  /** A PDU a TCP side completed: it belongs to the frame of its last byte. */
  private tcpPdu(side: TcpSide, bytes: Uint8Array, frames: number[], frame: number, missing: number, resynced: boolean): void {
    const cur = this.cur!;
    const conv = side.conv;
    const p: FramedPduDraft = {
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
    };
    if (missing > 0) p.missing = missing;
    if (resynced) p.resynced = resynced;
    if (conv.state !== undefined) p.connection = conv.state;
    this.emit(p, conv.app);
  }

  private closeConv(c: TcpConv, evicted?: string): void {
    this.fast.forget(c);
    if (c.ignored) return; // (its framers were released when it was ignored)
    closeSides(c, (f) => this.handlers.finding(f), evicted);
  }

  private emit(pdu: FramedPdu, app: AppProtocol): void {
    this.appPdus++;
    this.handlers.pdu(pdu, app);
  }

  /** End of one input file: flush its TCP streams (streams do not continue across files). */
  endFile(): void {
    this.udpCuts.flush((f) => this.handlers.finding(f));
    for (const c of this.tcpStreams.values()) this.closeConv(c);
    this.tcpStreams = this.newStreamTable();
    this.fast.reset();
    this.ipReasm = new IpReassembler(this.limits.ip);
    this.convIndex.clear();
  }
}
