/**
 * Raw IP link types: no link header at all.
 * LINKTYPE_RAW (101, and the historical DLT numbers 12 and 14 some systems
 * write): the version nibble of the first byte says IPv4 or IPv6.
 * LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229): the version is fixed.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerResult, Protocol } from '../core/protocol.js';
import { node, viewProblem } from './eth.js';

export interface RawInfo {
  /** 4 or 6 (for LINKTYPE_RAW the version nibble as read, possibly neither). */
  readonly version: number;
}

const F = {
  raw: { abbrev: 'raw', name: 'Raw packet data', type: 'protocol' },
} as const satisfies Record<string, FieldDef>;

function rawTree(view: ByteView, ctx: DissectContext): FieldNode[] | undefined {
  return ctx.tree ? [node(F.raw, null, view.abs(0), 0, undefined, 'Raw packet data')] : undefined;
}

function dissectRaw(view: ByteView, ctx: DissectContext): LayerResult<RawInfo | null> {
  const tree = rawTree(view, ctx);
  try {
    const version = view.u8(0) >>> 4;
    if (version === 4) return { info: { version }, next: { table: 'ethertype', key: 0x0800 }, payload: view, tree };
    if (version === 6) return { info: { version }, next: { table: 'ethertype', key: 0x86dd }, payload: view, tree };
    return {
      info: { version },
      payload: view,
      tree,
      problems: [{ kind: 'malformed', offset: view.abs(0), message: `raw IP: version ${version} is neither 4 nor 6` }],
    };
  } catch (e) {
    return { info: null, tree, problems: [viewProblem(e, view.abs(0))] };
  }
}

function fixed(abbrev: string, version: 4 | 6): Protocol<RawInfo> {
  const key = version === 4 ? 0x0800 : 0x86dd;
  const info: RawInfo = { version };
  return {
    abbrev,
    name: `Raw IPv${version}`,
    fields: Object.values(F),
    dissect: (view, ctx) => ({ info, next: { table: 'ethertype', key }, payload: view, tree: rawTree(view, ctx) }),
  };
}

/** LINKTYPE_RAW (101) and DLT 12/14: IPv4 or IPv6 by the version nibble. */
export const rawIp: Protocol<RawInfo | null> = {
  abbrev: 'raw',
  name: 'Raw IP',
  fields: Object.values(F),
  dissect: dissectRaw,
};

/** LINKTYPE_IPV4 (228). */
export const rawIpv4: Protocol<RawInfo> = fixed('raw.ipv4', 4);

/** LINKTYPE_IPV6 (229). */
export const rawIpv6: Protocol<RawInfo> = fixed('raw.ipv6', 6);
