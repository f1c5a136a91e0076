/**
 * TCP (RFC 9293) segment header:
 *   0 source port | 2 destination port | 4 sequence number | 8 acknowledgment number |
 *   12 data offset(4) reserved(3) flags(9: AE CWR ECE URG ACK PSH RST SYN FIN) |
 *   14 window | 16 checksum | 18 urgent pointer | 20 options (data offset*4 - 20 bytes)
 * The payload is what follows the header within the IP payload. Options are
 * decoded only for the tree (MSS, window scale, SACK permitted, SACK,
 * timestamps, NOP, EOL; others are listed by kind). No `next`: the pipeline
 * looks the ports up in the tcp.port table itself.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from '../core/protocol.js';
import { node, viewProblem } from '../link/eth.js';

export interface TcpInfo {
  readonly srcport: number;
  readonly dstport: number;
  /** Raw 32-bit sequence number. */
  readonly seq: number;
  /** Raw 32-bit acknowledgment number. */
  readonly ack: number;
  /** The 12 flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80, AE 0x100). */
  readonly flags: number;
  /** Header length in bytes (data offset * 4). */
  readonly headerLength: number;
  readonly window: number;
}

const OPT_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'End of Option List (EOL)'],
  [1, 'No-Operation (NOP)'],
  [2, 'Maximum segment size'],
  [3, 'Window scale'],
  [4, 'SACK permitted'],
  [5, 'SACK'],
  [8, 'Timestamps'],
  [19, 'TCP MD5 signature'],
  [28, 'User Timeout'],
  [29, 'TCP AO'],
  [30, 'Multipath TCP'],
  [34, 'TCP Fast Open'],
]);

const bit = (abbrev: string, name: string, mask: number): FieldDef => ({ abbrev, name, type: 'boolean', bitmask: mask, bitWidth: 12, tf: ['Set', 'Not set'] });

const F = {
  tcp: { abbrev: 'tcp', name: 'Transmission Control Protocol', type: 'protocol' },
  srcport: { abbrev: 'tcp.srcport', name: 'Source Port', type: 'uint16', base: 'dec' },
  dstport: { abbrev: 'tcp.dstport', name: 'Destination Port', type: 'uint16', base: 'dec' },
  len: { abbrev: 'tcp.len', name: 'TCP Segment Len', type: 'uint32', base: 'dec' },
  seqRaw: { abbrev: 'tcp.seq_raw', name: 'Sequence Number (raw)', type: 'uint32', base: 'dec' },
  ackRaw: { abbrev: 'tcp.ack_raw', name: 'Acknowledgment number (raw)', type: 'uint32', base: 'dec' },
  hdrLen: { abbrev: 'tcp.hdr_len', name: 'Header Length', type: 'uint8', base: 'dec' },
  flags: { abbrev: 'tcp.flags', name: 'Flags', type: 'uint16', base: 'hex', bitmask: 0x0fff },
  res: { abbrev: 'tcp.flags.res', name: 'Reserved', type: 'boolean', bitmask: 0xe00, bitWidth: 12, tf: ['Set', 'Not set'] },
  ae: bit('tcp.flags.ae', 'Accurate ECN', 0x100),
  cwr: bit('tcp.flags.cwr', 'Congestion Window Reduced', 0x080),
  ece: bit('tcp.flags.ece', 'ECN-Echo', 0x040),
  urg: bit('tcp.flags.urg', 'Urgent', 0x020),
  ackf: bit('tcp.flags.ack', 'Acknowledgment', 0x010),
  push: bit('tcp.flags.push', 'Push', 0x008),
  reset: bit('tcp.flags.reset', 'Reset', 0x004),
  syn: bit('tcp.flags.syn', 'Syn', 0x002),
  fin: bit('tcp.flags.fin', 'Fin', 0x001),
  window: { abbrev: 'tcp.window_size_value', name: 'Window', type: 'uint16', base: 'dec' },
  checksum: { abbrev: 'tcp.checksum', name: 'Checksum', type: 'uint16', base: 'hex', description: 'not verified' },
  urgent: { abbrev: 'tcp.urgent_pointer', name: 'Urgent Pointer', type: 'uint16', base: 'dec' },
  options: { abbrev: 'tcp.options', name: 'TCP Options', type: 'bytes' },
  optKind: { abbrev: 'tcp.option_kind', name: 'Kind', type: 'uint8', base: 'dec', strings: OPT_NAMES },
  optLen: { abbrev: 'tcp.option_len', name: 'Length', type: 'uint8', base: 'dec' },
  optEol: { abbrev: 'tcp.options.eol', name: 'TCP Option - End of Option List (EOL)', type: 'protocol' },
  optNop: { abbrev: 'tcp.options.nop', name: 'TCP Option - No-Operation (NOP)', type: 'protocol' },
  optMss: { abbrev: 'tcp.options.mss', name: 'TCP Option - Maximum segment size', type: 'protocol' },
  mssVal: { abbrev: 'tcp.options.mss_val', name: 'MSS Value', type: 'uint16', base: 'dec' },
  optWs: { abbrev: 'tcp.options.wscale', name: 'TCP Option - Window scale', type: 'protocol' },
  wsShift: { abbrev: 'tcp.options.wscale.shift', name: 'Shift count', type: 'uint8', base: 'dec' },
  wsMult: { abbrev: 'tcp.options.wscale.multiplier', name: 'Multiplier', type: 'uint16', base: 'dec' },
  optSackPerm: { abbrev: 'tcp.options.sack_perm', name: 'TCP Option - SACK permitted', type: 'protocol' },
  optSack: { abbrev: 'tcp.options.sack', name: 'TCP Option - SACK', type: 'protocol' },
  sackLe: { abbrev: 'tcp.options.sack_le', name: 'TCP SACK Left Edge', type: 'uint32', base: 'dec', description: 'raw (tshark shows it relative unless relative sequence numbers are off)' },
  sackRe: { abbrev: 'tcp.options.sack_re', name: 'TCP SACK Right Edge', type: 'uint32', base: 'dec', description: 'raw (tshark shows it relative unless relative sequence numbers are off)' },
  sackCount: { abbrev: 'tcp.options.sack.count', name: 'TCP SACK Count', type: 'uint8', base: 'dec' },
  optTs: { abbrev: 'tcp.options.timestamp', name: 'TCP Option - Timestamps', type: 'protocol' },
  tsval: { abbrev: 'tcp.options.timestamp.tsval', name: 'Timestamp value', type: 'uint32', base: 'dec' },
  tsecr: { abbrev: 'tcp.options.timestamp.tsecr', name: 'Timestamp echo reply', type: 'uint32', base: 'dec' },
  optUnknown: { abbrev: 'tcp.options.unknown', name: 'TCP Option - Unknown', type: 'protocol' },
  unknownPayload: { abbrev: 'tcp.options.unknown.payload', name: 'Payload', type: 'bytes' },
} as const satisfies Record<string, FieldDef>;

/** TCP header offsets: the dissector's and the pipeline's fixed-offset fast path's one definition. */
export const TCP = { SPORT: 0, DPORT: 2, SEQ: 4, ACK: 8, OFF: 12, WIN: 14, CSUM: 16, URG: 18, MIN_HEADER: 20 } as const;
const O_SPORT = TCP.SPORT;
const O_DPORT = TCP.DPORT;
const O_SEQ = TCP.SEQ;
const O_ACK = TCP.ACK;
const O_OFF = TCP.OFF;
const O_WIN = TCP.WIN;
const O_CSUM = TCP.CSUM;
const O_URG = TCP.URG;
const MIN_HDR = TCP.MIN_HEADER;

function dissectTcp(view: ByteView, ctx: DissectContext): LayerResult<TcpInfo | null> {
  let tree: FieldNode[] | undefined;
  let problems: LayerProblem[] | undefined;
  let info: TcpInfo | null = null;
  try {
    view.check(0, MIN_HDR, 'TCP header');
    const srcport = view.u16(O_SPORT);
    const dstport = view.u16(O_DPORT);
    const seq = view.u32(O_SEQ);
    const ack = view.u32(O_ACK);
    const offFlags = view.u16(O_OFF);
    const headerLength = (offFlags >>> 12) * 4;
    const flags = offFlags & 0x0fff;
    const window = view.u16(O_WIN);
    info = { srcport, dstport, seq, ack, flags, headerLength, window };
    if (ctx.tree) tree = tcpTree(view, info);

    if (headerLength < MIN_HDR) {
      return { info, tree, problems: [{ kind: 'malformed', offset: view.abs(O_OFF), message: `TCP: bogus header length ${headerLength} (< 20)` }] };
    }
    if (headerLength > view.length) {
      return {
        info,
        tree,
        problems: [{ kind: 'malformed', offset: view.abs(O_OFF), message: `TCP: header length ${headerLength} runs past the segment (${view.length} bytes)` }],
      };
    }
    const payload = view.sub(headerLength);
    if (tree) {
      tree[0]!.children!.splice(2, 0, node(F.len, payload.length, view.abs(0), 0, undefined, `[TCP Segment Len: ${payload.length}]`));
      if (headerLength > MIN_HDR) {
        if (view.has(MIN_HDR, headerLength - MIN_HDR)) problems = tcpOptions(view, headerLength, tree[0]!.children as FieldNode[]);
        else problems = [viewProblem(checkError(view, headerLength), view.abs(MIN_HDR))];
      }
    }
    return { info, payload, tree, problems };
  } catch (e) {
    (problems ??= []).push(viewProblem(e, view.abs(0)));
    return { info, tree, problems };
  }
}

function checkError(view: ByteView, headerLength: number): unknown {
  try {
    view.check(MIN_HDR, headerLength - MIN_HDR, 'TCP options');
    return new Error('TCP options unreadable');
  } catch (e) {
    return e;
  }
}

function tcpTree(view: ByteView, t: TcpInfo): FieldNode[] {
  const s = view.abs(0);
  const f = t.flags;
  const b = (d: FieldDef): FieldNode => node(d, (f & d.bitmask!) !== 0, s + O_OFF, 2);
  const children: FieldNode[] = [
    node(F.srcport, t.srcport, s + O_SPORT, 2),
    node(F.dstport, t.dstport, s + O_DPORT, 2),
    node(F.seqRaw, t.seq, s + O_SEQ, 4),
    node(F.ackRaw, t.ack, s + O_ACK, 4),
    node(F.hdrLen, t.headerLength, s + O_OFF, 1, undefined, `Header Length: ${t.headerLength} bytes (${t.headerLength >>> 2})`),
    node(F.flags, f, s + O_OFF, 2, [b(F.res), b(F.ae), b(F.cwr), b(F.ece), b(F.urg), b(F.ackf), b(F.push), b(F.reset), b(F.syn), b(F.fin)]),
    node(F.window, t.window, s + O_WIN, 2),
    node(F.checksum, view.u16(O_CSUM), s + O_CSUM, 2),
    node(F.urgent, view.u16(O_URG), s + O_URG, 2),
  ];
  return [
    node(F.tcp, null, s, Math.max(MIN_HDR, Math.min(t.headerLength, view.length)), children, `Transmission Control Protocol, Src Port: ${t.srcport}, Dst Port: ${t.dstport}`),
  ];
}

/** Expected total length of the fixed-size options. */
const FIXED_LEN: Readonly<Record<number, number>> = { 2: 4, 3: 3, 4: 2, 8: 10 };

/** Options walk (tree only). A bad length is a problem and ends the walk; it never throws out. */
function tcpOptions(view: ByteView, hl: number, out: FieldNode[]): LayerProblem[] | undefined {
  const items: FieldNode[] = [];
  const optsNode = node(F.options, view.bytes(MIN_HDR, hl - MIN_HDR), view.abs(MIN_HDR), hl - MIN_HDR, items);
  out.push(optsNode);
  let o = MIN_HDR;
  while (o < hl) {
    const kind = view.u8(o);
    const at = view.abs(o);
    if (kind === 0 || kind === 1) {
      items.push(node(kind === 0 ? F.optEol : F.optNop, null, at, 1, [node(F.optKind, kind, at, 1)]));
      o++;
      continue;
    }
    if (o + 1 >= hl) return [{ kind: 'malformed', offset: at, message: `TCP option ${kind}: no room for its length byte` }];
    const len = view.u8(o + 1);
    const want = FIXED_LEN[kind];
    const badSack = kind === 5 && (len < 10 || (len - 2) % 8 !== 0);
    if (len < 2 || o + len > hl || (want !== undefined && len !== want) || badSack) {
      items.push(node(F.optUnknown, null, at, Math.max(2, Math.min(len, hl - o)), [node(F.optKind, kind, at, 1), node(F.optLen, len, at + 1, 1)]));
      return [{ kind: 'malformed', offset: at + 1, message: `TCP option ${OPT_NAMES.get(kind) ?? kind}: bad length ${len}` }];
    }
    const kids: FieldNode[] = [node(F.optKind, kind, at, 1), node(F.optLen, len, at + 1, 1)];
    let def: FieldDef = F.optUnknown;
    switch (kind) {
      case 2:
        def = F.optMss;
        kids.push(node(F.mssVal, view.u16(o + 2), at + 2, 2));
        break;
      case 3: {
        def = F.optWs;
        const shift = view.u8(o + 2);
        kids.push(node(F.wsShift, shift, at + 2, 1));
        if (shift <= 14) kids.push(node(F.wsMult, 1 << shift, at + 2, 1));
        break;
      }
      case 4:
        def = F.optSackPerm;
        break;
      case 5: {
        def = F.optSack;
        const n = (len - 2) >>> 3;
        for (let i = 0; i < n; i++) {
          kids.push(node(F.sackLe, view.u32(o + 2 + 8 * i), at + 2 + 8 * i, 4));
          kids.push(node(F.sackRe, view.u32(o + 6 + 8 * i), at + 6 + 8 * i, 4));
        }
        kids.push(node(F.sackCount, n, at, len));
        break;
      }
      case 8:
        def = F.optTs;
        kids.push(node(F.tsval, view.u32(o + 2), at + 2, 4));
        kids.push(node(F.tsecr, view.u32(o + 6), at + 6, 4));
        break;
      default:
        if (len > 2) kids.push(node(F.unknownPayload, view.bytes(o + 2, len - 2), at + 2, len - 2));
    }
    items.push(node(def, null, at, len, kids, `TCP Option - ${OPT_NAMES.get(kind) ?? `Unknown (${kind})`}`));
    o += len;
  }
  return undefined;
}

export const tcp: Protocol<TcpInfo | null> = {
  abbrev: 'tcp',
  name: 'Transmission Control Protocol',
  fields: Object.values(F),
  dissect: dissectTcp,
};
