/**
 * What cannot be read without keys or reassembly: the IKEv2 Encrypted payload
 * (SK), IKEv2 fragments (SKF) and Cisco's fragments. (IKEv1's Encryption
 * flag makes the whole body ciphertext: header.ts.)
 */
import type { Node, Walker } from './walker.js';

/** IKEv2 Encrypted payload without keys: 4 bytes shown as IV, the rest as (FT_NONE) encrypted data. */
export function encrypted(w: Walker, t: Node | null, o: number, length: number, inner: number): void {
  w.r.encryptedData = { length, firstPayload: inner };
  w.item(t, 'isakmp.enc.iv', o, 4);
  w.item(t, 'isakmp.enc.data', o + 4, length, 0, `Encrypted Data (${length} bytes)`);
}

/**
 * Cisco IKE fragmentation (payload 132): the fragment header. Reassembly
 * (isakmp.fragment*, isakmp.reassembled.*) keeps state across frames and is
 * not reproduced.
 */
export function ciscoFragment(w: Walker, t: Node | null, o: number, length: number): void {
  if (length < 4) return;
  w.item(t, 'isakmp.frag.packetid', o, 2);
  w.item(t, 'isakmp.frag.seq', o + 2, 1);
  w.item(t, 'isakmp.frag.last', o + 3, 1);
  w.problem(`Cisco fragment at offset ${o - 4}: reassembly is not reproduced`);
}

/** RFC 7383 IKEv2 fragment (SKF, 53) without keys: numbers only. */
export function ikev2Fragment(w: Walker, t: Node | null, o: number): void {
  const v = w.v;
  const number = v.u16(o);
  const total = v.u16(o + 2);
  w.item(t, 'isakmp.frag.number', o, 2);
  if (number === 0) w.expert(t, 'isakmp.fragment_number.invalid', 0, 0, 'Fragment number must not be zero');
  else if (number > total) w.expert(t, 'isakmp.fragment_number.invalid', 0, 0, `Fragment number (${number}) must not be greater than total fragments (${total})`);
  w.item(t, 'isakmp.frag.total', o + 2, 2);
  if (total === 0) w.expert(t, 'isakmp.fragment_number.invalid', 0, 0, 'Total fragments must not be zero');
  w.r.encryptedData = { length: Math.max(0, v.reportedRemaining(o + 4)), firstPayload: 0 };
}
