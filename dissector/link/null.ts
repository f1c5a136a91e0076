/**
 * BSD loopback encapsulations: a 4-byte address family before the IP packet.
 *
 * NULL (LINKTYPE_NULL 0): the family is in the byte order of the host that
 * captured — either. The value is small (an AF_* number), so: read it
 * little-endian; if that is > 0xffff the bytes were big-endian.
 * LOOP (LINKTYPE_LOOP 108, OpenBSD): the family in network byte order.
 *
 * AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD, OpenBSD,
 * BSD/OS), 28 (FreeBSD, DragonFly) and 30 (Darwin). Some old systems put an
 * EtherType there instead; a value of 0x0600 or more (and <= 0xffff) is
 * taken as one.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerResult, Protocol } from '../core/protocol.js';
import { ETHERTYPES, node, viewProblem } from './eth.js';

export interface NullInfo {
  /** Address family (or the EtherType, see `ethertype`). */
  readonly family: number;
  /** EtherType the family maps to, or null when unknown (then no `next`). */
  readonly ethertype: number | null;
}

const FAMILIES: ReadonlyMap<number, string> = new Map([
  [2, 'IP'],
  [10, 'IPv6 (Linux)'],
  [24, 'IPv6 (NetBSD/OpenBSD/BSD/OS)'],
  [28, 'IPv6 (FreeBSD/DragonFly)'],
  [30, 'IPv6 (Darwin)'],
]);

const F = {
  nul: { abbrev: 'null', name: 'Null/Loopback', type: 'protocol' },
  family: { abbrev: 'null.family', name: 'Family', type: 'uint32', base: 'dec', strings: FAMILIES },
  type: { abbrev: 'null.type', name: 'Type', type: 'uint16', base: 'hex', strings: ETHERTYPES },
} as const satisfies Record<string, FieldDef>;

/** Address family → EtherType. */
export function familyEthertype(family: number): number | null {
  if (family === 2) return 0x0800;
  if (family === 10 || family === 24 || family === 28 || family === 30) return 0x86dd;
  if (family >= 0x0600 && family <= 0xffff) return family;
  return null;
}

function dissectFamily(view: ByteView, ctx: DissectContext, hostOrder: boolean): LayerResult<NullInfo | null> {
  let info: NullInfo | null = null;
  let tree: FieldNode[] | undefined;
  try {
    view.check(0, 4, 'loopback header');
    let family: number;
    if (hostOrder) {
      family = view.u32le(0);
      if (family > 0xffff) family = view.u32(0);
    } else {
      family = view.u32(0);
    }
    const et = familyEthertype(family);
    info = { family, ethertype: et };
    if (ctx.tree) {
      const s = view.abs(0);
      const isType = et !== null && et === family;
      tree = [node(F.nul, null, s, 4, [isType ? node(F.type, family, s, 4) : node(F.family, family, s, 4)], 'Null/Loopback')];
    }
    if (et === null) return { info, payload: view.sub(4), tree };
    return { info, next: { table: 'ethertype', key: et }, payload: view.sub(4), tree };
  } catch (e) {
    return { info, tree, problems: [viewProblem(e, view.abs(0))] };
  }
}

/** LINKTYPE_NULL (0): family in the capturing host's byte order. */
export const bsdNull: Protocol<NullInfo | null> = {
  abbrev: 'null',
  name: 'Null/Loopback',
  fields: Object.values(F),
  dissect: (view, ctx) => dissectFamily(view, ctx, true),
};

/** LINKTYPE_LOOP (108): family in network byte order. Same `null.*` fields, its own abbreviation. */
export const bsdLoop: Protocol<NullInfo | null> = {
  abbrev: 'null.loop',
  name: 'OpenBSD loopback',
  fields: Object.values(F),
  dissect: (view, ctx) => dissectFamily(view, ctx, false),
};
