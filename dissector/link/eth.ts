/**
 * Ethernet II (DIX) framing: 6-byte destination, 6-byte source, 2-byte
 * type/length. A type/length value of 1500 or less is an IEEE 802.3 length
 * (an LLC frame follows, not decoded here); 1536 (0x0600) or more is an
 * EtherType; values in between are invalid.
 *
 * This file also holds the small pieces the other link/network/transport
 * dissectors share: the EtherType names and the view-error → problem mapping.
 */
import { TruncatedError, ViewError, type ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode, FieldValue } from '../core/field.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from '../core/protocol.js';

// ---------------------------------------------------------------- shared helpers

/** EtherType names (IEEE registry facts) used by eth, vlan, sll and null trees. */
export const ETHERTYPES: ReadonlyMap<number, string> = new Map([
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x8035, 'RARP'],
  [0x8100, '802.1Q Virtual LAN'],
  [0x86dd, 'IPv6'],
  [0x8847, 'MPLS label switched packet'],
  [0x8848, 'MPLS multicast label switched packet'],
  [0x8863, 'PPPoE Discovery'],
  [0x8864, 'PPPoE Session'],
  [0x888e, '802.1X Authentication'],
  [0x88a8, '802.1ad Provider Bridge (Q-in-Q)'],
  [0x88cc, '802.1 Link Layer Discovery Protocol (LLDP)'],
  [0x8906, 'Fibre Channel over Ethernet'],
  [0x9100, 'VLAN-tagged frame (Q-in-Q, pre-standard)'],
]);

/**
 * A caught error as a layer problem: a read past the captured bytes is
 * "truncated" (snaplen), past a declared length "malformed". Anything else
 * (a bug) is reported as malformed rather than thrown out of a dissector.
 */
export function viewProblem(e: unknown, fallbackOffset: number): LayerProblem {
  if (e instanceof TruncatedError) return { kind: 'truncated', offset: e.offset, message: e.message };
  if (e instanceof ViewError) return { kind: 'malformed', offset: e.offset, message: e.message };
  return { kind: 'malformed', offset: fallbackOffset, message: `dissector error: ${e instanceof Error ? e.message : String(e)}` };
}

/** Tree node constructor (only called when ctx.tree). */
export function node(
  def: FieldDef,
  value: FieldValue,
  offset: number,
  length: number,
  children?: FieldNode[],
  text?: string,
): FieldNode {
  const n: { def: FieldDef; value: FieldValue; offset: number; length: number; children?: FieldNode[]; text?: string } = {
    def,
    value,
    offset,
    length,
  };
  if (children) n.children = children;
  if (text !== undefined) n.text = text;
  return n;
}

/** "Name: text (0x0800)" style label for a value-string field. */
export function hex4(v: number): string {
  return '0x' + v.toString(16).padStart(4, '0');
}

// ---------------------------------------------------------------- Ethernet

export interface EthInfo {
  /** Addresses are only decoded when a tree is built (empty on the fast path). */
  readonly dst: string;
  readonly src: string;
  /** The raw type/length field. */
  readonly type: number;
  /** Set when the frame is IEEE 802.3 (type/length <= 1500): the declared length. No `next` then. */
  readonly length8023?: number;
}

const F = {
  eth: { abbrev: 'eth', name: 'Ethernet II', type: 'protocol' },
  dst: { abbrev: 'eth.dst', name: 'Destination', type: 'ether' },
  src: { abbrev: 'eth.src', name: 'Source', type: 'ether' },
  type: { abbrev: 'eth.type', name: 'Type', type: 'uint16', base: 'hex', strings: ETHERTYPES },
  len: { abbrev: 'eth.len', name: 'Length', type: 'uint16', base: 'dec' },
  invalid: { abbrev: 'eth.invalid_lentype', name: 'Invalid length/type', type: 'uint16', base: 'hex' },
} as const satisfies Record<string, FieldDef>;

/** Ethernet II header offsets: the dissector's and the pipeline's fixed-offset fast path's one definition. */
export const ETH = { DST: 0, SRC: 6, TYPE: 12, HEADER: 14 } as const;
const HDR = ETH.HEADER;
const O_DST = ETH.DST;
const O_SRC = ETH.SRC;
const O_TYPE = ETH.TYPE;

function dissectEth(view: ByteView, ctx: DissectContext): LayerResult<EthInfo | null> {
  let info: EthInfo | null = null;
  let tree: FieldNode[] | undefined;
  try {
    view.check(0, HDR, 'Ethernet header');
    const type = view.u16(O_TYPE);
    const dst = ctx.tree ? view.ether(O_DST) : '';
    const src = ctx.tree ? view.ether(O_SRC) : '';
    if (type >= 0x0600) {
      info = { dst, src, type };
      if (ctx.tree) tree = ethTree(view, dst, src, F.type, type);
      return { info, next: { table: 'ethertype', key: type }, payload: view.sub(HDR), tree };
    }
    if (type <= 1500) {
      info = { dst, src, type, length8023: type };
      if (ctx.tree) tree = ethTree(view, dst, src, F.len, type, 'IEEE 802.3 Ethernet');
      const payload = view.subClipped(HDR, type);
      const problems: LayerProblem[] | undefined =
        HDR + type > view.length
          ? [{ kind: 'malformed', offset: view.abs(O_TYPE), message: `802.3 length ${type} runs past the end of the frame` }]
          : undefined;
      return { info, payload, tree, problems };
    }
    info = { dst, src, type };
    if (ctx.tree) tree = ethTree(view, dst, src, F.invalid, type);
    return {
      info,
      tree,
      problems: [{ kind: 'malformed', offset: view.abs(O_TYPE), message: `invalid Ethernet length/type ${hex4(type)}` }],
    };
  } catch (e) {
    return { info, tree, problems: [viewProblem(e, view.abs(0))] };
  }
}

function ethTree(view: ByteView, dst: string, src: string, typeDef: FieldDef, type: number, title?: string): FieldNode[] {
  const s = view.abs(0);
  return [
    node(F.eth, null, s, HDR, [
      node(F.dst, dst, s + O_DST, 6),
      node(F.src, src, s + O_SRC, 6),
      node(typeDef, type, s + O_TYPE, 2),
    ], `${title ?? 'Ethernet II'}, Src: ${src}, Dst: ${dst}`),
  ];
}

export const eth: Protocol<EthInfo | null> = {
  abbrev: 'eth',
  name: 'Ethernet',
  fields: Object.values(F),
  dissect: dissectEth,
};
