/** IPv4 (RFC 791): header with options; fragments are handed to reassembly. */
import type { ByteView } from './byteview.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from './protocol.js';
import { f, node, table, tooShort } from './layer.js';

export interface IpInfo {
  readonly version: 4 | 6;
  readonly src: string;
  readonly dst: string;
  /** Upper-layer protocol (after IPv6 extension headers). */
  readonly proto: number;
  /** Set when this packet is a fragment (offset in bytes). */
  readonly fragment?: { readonly id: number; readonly offset: number; readonly more: boolean };
}

const F = table([
  f('ip.version', 'Version', 'uint8', 'dec'),
  f('ip.hdr_len', 'Header Length', 'uint8', 'dec'),
  f('ip.len', 'Total Length', 'uint16', 'dec'),
  f('ip.id', 'Identification', 'uint16', 'hex'),
  f('ip.flags.df', "Don't fragment", 'boolean', undefined, { bitmask: 0x40, bitWidth: 8 }),
  f('ip.flags.mf', 'More fragments', 'boolean', undefined, { bitmask: 0x20, bitWidth: 8 }),
  f('ip.frag_offset', 'Fragment Offset', 'uint16', 'dec', { bitmask: 0x1fff }),
  f('ip.ttl', 'Time to Live', 'uint8', 'dec'),
  f('ip.proto', 'Protocol', 'uint8', 'dec'),
  f('ip.checksum', 'Header Checksum', 'uint16', 'hex'),
  f('ip.src', 'Source Address', 'ipv4'),
  f('ip.dst', 'Destination Address', 'ipv4'),
]);

export const ipv4: Protocol<IpInfo | null> = {
  abbrev: 'ip',
  name: 'Internet Protocol Version 4',
  fields: Object.values(F),
  dissect(v: ByteView, ctx: DissectContext): LayerResult<IpInfo | null> {
    if (!v.has(0, 20)) return { info: null, problems: [tooShort(v, 20, 'IPv4')] };
    const vihl = v.u8(0);
    const ihl = (vihl & 15) * 4;
    if (vihl >> 4 !== 4 || ihl < 20) {
      return { info: null, problems: [{ kind: 'malformed', offset: v.abs(0), message: `IPv4: version ${vihl >> 4}, header length ${ihl}` }] };
    }
    const problems: LayerProblem[] = [];
    if (!v.has(0, ihl)) return { info: null, problems: [tooShort(v, ihl, 'IPv4 (options)')] };
    let total = v.u16(2);
    if (total < ihl) {
      problems.push({ kind: 'malformed', offset: v.abs(2), message: `IPv4: total length ${total} is less than the header length ${ihl}` });
      total = v.length;
    } else if (total > v.length) {
      problems.push({ kind: 'malformed', offset: v.abs(2), message: `IPv4: total length ${total} is more than the ${v.length} bytes of the frame` });
      total = v.length;
    }
    const fragw = v.u16(6);
    const offset = (fragw & 0x1fff) * 8;
    const more = (fragw & 0x2000) !== 0;
    const proto = v.u8(9);
    const info: IpInfo = {
      version: 4,
      src: v.ipv4(12),
      dst: v.ipv4(16),
      proto,
      ...(more || offset ? { fragment: { id: v.u16(4), offset, more } } : {}),
    };
    const payload = v.sub(ihl, total - ihl);
    const tree = ctx.tree
      ? [
          node(F['ip.version']!, 4, v.abs(0), 1),
          node(F['ip.hdr_len']!, ihl, v.abs(0), 1),
          node(F['ip.len']!, v.u16(2), v.abs(2), 2),
          node(F['ip.id']!, v.u16(4), v.abs(4), 2),
          node(F['ip.flags.df']!, (fragw & 0x4000) !== 0, v.abs(6), 1),
          node(F['ip.flags.mf']!, more, v.abs(6), 1),
          node(F['ip.frag_offset']!, fragw & 0x1fff, v.abs(6), 2),
          node(F['ip.ttl']!, v.u8(8), v.abs(8), 1),
          node(F['ip.proto']!, proto, v.abs(9), 1),
          node(F['ip.checksum']!, v.u16(10), v.abs(10), 2),
          node(F['ip.src']!, info.src, v.abs(12), 4),
          node(F['ip.dst']!, info.dst, v.abs(16), 4),
        ]
      : undefined;
    return {
      info,
      payload,
      ...(info.fragment ? {} : { next: { table: 'ip.proto' as const, key: proto } }),
      ...(tree ? { tree } : {}),
      ...(problems.length ? { problems } : {}),
    };
  },
};
