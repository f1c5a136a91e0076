/**
 * UDP encapsulation of IPsec (RFC 3948), UDP port 4500 — NAT traversal.
 *
 * One datagram is one of three things:
 *  - a NAT-keepalive: exactly one byte, 0xFF (§2.3);
 *  - IKE: a 4-byte zero Non-ESP marker, then an ISAKMP message (§2.2);
 *  - ESP: anything else — the first four bytes are the (non-zero) SPI (§2.1).
 * A datagram of 1..3 bytes (other than the keepalive) cannot be told apart:
 * tshark shows the udpencap protocol and marks it malformed; an empty one is
 * not handed to udpencap at all (no tree).
 *
 * The tree is tshark's: the `udpencap` node (with udpencap.nat_keepalive or
 * udpencap.non_esp_marker), then — as siblings, as Wireshark adds them — the
 * isakmp or esp tree of what it carries.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { AppProtocol, PduContext, TreeContext } from '../core/protocol.js';
import { dissectEsp, type EspInfo } from '../esp/esp.js';
import { dissectIsakmp, type IsakmpResult } from '../isakmp/isakmp.js';

export const NAT_T_PORT = 4500;

export type UdpEncapKind = 'keepalive' | 'ike' | 'esp' | 'short';

export interface UdpEncapResult {
  readonly kind: UdpEncapKind;
  /** kind 'ike': the ISAKMP message after the marker (its isIsakmp may be false). */
  readonly ike: IsakmpResult | null;
  /** kind 'esp': SPI and sequence number. */
  readonly esp: EspInfo | null;
  readonly problems: string[];
}

/** Wireshark 4.0's 2 udpencap.* fields. */
export const UDPENCAP_FIELDS: readonly FieldDef[] = [
  { abbrev: 'udpencap.nat_keepalive', name: 'NAT-keepalive packet', type: 'none' },
  { abbrev: 'udpencap.non_esp_marker', name: 'Non-ESP Marker', type: 'none' },
];
const PROTO: FieldDef = { abbrev: 'udpencap', name: 'UDP Encapsulation of IPsec Packets', type: 'protocol' };

/**
 * Classify and dissect one datagram on port 4500. `withTree` false skips the
 * ESP tree (ESP in UDP is the per-packet path; an IKE message's tree comes
 * with its result anyway). Never throws.
 */
export function dissectUdpEncap(v: ByteView, withTree = true): { result: UdpEncapResult; tree: FieldNode[] } {
  if (v.length === 0) {
    // tshark's UDP hands no subdissector an empty payload: no udpencap at all.
    return { result: { kind: 'short', ike: null, esp: null, problems: ['empty datagram'] }, tree: [] };
  }
  const s = v.abs(0);
  const children: FieldNode[] = [];
  const tree: FieldNode[] = [{ def: PROTO, value: null, offset: s, length: v.captured, children }];
  if (v.length === 1 && v.has(0, 1) && v.u8(0) === 0xff) {
    children.push({ def: UDPENCAP_FIELDS[0]!, value: null, offset: s, length: 1 });
    return { result: { kind: 'keepalive', ike: null, esp: null, problems: [] }, tree };
  }
  if (!v.has(0, 4)) {
    const why = v.length < 4 ? `${v.length} bytes: neither a NAT-keepalive nor a 4-byte marker or SPI` : `cut at ${v.captured} bytes, before the 4-byte marker or SPI`;
    return { result: { kind: 'short', ike: null, esp: null, problems: [why] }, tree };
  }
  if (v.u32(0) === 0) {
    children.push({ def: UDPENCAP_FIELDS[1]!, value: null, offset: s, length: 4 });
    const inner = dissectIsakmp(v.sub(4));
    tree.push(...inner.tree);
    return { result: { kind: 'ike', ike: inner.result, esp: null, problems: [] }, tree };
  }
  const e = dissectEsp(v, withTree);
  tree.push(...e.tree);
  return { result: { kind: 'esp', ike: null, esp: e.info, problems: e.problems.map((p) => p.message) }, tree };
}

export const udpencap: AppProtocol<UdpEncapResult> & { readonly fields: readonly FieldDef[] } = {
  abbrev: 'udpencap',
  name: 'UDPENCAP',
  fields: UDPENCAP_FIELDS,
  dissectPdu(v: ByteView, _ctx: PduContext): UdpEncapResult {
    return dissectUdpEncap(v, false).result;
  },
  tree(v: ByteView, _ctx: TreeContext): FieldNode[] {
    return dissectUdpEncap(v).tree;
  },
};
