/**
 * IKE / IPsec dissectors — the interface note.
 *
 * Three dissectors, pure (bytes in, result out, never throwing), to register
 * in dissector/registry.ts:
 *
 *   r.add('udp.port', [ISAKMP_PORT], isakmp);   // 500: AppProtocol<IsakmpResult>
 *   r.add('udp.port', [NAT_T_PORT], udpencap);  // 4500: AppProtocol<UdpEncapResult>
 *   r.add('ip.proto', [ESP_PROTO], esp);        // 50: Protocol<EspInfo | null>
 *
 * What tshark 4.0 does around them, which the caller has to do the same way
 * for `packets -e` to match it:
 *  - UDP tries the lower port first: 500 / 4500 win over an ephemeral port
 *    (a NAT'ed 34512 → 500 is ISAKMP, 41922 → 4500 is udpencap);
 *  - neither UDP nor IP hands an empty payload to a subdissector (our trees
 *    for an empty payload are [] anyway);
 *  - ESP sequence analysis (esp.sequence-analysis.*) needs state across
 *    frames: feed EspSequenceAnalysis.observe(frame, info) every ESP packet —
 *    IP protocol 50 and ESP in UDP alike, one instance per capture, in capture
 *    order — and append the nodes it returns under the packet's `esp` node;
 *  - isakmp.tree returns [] when tshark would not call the datagram ISAKMP
 *    (its heuristics: under 28 bytes, or a length field under 28): the frame
 *    then has no isakmp at all (tshark shows it as data).
 *
 * Results, for the binder / correlator:
 *  - IsakmpResult: ispi/rspi (hex; rspi is zeros in the first message of an
 *    exchange), version/minor, exchangeType (+ name), flags (IKEv1 encrypted /
 *    commit / authOnly; IKEv2 initiator / response — IKEv1 has no direction
 *    bit: use the addresses), messageId, length; payloads (top-level chain);
 *    sa[].proposals[] with transforms (attributes + summary) and `offer` (what
 *    the proposal offers, by kind) — compare an initiator's offer with the
 *    responder's chosen SA; notifications (type, Wireshark's name, `error` for
 *    types < 16384, protocol, SPI, data; acceptedGroup for IKEv2
 *    INVALID_KE_PAYLOAD); vendorIds (hex + name); deletes; ids; keyExchange
 *    (IKEv2 group); nonces; natD; authMethods; certificates / certRequests;
 *    encryptedData (IKEv1 ciphertext after the header, IKEv2 SK body — only a
 *    length and the inner first payload type: nothing inside is guessed);
 *    problems (where the walk stopped and why, in words).
 *  - UdpEncapResult: kind 'keepalive' | 'ike' | 'esp' | 'short', with the
 *    inner IsakmpResult or EspInfo.
 *  - EspInfo: spi, seq (null when cut), payloadLength.
 *
 * Failure signals a logon explainer can rely on: IKEv1 NO-PROPOSAL-CHOSEN
 * (14), AUTHENTICATION-FAILED (24), INVALID-ID-INFORMATION (18),
 * PAYLOAD-MALFORMED (16), INVALID-HASH-INFORMATION (23) in the clear; IKEv2
 * NO_PROPOSAL_CHOSEN (14), INVALID_KE_PAYLOAD (17, acceptedGroup),
 * AUTHENTICATION_FAILED (24, usually inside SK: not visible), TS_UNACCEPTABLE
 * (38); a responder that never answers; main-mode MM5/MM6 or IKE_AUTH that
 * are retransmitted (same messageId and length) — the wrong-PSK pattern.
 */
export {
  dissectIsakmp,
  isakmp,
  ISAKMP_PORT,
  type IsakmpAttribute,
  type IsakmpDelete,
  type IsakmpIdentification,
  type IsakmpNotification,
  type IsakmpPayload,
  type IsakmpProposal,
  type IsakmpResult,
  type IsakmpSa,
  type IsakmpTransform,
  type ProposalOffer,
  type TransformSummary,
} from './isakmp.js';
export { dissectEsp, esp, EspSequenceAnalysis, ESP_PROTO, type EspInfo } from '../esp/esp.js';
export { dissectUdpEncap, udpencap, NAT_T_PORT, type UdpEncapKind, type UdpEncapResult } from '../udpencap/udpencap.js';
