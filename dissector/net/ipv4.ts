/**
 * IPv4 (RFC 791). Fixed 20-byte header, then IHL*4 - 20 bytes of options:
 *   0 version(4) IHL(4) | 1 DS field | 2 total length | 4 identification |
 *   6 flags(3) fragment offset(13, in 8-byte units) | 8 TTL | 9 protocol |
 *   10 header checksum | 12 source | 16 destination | 20 options...
 *
 * The payload is header end .. total length: trailing Ethernet padding is
 * not part of it. A total length of 0 is what TCP segmentation offload
 * leaves in captures taken on the sending host; then the frame's length is
 * used (as Wireshark does by default). A fragment (MF set or offset != 0)
 * has no `next`: `info.fragment` tells the pipeline to reassemble.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from '../core/protocol.js';
import { node, viewProblem } from '../link/eth.js';

/** What the IPv4 and IPv6 dissectors tell the pipeline. */
export interface IpInfo {
  readonly version: 4 | 6;
  /** IPv4 dotted quad, IPv6 inet_ntop text. */
  readonly src: string;
  readonly dst: string;
  /** Final upper-layer protocol (after IPv6 extension headers; for a fragment, the protocol of the fragmented part). */
  readonly proto: number;
  /** Set when this packet is a fragment to reassemble (offset in bytes). */
  readonly fragment?: { readonly id: number; readonly offset: number; readonly more: boolean };
}

/** IP protocol numbers (IANA registry facts) for tree text. */
export const IP_PROTOS: ReadonlyMap<number, string> = new Map([
  [0, 'IPv6 Hop-by-Hop Option'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [17, 'UDP'],
  [41, 'IPv6'],
  [43, 'Routing Header for IPv6'],
  [44, 'Fragment Header for IPv6'],
  [47, 'GRE'],
  [50, 'Encapsulating Security Payload'],
  [51, 'Authentication Header'],
  [58, 'ICMPv6'],
  [59, 'IPv6 No Next Header'],
  [60, 'Destination Options for IPv6'],
  [89, 'OSPF IGP'],
  [103, 'PIM'],
  [112, 'VRRP'],
  [132, 'SCTP'],
]);

/** IPv4 option types (IANA "IP Option Numbers": copy bit, class, number) we name. */
const OPT_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'End of Options List (EOL)'],
  [1, 'No-Operation (NOP)'],
  [7, 'Record Route'],
  [68, 'Time Stamp'],
  [130, 'Security'],
  [131, 'Loose Source Route'],
  [133, 'Extended Security'],
  [134, 'Commercial Security'],
  [136, 'Stream ID'],
  [137, 'Strict Source Route'],
  [148, 'Router Alert'],
]);

const F = {
  ip: { abbrev: 'ip', name: 'Internet Protocol Version 4', type: 'protocol' },
  version: { abbrev: 'ip.version', name: 'Version', type: 'uint8', base: 'dec' },
  hdrLen: { abbrev: 'ip.hdr_len', name: 'Header Length', type: 'uint8', base: 'dec' },
  dsfield: { abbrev: 'ip.dsfield', name: 'Differentiated Services Field', type: 'uint8', base: 'hex' },
  len: { abbrev: 'ip.len', name: 'Total Length', type: 'uint16', base: 'dec' },
  id: { abbrev: 'ip.id', name: 'Identification', type: 'uint16', base: 'hex' },
  flags: { abbrev: 'ip.flags', name: 'Flags', type: 'uint8', base: 'hex', bitmask: 0xe0 },
  rb: { abbrev: 'ip.flags.rb', name: 'Reserved bit', type: 'boolean', bitmask: 0x80, bitWidth: 8, tf: ['Set', 'Not set'] },
  df: { abbrev: 'ip.flags.df', name: "Don't fragment", type: 'boolean', bitmask: 0x40, bitWidth: 8, tf: ['Set', 'Not set'] },
  mf: { abbrev: 'ip.flags.mf', name: 'More fragments', type: 'boolean', bitmask: 0x20, bitWidth: 8, tf: ['Set', 'Not set'] },
  fragOffset: {
    abbrev: 'ip.frag_offset',
    name: 'Fragment Offset',
    type: 'uint16',
    base: 'dec',
    bitmask: 0x1fff,
    description: 'in 8-byte units, as tshark -T fields prints it (the tree text shows bytes)',
  },
  ttl: { abbrev: 'ip.ttl', name: 'Time to Live', type: 'uint8', base: 'dec' },
  proto: { abbrev: 'ip.proto', name: 'Protocol', type: 'uint8', base: 'dec', strings: IP_PROTOS },
  checksum: { abbrev: 'ip.checksum', name: 'Header Checksum', type: 'uint16', base: 'hex', description: 'not verified' },
  src: { abbrev: 'ip.src', name: 'Source Address', type: 'ipv4' },
  dst: { abbrev: 'ip.dst', name: 'Destination Address', type: 'ipv4' },
  optType: { abbrev: 'ip.opt.type', name: 'Type', type: 'uint8', base: 'dec', strings: OPT_NAMES },
  optLen: { abbrev: 'ip.opt.len', name: 'Length', type: 'uint8', base: 'dec' },
  optRa: { abbrev: 'ip.opt.ra', name: 'Router Alert', type: 'uint16', base: 'dec' },
  optPadding: { abbrev: 'ip.opt.padding', name: 'Padding', type: 'bytes' },
} as const satisfies Record<string, FieldDef>;

/** IPv4 header offsets: the dissector's and the pipeline's fixed-offset fast path's one definition. */
export const IPV4 = { VIHL: 0, TOS: 1, LEN: 2, ID: 4, FRAG: 6, TTL: 8, PROTO: 9, CSUM: 10, SRC: 12, DST: 16, MIN_HEADER: 20 } as const;
/** Fragment field: MF flag and offset bits (a packet with any of them set is a fragment). */
export const IPV4_FRAGMENT_BITS = 0x3fff;

/** A dotted-quad IPv4 address as an unsigned 32-bit number, or null (not one). */
export function ipv4Number(text: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return m ? ((+m[1]! << 24) >>> 0) + (+m[2]! << 16) + (+m[3]! << 8) + +m[4]! : null;
}
const O_VIHL = IPV4.VIHL;
const O_TOS = IPV4.TOS;
const O_LEN = IPV4.LEN;
const O_ID = IPV4.ID;
const O_FRAG = IPV4.FRAG;
const O_TTL = IPV4.TTL;
const O_PROTO = IPV4.PROTO;
const O_CSUM = IPV4.CSUM;
const O_SRC = IPV4.SRC;
const O_DST = IPV4.DST;
const MIN_HDR = IPV4.MIN_HEADER;

function dissectIpv4(view: ByteView, ctx: DissectContext): LayerResult<IpInfo | null> {
  let info: IpInfo | null = null;
  let tree: FieldNode[] | undefined;
  let problems: LayerProblem[] | undefined;
  try {
    view.check(0, MIN_HDR, 'IPv4 header');
    const vihl = view.u8(O_VIHL);
    const version = vihl >>> 4;
    const ihl = (vihl & 0x0f) * 4;
    const totalLen = view.u16(O_LEN);
    const id = view.u16(O_ID);
    const frag = view.u16(O_FRAG);
    const proto = view.u8(O_PROTO);
    const src = view.ipv4(O_SRC);
    const dst = view.ipv4(O_DST);
    const more = (frag & 0x2000) !== 0;
    const offset = (frag & 0x1fff) * 8;
    const isFragment = more || offset !== 0;
    info = isFragment ? { version: 4, src, dst, proto, fragment: { id, offset, more } } : { version: 4, src, dst, proto };

    if (ctx.tree) tree = ipTree(view, ihl, totalLen, src, dst);

    if (version !== 4) {
      return { info, tree, problems: [{ kind: 'malformed', offset: view.abs(O_VIHL), message: `IPv4: bogus version ${version}` }] };
    }
    if (ihl < MIN_HDR) {
      return { info, tree, problems: [{ kind: 'malformed', offset: view.abs(O_VIHL), message: `IPv4: bogus header length ${ihl} (< 20)` }] };
    }
    if (ihl > view.length) {
      return {
        info,
        tree,
        problems: [{ kind: 'malformed', offset: view.abs(O_VIHL), message: `IPv4: header length ${ihl} runs past the packet (${view.length} bytes)` }],
      };
    }
    if (ihl > MIN_HDR) view.check(MIN_HDR, ihl - MIN_HDR, 'IPv4 options'); // truncated if snaplen cut them
    if (ctx.tree && ihl > MIN_HDR) problems = ipOptions(view, ihl, tree![0]!.children as FieldNode[]);

    let end = totalLen;
    if (totalLen === 0) {
      end = view.length; // TSO: length left 0 by the sending host's capture
    } else if (totalLen < ihl) {
      (problems ??= []).push({ kind: 'malformed', offset: view.abs(O_LEN), message: `IPv4: total length ${totalLen} is less than the header length ${ihl}` });
      return { info, payload: view.sub(ihl, 0), tree, problems };
    } else if (totalLen > view.length) {
      (problems ??= []).push({
        kind: 'malformed',
        offset: view.abs(O_LEN),
        message: `IPv4: total length ${totalLen} runs past the end of the packet (${view.length} bytes)`,
      });
      end = view.length;
    }
    const payload = view.sub(ihl, end - ihl);
    if (isFragment) return { info, payload, tree, problems };
    return { info, next: { table: 'ip.proto', key: proto }, payload, tree, problems };
  } catch (e) {
    (problems ??= []).push(viewProblem(e, view.abs(0)));
    return { info, tree, problems };
  }
}

function ipTree(view: ByteView, ihl: number, totalLen: number, src: string, dst: string): FieldNode[] {
  const s = view.abs(0);
  const frag = view.u16(O_FRAG);
  const flagsByte = frag >>> 8;
  const fragUnits = frag & 0x1fff;
  const children: FieldNode[] = [
    node(F.version, view.u8(O_VIHL) >>> 4, s, 1),
    node(F.hdrLen, ihl, s, 1, undefined, `Header Length: ${ihl} bytes (${ihl >>> 2})`),
    node(F.dsfield, view.u8(O_TOS), s + O_TOS, 1),
    node(F.len, totalLen, s + O_LEN, 2),
    node(F.id, view.u16(O_ID), s + O_ID, 2),
    node(F.flags, (flagsByte & 0xe0) >>> 5, s + O_FRAG, 1, [
      node(F.rb, (flagsByte & 0x80) !== 0, s + O_FRAG, 1),
      node(F.df, (flagsByte & 0x40) !== 0, s + O_FRAG, 1),
      node(F.mf, (flagsByte & 0x20) !== 0, s + O_FRAG, 1),
    ]),
    node(F.fragOffset, fragUnits, s + O_FRAG, 2, undefined, `Fragment Offset: ${fragUnits * 8}`),
    node(F.ttl, view.u8(O_TTL), s + O_TTL, 1),
    node(F.proto, view.u8(O_PROTO), s + O_PROTO, 1),
    node(F.checksum, view.u16(O_CSUM), s + O_CSUM, 2),
    node(F.src, src, s + O_SRC, 4),
    node(F.dst, dst, s + O_DST, 4),
  ];
  return [node(F.ip, null, s, Math.max(MIN_HDR, Math.min(ihl, view.length)), children, `Internet Protocol Version 4, Src: ${src}, Dst: ${dst}`)];
}

/** Options (tree only): type, length, and the Router Alert value; a bad length stops the walk. */
function ipOptions(view: ByteView, ihl: number, out: FieldNode[]): LayerProblem[] | undefined {
  let o = MIN_HDR;
  while (o < ihl) {
    const type = view.u8(o);
    const name = OPT_NAMES.get(type) ?? `Unknown (${type})`;
    if (type === 0) {
      out.push(node(F.optType, type, view.abs(o), 1, undefined, `IP Option - ${name}`));
      o++;
      if (o < ihl) out.push(node(F.optPadding, view.bytes(o, ihl - o), view.abs(o), ihl - o));
      return undefined;
    }
    if (type === 1) {
      out.push(node(F.optType, type, view.abs(o), 1, undefined, `IP Option - ${name}`));
      o++;
      continue;
    }
    if (o + 1 >= ihl) {
      return [{ kind: 'malformed', offset: view.abs(o), message: `IPv4 option ${type}: no room for its length byte` }];
    }
    const len = view.u8(o + 1);
    if (len < 2 || o + len > ihl) {
      out.push(node(F.optType, type, view.abs(o), 1, [node(F.optLen, len, view.abs(o + 1), 1)], `IP Option - ${name}`));
      return [{ kind: 'malformed', offset: view.abs(o + 1), message: `IPv4 option ${type}: bad length ${len}` }];
    }
    const kids = [node(F.optLen, len, view.abs(o + 1), 1)];
    if (type === 148 && len === 4) kids.push(node(F.optRa, view.u16(o + 2), view.abs(o + 2), 2));
    out.push(node(F.optType, type, view.abs(o), len, kids, `IP Option - ${name} (${len} bytes)`));
    o += len;
  }
  return undefined;
}

export const ipv4: Protocol<IpInfo | null> = {
  abbrev: 'ip',
  layer: 'network',
  name: 'Internet Protocol Version 4',
  fields: Object.values(F),
  dissect: dissectIpv4,
};
