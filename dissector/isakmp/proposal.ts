/**
 * Proposal and transform payloads (inside an SA payload, or bare in a chain):
 * the typed proposals, their transforms and what each proposal offers.
 */
import { protocolName, rangeName } from './names.js';
import { PT } from './constants.js';
import type { IsakmpProposal, IsakmpTransform, ProposalOffer } from './result.js';
import type { Node, Walker } from './walker.js';
import { type AttrFamily, attribute } from './attributes.js';

const ESP_TRANSFORMS: ReadonlyMap<number, string> = new Map([
  [1, 'ESP_DES_IV64'], [2, 'ESP_DES'], [3, 'ESP_3DES'], [4, 'ESP_RC5'], [5, 'ESP_IDEA'], [6, 'ESP_CAST'], [7, 'ESP_BLOWFISH'],
  [8, 'ESP_3IDEA'], [9, 'ESP_DES_IV32'], [10, 'ESP_RC4'], [11, 'ESP_NULL'], [12, 'ESP_AES'], [13, 'ESP_AES-CTR'],
  [14, 'ESP_AES-CCM_8'], [15, 'ESP_AES-CCM_12'], [16, 'ESP_AES-CCM_16'], [18, 'ESP_AES-GCM_8'], [19, 'ESP_AES-GCM_12'],
  [20, 'ESP_AES-GCM_16'], [21, 'ESP_SEED_CBC'], [22, 'ESP_CAMELLIA'], [23, 'ESP_NULL_AUTH_AES-GMAC'],
]);
const AH_TRANSFORMS: ReadonlyMap<number, string> = new Map([
  [2, 'AH_MD5'], [3, 'AH_SHA'], [4, 'AH_DES'], [5, 'AH_SHA2-256'], [6, 'AH_SHA2-384'], [7, 'AH_SHA2-512'], [8, 'AH_RIPEMD'],
]);
const IKE2_TRANSFORM_FIELD = ['isakmp.tf.id', 'isakmp.tf.id.encr', 'isakmp.tf.id.prf', 'isakmp.tf.id.integ', 'isakmp.tf.id.dh', 'isakmp.tf.id.esn'];

export function proposal(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const number = v.u8(o);
  w.item(t, 'isakmp.prop.number', o, 1);
  if (t) t.text = `Payload: Proposal (2) # ${number}`;
  const { protocolId, spiSize } = w.protocolAndSpiSize(t, 'isakmp.prop.protoid', o + 1);
  const count = v.u8(o + 3);
  w.item(t, 'isakmp.prop.transforms', o + 3, 1);
  o += 4;
  length -= 4;
  const spi = w.spi(t, o, spiSize);
  o += spiSize;
  length -= spiSize;
  const offer: ProposalOffer = { encryption: [], integrity: [], hash: [], prf: [], group: [], authMethod: [] };
  const proposal: IsakmpProposal = { number, protocolId, protocolName: protocolName(protocolId, w.version), spi, transformCount: count, transforms: [], offer };
  (w.currentSa ?? orphanSa(w)).proposals.push(proposal);
  try {
    transforms(w, t, o, length, count, protocolId, proposal);
  } finally {
    gatherOffer(proposal);
  }
}

function transforms(w: Walker, t: Node | null, o: number, length: number, count: number, protocolId: number, proposal: IsakmpProposal): void {
  for (let index = 1; index <= count; index++) {
    const h = w.payloadHeader(t!, o, length, PT.T);
    if (length < h.length) {
      w.expert(t, 'isakmp.payloadlength.invalid', o + 4, length, `Payload (bogus, length is ${h.length}, greater than remaining length ${length}`);
      w.problem(`proposal ${proposal.number}: transform at offset ${o} (length ${h.length}) runs past the proposal (${length} bytes left)`);
      break;
    } else if (h.length < 4) {
      w.expert(t, 'isakmp.payloadlength.invalid', o + 4, length, `Payload (bogus, length is ${h.length}, must be at least 4)`);
      w.problem(`proposal ${proposal.number}: transform at offset ${o} has length ${h.length}`);
      break;
    }
    transformBody(w, h.node, o + 4, h.length - 4, protocolId, proposal, index);
    o += h.length;
    length -= h.length;
  }
}

/** Proposals outside an SA payload (a bare Proposal payload in a chain). */
function orphanSa(w: Walker): { proposals: IsakmpProposal[] } {
  const sa = { doi: null, situation: null, proposals: [] as IsakmpProposal[] };
  w.r.sa.push(sa);
  w.currentSa = sa;
  return sa;
}

function transformBody(w: Walker, t: Node | null, o: number, length: number, protocolId: number, proposal: IsakmpProposal, index: number): void {
  const v = w.v;
  const end = o + length;
  if (w.version === 1) {
    const number = v.u8(o);
    if (t) t.text = `Payload: Transform (3) # ${number}`;
    w.item(t, 'isakmp.trans.number', o, 1);
    o++;
    const id = v.u8(o);
    let idName: string;
    switch (protocolId) {
      case 1:
        idName = id === 1 ? 'KEY_IKE' : 'UNKNOWN-TRANS-TYPE';
        break;
      case 2:
        idName = AH_TRANSFORMS.get(id) ?? 'UNKNOWN-AH-TRANS-TYPE';
        break;
      case 3:
        idName = ESP_TRANSFORMS.get(id) ?? 'UNKNOWN-ESP-TRANS-TYPE';
        break;
      case 4:
        idName = rangeName('isakmp.notify.data.ipcomp.transform_id', id) ?? 'UNKNOWN-IPCOMP-TRANS-TYPE';
        break;
      default:
        idName = `${id}`;
    }
    if (protocolId >= 1 && protocolId <= 4) w.val(t, 'isakmp.trans.id', o, 1, id, 0, `Transform ID: ${idName} (${id})`);
    else w.item(t, 'isakmp.trans.id', o, 1);
    o++;
    w.item(t, 'isakmp.reserved', o, 2);
    o += 2;
    const tr: IsakmpTransform = { number, id, idName, type: null, attributes: [], summary: {} };
    if (protocolId === 3) tr.summary.encryption = { id, name: idName };
    else if (protocolId === 2) tr.summary.integrity = { id, name: idName };
    proposal.transforms.push(tr);
    w.lifeType = 0;
    w.transform = tr;
    const family: AttrFamily = protocolId === 1 && id === 1 ? 'ike' : 'ipsec';
    while (o < end) o += attribute(w, t, o, family);
    w.transform = null;
    return;
  }
  if (w.version === 2) {
    const type = v.u8(o);
    w.item(t, 'isakmp.tf.type', o, 1);
    o++;
    w.item(t, 'isakmp.reserved', o, 1);
    o++;
    const id = v.u16(o);
    const field = IKE2_TRANSFORM_FIELD[type >= 1 && type <= 5 ? type : 0]!;
    w.item(t, field, o, 2);
    o += 2;
    const idName = rangeName(field, id) ?? `Unknown ${id}`;
    const tr: IsakmpTransform = { number: index, id, idName, type, attributes: [], summary: {} };
    const s = tr.summary;
    if (type === 1) s.encryption = { id, name: idName };
    else if (type === 2) s.prf = { id, name: idName };
    else if (type === 3) s.integrity = { id, name: idName };
    else if (type === 4) s.group = { id, name: idName };
    else if (type === 5) s.esn = id;
    proposal.transforms.push(tr);
    w.transform = tr;
    while (o < end) o += attribute(w, t, o, 'ike2');
    w.transform = null;
  }
}

/** Fill a proposal's offer from its transforms' summaries. */
function gatherOffer(p: IsakmpProposal): void {
  const o = p.offer;
  const add = <T extends { id: number }>(list: T[], x: T | undefined): void => {
    if (x && !list.some((y) => JSON.stringify(y) === JSON.stringify(x))) list.push(x);
  };
  for (const tr of p.transforms) {
    const s = tr.summary;
    if (s.encryption) add(o.encryption, s.keyLength !== undefined ? { ...s.encryption, keyLength: s.keyLength } : { ...s.encryption });
    add(o.integrity, s.integrity);
    add(o.hash, s.hash);
    add(o.prf, s.prf);
    add(o.group, s.group);
    add(o.authMethod, s.authMethod);
  }
}
