/**
 * ISAKMP / IKEv1 / IKEv2 / ESP / UDP-encapsulation encoding for crafted
 * captures and tests (RFC 2408, 2409, 7296, 4303, 3948). Every builder
 * writes what the RFC says unless an override is given: the overrides
 * (`length`, `next`, ...) exist to craft malformed messages.
 *
 * Payload chains are built by `chain`: each payload's generic header gets
 * the type of the payload that follows it (0 for the last), its own length
 * (4 + body) and, for IKEv2, the critical bit when asked.
 */
import { be16, be32, concat, ethernet, hexBytes, ipv4, udp, MAC_A, MAC_B } from './craft.js';

// ---------------------------------------------------------------- payload type numbers

export const P = {
  NONE: 0,
  SA: 1,
  PROPOSAL: 2,
  TRANSFORM: 3,
  KE: 4,
  ID: 5,
  CERT: 6,
  CR: 7,
  HASH: 8,
  SIG: 9,
  NONCE: 10,
  N: 11,
  D: 12,
  VID: 13,
  ATTR: 14,
  NAT_D: 20,
  NAT_OA: 21,
  NAT_D_DRAFT: 130,
  // IKEv2
  SA2: 33,
  KE2: 34,
  IDI: 35,
  IDR: 36,
  CERT2: 37,
  CERTREQ2: 38,
  AUTH: 39,
  NONCE2: 40,
  N2: 41,
  D2: 42,
  V2: 43,
  TSI: 44,
  TSR: 45,
  SK: 46,
  CP: 47,
  EAP: 48,
} as const;

/** Exchange types. */
export const X = {
  BASE: 1,
  IDENTITY_PROTECTION: 2, // main mode
  AUTH_ONLY: 3,
  AGGRESSIVE: 4,
  INFORMATIONAL: 5,
  TRANSACTION: 6, // mode config
  QUICK: 32,
  NEW_GROUP: 33,
  IKE_SA_INIT: 34,
  IKE_AUTH: 35,
  CREATE_CHILD_SA: 36,
  INFORMATIONAL2: 37,
} as const;

/** IKEv1 header flags. */
export const F1 = { ENCRYPTION: 0x01, COMMIT: 0x02, AUTH_ONLY: 0x04 } as const;
/** IKEv2 header flags. */
export const F2 = { INITIATOR: 0x08, VERSION: 0x10, RESPONSE: 0x20 } as const;

// ---------------------------------------------------------------- generic payloads

export interface Payload {
  /** Payload type (of this payload: it goes into the previous header's Next Payload). */
  readonly type: number;
  readonly body: Uint8Array;
  /** IKEv2 critical bit. */
  readonly critical?: boolean;
  /** Override the Payload Length field (default 4 + body). */
  readonly length?: number;
  /** Override this payload's Next Payload field (default: the next payload's type, 0 for the last). */
  readonly next?: number;
  /** Override the reserved byte (after critical bit). */
  readonly reserved?: number;
}

export function pl(type: number, body: Uint8Array, o: Omit<Payload, 'type' | 'body'> = {}): Payload {
  return { type, body, ...o };
}

/** Generic payload headers around each body, chained by Next Payload. */
export function chain(payloads: readonly Payload[]): Uint8Array {
  return concat(
    payloads.map((p, i) => {
      const next = p.next ?? payloads[i + 1]?.type ?? 0;
      const flags = (p.critical ? 0x80 : 0) | (p.reserved ?? 0);
      return concat([Uint8Array.of(next, flags), be16(p.length ?? 4 + p.body.length), p.body]);
    }),
  );
}

// ---------------------------------------------------------------- header / message

export interface Header {
  ispi: string; // 16 hex digits
  rspi?: string;
  /** Version byte (0x10 = 1.0, 0x20 = 2.0). */
  version?: number;
  exchange: number;
  flags?: number;
  messageId?: number;
  /** Override the length field. */
  length?: number;
  /** Override the first Next Payload (default: type of the first payload). */
  next?: number;
}

export function header(h: Header, first: number, bodyLength: number): Uint8Array {
  return concat([
    hexBytes(h.ispi.padStart(16, '0')),
    hexBytes((h.rspi ?? '0').padStart(16, '0')),
    Uint8Array.of(h.next ?? first, h.version ?? 0x10, h.exchange, h.flags ?? 0),
    be32((h.messageId ?? 0) >>> 0),
    be32((h.length ?? 28 + bodyLength) >>> 0),
  ]);
}

/** A whole message: header + chained payloads. */
export function message(h: Header, payloads: readonly Payload[]): Uint8Array {
  const body = chain(payloads);
  return concat([header(h, payloads[0]?.type ?? 0, body.length), body]);
}

/**
 * An IKEv1 message with the Encryption flag: the bytes after the header are
 * ciphertext. `firstPayload` is the (cleartext) Next Payload of the header,
 * `cipher` stands in for the encrypted payloads (length a multiple of the
 * block size, as a real peer sends).
 */
export function encryptedV1(h: Header, firstPayload: number, cipher: Uint8Array): Uint8Array {
  return concat([header({ ...h, flags: (h.flags ?? 0) | F1.ENCRYPTION }, firstPayload, cipher.length), cipher]);
}

// ---------------------------------------------------------------- attributes

/** Type/Value attribute (AF=1): 2-byte value. */
export function attrTV(type: number, value: number): Uint8Array {
  return concat([be16(0x8000 | type), be16(value)]);
}
/** Type/Length/Value attribute (AF=0). */
export function attrTLV(type: number, value: Uint8Array, declared = value.length): Uint8Array {
  return concat([be16(type & 0x7fff), be16(declared), value]);
}

/** IKEv1 phase-1 attribute types (RFC 2409 appendix A). */
export const IKE_ATTR = { ENC: 1, HASH: 2, AUTH: 3, GROUP: 4, GROUP_TYPE: 5, LIFE_TYPE: 11, LIFE_DURATION: 12, PRF: 13, KEY_LENGTH: 14 } as const;
/** IPsec DOI attribute types (RFC 2407 §4.5). */
export const IPSEC_ATTR = { LIFE_TYPE: 1, LIFE_DURATION: 2, GROUP: 3, ENCAP: 4, AUTH: 5, KEY_LENGTH: 6 } as const;

/** Phase-1 transform attributes the way strongSwan/racoon send them. */
export function ikeAttrs(o: { enc: number; keyLen?: number; hash: number; auth: number; group: number; life?: number }): Uint8Array {
  const a = [attrTV(IKE_ATTR.ENC, o.enc)];
  if (o.keyLen) a.push(attrTV(IKE_ATTR.KEY_LENGTH, o.keyLen));
  a.push(attrTV(IKE_ATTR.HASH, o.hash), attrTV(IKE_ATTR.AUTH, o.auth), attrTV(IKE_ATTR.GROUP, o.group));
  if (o.life !== undefined) a.push(attrTV(IKE_ATTR.LIFE_TYPE, 1), o.life > 0xffff ? attrTLV(IKE_ATTR.LIFE_DURATION, be32(o.life)) : attrTV(IKE_ATTR.LIFE_DURATION, o.life));
  return concat(a);
}

// ---------------------------------------------------------------- IKEv1 SA

export interface TransformV1 {
  number: number;
  id: number;
  attrs: Uint8Array;
  /** Override the transform payload length. */
  length?: number;
}
export interface ProposalV1 {
  number: number;
  protocol: number; // 1 ISAKMP, 2 AH, 3 ESP, 4 IPCOMP
  spi?: Uint8Array;
  transforms: TransformV1[];
  /** Override the transform count. */
  count?: number;
  length?: number;
}

function proposalBodyV1(p: ProposalV1): Uint8Array {
  const spi = p.spi ?? new Uint8Array(0);
  const ts = chain(p.transforms.map((t) => pl(P.TRANSFORM, concat([Uint8Array.of(t.number, t.id, 0, 0), t.attrs]), t.length !== undefined ? { length: t.length } : {})));
  return concat([Uint8Array.of(p.number, p.protocol, spi.length, p.count ?? p.transforms.length), spi, ts]);
}

/** SA payload body (DOI IPsec, situation SIT_IDENTITY_ONLY) with its proposals chained. */
export function saV1(proposals: ProposalV1[], doi = 1, situation = 1): Uint8Array {
  return concat([be32(doi), be32(situation), chain(proposals.map((p) => pl(P.PROPOSAL, proposalBodyV1(p), p.length !== undefined ? { length: p.length } : {})))]);
}

// ---------------------------------------------------------------- IKEv2 SA

export interface TransformV2 {
  type: number; // 1 ENCR, 2 PRF, 3 INTEG, 4 DH, 5 ESN
  id: number;
  attrs?: Uint8Array;
}
export interface ProposalV2 {
  number: number;
  protocol: number; // 1 IKE, 2 AH, 3 ESP
  spi?: Uint8Array;
  transforms: TransformV2[];
}

export function saV2(proposals: ProposalV2[]): Uint8Array {
  return chain(
    proposals.map((p) => {
      const spi = p.spi ?? new Uint8Array(0);
      const ts = chain(p.transforms.map((t) => pl(P.TRANSFORM, concat([Uint8Array.of(t.type, 0), be16(t.id), t.attrs ?? new Uint8Array(0)]))));
      return pl(P.PROPOSAL, concat([Uint8Array.of(p.number, p.protocol, spi.length, p.transforms.length), spi, ts]));
    }),
  );
}

// ---------------------------------------------------------------- other payload bodies

export const keV1 = (data: Uint8Array): Uint8Array => data;
export const keV2 = (group: number, data: Uint8Array): Uint8Array => concat([be16(group), be16(0), data]);

/** IKEv1 ID: type, protocol, port, data. */
export function idV1(type: number, data: Uint8Array, protocol = 0, port = 0): Uint8Array {
  return concat([Uint8Array.of(type, protocol), be16(port), data]);
}
/** IKEv2 ID: type, 3 reserved, data. */
export function idV2(type: number, data: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(type, 0, 0, 0), data]);
}

export function notifyV1(type: number, o: { doi?: number; protocol?: number; spi?: Uint8Array; data?: Uint8Array } = {}): Uint8Array {
  const spi = o.spi ?? new Uint8Array(0);
  return concat([be32(o.doi ?? 1), Uint8Array.of(o.protocol ?? 1, spi.length), be16(type), spi, o.data ?? new Uint8Array(0)]);
}
export function notifyV2(type: number, o: { protocol?: number; spi?: Uint8Array; data?: Uint8Array } = {}): Uint8Array {
  const spi = o.spi ?? new Uint8Array(0);
  return concat([Uint8Array.of(o.protocol ?? 0, spi.length), be16(type), spi, o.data ?? new Uint8Array(0)]);
}

export function deleteV1(protocol: number, spis: Uint8Array[], doi = 1, spiSize = spis[0]?.length ?? 0): Uint8Array {
  return concat([be32(doi), Uint8Array.of(protocol, spiSize), be16(spis.length), ...spis]);
}
export function deleteV2(protocol: number, spis: Uint8Array[], spiSize = spis[0]?.length ?? 0): Uint8Array {
  return concat([Uint8Array.of(protocol, spiSize), be16(spis.length), ...spis]);
}

export function certReq(type: number, authority: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat([Uint8Array.of(type), authority]);
}

// ---------------------------------------------------------------- well-known vendor IDs

export const VID = {
  /** RFC 3947 NAT-T (md5 "RFC 3947"). */
  RFC3947: hexBytes('4a131c81070358455c5728f20e95452f'),
  /** draft-ietf-ipsec-nat-t-ike-02\n. */
  NATT_02N: hexBytes('90cb80913ebb696e086381b5ec427b1f'),
  /** draft-ietf-ipsec-nat-t-ike-03. */
  NATT_03: hexBytes('7d9419a65310ca6f2c179d9215529d56'),
  /** XAUTH (8 bytes). */
  XAUTH: hexBytes('09002689dfd6b712'),
  /** RFC 3706 DPD. */
  DPD: hexBytes('afcad71368a1f1c96b8696fc77570100'),
  /** strongSwan. */
  STRONGSWAN: hexBytes('882fe56d6fd20dbc2251613b2ebe5beb'),
  /** Cisco fragmentation (md5 "FRAGMENTATION" + 80000000). */
  CISCO_FRAG: hexBytes('4048b7d56ebce88525e7de7f00d6c2d380000000'),
  /** CISCO-UNITY 1.0. */
  CISCO_UNITY: hexBytes('12f5f28c457168a9702d9fe274cc0100'),
  /** MS NT5 ISAKMPOAKLEY, version 9. */
  MS_NT5: hexBytes('1e2b516905991c7d7c96fcbfb587e46100000009'),
} as const;

// ---------------------------------------------------------------- frames

/** Ethernet + IPv4 + UDP carrying `payload`. */
export function ethUdp4(src: string, dst: string, sport: number, dport: number, payload: Uint8Array): Uint8Array {
  return ethernet(MAC_B, MAC_A, 0x0800, ipv4(src, dst, 17, udp(src, dst, sport, dport, payload)));
}

/** ESP header + opaque (encrypted) body: SPI, sequence, then ciphertext (IV, data, pad, ICV). */
export function esp(spi: number, seq: number, cipher: Uint8Array): Uint8Array {
  return concat([be32(spi >>> 0), be32(seq >>> 0), cipher]);
}

/** Ethernet + IPv4 protocol 50 (ESP). */
export function ethEsp(src: string, dst: string, espBytes: Uint8Array): Uint8Array {
  return ethernet(MAC_B, MAC_A, 0x0800, ipv4(src, dst, 50, espBytes));
}

/** RFC 3948: an IKE message on port 4500 carries a 4-byte zero Non-ESP marker first. */
export function nonEspMarker(ike: Uint8Array): Uint8Array {
  return concat([new Uint8Array(4), ike]);
}
/** RFC 3948 §2.3 NAT-keepalive: one 0xFF byte. */
export const NAT_KEEPALIVE = Uint8Array.of(0xff);

/** Deterministic filler bytes (for nonces, KE data, ciphertext). */
export function filler(n: number, seed = 1): Uint8Array {
  const b = new Uint8Array(n);
  let x = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}
