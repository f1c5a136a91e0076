/** UDP header (RFC 768); the payload honours the UDP length. */
import type { ByteView } from './byteview.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from './protocol.js';
import { f, node, table, tooShort } from './layer.js';

export interface UdpInfo {
  readonly srcport: number;
  readonly dstport: number;
  readonly length: number;
}

const F = table([
  f('udp.srcport', 'Source Port', 'uint16', 'dec'),
  f('udp.dstport', 'Destination Port', 'uint16', 'dec'),
  f('udp.length', 'Length', 'uint16', 'dec'),
  f('udp.checksum', 'Checksum', 'uint16', 'hex'),
]);

export const udp: Protocol<UdpInfo | null> = {
  abbrev: 'udp',
  name: 'User Datagram Protocol',
  fields: Object.values(F),
  dissect(v: ByteView, ctx: DissectContext): LayerResult<UdpInfo | null> {
    if (!v.has(0, 8)) return { info: null, problems: [tooShort(v, 8, 'UDP')] };
    const info = { srcport: v.u16(0), dstport: v.u16(2), length: v.u16(4) };
    let len = info.length;
    const problems: LayerProblem[] = [];
    if (len < 8 || len > v.length) {
      problems.push({ kind: 'malformed', offset: v.abs(4), message: `UDP: length ${len} (datagram has ${v.length} bytes)` });
      len = len < 8 ? v.length : v.length;
    }
    const tree = ctx.tree ? [node(F['udp.srcport']!, info.srcport, v.abs(0), 2), node(F['udp.dstport']!, info.dstport, v.abs(2), 2), node(F['udp.length']!, info.length, v.abs(4), 2), node(F['udp.checksum']!, v.u16(6), v.abs(6), 2)] : undefined;
    return { info, payload: v.sub(8, len - 8), ...(tree ? { tree } : {}), ...(problems.length ? { problems } : {}) };
  },
};
