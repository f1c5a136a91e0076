/**
 * IEEE 802.1Q VLAN tag, also used for the outer tag of QinQ stacks (802.1ad
 * S-tag 0x88a8 and the pre-standard 0x9100). The tag that follows the
 * Ethernet type is 4 bytes: TCI (priority 3 bits, DEI 1 bit, VLAN ID 12 bits)
 * then the inner type/length. A stack of tags is just this dissector again
 * (the pipeline bounds the nesting).
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerResult, Protocol } from '../core/protocol.js';
import { ETHERTYPES, hex4, node, viewProblem } from './eth.js';

export interface VlanInfo {
  /** Priority code point (0-7). */
  readonly priority: number;
  /** Drop eligible indicator (formerly CFI). */
  readonly dei: boolean;
  /** VLAN identifier (0-4095). */
  readonly id: number;
  /** Inner type/length field. */
  readonly type: number;
  /** Set when the inner field is an 802.3 length (<= 1500): no `next` then. */
  readonly length8023?: number;
}

const PRIORITIES: ReadonlyMap<number, string> = new Map([
  [0, 'Best Effort (default)'],
  [1, 'Background'],
  [2, 'Excellent Effort'],
  [3, 'Critical Applications'],
  [4, 'Video, < 100ms latency and jitter'],
  [5, 'Voice, < 10ms latency and jitter'],
  [6, 'Internetwork Control'],
  [7, 'Network Control'],
]);

const F = {
  vlan: { abbrev: 'vlan', name: '802.1Q Virtual LAN', type: 'protocol' },
  priority: { abbrev: 'vlan.priority', name: 'Priority', type: 'uint16', base: 'dec', bitmask: 0xe000, strings: PRIORITIES },
  dei: { abbrev: 'vlan.dei', name: 'DEI', type: 'boolean', bitmask: 0x1000, bitWidth: 16, tf: ['Eligible', 'Ineligible'] },
  id: { abbrev: 'vlan.id', name: 'ID', type: 'uint16', base: 'dec', bitmask: 0x0fff },
  etype: { abbrev: 'vlan.etype', name: 'Type', type: 'uint16', base: 'hex', strings: ETHERTYPES },
  len: { abbrev: 'vlan.len', name: 'Length', type: 'uint16', base: 'dec' },
} as const satisfies Record<string, FieldDef>;

const HDR = 4;
const O_TCI = 0;
const O_TYPE = 2;

function dissectVlan(view: ByteView, ctx: DissectContext): LayerResult<VlanInfo | null> {
  let info: VlanInfo | null = null;
  let tree: FieldNode[] | undefined;
  try {
    view.check(0, HDR, '802.1Q tag');
    const tci = view.u16(O_TCI);
    const type = view.u16(O_TYPE);
    const priority = tci >>> 13;
    const dei = (tci & 0x1000) !== 0;
    const id = tci & 0x0fff;
    const is8023 = type <= 1500;
    info = is8023 ? { priority, dei, id, type, length8023: type } : { priority, dei, id, type };
    if (ctx.tree) {
      const s = view.abs(0);
      tree = [
        node(F.vlan, null, s, HDR, [
          node(F.priority, priority, s + O_TCI, 2),
          node(F.dei, dei, s + O_TCI, 2),
          node(F.id, id, s + O_TCI, 2),
          node(is8023 ? F.len : F.etype, type, s + O_TYPE, 2),
        ], `802.1Q Virtual LAN, PRI: ${priority}, DEI: ${dei ? 1 : 0}, ID: ${id}`),
      ];
    }
    if (is8023) return { info, payload: view.subClipped(HDR, type), tree };
    if (type < 0x0600) {
      return { info, tree, problems: [{ kind: 'malformed', offset: view.abs(O_TYPE), message: `invalid 802.1Q length/type ${hex4(type)}` }] };
    }
    return { info, next: { table: 'ethertype', key: type }, payload: view.sub(HDR), tree };
  } catch (e) {
    return { info, tree, problems: [viewProblem(e, view.abs(0))] };
  }
}

export const vlan: Protocol<VlanInfo | null> = {
  abbrev: 'vlan',
  name: '802.1Q Virtual LAN',
  fields: Object.values(F),
  dissect: dissectVlan,
};
