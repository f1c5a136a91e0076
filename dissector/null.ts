/**
 * BSD loopback encapsulations: NULL (LINKTYPE_NULL 0, the address family in the
 * capturing host's byte order — either) and LOOP (108, network byte order).
 */
import type { ByteView } from './byteview.js';
import type { DissectContext, LayerResult, Protocol } from './protocol.js';
import { f, node, table, tooShort } from './layer.js';

export interface NullInfo {
  readonly family: number;
}

const F = table([f('null.family', 'Family', 'uint32', 'dec')]);

/** AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD/OpenBSD), 28 (FreeBSD), 30 (macOS). */
function ethertypeOf(family: number): number | null {
  if (family === 2) return 0x0800;
  if (family === 10 || family === 24 || family === 28 || family === 30) return 0x86dd;
  return null;
}

function make(abbrev: string, name: string, hostOrder: boolean): Protocol<NullInfo | null> {
  return {
    abbrev,
    name,
    fields: Object.values(F),
    dissect(v: ByteView, ctx: DissectContext): LayerResult<NullInfo | null> {
      if (!v.has(0, 4)) return { info: null, problems: [tooShort(v, 4, name)] };
      let family = v.u32(0);
      // Host byte order: a small value read big-endian is right; else it was little-endian.
      if (hostOrder && family > 0xffff) family = v.u32le(0);
      const tree = ctx.tree ? [node(F['null.family']!, family, v.abs(0), 4)] : undefined;
      const et = ethertypeOf(family);
      return { info: { family }, ...(et !== null ? { next: { table: 'ethertype' as const, key: et }, payload: v.sub(4) } : {}), ...(tree ? { tree } : {}) };
    },
  };
}

export const bsdNull = make('null', 'Null/Loopback', true);
export const bsdLoop = make('loop', 'OpenBSD loopback', false);
