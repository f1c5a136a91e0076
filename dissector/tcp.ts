/** TCP header with options (RFC 9293). Reassembly lives in src/reassembly.ts. */
import type { ByteView } from './byteview.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from './protocol.js';
import type { FieldNode } from './field.js';
import { f, node, table, tooShort } from './layer.js';

export interface TcpInfo {
  readonly srcport: number;
  readonly dstport: number;
  readonly seq: number;
  readonly ack: number;
  /** Flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, ...). */
  readonly flags: number;
  readonly headerLength: number;
  readonly window: number;
}

const F = table([
  f('tcp.srcport', 'Source Port', 'uint16', 'dec'),
  f('tcp.dstport', 'Destination Port', 'uint16', 'dec'),
  f('tcp.seq_raw', 'Sequence Number (raw)', 'uint32', 'dec'),
  f('tcp.ack_raw', 'Acknowledgment number (raw)', 'uint32', 'dec'),
  f('tcp.hdr_len', 'Header Length', 'uint8', 'dec'),
  f('tcp.flags', 'Flags', 'uint16', 'hex', { bitmask: 0xfff }),
  f('tcp.window_size_value', 'Window', 'uint16', 'dec'),
  f('tcp.checksum', 'Checksum', 'uint16', 'hex'),
  f('tcp.options', 'Options', 'bytes'),
  f('tcp.len', 'TCP Segment Len', 'uint32', 'dec'),
]);

/** Walk the options (only for the tree): a bad option length is a problem, never a throw. */
function options(v: ByteView, hl: number, problems: LayerProblem[]): void {
  let o = 20;
  while (o < hl) {
    const kind = v.u8(o);
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    if (o + 1 >= hl) {
      problems.push({ kind: 'malformed', offset: v.abs(o), message: `TCP option ${kind} has no length byte` });
      return;
    }
    const len = v.u8(o + 1);
    if (len < 2 || o + len > hl) {
      problems.push({ kind: 'malformed', offset: v.abs(o + 1), message: `TCP option ${kind} has an invalid length ${len}` });
      return;
    }
    o += len;
  }
}

export const tcp: Protocol<TcpInfo | null> = {
  abbrev: 'tcp',
  name: 'Transmission Control Protocol',
  fields: Object.values(F),
  dissect(v: ByteView, ctx: DissectContext): LayerResult<TcpInfo | null> {
    if (!v.has(0, 20)) return { info: null, problems: [tooShort(v, 20, 'TCP')] };
    const hl = (v.u8(12) >> 4) * 4;
    if (hl < 20 || hl > v.length) {
      return { info: null, problems: [{ kind: 'malformed', offset: v.abs(12), message: `TCP: header length ${hl} (segment has ${v.length} bytes)` }] };
    }
    if (!v.has(0, hl)) return { info: null, problems: [tooShort(v, hl, 'TCP (options)')] };
    const info: TcpInfo = {
      srcport: v.u16(0),
      dstport: v.u16(2),
      seq: v.u32(4),
      ack: v.u32(8),
      flags: v.u8(13),
      headerLength: hl,
      window: v.u16(14),
    };
    let tree: FieldNode[] | undefined;
    let problems: LayerProblem[] | undefined;
    if (ctx.tree) {
      problems = [];
      options(v, hl, problems);
      tree = [
        node(F['tcp.srcport']!, info.srcport, v.abs(0), 2),
        node(F['tcp.dstport']!, info.dstport, v.abs(2), 2),
        node(F['tcp.seq_raw']!, info.seq, v.abs(4), 4),
        node(F['tcp.ack_raw']!, info.ack, v.abs(8), 4),
        node(F['tcp.hdr_len']!, hl, v.abs(12), 1),
        node(F['tcp.flags']!, v.u16(12) & 0xfff, v.abs(12), 2),
        node(F['tcp.window_size_value']!, info.window, v.abs(14), 2),
        node(F['tcp.checksum']!, v.u16(16), v.abs(16), 2),
      ];
      if (hl > 20) tree.push(node(F['tcp.options']!, v.bytes(20, hl - 20), v.abs(20), hl - 20));
      tree.push(node(F['tcp.len']!, v.length - hl, v.abs(hl), 0));
    }
    return { info, payload: v.sub(hl), ...(tree ? { tree } : {}), ...(problems && problems.length ? { problems } : {}) };
  },
};
