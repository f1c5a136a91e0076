/** Linux "cooked" captures: SLL (LINKTYPE_LINUX_SLL 113) and SLL2 (276). */
import type { ByteView } from './byteview.js';
import type { DissectContext, LayerResult, Protocol } from './protocol.js';
import { f, node, table, tooShort } from './layer.js';

export interface SllInfo {
  readonly pkttype: number;
  readonly hatype: number;
  readonly protocol: number;
  readonly ifindex?: number;
}

const F = table([
  f('sll.pkttype', 'Packet type', 'uint16', 'dec'),
  f('sll.hatype', 'Link-layer address type', 'uint16', 'dec'),
  f('sll.halen', 'Link-layer address length', 'uint16', 'dec'),
  f('sll.etype', 'Protocol', 'uint16', 'hex'),
  f('sll.ifindex', 'Interface index', 'uint32', 'dec'),
]);

/** Protocol field → next table. ARPHRD-specific pseudo protocols (e.g. 4 = 802.2) have none. */
function next(protocol: number, v: ByteView, hdr: number): Pick<LayerResult, 'next' | 'payload'> {
  if (protocol <= 1500) return {};
  return { next: { table: 'ethertype', key: protocol }, payload: v.sub(hdr) };
}

export const sll: Protocol<SllInfo | null> = {
  abbrev: 'sll',
  name: 'Linux cooked capture v1',
  fields: Object.values(F),
  dissect(v: ByteView, ctx: DissectContext): LayerResult<SllInfo | null> {
    // pkttype u16, hatype u16, halen u16, addr[8], protocol u16
    if (!v.has(0, 16)) return { info: null, problems: [tooShort(v, 16, 'SLL')] };
    const info = { pkttype: v.u16(0), hatype: v.u16(2), protocol: v.u16(14) };
    const tree = ctx.tree ? [node(F['sll.pkttype']!, info.pkttype, v.abs(0), 2), node(F['sll.hatype']!, info.hatype, v.abs(2), 2), node(F['sll.halen']!, v.u16(4), v.abs(4), 2), node(F['sll.etype']!, info.protocol, v.abs(14), 2)] : undefined;
    return { info, ...next(info.protocol, v, 16), ...(tree ? { tree } : {}) };
  },
};

export const sll2: Protocol<SllInfo | null> = {
  abbrev: 'sll2',
  name: 'Linux cooked capture v2',
  fields: Object.values(F),
  dissect(v: ByteView, ctx: DissectContext): LayerResult<SllInfo | null> {
    // protocol u16, reserved u16, ifindex u32, hatype u16, pkttype u8, halen u8, addr[8]
    if (!v.has(0, 20)) return { info: null, problems: [tooShort(v, 20, 'SLL2')] };
    const info = { protocol: v.u16(0), ifindex: v.u32(4), hatype: v.u16(8), pkttype: v.u8(10) };
    const tree = ctx.tree ? [node(F['sll.etype']!, info.protocol, v.abs(0), 2), node(F['sll.ifindex']!, info.ifindex, v.abs(4), 4), node(F['sll.hatype']!, info.hatype, v.abs(8), 2), node(F['sll.pkttype']!, info.pkttype, v.abs(10), 1)] : undefined;
    return { info, ...next(info.protocol, v, 20), ...(tree ? { tree } : {}) };
  },
};
