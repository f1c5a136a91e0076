/**
 * The iSNS binder: every iSNS PDU → message assembly (assembler.ts, which also
 * pairs requests with responses) → portal records (portals/). It also learns
 * the ESI and SCN ports registrations announce, so traffic to them is
 * dissected as iSNS (as Wireshark does).
 */
import { isns, knownFunction, portAt, tagAt, type IsnsPduResult } from '../../dissector/isns/index.js';
import { finding } from '../findings/registry.js';
import { Tally } from '../findings/tally.js';
import type { AppBinding, BindContext, Binder } from '../binding.js';
import type { FramedPdu } from '../flow/pdu.js';
import { MessageAssembler, type MessageEvent } from './assembler.js';
import type { DiscoveryStore } from '../logons/discovery.js';
import { PortalBuilder, type PortalRecord, type PortalsResult } from './portals/builder.js';
import { ChosenPortals, type PortalSink } from './portals/choose.js';
import { FirstListings, type PortalAt } from './portals/listings.js';
import { RemotePortals } from './portals/remote.js';

export interface IsnsBindOptions {
  readonly defaultSecurityBitmap?: number | null;
  readonly maxMessageBytes?: number;
  /** Every iSNS PDU with its dissection (for `packets`). */
  readonly onIsnsPdu?: (pdu: FramedPdu, result: IsnsPduResult) => void;
  /** Every assembled iSNS message. */
  readonly onMessage?: (m: MessageEvent) => void;
  /** Every portal a server message (a response, an SCN) lists, the first time one does (to follow its port at once). */
  readonly onFirstListed?: (p: PortalAt) => void;
  /** Which portals onFirstListed is for (by port and transport; default: all). */
  readonly firstListedWanted?: (socket: number, udp: boolean) => boolean;
  /** What discovery told each initiator (PortalOptions.discovery): filled by the time portals() resolves. */
  readonly discovery?: DiscoveryStore;
  /**
   * Build the portal records on a thread of their own (remote.ts: large captures); 'dense':
   * when the capture turns out to be mostly iSNS (choose.ts, which reads `packets`);
   * 'dense-large': the same for an input known to be large, its thread started before the choice.
   */
  readonly thread?: boolean | 'dense' | 'dense-large';
  /** Packets read so far (for thread: 'dense'). */
  readonly packets?: () => number;
}

/** ESI Port (20) and SCN Port (23), as IsnsMessage.lowTags bits. */
const PORT_TAGS = (1 << 20) | (1 << 23);

/** UDP conversations with datagrams that are not iSNS, remembered at most. */
const MAX_JUNK_CONVERSATIONS = 10_000;

export class IsnsBinder implements Binder<IsnsPduResult> {
  /** The portal records, built in line or on their own thread (or, until the capture shows which, waiting). */
  private readonly builder: PortalSink | ChosenPortals;
  /** Portals listed for the first time (known at once, on this thread: iSCSI ports to follow). */
  private readonly firstListed: FirstListings | null;
  private readonly assembler: MessageAssembler;
  pdus = 0;
  /** The builder chosen (at finish). */
  private decided: PortalBuilder | RemotePortals | null = null;
  /** Datagrams that are not iSNS, per conversation. */
  private readonly junk = new Map<string, { tally: Tally; file: string; first: string }>();

  constructor(
    private readonly ctx: BindContext,
    private readonly opts: IsnsBindOptions,
  ) {
    const bitmap = opts.defaultSecurityBitmap ?? null;
    const discovery = opts.discovery;
    const make = (thread: boolean): PortalSink =>
      thread ? new RemotePortals(bitmap, discovery !== undefined) : new PortalBuilder({ defaultSecurityBitmap: bitmap, ...(discovery ? { discovery } : {}) });
    // (For a large input the thread starts before the choice, beside the first messages; an in-line choice stops it.)
    const dense = opts.thread === 'dense' || opts.thread === 'dense-large';
    this.builder = dense && opts.packets ? new ChosenPortals(make, opts.packets, opts.thread === 'dense-large') : make(opts.thread === true || dense);
    this.firstListed = opts.onFirstListed ? new FirstListings(opts.onFirstListed, opts.firstListedWanted) : null;
    this.assembler = new MessageAssembler(
      {
        message: (m) => {
          this.builder.message(m);
          this.firstListed?.message(m);
          opts.onMessage?.(m);
          this.learnPorts(m);
        },
        unanswered: (req) => this.builder.unanswered(req),
        finding: (f) => ctx.finding(f),
      },
      opts.maxMessageBytes !== undefined ? { maxMessageBytes: opts.maxMessageBytes } : undefined,
    );
  }

  pdu(pdu: FramedPdu, r: IsnsPduResult): void {
    // A datagram is iSNS only with version 1 and a known function id (what tshark checks too);
    // a TCP stream's PDUs were framed on such headers already.
    if (pdu.transport === 'udp' && !(r.header && r.header.version === 1 && knownFunction(r.header.functionId))) {
      this.notIsns(pdu, r);
      return;
    }
    this.pdus++;
    this.opts.onIsnsPdu?.(pdu, r);
    this.assembler.pdu(pdu, r);
  }

  /** ESI/SCN ports announced in registrations: dissect their traffic too. */
  private learnPorts(ev: MessageEvent): void {
    const m = ev.message;
    if ((m.lowTags & PORT_TAGS) === 0) return;
    // The registering host, and the iSNS server that will open ESI connections to it or send it SCNs.
    const host = m.isResponse ? ev.first.dst.addr : ev.first.src.addr;
    const server = m.isResponse ? ev.first.src.addr : ev.first.dst.addr;
    for (let i = 0; i < m.count; i++) {
      const tag = tagAt(m, i);
      if (tag !== 20 && tag !== 23) continue;
      const w = portAt(m, i);
      if (w > 0 && (w & 0xffff) > 0) this.ctx.learnPort((w & 0x10000) !== 0 ? 'udp' : 'tcp', host, w & 0xffff, isns, server);
    }
  }

  /** Datagrams on an iSNS port that are not iSNS: one NOT_ISNS per conversation, at the end. */
  private notIsns(pdu: FramedPdu, r: IsnsPduResult): void {
    let e = this.junk.get(pdu.conversation);
    if (!e) {
      if (this.junk.size >= MAX_JUNK_CONVERSATIONS) return;
      e = { tally: new Tally(), file: pdu.file, first: r.header ? `version ${r.header.version}, function id 0x${r.header.functionId.toString(16).padStart(4, '0')}` : `${pdu.bytes.length} bytes, shorter than a header` };
      this.junk.set(pdu.conversation, e);
    }
    e.tally.add(pdu.bytes.length, [pdu.frame]);
  }

  finish(): void {
    for (const [conv, e] of this.junk) {
      const t = e.tally;
      const text = `${t.count === 1 ? 'a datagram' : `${t.count} datagrams`} (${t.bytes} bytes; frame${t.frames.length > 1 ? 's' : ''} ${t.sorted().join(', ')}${t.count > t.frames.length ? ', …' : ''}) on an iSNS port ${t.count === 1 ? 'is' : 'are'} not iSNS (the first: ${e.first}); ${t.count === 1 ? 'it is' : 'they are'} ignored`;
      this.ctx.finding(finding('NOT_ISNS', { conversation: conv, text }, t.sorted(), e.file));
    }
    this.assembler.finish();
    this.decided = this.builder instanceof ChosenPortals ? this.builder.decided() : this.builder;
  }

  /** Stop the builder's thread, if any (a run that ended early). */
  close(): void {
    if (this.builder instanceof ChosenPortals) this.builder.close();
    else if (this.builder instanceof RemotePortals) void this.builder.close();
  }

  /** A portal a SendTargets answer listed: portal records gain it like a queried one. */
  sendTargets(e: Parameters<PortalBuilder['sendTargets']>[0], pdu: FramedPdu): void {
    this.builder.sendTargets(e, pdu);
  }

  /**
   * The portal records and this binder's capture-level findings (after finish). With `onBatch`,
   * the records go to it instead, in contract order (from the thread a batch at a time, as they
   * are made; in line all at once), and the result has none.
   */
  async portals(onBatch?: (records: PortalRecord[]) => Promise<void>): Promise<PortalsResult> {
    const b = this.decided;
    if (!b) return { portals: [], findings: [] };
    if (b instanceof RemotePortals) {
      const r = await b.finish(onBatch);
      // The discovery facts were kept beside the records, on their thread.
      if (r.discovery) this.opts.discovery?.load(r.discovery);
      return { portals: r.portals, findings: r.findings };
    }
    const r = b.finish();
    if (!onBatch) return r;
    await onBatch(r.portals);
    return { portals: [], findings: r.findings };
  }
}

export const isnsApp: AppBinding<IsnsPduResult, IsnsBinder, IsnsBindOptions> = {
  protocol: isns,
  bind: (ctx, opts) => new IsnsBinder(ctx, opts),
};
