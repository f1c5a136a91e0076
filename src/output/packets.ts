/**
 * How `packets` shows one PDU: a text tree like `tshark -O isns`, a JSON
 * object (fields by abbreviation, the tree, the assembled message), and the
 * set of field names `-e` accepts.
 */
import { displayText, safeText, tsharkValue, walk, type FieldDef, type FieldNode } from '../../dissector/core/field.js';
import { esp, isakmp, udpencap } from '../../dissector/isakmp/index.js';
import { iscsi } from '../../dissector/iscsi/iscsi.js';
import { isns, type IsnsAttr } from '../../dissector/isns/index.js';
import type { FramedPdu } from '../flow/pdu.js';
import type { MessageEvent } from '../isns/assembler.js';
import { isoTime } from '../time.js';

/** The protocols `packets` shows, with the prefixes of their field names (Wireshark's, then ours). */
export const SHOWN_PROTOCOLS: readonly { readonly abbrev: string; readonly fields: readonly FieldDef[]; readonly extra: string | null }[] = [
  { abbrev: 'isns', fields: isns.fields, extra: 'isnsx' },
  { abbrev: 'iscsi', fields: iscsi.fields, extra: 'iscsix' },
  { abbrev: 'isakmp', fields: isakmp.fields, extra: null },
  { abbrev: 'udpencap', fields: udpencap.fields, extra: null },
  { abbrev: 'esp', fields: esp.fields, extra: null },
];

/** Field names `-e` accepts: every field of the shown protocols (ours only with --full), and frame.number. */
export function knownFields(full: boolean): Set<string> {
  const s = new Set<string>(['frame.number']);
  for (const p of SHOWN_PROTOCOLS) for (const f of p.fields) if (full || !p.extra || !f.abbrev.startsWith(`${p.extra}.`)) s.add(f.abbrev);
  return s;
}

/** The protocol a field belongs to ("isns" for isnsx.*), by its name. */
export function protocolOf(field: string): string | null {
  for (const p of SHOWN_PROTOCOLS) if (field === p.abbrev || field.startsWith(`${p.abbrev}.`) || (p.extra && field.startsWith(`${p.extra}.`))) return p.abbrev;
  return null;
}

/** Whether a tree holds a node of one of these protocols. */
export function treeShows(tree: readonly FieldNode[], protocols: ReadonlySet<string>): boolean {
  for (const n of walk(tree)) {
    const a = n.def.abbrev;
    const dot = a.indexOf('.');
    const p = dot < 0 ? a : a.slice(0, dot);
    if (protocols.has(p) || protocols.has(p.replace(/x$/, ''))) return true;
  }
  return false;
}

export function attrJson(a: IsnsAttr): unknown {
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

export function nodeJson(n: FieldNode): unknown {
  const o: Record<string, unknown> = { field: n.def.abbrev, value: tsharkValue(n), show: displayText(n) };
  if (n.children?.length) o.children = n.children.map(nodeJson);
  return o;
}

export function groupFields(tree: FieldNode[]): Map<string, string | string[]> {
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

export function textPdu(pdu: FramedPdu, tree: FieldNode[], title = 'Internet Storage Name Service'): string {
  let s = `Frame ${pdu.frame}${pdu.frames.length > 1 ? ` (reassembled from frames ${pdu.frames.join(', ')})` : ''}: ${safeText(pdu.file)} ${isoTime(pdu.ts)}\n`;
  s += `${pdu.transport.toUpperCase()} ${pdu.src.addr}:${pdu.src.port} → ${pdu.dst.addr}:${pdu.dst.port}\n`;
  s += `${title}\n`;
  const rec = (nodes: FieldNode[], depth: number): void => {
    for (const n of nodes) {
      s += '    '.repeat(depth) + displayText(n) + '\n';
      if (n.children) rec(n.children, depth + 1);
    }
  };
  rec(tree, 1);
  return s + '\n';
}

/** A PDU as one JSON object (the message is added when it is assembled). */
export function pduJson(pdu: FramedPdu, tree: FieldNode[]): Record<string, unknown> {
  return {
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
}

/** The assembled message a PDU completed, for its JSON object. */
export function messageJson(m: MessageEvent): Record<string, unknown> {
  return {
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
}
