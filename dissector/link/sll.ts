/**
 * Linux "cooked" captures (the `any` device and non-Ethernet interfaces).
 *
 * SLL (LINKTYPE_LINUX_SLL 113), 16 bytes, all big-endian:
 *   0 packet type u16 | 2 ARPHRD type u16 | 4 address length u16 |
 *   6 address (8 bytes, first `halen` used) | 14 protocol u16
 * SLL2 (LINKTYPE_LINUX_SLL2 276), 20 bytes:
 *   0 protocol u16 | 2 reserved u16 | 4 interface index u32 |
 *   8 ARPHRD type u16 | 10 packet type u8 | 11 address length u8 |
 *   12 address (8 bytes)
 *
 * The protocol field is an EtherType for the ordinary cases; values below
 * 0x0600 are Linux ETH_P_* pseudo protocols (802.2 LLC, 802.3 Novell, CAN,
 * ...), and for ARPHRD_NETLINK (824) it is a netlink family: none of those
 * goes on to the EtherType table.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerResult, Protocol } from '../core/protocol.js';
import { ETHERTYPES, node, viewProblem } from './eth.js';

export interface SllInfo {
  /** 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. */
  readonly pkttype: number;
  /** ARPHRD_* link-layer address type. */
  readonly hatype: number;
  readonly halen: number;
  /** The protocol field (an EtherType unless noted above). */
  readonly protocol: number;
  /** SLL2 only. */
  readonly ifindex?: number;
}

const PKTTYPES: ReadonlyMap<number, string> = new Map([
  [0, 'Unicast to us'],
  [1, 'Broadcast'],
  [2, 'Multicast'],
  [3, 'Unicast to another host'],
  [4, 'Sent by us'],
]);

/** Linux ETH_P_* pseudo protocol numbers carried in the SLL protocol field. */
const LTYPES: ReadonlyMap<number, string> = new Map([
  [0x0001, 'Novell 802.3 (no 802.2 header)'],
  [0x0003, 'Every packet (ETH_P_ALL)'],
  [0x0004, '802.2 LLC'],
  [0x000c, 'CAN'],
  [0x000d, 'CAN FD'],
  [0x0010, 'PPP (ETH_P_PPP_MP)'],
]);

const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772;
const ARPHRD_NETLINK = 824;

const F = {
  sll: { abbrev: 'sll', name: 'Linux cooked capture', type: 'protocol' },
  pkttype: { abbrev: 'sll.pkttype', name: 'Packet type', type: 'uint16', base: 'dec', strings: PKTTYPES },
  hatype: { abbrev: 'sll.hatype', name: 'Link-layer address type', type: 'uint16', base: 'dec' },
  halen: { abbrev: 'sll.halen', name: 'Link-layer address length', type: 'uint16', base: 'dec' },
  srcEth: { abbrev: 'sll.src.eth', name: 'Source', type: 'ether' },
  srcOther: { abbrev: 'sll.src.other', name: 'Source', type: 'bytes' },
  unused: { abbrev: 'sll.unused', name: 'Unused', type: 'bytes' },
  etype: { abbrev: 'sll.etype', name: 'Protocol', type: 'uint16', base: 'hex', strings: ETHERTYPES },
  ltype: { abbrev: 'sll.ltype', name: 'Protocol', type: 'uint16', base: 'hex', strings: LTYPES },
  ifindex: { abbrev: 'sll.ifindex', name: 'Interface index', type: 'uint32', base: 'dec' },
} as const satisfies Record<string, FieldDef>;

const SLL_FIELDS: readonly FieldDef[] = [F.sll, F.pkttype, F.hatype, F.halen, F.srcEth, F.srcOther, F.unused, F.etype, F.ltype];

function nextOf(protocol: number, hatype: number): number | null {
  if (hatype === ARPHRD_NETLINK) return null;
  return protocol >= 0x0600 ? protocol : null;
}

/** Address nodes: MAC when it is 6 bytes of an Ethernet-like device, raw bytes otherwise. */
function addrNodes(view: ByteView, o: number, hatype: number, halen: number): FieldNode[] {
  const out: FieldNode[] = [];
  const used = Math.min(halen, 8);
  if (used === 6 && (hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK)) {
    out.push(node(F.srcEth, view.ether(o), view.abs(o), 6));
  } else if (used > 0) {
    out.push(node(F.srcOther, view.bytes(o, used), view.abs(o), used));
  }
  if (used < 8) out.push(node(F.unused, view.bytes(o + used, 8 - used), view.abs(o + used), 8 - used));
  return out;
}

function result(view: ByteView, hdr: number, info: SllInfo, tree: FieldNode[] | undefined): LayerResult<SllInfo> {
  const n = nextOf(info.protocol, info.hatype);
  if (n === null) return { info, payload: view.sub(hdr), tree };
  return { info, next: { table: 'ethertype', key: n }, payload: view.sub(hdr), tree };
}

function protoNode(view: ByteView, o: number, protocol: number, hatype: number): FieldNode {
  return node(nextOf(protocol, hatype) === null ? F.ltype : F.etype, protocol, view.abs(o), 2);
}

function dissectSll(view: ByteView, ctx: DissectContext): LayerResult<SllInfo | null> {
  let info: SllInfo | null = null;
  let tree: FieldNode[] | undefined;
  try {
    view.check(0, 16, 'Linux cooked header');
    info = { pkttype: view.u16(0), hatype: view.u16(2), halen: view.u16(4), protocol: view.u16(14) };
    if (ctx.tree) {
      const s = view.abs(0);
      tree = [
        node(F.sll, null, s, 16, [
          node(F.pkttype, info.pkttype, s, 2),
          node(F.hatype, info.hatype, s + 2, 2),
          node(F.halen, info.halen, s + 4, 2),
          ...addrNodes(view, 6, info.hatype, info.halen),
          protoNode(view, 14, info.protocol, info.hatype),
        ], 'Linux cooked capture v1'),
      ];
    }
    return result(view, 16, info, tree);
  } catch (e) {
    return { info, tree, problems: [viewProblem(e, view.abs(0))] };
  }
}

function dissectSll2(view: ByteView, ctx: DissectContext): LayerResult<SllInfo | null> {
  let info: SllInfo | null = null;
  let tree: FieldNode[] | undefined;
  try {
    view.check(0, 20, 'Linux cooked v2 header');
    info = { pkttype: view.u8(10), hatype: view.u16(8), halen: view.u8(11), protocol: view.u16(0), ifindex: view.u32(4) };
    if (ctx.tree) {
      const s = view.abs(0);
      tree = [
        node(F.sll, null, s, 20, [
          protoNode(view, 0, info.protocol, info.hatype),
          node(F.ifindex, info.ifindex!, s + 4, 4),
          node(F.hatype, info.hatype, s + 8, 2),
          node(F.pkttype, info.pkttype, s + 10, 1),
          node(F.halen, info.halen, s + 11, 1),
          ...addrNodes(view, 12, info.hatype, info.halen),
        ], 'Linux cooked capture v2'),
      ];
    }
    return result(view, 20, info, tree);
  } catch (e) {
    return { info, tree, problems: [viewProblem(e, view.abs(0))] };
  }
}

export const sll: Protocol<SllInfo | null> = {
  abbrev: 'sll',
  name: 'Linux cooked-mode capture',
  fields: SLL_FIELDS,
  dissect: dissectSll,
};

/** Same `sll.*` fields as SLL plus the interface index; its own abbreviation so the registry can hold both. */
export const sll2: Protocol<SllInfo | null> = {
  abbrev: 'sll2',
  name: 'Linux cooked-mode capture v2',
  fields: [...SLL_FIELDS, F.ifindex],
  dissect: dissectSll2,
};
