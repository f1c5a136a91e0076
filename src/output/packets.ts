/**
 * How `packets` shows one PDU: a text tree like `tshark -O isns`, a JSON
 * object (fields by abbreviation, the tree, the assembled message), and the
 * set of field names `-e` accepts.
 */
import { displayText, safeText, tsharkValue, walk, type FieldNode } from '../../dissector/core/field.js';
import { isns, type IsnsAttr } from '../../dissector/isns/index.js';
import type { FramedPdu } from '../flow/pdu.js';
import type { MessageEvent } from '../isns/assembler.js';
import { isoTime } from '../time.js';

/** Field names `-e` accepts: every isns.* field of the table, and frame.number. */
export function knownFields(full: boolean): Set<string> {
  const s = new Set<string>(['frame.number']);
  for (const f of isns.fields) if (full || f.abbrev.startsWith('isns.')) s.add(f.abbrev);
  return s;
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

export function textPdu(pdu: FramedPdu, tree: FieldNode[]): string {
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
