/** IEEE 802.1Q VLAN tag (also QinQ 0x88a8 and 0x9100 outer tags). */
import type { ByteView } from './byteview.js';
import type { DissectContext, LayerResult, Protocol } from './protocol.js';
import { f, node, table, tooShort } from './layer.js';

export interface VlanInfo {
  readonly id: number;
  readonly priority: number;
  readonly type: number;
}

const F = table([
  f('vlan.priority', 'Priority', 'uint16', 'dec', { bitmask: 0xe000 }),
  f('vlan.id', 'ID', 'uint16', 'dec', { bitmask: 0x0fff }),
  f('vlan.etype', 'Type', 'uint16', 'hex'),
]);

export const vlan: Protocol<VlanInfo | null> = {
  abbrev: 'vlan',
  name: '802.1Q Virtual LAN',
  fields: Object.values(F),
  dissect(v: ByteView, ctx: DissectContext): LayerResult<VlanInfo | null> {
    if (!v.has(0, 4)) return { info: null, problems: [tooShort(v, 4, '802.1Q')] };
    const tci = v.u16(0);
    const type = v.u16(2);
    const info = { id: tci & 0xfff, priority: tci >> 13, type };
    const tree = ctx.tree ? [node(F['vlan.priority']!, info.priority, v.abs(0), 2), node(F['vlan.id']!, info.id, v.abs(0), 2), node(F['vlan.etype']!, type, v.abs(2), 2)] : undefined;
    if (type <= 1500) return { info, ...(tree ? { tree } : {}) };
    return { info, next: { table: 'ethertype', key: type }, payload: v.sub(4), ...(tree ? { tree } : {}) };
  },
};
