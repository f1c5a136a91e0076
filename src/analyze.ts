/**
 * The library's streaming entry points, the same the CLI uses: read captures
 * in order as one timeline, dissect every iSNS PDU, assemble messages, and
 * build portal records and findings.
 */
import { ByteView } from '../dissector/core/byteview.js';
import type { AppProtocol } from '../dissector/core/protocol.js';
import { createRegistry } from '../dissector/registry.js';
import type { Registry } from '../dissector/core/table.js';
import { isns, type IsnsPduResult } from '../dissector/isns/index.js';
import { readCapture, type ReadOptions } from './capture/read.js';
import { MessageAssembler, type MessageEvent } from './isns/assembler.js';
import { Pipeline, type PipelineLimits } from './flow/pipeline.js';
import { PortalBuilder, type PortalRecord } from './isns/portals/builder.js';
import type { Finding } from './findings/registry.js';
import type { FramedPdu } from './flow/pdu.js';
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
  /** PDUs of other application protocols registered in the registry (plugins). */
  readonly onOtherPdu?: (pdu: FramedPdu, app: AppProtocol) => void;
  /** After each packet is processed. */
  readonly onPacketDone?: (p: Packet) => void;
  /** After each input is read (its summary). */
  readonly onInputDone?: (s: InputSummary) => void;
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
  /** Capture-level findings. */
  findings: Finding[];
  /** True when some input could not be read at all. */
  failed: boolean;
}

/** Analyze captures (paths, or "-" for stdin) in the order given, as one timeline. */
export async function analyze(files: readonly string[], opts: AnalyzeOptions = {}): Promise<AnalyzeResult> {
  const registry = opts.registry ?? createRegistry({ isnsPorts: opts.ports ?? [] });
  const findings: Finding[] = [];
  const builder = new PortalBuilder({ defaultSecurityBitmap: opts.defaultSecurityBitmap ?? null });
  const assembler = new MessageAssembler(
    {
      message: (m) => {
        builder.message(m);
        opts.onMessage?.(m);
        learnPorts(m);
      },
      finding: (f) => findings.push(f),
    },
    opts.limits?.maxMessageBytes !== undefined ? { maxMessageBytes: opts.limits.maxMessageBytes } : undefined,
  );
  let isnsPdus = 0;
  const pipeline = new Pipeline(
    registry,
    {
      pdu: (pdu, app) => {
        if (app === isns) {
          isnsPdus++;
          const r = isns.dissectPdu(ByteView.of(pdu.bytes), {
            tree: false,
            transport: pdu.transport,
            srcPort: pdu.src.port,
            dstPort: pdu.dst.port,
          });
          opts.onIsnsPdu?.(pdu, r);
          assembler.pdu(pdu, r);
        } else opts.onOtherPdu?.(pdu, app);
      },
      finding: (f) => findings.push(f),
      ...(opts.onPacketDone ? { packetDone: opts.onPacketDone } : {}),
    },
    opts.limits ?? {},
  );

  /** ESI/SCN ports announced in registrations: dissect their traffic too (as Wireshark does). */
  function learnPorts(ev: MessageEvent): void {
    const m = ev.message;
    const host = m.isResponse ? ev.first.dst.addr : ev.first.src.addr;
    for (const a of m.attrs) {
      if ((a.tag === 20 || a.tag === 23) && a.value.kind === 'port' && a.value.port > 0) {
        pipeline.addConversationPort(a.value.udp ? 'udp' : 'tcp', host, a.value.port, isns);
      }
    }
  }

  const inputs: InputReport[] = [];
  let failed = false;
  for (const file of files) {
    const before = isnsPdus;
    const s = await readCapture(file, pipeline, opts.read);
    pipeline.endFile();
    if (s.error && s.packets === 0) failed = true;
    else if (s.error && s.format === null) failed = true;
    inputs.push({
      file: s.file,
      format: s.format === null ? null : s.gzip ? `${s.format}.gz` : s.format,
      packets: s.packets,
      isnsPdus: isnsPdus - before,
      bytes: s.bytes,
      error: s.error,
    });
    opts.onInputDone?.(s);
  }
  assembler.finish();
  const res = builder.finish();
  return { inputs, portals: res.portals, findings: [...findings, ...res.findings], failed };
}
