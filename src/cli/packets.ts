/**
 * `packets`: per-PDU iSNS dissection — a text tree like `tshark -O isns`,
 * JSON, or tshark-compatible `-e` field lines (one line per frame carrying
 * iSNS, values tab-separated, repeated values joined by ",").
 */
import { ByteView } from '../../dissector/core/byteview.js';
import { tsharkColumn, type FieldNode } from '../../dissector/core/field.js';
import { dissectEsp, EspSequenceAnalysis, udpencap, type EspInfo, type UdpEncapResult } from '../../dissector/isakmp/index.js';
import { isns, isnsTree } from '../../dissector/isns/index.js';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { pduView, type FramedPdu } from '../flow/pdu.js';
import type { EspPacket } from '../flow/pipeline.js';
import type { MessageEvent } from '../isns/assembler.js';
import { safeJson } from '../output/json.js';
import { knownFields, messageJson, pduJson, protocolOf, textPdu, treeShows } from '../output/packets.js';
import { parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors, write } from './io.js';
import { outputOptions } from './options.js';
import { syncFile } from './sink.js';
import { USAGE } from './usage.js';

export const PACKET_FIELDS_ERROR = 'PacketFieldsError';

const PROTOCOLS = ['isns', 'iscsi', 'isakmp', 'udpencap', 'esp'];

function protocolsOpt(v: unknown): string[] | undefined {
  const list = (v as string[] | undefined) ?? [];
  for (const p of list) if (!PROTOCOLS.includes(p)) fail(`--protocol: unknown protocol "${p}" (${PROTOCOLS.join(', ')})`);
  return list.length ? list : undefined;
}

export interface PacketsOptions {
  format: 'text' | 'json';
  fields: string[];
  full: boolean;
  ports: number[];
  iscsiPorts?: number[];
  /** Text/JSON: the protocols whose PDUs are shown (isns, iscsi, isakmp, udpencap, esp; default isns). */
  protocols?: string[];
  read?: AnalyzeOptions['read'];
  /** -o FILE: the output there instead of stdout. */
  output?: string;
}

interface Line {
  file: string;
  frame: number;
  trees: FieldNode[][];
}

export async function cmdPackets(rest: string[]): Promise<number> {
    const { values, positionals } = parse(rest, { e: { type: 'string', short: 'e', multiple: true }, full: { type: 'boolean' }, 'iscsi-port': { type: 'string', multiple: true }, protocol: { type: 'string', multiple: true } });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length === 0) fail('packets: no capture file given');
    const format = (values.format as string | undefined) ?? 'text';
    if (!['text', 'json'].includes(format)) fail(`--format: unknown format "${format}" (text, json)`);
    const out = outputOptions(values);
    const progress = progressReporter(out.progress);
    try {
      return await runPackets(positionals, {
        format: format as 'text' | 'json',
        fields: (values.e as string[] | undefined) ?? [],
        full: !!values.full,
        ports: ports(values.port),
        iscsiPorts: ports(values['iscsi-port'], '--iscsi-port'),
        protocols: protocolsOpt(values.protocol),
        read: progress,
        ...(out.output !== undefined ? { output: out.output } : {}),
      });
    } catch (e) {
      if (e instanceof Error && e.name === PACKET_FIELDS_ERROR) fail(e.message);
      throw e;
    } finally {
      progress.done();
    }
}

export async function runPackets(files: string[], o: PacketsOptions): Promise<number> {
  const fieldMode = o.fields.length > 0;
  if (fieldMode) {
    const known = knownFields(o.full);
    for (const f of o.fields) {
      if (!known.has(f)) {
        const e = new Error(`-e: unknown field "${f}" (isns.*, iscsi.*, isakmp.*, esp.*, udpencap.* fields and frame.number)`);
        e.name = PACKET_FIELDS_ERROR;
        throw e;
      }
    }
  }
  // The protocols shown: with -e those of the fields asked (frame.number alone: iSNS); else --protocol (default iSNS).
  const wanted = new Set(fieldMode ? o.fields.map(protocolOf).filter((p): p is string => p !== null) : (o.protocols ?? ['isns']));
  if (wanted.size === 0) wanted.add('isns');
  let buf = '';
  const file = o.output !== undefined ? syncFile(o.output) : null;
  let pending: Line | null = null;
  const flushLine = (): void => {
    if (!pending) return;
    const l = pending;
    pending = null;
    if (!l.trees.some((t) => treeShows(t, wanted))) return;
    const cols = o.fields.map((f) => (f === 'frame.number' ? String(l.frame) : tsharkColumn(l.trees, f)));
    buf += cols.join('\t') + '\n';
  };
  const jsonPdus: { pdu: FramedPdu; obj: Record<string, unknown> }[] = [];
  /** One PDU's tree, in the frame's order: a line (-e), a JSON object or a text tree. */
  const shown = (pdu: FramedPdu, tree: FieldNode[], title: string): void => {
    if (!fieldMode && !treeShows(tree, wanted)) return;
    if (fieldMode) {
      if (pending && (pending.frame !== pdu.frame || pending.file !== pdu.file)) flushLine();
      if (!pending) pending = { file: pdu.file, frame: pdu.frame, trees: [] };
      pending.trees.push(tree);
    } else if (o.format === 'json') jsonPdus.push({ pdu, obj: pduJson(pdu, tree) });
    else buf += textPdu(pdu, tree, title);
  };
  // tshark's ESP sequence analysis: per SPI, across IP and UDP, in capture order.
  const espSeq = new EspSequenceAnalysis();
  const withSeq = (tree: FieldNode[], frame: number, info: EspInfo | null): FieldNode[] => {
    const extra = espSeq.observe(frame, info);
    if (extra.length) tree.find((n) => n.def.abbrev === 'esp')?.children?.push(...extra);
    return tree;
  };

  const r = await analyze(files, {
    ports: o.ports,
    iscsiPorts: o.iscsiPorts ?? [],
    followAll: true,
    ...(o.read ? { read: o.read } : {}),
    onIsnsPdu: (pdu) => shown(pdu, isnsTree(pdu.bytes, { transport: pdu.transport, full: o.full }), 'Internet Storage Name Service'),
    onPdu: (pdu, app, result) => {
      if ((app === isns && !pdu.quoted) || !app.tree) return;
      const tree = app === isns ? isnsTree(pdu.bytes, { transport: pdu.transport, full: o.full }) : app.tree(pduView(pdu), { transport: pdu.transport, srcPort: pdu.src.port, dstPort: pdu.dst.port, full: o.full, connection: pdu.connection, frame: pdu.frame, time: pdu.ts });
      if (tree.length === 0) return;
      if (app === udpencap) withSeq(tree, pdu.frame, (result as UdpEncapResult).esp);
      shown(pdu, tree, app.name);
    },
    onEsp: (e: EspPacket) => {
      const d = dissectEsp(ByteView.of(e.bytes));
      if (d.tree.length === 0) return;
      const pdu: FramedPdu = { file: e.file, transport: 'udp', src: { addr: e.src, port: 0 }, dst: { addr: e.dst, port: 0 }, conversation: `esp ${e.src} ${e.dst}`, streamIndex: 0, bytes: e.bytes, frames: [e.frame], frame: e.frame, ts: e.ts };
      shown(pdu, withSeq(d.tree, e.frame, d.info), 'Encapsulating Security Payload');
    },
    onMessage: (m: MessageEvent) => {
      if (o.format !== 'json' || fieldMode) return;
      const j = jsonPdus.find((x) => x.pdu === m.last);
      if (!j) return;
      j.obj.message = messageJson(m);
    },
    onPacketDone: () => {
      if (jsonPdus.length) {
        for (const j of jsonPdus) buf += safeJson(j.obj) + '\n';
        jsonPdus.length = 0;
      }
      if (buf.length > 1 << 16) {
        file ? file.write(buf) : process.stdout.write(buf);
        buf = '';
      }
    },
  });
  flushLine();
  for (const j of jsonPdus) buf += safeJson(j.obj) + '\n';
  reportInputErrors(r);
  if (file) {
    file.write(buf);
    file.close();
  } else await write(buf);
  return r.failed ? 1 : 0;
}
