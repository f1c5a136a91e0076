/**
 * ICMP (RFC 792) and ICMPv6 (RFC 4443), as far as the tool needs them: the
 * type and code, and, for an error message, the packet it quotes. An error
 * (destination unreachable, time exceeded, parameter problem, and for ICMP
 * source quench and redirect; for ICMPv6 also packet too big) carries after
 * its 8-byte header as much of the offending IP packet as fits; tshark
 * dissects that quoted packet — an IKE message sent to a host with no IKE
 * daemon comes back quoted in a port unreachable — so the pipeline does too,
 * for display only: a quoted packet never feeds reassembly or records.
 *   0 type | 1 code | 2 checksum | 4 rest of header | 8 quoted packet
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerResult, Protocol } from '../core/protocol.js';
import { node, viewProblem } from '../link/eth.js';

export interface IcmpInfo {
  readonly type: number;
  readonly code: number;
  /** The payload is a quoted IP packet (an error message). */
  readonly quote: boolean;
}

const F = {
  icmp: { abbrev: 'icmp', name: 'Internet Control Message Protocol', type: 'protocol' },
  type: { abbrev: 'icmp.type', name: 'Type', type: 'uint8', base: 'dec' },
  code: { abbrev: 'icmp.code', name: 'Code', type: 'uint8', base: 'dec' },
  icmpv6: { abbrev: 'icmpv6', name: 'Internet Control Message Protocol v6', type: 'protocol' },
  type6: { abbrev: 'icmpv6.type', name: 'Type', type: 'uint8', base: 'dec' },
  code6: { abbrev: 'icmpv6.code', name: 'Code', type: 'uint8', base: 'dec' },
} as const satisfies Record<string, FieldDef>;

const HDR = 8;
/** ICMP error types that quote the offending packet. */
const ERRORS_V4 = new Set([3, 4, 5, 11, 12]);
const ERRORS_V6 = new Set([1, 2, 3, 4]);

function dissect(v6: boolean, view: ByteView, ctx: DissectContext): LayerResult<IcmpInfo | null> {
  try {
    view.check(0, HDR, v6 ? 'ICMPv6 header' : 'ICMP header');
    const type = view.u8(0);
    const code = view.u8(1);
    const quote = (v6 ? ERRORS_V6 : ERRORS_V4).has(type);
    const s = view.abs(0);
    const tree: FieldNode[] | undefined = ctx.tree
      ? [node(v6 ? F.icmpv6 : F.icmp, null, s, view.captured, [node(v6 ? F.type6 : F.type, type, s, 1), node(v6 ? F.code6 : F.code, code, s + 1, 1)])]
      : undefined;
    const info = { type, code, quote };
    if (!quote || view.captured <= HDR) return { info, ...(tree ? { tree } : {}) };
    return { info, next: { table: 'ethertype', key: v6 ? 0x86dd : 0x0800 }, payload: view.sub(HDR), ...(tree ? { tree } : {}) };
  } catch (e) {
    return { info: null, problems: [viewProblem(e, view.abs(0))] };
  }
}

export const icmp: Protocol<IcmpInfo | null> = {
  abbrev: 'icmp',
  name: 'Internet Control Message Protocol',
  quotes: true,
  fields: [F.icmp, F.type, F.code],
  dissect: (view, ctx) => dissect(false, view, ctx),
};

export const icmpv6: Protocol<IcmpInfo | null> = {
  abbrev: 'icmpv6',
  name: 'Internet Control Message Protocol v6',
  quotes: true,
  fields: [F.icmpv6, F.type6, F.code6],
  dissect: (view, ctx) => dissect(true, view, ctx),
};
