/** IPv6 (RFC 8200) with extension headers; fragments are handed to reassembly. */
import type { ByteView } from './byteview.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from './protocol.js';
import type { IpInfo } from './ipv4.js';
import { f, node, problemOf, table, tooShort } from './layer.js';

const F = table([
  f('ipv6.version', 'Version', 'uint8', 'dec'),
  f('ipv6.plen', 'Payload Length', 'uint16', 'dec'),
  f('ipv6.nxt', 'Next Header', 'uint8', 'dec'),
  f('ipv6.hlim', 'Hop Limit', 'uint8', 'dec'),
  f('ipv6.src', 'Source Address', 'ipv6'),
  f('ipv6.dst', 'Destination Address', 'ipv6'),
  f('ipv6.fraghdr.offset', 'Offset', 'uint16', 'dec', { bitmask: 0xfff8 }),
  f('ipv6.fraghdr.more', 'More Fragments', 'boolean', undefined, { bitmask: 1, bitWidth: 16 }),
  f('ipv6.fraghdr.ident', 'Identification', 'uint32', 'hex'),
]);

const HOP = 0, ROUTING = 43, FRAGMENT = 44, DSTOPTS = 60, AH = 51, MOBILITY = 135;
/** Extension headers are bounded so a crafted chain cannot loop long. */
const MAX_EXT = 16;

export const ipv6: Protocol<IpInfo | null> = {
  abbrev: 'ipv6',
  name: 'Internet Protocol Version 6',
  fields: Object.values(F),
  dissect(v: ByteView, ctx: DissectContext): LayerResult<IpInfo | null> {
    if (!v.has(0, 40)) return { info: null, problems: [tooShort(v, 40, 'IPv6')] };
    if (v.u8(0) >> 4 !== 6) return { info: null, problems: [{ kind: 'malformed', offset: v.abs(0), message: `IPv6: version ${v.u8(0) >> 4}` }] };
    const problems: LayerProblem[] = [];
    let plen = v.u16(4);
    if (plen === 0 || plen > v.length - 40) {
      if (plen > v.length - 40) problems.push({ kind: 'malformed', offset: v.abs(4), message: `IPv6: payload length ${plen} is more than the ${v.length - 40} bytes present` });
      plen = v.length - 40;
    }
    const src = v.ipv6(8);
    const dst = v.ipv6(24);
    const tree = ctx.tree
      ? [node(F['ipv6.version']!, 6, v.abs(0), 1), node(F['ipv6.plen']!, v.u16(4), v.abs(4), 2), node(F['ipv6.nxt']!, v.u8(6), v.abs(6), 1), node(F['ipv6.hlim']!, v.u8(7), v.abs(7), 1), node(F['ipv6.src']!, src, v.abs(8), 16), node(F['ipv6.dst']!, dst, v.abs(24), 16)]
      : undefined;
    const body = v.sub(40, plen);
    let nh = v.u8(6);
    let o = 0;
    let fragment: IpInfo['fragment'];
    try {
      for (let n = 0; n < MAX_EXT; n++) {
        if (nh === HOP || nh === ROUTING || nh === DSTOPTS || nh === MOBILITY) {
          const len = (body.u8(o + 1) + 1) * 8;
          body.check(o, len, 'IPv6 extension header');
          nh = body.u8(o);
          o += len;
        } else if (nh === AH) {
          const len = (body.u8(o + 1) + 2) * 4;
          body.check(o, len, 'IPv6 AH');
          nh = body.u8(o);
          o += len;
        } else if (nh === FRAGMENT) {
          body.check(o, 8, 'IPv6 fragment header');
          const w = body.u16(o + 2);
          const id = body.u32(o + 4);
          if (tree) tree.push(node(F['ipv6.fraghdr.offset']!, w >> 3, body.abs(o + 2), 2), node(F['ipv6.fraghdr.more']!, (w & 1) === 1, body.abs(o + 2), 2), node(F['ipv6.fraghdr.ident']!, id, body.abs(o + 4), 4));
          nh = body.u8(o);
          o += 8;
          if ((w & 0xfff8) !== 0 || (w & 1) !== 0) fragment = { id, offset: w & 0xfff8, more: (w & 1) === 1 };
        } else break;
      }
    } catch (e) {
      return { info: { version: 6, src, dst, proto: -1 }, problems: [...problems, problemOf(e, 'IPv6')], ...(tree ? { tree } : {}) };
    }
    const info: IpInfo = { version: 6, src, dst, proto: nh, ...(fragment ? { fragment } : {}) };
    const payload = body.sub(o);
    return {
      info,
      payload,
      ...(fragment ? {} : { next: { table: 'ip.proto' as const, key: nh } }),
      ...(tree ? { tree } : {}),
      ...(problems.length ? { problems } : {}),
    };
  },
};
