/**
 * `packets`: per-PDU iSNS dissection — a text tree like `tshark -O isns`,
 * JSON, or tshark-compatible `-e` field lines (one line per frame carrying
 * iSNS, values tab-separated, repeated values joined by ",").
 */
import { tsharkColumn, type FieldNode } from '../../dissector/core/field.js';
import { isnsTree } from '../../dissector/isns/index.js';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import type { FramedPdu } from '../flow/pdu.js';
import type { MessageEvent } from '../isns/assembler.js';
import { safeJson } from '../output/json.js';
import { knownFields, messageJson, pduJson, textPdu } from '../output/packets.js';
import { parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors, write } from './io.js';
import { USAGE } from './usage.js';

export const PACKET_FIELDS_ERROR = 'PacketFieldsError';

export interface PacketsOptions {
  format: 'text' | 'json';
  fields: string[];
  full: boolean;
  ports: number[];
  read?: AnalyzeOptions['read'];
}

interface Line {
  file: string;
  frame: number;
  trees: FieldNode[][];
}

export async function cmdPackets(rest: string[]): Promise<number> {
    const { values, positionals } = parse(rest, { e: { type: 'string', short: 'e', multiple: true }, full: { type: 'boolean' } });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length === 0) fail('packets: no capture file given');
    const format = (values.format as string | undefined) ?? 'text';
    if (!['text', 'json'].includes(format)) fail(`--format: unknown format "${format}" (text, json)`);
    const progress = progressReporter(values.progress !== false);
    try {
      return await runPackets(positionals, {
        format: format as 'text' | 'json',
        fields: (values.e as string[] | undefined) ?? [],
        full: !!values.full,
        ports: ports(values.port),
        read: progress,
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
        const e = new Error(`-e: unknown field "${f}" (isns.* fields and frame.number)`);
        e.name = PACKET_FIELDS_ERROR;
        throw e;
      }
    }
  }
  let buf = '';
  let pending: Line | null = null;
  const flushLine = (): void => {
    if (!pending) return;
    const l = pending;
    pending = null;
    const cols = o.fields.map((f) => {
      if (f === 'frame.number') return String(l.frame);
      return tsharkColumn(l.trees, f);
    });
    buf += cols.join('\t') + '\n';
  };
  const jsonPdus: { pdu: FramedPdu; obj: Record<string, unknown> }[] = [];
  let lastJson: { pdu: FramedPdu; obj: Record<string, unknown> } | null = null;

  const r = await analyze(files, {
    ports: o.ports,
    ...(o.read ? { read: o.read } : {}),
    onIsnsPdu: (pdu) => {
      const tree = isnsTree(pdu.bytes, { transport: pdu.transport, full: o.full });
      if (fieldMode) {
        if (pending && (pending.frame !== pdu.frame || pending.file !== pdu.file)) flushLine();
        if (!pending) pending = { file: pdu.file, frame: pdu.frame, trees: [] };
        pending.trees.push(tree);
        return;
      }
      if (o.format === 'json') {
        const obj = pduJson(pdu, tree);
        lastJson = { pdu, obj };
        jsonPdus.push(lastJson);
        return;
      }
      buf += textPdu(pdu, tree);
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
        process.stdout.write(buf);
        buf = '';
      }
    },
  });
  void lastJson;
  flushLine();
  for (const j of jsonPdus) buf += safeJson(j.obj) + '\n';
  reportInputErrors(r);
  await write(buf);
  return r.failed ? 1 : 0;
}
