/**
 * ISAKMP numbers the dissector's modules share: the port, the header length,
 * the payload types and the header's flag bits.
 */

export const ISAKMP_PORT = 500;
export const HEADER_LENGTH = 28;

/** Payload types (IANA "IKE Payload Types" / "IKEv2 Payload Types"). */
export const PT = {
  NONE: 0, SA: 1, P: 2, T: 3, KE: 4, ID: 5, CERT: 6, CR: 7, HASH: 8, SIG: 9, NONCE: 10, N: 11, D: 12, VID: 13, A: 14,
  SAK: 15, SAT: 16, KD: 17, SEQ: 18, NAT_D: 20, NAT_OA: 21,
  SA2: 33, KE2: 34, IDI: 35, IDR: 36, CERT2: 37, CERTREQ2: 38, AUTH: 39, NONCE2: 40, N2: 41, D2: 42, V2: 43, TSI: 44, TSR: 45,
  SK: 46, CP: 47, EAP: 48, GSPM: 49, SKF: 53, NAT_D_DRAFT: 130, NAT_OA_DRAFT: 131, CISCO_FRAG: 132,
} as const;

export const FLAG_E = 0x01;
export const FLAG_C = 0x02;
export const FLAG_A = 0x04;
export const FLAG_I = 0x08;
export const FLAG_R = 0x20;
