/**
 * IPv6 (RFC 8200). Fixed 40-byte header:
 *   0 version(4) traffic class(8) flow label(20) | 4 payload length |
 *   6 next header | 7 hop limit | 8 source (16) | 24 destination (16)
 * then a chain of extension headers, each naming the next:
 *   Hop-by-Hop (0), Routing (43), Destination Options (60):
 *     0 next header | 1 length in 8-octet units, not counting the first 8 | data
 *   Fragment (44), 8 bytes:
 *     0 next header | 1 reserved | 2 offset(13, 8-octet units) res(2) M(1) | 4 identification
 *   Authentication Header (51, RFC 4302):
 *     0 next header | 1 length in 4-octet units minus 2 | 2 reserved | 4 SPI | 8 sequence | ICV
 * ESP (50) encrypts the rest: the walk stops there; 59 means nothing follows.
 *
 * Payload length 0 (a jumbogram, or TSO on the sending host) → everything
 * after the header in the frame is taken as payload. A fragment header with
 * offset != 0 or M set makes this a fragment: no `next`, `info.fragment` set
 * and `info.proto` is the fragment header's next header (the same in every
 * fragment of the datagram, as the reassembly key needs). An "atomic"
 * fragment (offset 0, M 0, RFC 6946) is just skipped.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from '../core/protocol.js';
import { node, viewProblem } from '../link/eth.js';
import { IP_PROTOS, type IpInfo } from './ipv4.js';

export type { IpInfo } from './ipv4.js';

const F = {
  ipv6: { abbrev: 'ipv6', name: 'Internet Protocol Version 6', type: 'protocol' },
  version: { abbrev: 'ipv6.version', name: 'Version', type: 'uint8', base: 'dec' },
  tclass: { abbrev: 'ipv6.tclass', name: 'Traffic Class', type: 'uint32', base: 'hex', bitmask: 0x0ff00000 },
  flow: { abbrev: 'ipv6.flow', name: 'Flow Label', type: 'uint24', base: 'hex', bitmask: 0x000fffff },
  plen: { abbrev: 'ipv6.plen', name: 'Payload Length', type: 'uint16', base: 'dec' },
  nxt: { abbrev: 'ipv6.nxt', name: 'Next Header', type: 'uint8', base: 'dec', strings: IP_PROTOS },
  hlim: { abbrev: 'ipv6.hlim', name: 'Hop Limit', type: 'uint8', base: 'dec' },
  src: { abbrev: 'ipv6.src', name: 'Source Address', type: 'ipv6' },
  dst: { abbrev: 'ipv6.dst', name: 'Destination Address', type: 'ipv6' },

  hop: { abbrev: 'ipv6.hopopts', name: 'IPv6 Hop-by-Hop Option', type: 'protocol' },
  hopNxt: { abbrev: 'ipv6.hopopts.nxt', name: 'Next Header', type: 'uint8', base: 'dec', strings: IP_PROTOS },
  hopLen: { abbrev: 'ipv6.hopopts.len', name: 'Length', type: 'uint8', base: 'dec' },
  hopLenOct: { abbrev: 'ipv6.hopopts.len_oct', name: 'Length', type: 'uint16', base: 'dec' },
  dsto: { abbrev: 'ipv6.dstopts', name: 'Destination Options for IPv6', type: 'protocol' },
  dstoNxt: { abbrev: 'ipv6.dstopts.nxt', name: 'Next Header', type: 'uint8', base: 'dec', strings: IP_PROTOS },
  dstoLen: { abbrev: 'ipv6.dstopts.len', name: 'Length', type: 'uint8', base: 'dec' },
  dstoLenOct: { abbrev: 'ipv6.dstopts.len_oct', name: 'Length', type: 'uint16', base: 'dec' },
  rt: { abbrev: 'ipv6.routing', name: 'Routing Header for IPv6', type: 'protocol' },
  rtNxt: { abbrev: 'ipv6.routing.nxt', name: 'Next Header', type: 'uint8', base: 'dec', strings: IP_PROTOS },
  rtLen: { abbrev: 'ipv6.routing.len', name: 'Length', type: 'uint8', base: 'dec' },
  rtLenOct: { abbrev: 'ipv6.routing.len_oct', name: 'Length', type: 'uint16', base: 'dec' },
  rtType: { abbrev: 'ipv6.routing.type', name: 'Type', type: 'uint8', base: 'dec' },
  rtSegleft: { abbrev: 'ipv6.routing.segleft', name: 'Segments Left', type: 'uint8', base: 'dec' },
  frag: { abbrev: 'ipv6.fraghdr', name: 'Fragment Header for IPv6', type: 'protocol' },
  fragNxt: { abbrev: 'ipv6.fraghdr.nxt', name: 'Next header', type: 'uint8', base: 'dec', strings: IP_PROTOS },
  fragOffset: {
    abbrev: 'ipv6.fraghdr.offset',
    name: 'Offset',
    type: 'uint16',
    base: 'dec',
    bitmask: 0xfff8,
    description: 'in 8-octet units, as tshark -T fields prints it',
  },
  fragMore: { abbrev: 'ipv6.fraghdr.more', name: 'More Fragments', type: 'boolean', bitmask: 0x0001, bitWidth: 16, tf: ['Yes', 'No'] },
  fragIdent: { abbrev: 'ipv6.fraghdr.ident', name: 'Identification', type: 'uint32', base: 'hex' },
  ah: { abbrev: 'ah', name: 'Authentication Header', type: 'protocol' },
  ahNxt: { abbrev: 'ah.next_header', name: 'Next header', type: 'uint8', base: 'dec', strings: IP_PROTOS },
  ahLen: { abbrev: 'ah.length', name: 'Length', type: 'uint8', base: 'dec' },
  ahSpi: { abbrev: 'ah.spi', name: 'AH SPI', type: 'uint32', base: 'hex' },
  ahSeq: { abbrev: 'ah.sequence', name: 'AH Sequence', type: 'uint32', base: 'dec' },
  opt: { abbrev: 'ipv6.opt', name: 'IPv6 Option', type: 'none' },
  optType: { abbrev: 'ipv6.opt.type', name: 'Type', type: 'uint8', base: 'hex' },
  optLen: { abbrev: 'ipv6.opt.length', name: 'Length', type: 'uint8', base: 'dec' },
  optPad1: { abbrev: 'ipv6.opt.pad1', name: 'Pad1', type: 'none' },
  optPadN: { abbrev: 'ipv6.opt.padn', name: 'PadN', type: 'bytes' },
  optRa: { abbrev: 'ipv6.opt.router_alert', name: 'Router Alert', type: 'uint16', base: 'dec' },
  optJumbo: { abbrev: 'ipv6.opt.jumbo', name: 'Payload Length', type: 'uint32', base: 'dec' },
} as const satisfies Record<string, FieldDef>;

const HDR = 40;
const O_PLEN = 4;
const O_NXT = 6;
const O_HLIM = 7;
const O_SRC = 8;
const O_DST = 24;
/** More extension headers than this is not a real packet (each is >= 8 bytes anyway). */
const MAX_EXT = 64;

function dissectIpv6(view: ByteView, ctx: DissectContext): LayerResult<IpInfo | null> {
  let info: IpInfo | null = null;
  let tree: FieldNode[] | undefined;
  let kids: FieldNode[] | undefined;
  let problems: LayerProblem[] | undefined;
  try {
    view.check(0, HDR, 'IPv6 header');
    const w0 = view.u32(0);
    const version = w0 >>> 28;
    const plen = view.u16(O_PLEN);
    const first = view.u8(O_NXT);
    const src = view.ipv6(O_SRC);
    const dst = view.ipv6(O_DST);
    info = { version: 6, src, dst, proto: first };
    if (ctx.tree) {
      const s = view.abs(0);
      kids = [
        node(F.version, version, s, 1),
        node(F.tclass, (w0 >>> 20) & 0xff, s, 4),
        node(F.flow, w0 & 0xfffff, s + 1, 3),
        node(F.plen, plen, s + O_PLEN, 2),
        node(F.nxt, first, s + O_NXT, 1),
        node(F.hlim, view.u8(O_HLIM), s + O_HLIM, 1),
        node(F.src, src, s + O_SRC, 16),
        node(F.dst, dst, s + O_DST, 16),
      ];
      tree = [node(F.ipv6, null, s, HDR, kids, `Internet Protocol Version 6, Src: ${src}, Dst: ${dst}`)];
    }
    if (version !== 6) {
      return { info, tree, problems: [{ kind: 'malformed', offset: view.abs(0), message: `IPv6: bogus version ${version}` }] };
    }

    let end = HDR + plen;
    if (plen === 0) {
      end = view.length; // jumbogram or TSO: the rest of the frame
    } else if (end > view.length) {
      problems = [{ kind: 'malformed', offset: view.abs(O_PLEN), message: `IPv6: payload length ${plen} runs past the end of the packet (${view.length - HDR} bytes)` }];
      end = view.length;
    }
    const body = view.sub(HDR, end - HDR);

    // Extension header walk over `body`.
    let nh = first;
    let o = 0;
    for (let n = 0; n < MAX_EXT; n++) {
      switch (nh) {
        case 0: // Hop-by-Hop Options
        case 60: // Destination Options
        case 43: {
          // Routing
          const next = body.u8(o);
          const lenField = body.u8(o + 1);
          const len = (lenField + 1) * 8;
          body.check(o, len, nh === 43 ? 'IPv6 routing header' : 'IPv6 options header');
          if (kids) kids.push(extTree(body, o, nh, next, lenField, len));
          nh = next;
          o += len;
          continue;
        }
        case 44: {
          // Fragment
          body.check(o, 8, 'IPv6 fragment header');
          const next = body.u8(o);
          const offlg = body.u16(o + 2);
          const ident = body.u32(o + 4);
          const offset = offlg & 0xfff8; // bytes: the 13-bit field counts 8-octet units
          const more = (offlg & 1) !== 0;
          if (kids) {
            const s = body.abs(o);
            kids.push(
              node(F.frag, null, s, 8, [
                node(F.fragNxt, next, s, 1),
                node(F.fragOffset, offlg >>> 3, s + 2, 2, undefined, `Offset: ${offlg >>> 3} (${offset} bytes)`),
                node(F.fragMore, more, s + 2, 2),
                node(F.fragIdent, ident, s + 4, 4),
              ]),
            );
          }
          o += 8;
          if (offset !== 0 || more) {
            info = { version: 6, src, dst, proto: next, fragment: { id: ident, offset, more } };
            return { info, payload: body.sub(o), tree, problems };
          }
          nh = next; // atomic fragment: carry on
          continue;
        }
        case 51: {
          // Authentication Header
          const next = body.u8(o);
          const lenField = body.u8(o + 1);
          const len = (lenField + 2) * 4;
          body.check(o, Math.max(len, 12), 'IPv6 authentication header');
          if (kids) {
            const s = body.abs(o);
            kids.push(
              node(F.ah, null, s, len, [
                node(F.ahNxt, next, s, 1),
                node(F.ahLen, lenField, s + 1, 1),
                node(F.ahSpi, body.u32(o + 4), s + 4, 4),
                node(F.ahSeq, body.u32(o + 8), s + 8, 4),
              ]),
            );
          }
          nh = next;
          o += len;
          continue;
        }
        case 50: // ESP: the rest is encrypted
        case 59: // No Next Header
          info = { version: 6, src, dst, proto: nh };
          return { info, payload: body.sub(o), tree, problems };
        default:
          info = { version: 6, src, dst, proto: nh };
          return { info, next: { table: 'ip.proto', key: nh }, payload: body.sub(o), tree, problems };
      }
    }
    info = { version: 6, src, dst, proto: nh };
    (problems ??= []).push({ kind: 'malformed', offset: body.abs(o), message: `IPv6: more than ${MAX_EXT} extension headers` });
    return { info, tree, problems };
  } catch (e) {
    (problems ??= []).push(viewProblem(e, view.abs(0)));
    return { info, tree, problems };
  }
}

/** Hop-by-Hop / Destination Options / Routing header subtree. */
function extTree(body: ByteView, o: number, type: number, next: number, lenField: number, len: number): FieldNode {
  const s = body.abs(o);
  if (type === 43) {
    return node(F.rt, null, s, len, [
      node(F.rtNxt, next, s, 1),
      node(F.rtLen, lenField, s + 1, 1),
      node(F.rtLenOct, len, s + 1, 1),
      node(F.rtType, body.u8(o + 2), s + 2, 1),
      node(F.rtSegleft, body.u8(o + 3), s + 3, 1),
    ]);
  }
  const hop = type === 0;
  const kids: FieldNode[] = [
    node(hop ? F.hopNxt : F.dstoNxt, next, s, 1),
    node(hop ? F.hopLen : F.dstoLen, lenField, s + 1, 1),
    node(hop ? F.hopLenOct : F.dstoLenOct, len, s + 1, 1),
  ];
  // TLV options in the remaining len - 2 bytes.
  let p = o + 2;
  const e = o + len;
  while (p < e) {
    const t = body.u8(p);
    if (t === 0) {
      kids.push(node(F.opt, null, body.abs(p), 1, [node(F.optType, t, body.abs(p), 1), node(F.optPad1, null, body.abs(p), 1)], 'Pad1'));
      p++;
      continue;
    }
    if (p + 2 > e) break;
    const ol = body.u8(p + 1);
    if (p + 2 + ol > e) break; // option overruns its header: stop listing (not fatal)
    const ok: FieldNode[] = [node(F.optType, t, body.abs(p), 1), node(F.optLen, ol, body.abs(p + 1), 1)];
    if (t === 1) ok.push(node(F.optPadN, body.bytes(p + 2, ol), body.abs(p + 2), ol));
    else if (t === 5 && ol === 2) ok.push(node(F.optRa, body.u16(p + 2), body.abs(p + 2), 2));
    else if (t === 0xc2 && ol === 4) ok.push(node(F.optJumbo, body.u32(p + 2), body.abs(p + 2), 4));
    kids.push(node(F.opt, null, body.abs(p), 2 + ol, ok, t === 1 ? 'PadN' : `IPv6 Option (type 0x${t.toString(16).padStart(2, '0')})`));
    p += 2 + ol;
  }
  return node(hop ? F.hop : F.dsto, null, s, len, kids);
}

export const ipv6: Protocol<IpInfo | null> = {
  abbrev: 'ipv6',
  layer: 'network',
  name: 'Internet Protocol Version 6',
  fields: Object.values(F),
  dissect: dissectIpv6,
};
