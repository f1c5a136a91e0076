/**
 * The library's streaming entry point, the same the CLI uses: read captures
 * in order as one timeline (capture/), take every packet through the flow
 * stages (flow/) to application PDUs, hand each to its protocol's binder
 * (apps.ts: iSNS → portal records), and collect the findings.
 */
import type { AppProtocol } from '../dissector/core/protocol.js';
import type { Registry } from '../dissector/core/table.js';
import type { IsnsPduResult } from '../dissector/isns/index.js';
import type { IscsiPdu } from '../dissector/iscsi/iscsi.js';
import { createRegistry } from '../dissector/registry.js';
import { APPS, type BindContext, type Binder } from './apps.js';
import { inputName, isNamed, knownSize, type CaptureInput } from './capture/input.js';
import { readCapture, type ReadOptions } from './capture/read.js';
import { FindingCollector } from './findings/collector.js';
import type { Finding } from './findings/registry.js';
import { pduView, type FramedPdu } from './flow/pdu.js';
import { Pipeline, type EspPacket, type PipelineLimits } from './flow/pipeline.js';
import { IkeTracker, newClock } from './ike/tracker.js';
import { IscsiConnections } from './iscsi/connections.js';
import { buildLogons } from './logons/build.js';
import { DiscoveryStore } from './logons/discovery.js';
import type { LogonRecord } from './logons/types.js';
import { iscsi, ISCSI_PORT } from '../dissector/iscsi/iscsi.js';
import type { MessageEvent } from './isns/assembler.js';
import { startsEarly } from './isns/portals/prestart.js';
import type { PortalRecord } from './isns/portals/builder.js';
import type { InputSummary, Packet } from './types.js';

export interface AnalyzeOptions {
  /** Extra TCP/UDP ports dissected as iSNS (3205 always is). */
  readonly ports?: readonly number[];
  /** A registry of your own (plugins); by default createRegistry({isnsPorts: ports}). */
  readonly registry?: Registry;
  readonly defaultSecurityBitmap?: number | null;
  readonly limits?: PipelineLimits & { readonly maxMessageBytes?: number };
  readonly read?: ReadOptions;
  /** Every iSNS PDU with its dissection (for `packets`). */
  readonly onIsnsPdu?: (pdu: FramedPdu, result: IsnsPduResult) => void;
  /** Every assembled iSNS message. */
  readonly onMessage?: (m: MessageEvent) => void;
  /** Extra TCP ports dissected as iSCSI (3260 always is). */
  readonly iscsiPorts?: readonly number[];
  /** Every iSCSI PDU with its dissection; when set, every iSCSI connection is followed to its end (not only its login). */
  readonly onIscsiPdu?: (pdu: FramedPdu, result: IscsiPdu) => void;
  /**
   * Every application PDU of every protocol, dissected, before its binder sees
   * it (for `packets`: trees that depend on the connection are built here).
   */
  readonly onPdu?: (pdu: FramedPdu, app: AppProtocol, result: unknown) => void;
  /** Every ESP packet (IP protocol 50). */
  readonly onEsp?: (e: EspPacket) => void;
  /** Follow every iSCSI connection to its end, not only its login (per-PDU output). */
  readonly followAll?: boolean;
  /** PDUs of other application protocols registered in the registry (plugins). */
  readonly onOtherPdu?: (pdu: FramedPdu, app: AppProtocol) => void;
  /** After each packet is processed. */
  readonly onPacketDone?: (p: Packet) => void;
  /** After each input is read (its summary). */
  readonly onInputDone?: (s: InputSummary) => void;
  /** Abort the analysis: reading stops between chunks and analyze() rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * Build the portal records on a thread of their own, beside reading and reassembly (same
   * results). Default: when the inputs are PORTAL_THREAD_FROM_BYTES or more, or of a size not
   * known beforehand (standard input, streams, gzip), and the first thousand iSNS messages
   * show a capture of mostly iSNS (one message per five packets or more: src/isns/portals/choose.ts);
   * ISNS_DISSECTOR_THREAD=on|off overrides the default.
   */
  readonly portalThread?: boolean;
  /**
   * Build the logon records (AnalyzeResult.logons; default true). Off, what
   * discovery told each initiator is not kept either: less time and memory
   * for a run that outputs only portals (IKE, ESP and iSCSI are still
   * followed: their findings, and the portals SendTargets lists, are the same).
   */
  readonly logons?: boolean;
  /**
   * The portal records as they are made, in contract order, a batch at a time, instead of in the
   * result (its `portals` is then empty): once every input is read (`inputs`: their reports), each
   * call awaited before the next. A large result is then never held whole, and with the portal
   * thread the first records are written while the last are made.
   */
  readonly onPortals?: (records: PortalRecord[], inputs: readonly InputReport[]) => Promise<void>;
}

export { PORTAL_THREAD_FROM_BYTES } from './isns/portals/prestart.js';

/** The default of AnalyzeOptions.portalThread ('dense', 'dense-large': when the capture turns out to be mostly iSNS). */
function portalThreadFor(files: readonly CaptureInput[]): boolean | 'dense' | 'dense-large' {
  const env = process.env.ISNS_DISSECTOR_THREAD;
  if (env === 'on' || env === 'off') return env === 'on';
  const bytes = knownSize(files);
  // (Of a known size, the input is large: the thread may start before the choice. Of an unknown
  // size it may be small, where a thread started for nothing would cost ~20 ms and ~9 MiB.)
  return bytes === null ? 'dense' : startsEarly(bytes) ? 'dense-large' : false;
}

export interface InputReport {
  file: string;
  format: string | null;
  packets: number;
  isnsPdus: number;
  bytes: number;
  error: string | null;
}

export interface AnalyzeResult {
  inputs: InputReport[];
  portals: PortalRecord[];
  /** Logon records (the `logons` command), in contract order. */
  logons?: LogonRecord[];
  /** Capture-level findings. */
  findings: Finding[];
  /** True when some input could not be read at all. */
  failed: boolean;
}

/**
 * Analyze captures in the order given, as one timeline: paths ("-" for stdin),
 * Buffers/Uint8Arrays, readable streams or async iterables of chunks, each
 * optionally named ({ name, data }); one input or an array of them.
 */
export async function analyze(input: CaptureInput | readonly CaptureInput[], opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const files: readonly CaptureInput[] = Array.isArray(input) ? input : [input as CaptureInput];
  const signal = opts.signal;
  signal?.throwIfAborted();
  const registry = opts.registry ?? createRegistry({ isnsPorts: opts.ports ?? [], iscsiPorts: opts.iscsiPorts ?? [] });
  const findings = new FindingCollector();
  let pipeline: Pipeline | null = null;
  const ctx: BindContext = {
    finding: (f) => findings.add(f),
    learnPort: (transport, host, port, app, peer) => pipeline!.addConversationPort(transport, host, port, app, peer ?? null),
    ignoreConversation: (cid) => pipeline!.ignoreConversation(cid),
  };
  // The logon story's inputs: one timeline (clock) for IKE, ESP and iSCSI events, and what discovery told each initiator.
  const clock = newClock();
  const ike = new IkeTracker(clock);
  const connections = new IscsiConnections(clock.tick);
  const discovery = opts.logons === false ? undefined : new DiscoveryStore();
  const isnsBinder = APPS.isns.bind(ctx, {
    defaultSecurityBitmap: opts.defaultSecurityBitmap ?? null,
    thread: opts.portalThread ?? portalThreadFor(files),
    packets: () => pipeline!.packets,
    ...(discovery ? { discovery } : {}),
    // Connections to a discovered portal's port are followed like 3260's.
    onFirstListed: (p) => ctx.learnPort('tcp', p.address, p.socket, iscsi),
    firstListedWanted: (socket, udp) => !udp && socket > 0 && socket !== ISCSI_PORT,
    ...(opts.limits?.maxMessageBytes !== undefined ? { maxMessageBytes: opts.limits.maxMessageBytes } : {}),
    ...(opts.onIsnsPdu ? { onIsnsPdu: opts.onIsnsPdu } : {}),
    ...(opts.onMessage ? { onMessage: opts.onMessage } : {}),
  });
  const iscsiBinder = APPS.iscsi.bind(ctx, {
    followAll: opts.followAll === true || opts.onIscsiPdu !== undefined,
    ...(opts.onIscsiPdu ? { onPdu: opts.onIscsiPdu } : {}),
    connections,
    // (The discovery fact goes with the portal: one ordered stream, wherever the records are built.)
    onSendTargets: (e, pdu) => isnsBinder.sendTargets({ ...e, initiator: pdu.dst.addr }, pdu),
  });
  const binders = new Map<AppProtocol, Binder>([
    [APPS.isns.protocol, isnsBinder as Binder],
    [APPS.iscsi.protocol, iscsiBinder as Binder],
    [APPS.isakmp.protocol, APPS.isakmp.bind(ctx, { tracker: ike }) as Binder],
    [APPS.udpencap.protocol, APPS.udpencap.bind(ctx, { tracker: ike }) as Binder],
  ]);
  let lastApp: AppProtocol | null = null;
  let lastBinder: Binder | undefined;
  pipeline = new Pipeline(
    registry,
    {
      pdu: (pdu, app) => {
        // A datagram an ICMP error quotes is for display, never live traffic.
        if (pdu.quoted) {
          if (opts.onPdu) opts.onPdu(pdu, app, app.dissectPdu(pduView(pdu), { tree: false, transport: pdu.transport, srcPort: pdu.src.port, dstPort: pdu.dst.port }));
          return;
        }
        // (The app of the PDU before, most often the same: one Map lookup saved per PDU.)
        if (app !== lastApp) {
          lastApp = app;
          lastBinder = binders.get(app);
        }
        const b = lastBinder;
        if (!b && !opts.onPdu) return opts.onOtherPdu?.(pdu, app);
        const r = app.dissectPdu(pduView(pdu), { tree: false, transport: pdu.transport, srcPort: pdu.src.port, dstPort: pdu.dst.port, connection: pdu.connection });
        opts.onPdu?.(pdu, app, r);
        if (b) b.pdu(pdu, r);
        else opts.onOtherPdu?.(pdu, app);
      },
      admit: (c) => binders.get(c.app)?.admit?.(c) ?? true,
      tcpControl: (c) => binders.get(c.app)?.tcpControl?.(c),
      esp: (e) => {
        opts.onEsp?.(e);
        ike.esp(e, false);
      },
      finding: (f) => findings.add(f),
      ...(opts.onPacketDone ? { packetDone: opts.onPacketDone } : {}),
    },
    { ...opts.limits, ...(opts.onPdu ? { quotes: true } : {}) },
  );
  // (A run that ends early still stops the portal thread, if one was started.)
  try {
    const inputs: InputReport[] = [];
    let failed = false;
    const unnamed = files.filter((f) => typeof f !== 'string' && !isNamed(f)).length;
    for (let k = 0; k < files.length; k++) {
      const file = files[k]!;
      const before = isnsBinder.pdus;
      const name = inputName(file, unnamed > 1 ? k + 1 : undefined);
      const s = await readCapture(file, pipeline, { ...opts.read, name, ...(signal ? { signal } : {}) });
      signal?.throwIfAborted();
      pipeline.endFile();
      if (s.error && s.packets === 0) failed = true;
      else if (s.error && s.format === null) failed = true;
      inputs.push({
        file: s.file,
        format: s.format === null ? null : s.gzip ? `${s.format}.gz` : s.format,
        packets: s.packets,
        isnsPdus: isnsBinder.pdus - before,
        bytes: s.bytes,
        error: s.error,
      });
      opts.onInputDone?.(s);
    }
    for (const b of binders.values()) b.finish();
    // (Streamed with logons on, the records are kept for them too.)
    const onPortals = opts.onPortals;
    const kept: PortalRecord[] = [];
    const res = await isnsBinder.portals(
      onPortals
        ? (batch) => {
            if (discovery) for (const r of batch) kept.push(r);
            return onPortals(batch, inputs);
          }
        : undefined,
    );
    for (const f of res.findings) findings.add(f);
    const logons = discovery ? buildLogons({ pairs: ike.pairs.values(), connections: connections.all, discovery, portals: onPortals ? kept : res.portals, defaultSecurityBitmap: opts.defaultSecurityBitmap ?? null }) : undefined;
    return { inputs, portals: res.portals, ...(logons ? { logons } : {}), findings: findings.finish(), failed };
  } finally {
    isnsBinder.close();
  }
}
