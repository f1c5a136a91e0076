/**
 * `packets`: per-PDU iSNS dissection — a text tree like `tshark -O isns`,
 * JSON, or tshark-compatible `-e` field lines (one line per frame carrying
 * iSNS, values tab-separated, repeated values joined by ",").
 */
import { displayText, safeText, tsharkColumn, tsharkValue, walk, type FieldNode } from '../../dissector/core/field.js';
import { isns, isnsTree, type IsnsAttr } from '../../dissector/isns/index.js';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { isoTime } from '../isns/portals/builder.js';
import { reportInputErrors, write } from './main.js';
import type { FramedPdu } from '../flow/pdu.js';
import type { MessageEvent } from '../isns/assembler.js';

export const PACKET_FIELDS_ERROR = 'PacketFieldsError';

export interface PacketsOptions {
  format: 'text' | 'json';
  fields: string[];
  full: boolean;
  ports: number[];
  read?: AnalyzeOptions['read'];
}

/** Field names `-e` accepts: every isns.* field of the table, and frame.number. */
export function knownFields(full: boolean): Set<string> {
  const s = new Set<string>(['frame.number']);
  for (const f of isns.fields) if (full || f.abbrev.startsWith('isns.')) s.add(f.abbrev);
  return s;
}

interface Line {
  file: string;
  frame: number;
  trees: FieldNode[][];
}

function attrJson(a: IsnsAttr): unknown {
  const v = a.value;
  let value: unknown;
  switch (v.kind) {
    case 'empty':
      value = null;
      break;
    case 'string':
      value = v.text;
      break;
    case 'uint':
      value = v.value;
      break;
    case 'uint64':
      value = '0x' + v.value.toString(16).padStart(16, '0');
      break;
    case 'address':
      value = v.ipv4 ?? v.text;
      break;
    case 'port':
      value = { port: v.port, transport: v.udp ? 'udp' : 'tcp' };
      break;
    case 'bitmap':
      value = { value: v.value, names: v.names };
      break;
    case 'bytes':
      value = v.hex;
      break;
  }
  const o: Record<string, unknown> = { tag: a.tag, name: a.name, abbrev: a.abbrev, role: a.role, object: a.object, length: a.length, value };
  if (a.problem) o.problem = a.problem;
  return o;
}

function nodeJson(n: FieldNode): unknown {
  const o: Record<string, unknown> = { field: n.def.abbrev, value: tsharkValue(n), show: displayText(n) };
  if (n.children?.length) o.children = n.children.map(nodeJson);
  return o;
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
        const obj: Record<string, unknown> = {
          file: pdu.file,
          frame: pdu.frame,
          frames: pdu.frames,
          time: isoTime(pdu.ts),
          conversation: pdu.conversation,
          stream: pdu.streamIndex,
          transport: pdu.transport,
          src: `${pdu.src.addr}:${pdu.src.port}`,
          dst: `${pdu.dst.addr}:${pdu.dst.port}`,
          fields: Object.fromEntries(groupFields(tree)),
          tree: tree.map(nodeJson),
        };
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
      j.obj.message = {
        function: m.message.name,
        functionId: m.message.functionId,
        xid: m.message.xid,
        status: m.message.status,
        pdus: m.pdus.length,
        frames: [...new Set(m.pdus.flatMap((p) => p.frames))],
        request: m.request ? { frame: m.request.last.frame, function: m.request.message.name } : null,
        attributes: m.message.attrs.map(attrJson),
        problems: m.message.problems,
      };
    },
    onPacketDone: () => {
      if (jsonPdus.length) {
        for (const j of jsonPdus) buf += JSON.stringify(j.obj) + '\n';
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
  for (const j of jsonPdus) buf += JSON.stringify(j.obj) + '\n';
  reportInputErrors(r);
  await write(buf);
  return r.failed ? 1 : 0;
}

function groupFields(tree: FieldNode[]): Map<string, string | string[]> {
  const m = new Map<string, string | string[]>();
  for (const n of walk(tree)) {
    const v = tsharkValue(n);
    const cur = m.get(n.def.abbrev);
    if (cur === undefined) m.set(n.def.abbrev, v);
    else if (Array.isArray(cur)) cur.push(v);
    else m.set(n.def.abbrev, [cur, v]);
  }
  return m;
}

function textPdu(pdu: FramedPdu, tree: FieldNode[]): string {
  let s = `Frame ${pdu.frame}${pdu.frames.length > 1 ? ` (reassembled from frames ${pdu.frames.join(', ')})` : ''}: ${safeText(pdu.file)} ${isoTime(pdu.ts)}\n`;
  s += `${pdu.transport.toUpperCase()} ${pdu.src.addr}:${pdu.src.port} → ${pdu.dst.addr}:${pdu.dst.port}\n`;
  s += 'Internet Storage Name Service\n';
  const rec = (nodes: FieldNode[], depth: number): void => {
    for (const n of nodes) {
      s += '    '.repeat(depth) + displayText(n) + '\n';
      if (n.children) rec(n.children, depth + 1);
    }
  };
  rec(tree, 1);
  return s + '\n';
}
