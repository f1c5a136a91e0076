/**
 * Payload chains (dissect_payloads): each payload's generic header, the
 * nesting guard around its body, the body by payload type; and the SA
 * payload, whose proposals are a payload chain of their own.
 */
import { MalformedError } from '../core/byteview.js';
import { payloadName } from './names.js';
import { PT } from './constants.js';
import type { IsakmpProposal } from './result.js';
import type { Node, Walker } from './walker.js';
import { ciscoFragment, encrypted, ikev2Fragment } from './encrypted.js';
import { auth, cert, certReq, identification, keyExchange, natOa, vendorId } from './exchange.js';
import { keyDownload, saKek, saTek } from './gdoi.js';
import { config, eap, trafficSelectors } from './ikev2.js';
import { deletePayload, notify } from './notify.js';
import { proposal } from './proposal.js';

/** dissect_payloads: a chain of payloads starting with type `first`. */
export function payloads(w: Walker, tree: Node, first: number, o: number, length: number, topLevel: boolean): void {
  let payload = first;
  while (length > 0) {
    if (payload === PT.NONE) {
      w.item(tree, 'isakmp.extradata', o, length);
      w.problem(`${length} bytes after the last payload (Next Payload 0) at offset ${o}`);
      break;
    }
    const h = w.payloadHeader(tree, o, length, payload);
    let plen = h.length;
    if (topLevel && h.node) w.r.payloads.push({ type: payload, name: payloadName(payload), offset: o, length: plen, critical: h.critical });
    if (plen >= 4) {
      w.enter();
      w.ensure(o + 4, plen - 4);
      body(w, h.node, payload, o + 4, plen - 4, h.next);
      w.enter();
    } else if (plen > length) {
      w.expert(h.node, 'isakmp.payloadlength.invalid', 0, 0, `Payload (bogus, length is ${plen}, greater than remaining length ${length}`);
      w.problem(`payload ${payloadName(payload)} at offset ${o}: length ${plen} is bogus`);
      return;
    } else {
      w.expert(h.node, 'isakmp.payloadlength.invalid', 0, 0, `Payload (bogus, length is ${plen}, must be at least 4)`);
      if (h.node) w.problem(`payload ${payloadName(payload)} at offset ${o}: length ${plen} is less than 4`);
      plen = 4;
    }
    o += plen;
    length -= plen;
    payload = h.next;
  }
}

function body(w: Walker, t: Node | null, payload: number, o: number, n: number, next: number): void {
  const ver = w.version;
  switch (payload) {
    case PT.SA:
    case PT.SA2:
      return sa(w, t, o, n);
    case PT.P:
      return proposal(w, t, o, n);
    case PT.KE:
    case PT.KE2:
      return keyExchange(w, t, o, n);
    case PT.ID:
    case PT.IDI:
    case PT.IDR:
      return identification(w, t, o, n, payload);
    case PT.CERT:
    case PT.CERT2:
      return cert(w, t, o, n);
    case PT.CR:
    case PT.CERTREQ2:
      return certReq(w, t, o, n);
    case PT.HASH:
      w.item(t, 'isakmp.hash', o, n);
      return;
    case PT.SIG:
      w.item(t, 'isakmp.sig', o, n);
      return;
    case PT.NONCE:
    case PT.NONCE2:
      w.item(t, 'isakmp.nonce', o, n);
      w.r.nonces.push(n);
      return;
    case PT.N:
    case PT.N2:
      return notify(w, t, o, n);
    case PT.D:
    case PT.D2:
      return deletePayload(w, t, o, n);
    case PT.VID:
    case PT.V2:
      return vendorId(w, t, o, n);
    case PT.A:
    case PT.CP:
      return config(w, t, o, n);
    case PT.SAK:
      return saKek(w, t, o, n);
    case PT.SAT:
      return saTek(w, t, o, n);
    case PT.KD:
      return keyDownload(w, t, o, n);
    case PT.SEQ:
      if (n !== 4) {
        w.expert(t, 'isakmp.payloadlength.invalid', 0, 0, `Payload (bogus, length is ${n}, should be 4`);
        w.problem(`Sequence Number payload at offset ${o - 4}: length ${n + 4}, should be 8`);
        return;
      }
      w.item(t, 'isakmp.seq.seq', o, 4);
      return;
    case PT.AUTH:
      return auth(w, t, o, n);
    case PT.TSI:
    case PT.TSR:
      return trafficSelectors(w, t, o, n);
    case PT.SK:
      if (ver === 2) encrypted(w, t, o, n, next);
      return;
    case PT.EAP:
      return eap(w, o, n);
    case PT.GSPM:
      w.item(t, 'isakmp.gspm.data', o, n);
      return;
    case PT.NAT_D:
    case PT.NAT_D_DRAFT:
      w.item(t, 'isakmp.ike.nat_hash', o, n);
      w.r.natD.push(w.v.hex(o, n));
      return;
    case PT.NAT_OA:
    case PT.NAT_OA_DRAFT:
      return natOa(w, t, o);
    case PT.CISCO_FRAG:
      return ciscoFragment(w, t, o, n);
    case PT.SKF:
      if (ver === 2) ikev2Fragment(w, t, o);
      return;
    default:
      w.item(t, 'isakmp.datapayload', o, n);
      if (payload !== PT.T) w.problem(`payload type ${payload} at offset ${o - 4} is not decoded`);
      return;
  }
}

function sa(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  if (w.version === 1) {
    const doi = v.u32(o);
    w.item(t, 'isakmp.sa.doi', o, 4);
    o += 4;
    length -= 4;
    const sa = { doi, situation: null as number | null, proposals: [] as IsakmpProposal[] };
    w.r.sa.push(sa);
    if (doi === 1) {
      if (length < 4) {
        // The label's tvb_bytes_to_str asserts a length >= 0 and fails on no bytes.
        if (length <= 0) throw new MalformedError(`SA situation of length ${length}`, v.abs(o));
        w.val(t, 'isakmp.sa.situation', o, length, v.bytes(o, length), 0, `Situation: (length is ${length}, should be >= 4)`);
        w.problem(`SA payload at offset ${o - 8}: situation is ${length} bytes, should be 4`);
        return;
      }
      sa.situation = v.u32(o);
      const si = w.item(t, 'isakmp.sa.situation', o, 4);
      w.item(si, 'isakmp.sa.situation.identity_only', o, 4);
      w.item(si, 'isakmp.sa.situation.secrecy', o, 4);
      w.item(si, 'isakmp.sa.situation.integrity', o, 4);
      proposals(w, t!, sa, o + 4, length - 4);
      return;
    }
    if (doi === 2) {
      if (length < 8) {
        if (length <= 0) throw new MalformedError(`SA situation of length ${length}`, v.abs(o));
        w.val(t, 'isakmp.sa.situation', o, length, v.bytes(o, length), 0, `Situation: (length is ${length}, should be >= 8)`);
        return;
      }
      w.item(t, 'isakmp.sa.situation', o, 4);
      const attr = v.u16(o + 4);
      w.item(t, 'isakmp.sa.next_attribute_payload', o + 4, 2);
      w.item(t, 'isakmp.reserved2', o + 6, 2);
      if (attr === PT.SAK) saKek(w, t, o + 8, length - 8);
      else if (attr === PT.SAT) saTek(w, t, o + 8, length - 8);
      return;
    }
    w.item(t, 'isakmp.sa.situation', o, length);
    return;
  }
  if (w.version === 2) {
    const sa = { doi: null, situation: null, proposals: [] as IsakmpProposal[] };
    w.r.sa.push(sa);
    proposals(w, t!, sa, o, length);
  }
}

/** An SA payload's proposals: a payload chain whose proposals go into `sa`. */
function proposals(w: Walker, t: Node, sa: { proposals: IsakmpProposal[] }, o: number, length: number): void {
  const outer = w.currentSa;
  w.currentSa = sa;
  try {
    payloads(w, t, PT.P, o, length, false);
  } finally {
    w.currentSa = outer;
  }
}
