/**
 * UDP (RFC 768): 0 source port | 2 destination port | 4 length (header +
 * data) | 6 checksum. The payload honours the UDP length: bytes after it in
 * the IP payload are not part of the datagram. A length below 8 or beyond
 * the IP payload is malformed; the payload is then clipped to what the IP
 * layer delivered (empty for a length below 8, except 0, which jumbograms
 * and UDP segmentation offload leave: then the rest is taken).
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from '../core/protocol.js';
import { node, viewProblem } from '../link/eth.js';

export interface UdpInfo {
  readonly srcport: number;
  readonly dstport: number;
  /** The length field (header + data), as sent. */
  readonly length: number;
}

const F = {
  udp: { abbrev: 'udp', name: 'User Datagram Protocol', type: 'protocol' },
  srcport: { abbrev: 'udp.srcport', name: 'Source Port', type: 'uint16', base: 'dec' },
  dstport: { abbrev: 'udp.dstport', name: 'Destination Port', type: 'uint16', base: 'dec' },
  length: { abbrev: 'udp.length', name: 'Length', type: 'uint16', base: 'dec' },
  checksum: { abbrev: 'udp.checksum', name: 'Checksum', type: 'uint16', base: 'hex', description: 'not verified' },
} as const satisfies Record<string, FieldDef>;

const HDR = 8;
const O_SPORT = 0;
const O_DPORT = 2;
const O_LEN = 4;
const O_CSUM = 6;

function dissectUdp(view: ByteView, ctx: DissectContext): LayerResult<UdpInfo | null> {
  let info: UdpInfo | null = null;
  let tree: FieldNode[] | undefined;
  try {
    view.check(0, HDR, 'UDP header');
    const srcport = view.u16(O_SPORT);
    const dstport = view.u16(O_DPORT);
    const length = view.u16(O_LEN);
    info = { srcport, dstport, length };
    if (ctx.tree) {
      const s = view.abs(0);
      tree = [
        node(F.udp, null, s, HDR, [
          node(F.srcport, srcport, s + O_SPORT, 2),
          node(F.dstport, dstport, s + O_DPORT, 2),
          node(F.length, length, s + O_LEN, 2),
          node(F.checksum, view.u16(O_CSUM), s + O_CSUM, 2),
        ], `User Datagram Protocol, Src Port: ${srcport}, Dst Port: ${dstport}`),
      ];
    }
    if (length >= HDR && length <= view.length) return { info, payload: view.sub(HDR, length - HDR), tree };
    let problem: LayerProblem;
    let payload: ByteView;
    if (length > view.length) {
      problem = { kind: 'malformed', offset: view.abs(O_LEN), message: `UDP: length ${length} runs past the IP payload (${view.length} bytes)` };
      payload = view.sub(HDR);
    } else {
      problem = { kind: 'malformed', offset: view.abs(O_LEN), message: `UDP: bogus length ${length} (< 8)` };
      payload = length === 0 ? view.sub(HDR) : view.sub(HDR, 0);
    }
    return { info, payload, tree, problems: [problem] };
  } catch (e) {
    return { info, tree, problems: [viewProblem(e, view.abs(0))] };
  }
}

export const udp: Protocol<UdpInfo | null> = {
  abbrev: 'udp',
  name: 'User Datagram Protocol',
  fields: Object.values(F),
  dissect: dissectUdp,
};
