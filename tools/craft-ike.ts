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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { be16, be32, Clock, concat, ethernet, hexBytes, ipv4, ipv4Bytes, ipv6Bytes, pcapFile, udp, MAC_A, MAC_B, type CraftFrame } from './craft.js';
import { VENDOR_IDS } from '../dissector/isakmp/vendor-ids.js';

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

// ================================================================ crafted captures
//
// Realistic exchanges (strongSwan-like proposals, vendor IDs and NAT-D) and
// malformed variants, written to captures/crafted/ike-*.pcap by
//
//   node dist/tools/craft-ike.js captures/crafted            # the captures
//   node dist/tools/craft-ike.js captures/crafted --tshark   # + tshark's output next to each
//
// Every capture is deterministic (fixed clock, fixed filler bytes), so the
// committed files are reproduced byte for byte (a test checks this). Each
// frame has a comment saying what it contains.

/** Initiator (iSCSI initiator host), responder (target portal), a NAT's public address. */
export const INITIATOR = '192.0.2.10';
export const TARGET = '198.51.100.20';
export const NAT_PUBLIC = '203.0.113.5';

export interface IkeCaptureSpec {
  /** File name (ike-*.pcap). */
  readonly name: string;
  readonly frames: CraftFrame[];
  readonly snaplen?: number;
}

class Cap {
  readonly frames: CraftFrame[] = [];
  constructor(private readonly clock = new Clock(1795464000, 0, 7_500_000)) {}
  add(data: Uint8Array): void {
    this.frames.push({ data, ...this.clock.tick() });
  }
  /** UDP datagram between the given endpoints. */
  udp(src: string, sp: number, dst: string, dp: number, payload: Uint8Array): void {
    this.add(ethUdp4(src, dst, sp, dp, payload));
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const fill = filler;

/** strongSwan's default IKEv1 phase-1 offer: AES-256/SHA2-256/MODP2048, AES-128/SHA1/MODP2048, 3DES/SHA1/MODP1024 (PSK). */
function mainModeSa(auth = 1): Uint8Array {
  return saV1([
    {
      number: 0,
      protocol: 1,
      transforms: [
        { number: 0, id: 1, attrs: ikeAttrs({ enc: 7, keyLen: 256, hash: 4, auth, group: 14, life: 10800 }) },
        { number: 1, id: 1, attrs: ikeAttrs({ enc: 7, keyLen: 128, hash: 2, auth, group: 14, life: 10800 }) },
        { number: 2, id: 1, attrs: ikeAttrs({ enc: 5, hash: 2, auth, group: 2, life: 10800 }) },
      ],
    },
  ]);
}

/** The responder's choice: the first transform. */
function mainModeSaChosen(auth = 1): Uint8Array {
  return saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: ikeAttrs({ enc: 7, keyLen: 256, hash: 4, auth, group: 14, life: 10800 }) }] }]);
}

/** Quick mode ESP proposal (transport mode, as iSCSI over IPsec uses): AES-CBC-256 + HMAC-SHA2-256, PFS MODP2048, 3600 s. */
function quickModeSa(spi: string, encap = 2): Uint8Array {
  return saV1([
    {
      number: 0,
      protocol: 3,
      spi: hexBytes(spi),
      transforms: [
        {
          number: 0,
          id: 12,
          attrs: concat([attrTV(IPSEC_ATTR.LIFE_TYPE, 1), attrTLV(IPSEC_ATTR.LIFE_DURATION, be32(3600)), attrTV(IPSEC_ATTR.GROUP, 14), attrTV(IPSEC_ATTR.ENCAP, encap), attrTV(IPSEC_ATTR.AUTH, 5), attrTV(IPSEC_ATTR.KEY_LENGTH, 256)]),
        },
      ],
    },
  ]);
}

const V1_VIDS = (): Payload[] => [pl(P.VID, VID.XAUTH), pl(P.VID, VID.DPD), pl(P.VID, VID.RFC3947), pl(P.VID, VID.NATT_02N), pl(P.VID, hexBytes('4048b7d56ebce88525e7de7f00d6c2d3'))];

/** IKEv1 main mode (6 messages, PSK, NAT-T capable, no NAT) then quick mode (3 encrypted messages). */
function v1MainMode(): IkeCaptureSpec {
  const c = new Cap();
  const h = { ispi: '6e3c1f0a9d42b7e1', exchange: X.IDENTITY_PROTECTION };
  const hr = { ...h, rspi: 'c4d9a85e3f170b62' };
  // 1: I→R MM1 — SA (3 transforms: AES-256/SHA2-256/MODP2048, AES-128/SHA1/MODP2048, 3DES/SHA1/MODP1024; PSK), VIDs XAUTH, DPD, RFC 3947, draft-02\n, fragmentation
  c.udp(INITIATOR, 500, TARGET, 500, message(h, [pl(P.SA, mainModeSa()), ...V1_VIDS()]));
  // 2: R→I MM2 — SA (the first transform chosen), the same VIDs
  c.udp(TARGET, 500, INITIATOR, 500, message(hr, [pl(P.SA, mainModeSaChosen()), ...V1_VIDS()]));
  // 3: I→R MM3 — KE (MODP2048, 256 bytes), nonce (32), NAT-D x2 (SHA2-256: 32 bytes, hashes of both ends — equal: no NAT)
  c.udp(INITIATOR, 500, TARGET, 500, message(hr, [pl(P.KE, fill(256, 11)), pl(P.NONCE, fill(32, 12)), pl(P.NAT_D, fill(32, 13)), pl(P.NAT_D, fill(32, 14))]));
  // 4: R→I MM4 — KE, nonce, NAT-D x2
  c.udp(TARGET, 500, INITIATOR, 500, message(hr, [pl(P.KE, fill(256, 21)), pl(P.NONCE, fill(32, 22)), pl(P.NAT_D, fill(32, 14)), pl(P.NAT_D, fill(32, 13))]));
  // 5: I→R MM5 — encrypted (first payload ID): IDi, HASH_I, INITIAL-CONTACT — 96 bytes of ciphertext
  c.udp(INITIATOR, 500, TARGET, 500, encryptedV1(hr, P.ID, fill(96, 15)));
  // 6: R→I MM6 — encrypted (first payload ID): IDr, HASH_R — 64 bytes
  c.udp(TARGET, 500, INITIATOR, 500, encryptedV1(hr, P.ID, fill(64, 25)));
  // 7: I→R QM1 — quick mode (exchange 32, message ID 0x5a17c3e2), encrypted (first payload HASH): HASH, SA (ESP), Ni, KE, IDci, IDcr
  c.udp(INITIATOR, 500, TARGET, 500, encryptedV1({ ...hr, exchange: X.QUICK, messageId: 0x5a17c3e2 }, P.HASH, fill(432, 16)));
  // 8: R→I QM2 — encrypted (HASH, SA, Nr, KE, IDci, IDcr)
  c.udp(TARGET, 500, INITIATOR, 500, encryptedV1({ ...hr, exchange: X.QUICK, messageId: 0x5a17c3e2 }, P.HASH, fill(432, 26)));
  // 9: I→R QM3 — encrypted HASH(3)
  c.udp(INITIATOR, 500, TARGET, 500, encryptedV1({ ...hr, exchange: X.QUICK, messageId: 0x5a17c3e2 }, P.HASH, fill(48, 17)));
  return { name: 'ike-v1-main-mode.pcap', frames: c.frames };
}

/** IKEv1 aggressive mode (3 messages, PSK + XAUTH, FQDN identities). */
function v1Aggressive(): IkeCaptureSpec {
  const c = new Cap();
  const h = { ispi: '0b5e7d21c3a4f689', exchange: X.AGGRESSIVE };
  const hr = { ...h, rspi: '7f2c90d6e1b35a48' };
  const sa = saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: ikeAttrs({ enc: 7, keyLen: 128, hash: 2, auth: 65001, group: 2, life: 28800 }) }] }]);
  // 1: I→R AM1 — SA (AES-128/SHA1/MODP1024, XAUTHInitPreShared), KE (128 bytes), nonce, IDi (FQDN initiator.lab.example), VIDs XAUTH, DPD, RFC 3947
  c.udp(INITIATOR, 500, TARGET, 500, message(h, [pl(P.SA, sa), pl(P.KE, fill(128, 31)), pl(P.NONCE, fill(20, 32)), pl(P.ID, idV1(2, enc('initiator.lab.example'))), pl(P.VID, VID.XAUTH), pl(P.VID, VID.DPD), pl(P.VID, VID.RFC3947)]));
  // 2: R→I AM2 — SA, KE, nonce, IDr (IPv4 198.51.100.20, UDP/500), HASH_R (20), NAT-D x2, VIDs
  c.udp(TARGET, 500, INITIATOR, 500, message(hr, [pl(P.SA, sa), pl(P.KE, fill(128, 41)), pl(P.NONCE, fill(20, 42)), pl(P.ID, idV1(1, ipv4Bytes(TARGET), 17, 500)), pl(P.HASH, fill(20, 43)), pl(P.NAT_D, fill(20, 44)), pl(P.NAT_D, fill(20, 45)), pl(P.VID, VID.XAUTH), pl(P.VID, VID.DPD), pl(P.VID, VID.RFC3947)]));
  // 3: I→R AM3 — encrypted (first payload HASH): HASH_I, NAT-D x2 — 80 bytes
  c.udp(INITIATOR, 500, TARGET, 500, encryptedV1(hr, P.HASH, fill(80, 33)));
  return { name: 'ike-v1-aggressive.pcap', frames: c.frames };
}

/** IKEv1 failures and informational exchanges in the clear. */
function v1Informational(): IkeCaptureSpec {
  const c = new Cap();
  // Exchange A: the responder accepts none of the offered proposals.
  const a = { ispi: '91e0c7d2a45b3f86', exchange: X.IDENTITY_PROTECTION };
  const weak = saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: ikeAttrs({ enc: 1, hash: 1, auth: 1, group: 1, life: 86400 }) }] }]);
  // 1: I→R MM1 — SA offering only DES/MD5/MODP768
  c.udp(INITIATOR, 500, TARGET, 500, message(a, [pl(P.SA, weak), pl(P.VID, VID.DPD)]));
  // 2: R→I Informational (5), in the clear — N(NO-PROPOSAL-CHOSEN, protocol ISAKMP, SPI = both cookies)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...a, rspi: '0', exchange: X.INFORMATIONAL, messageId: 0x1c0ffee5 }, [pl(P.N, notifyV1(14, { protocol: 1, spi: hexBytes('91e0c7d2a45b3f86' + '0000000000000000') }))]));
  // Exchange B: wrong pre-shared key — the responder cannot read MM5.
  const b = { ispi: '2d4f6a8c0e1b3d5f', exchange: X.IDENTITY_PROTECTION };
  const br = { ...b, rspi: 'a1b2c3d4e5f60718' };
  // 3: I→R MM1 — SA
  c.udp(INITIATOR, 500, TARGET, 500, message(b, [pl(P.SA, mainModeSa()), ...V1_VIDS()]));
  // 4: R→I MM2 — SA
  c.udp(TARGET, 500, INITIATOR, 500, message(br, [pl(P.SA, mainModeSaChosen()), ...V1_VIDS()]));
  // 5: I→R MM3 — KE, nonce, NAT-D x2
  c.udp(INITIATOR, 500, TARGET, 500, message(br, [pl(P.KE, fill(256, 51)), pl(P.NONCE, fill(32, 52)), pl(P.NAT_D, fill(32, 53)), pl(P.NAT_D, fill(32, 54))]));
  // 6: R→I MM4 — KE, nonce, NAT-D x2
  c.udp(TARGET, 500, INITIATOR, 500, message(br, [pl(P.KE, fill(256, 61)), pl(P.NONCE, fill(32, 62)), pl(P.NAT_D, fill(32, 54)), pl(P.NAT_D, fill(32, 53))]));
  // 7: I→R MM5 — encrypted with the initiator's key (96 bytes)
  c.udp(INITIATOR, 500, TARGET, 500, encryptedV1(br, P.ID, fill(96, 55)));
  // 8: R→I Informational in the clear — N(AUTHENTICATION-FAILED)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...br, exchange: X.INFORMATIONAL, messageId: 0x0badf00d }, [pl(P.N, notifyV1(24, { protocol: 1, spi: hexBytes('2d4f6a8c0e1b3d5fa1b2c3d4e5f60718') }))]));
  // 9: R→I Informational in the clear — N(INVALID-ID-INFORMATION, 18) with 4 bytes of data
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...br, exchange: X.INFORMATIONAL, messageId: 0x0badf00e }, [pl(P.N, notifyV1(18, { protocol: 3, spi: hexBytes('c7a1e0f2'), data: hexBytes('00000001') }))]));
  // Exchange C: an established SA's informational messages, in the clear (usually encrypted; here to show every field).
  const e = { ispi: '6e3c1f0a9d42b7e1', rspi: 'c4d9a85e3f170b62', exchange: X.INFORMATIONAL };
  // 10: I→R HASH, N(R-U-THERE, DPD, SPI = cookies, sequence 0x1a2b)
  c.udp(INITIATOR, 500, TARGET, 500, message({ ...e, messageId: 0x71c0d001 }, [pl(P.HASH, fill(32, 71)), pl(P.N, notifyV1(36136, { protocol: 1, spi: hexBytes('6e3c1f0a9d42b7e1c4d9a85e3f170b62'), data: be32(0x1a2b) }))]));
  // 11: R→I HASH, N(R-U-THERE-ACK, sequence 0x1a2b)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...e, messageId: 0x71c0d002 }, [pl(P.HASH, fill(32, 72)), pl(P.N, notifyV1(36137, { protocol: 1, spi: hexBytes('6e3c1f0a9d42b7e1c4d9a85e3f170b62'), data: be32(0x1a2b) }))]));
  // 12: R→I HASH, N(RESPONDER-LIFETIME: ESP SA, life 1800 s and 460800 KB), N(INITIAL-CONTACT)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...e, messageId: 0x71c0d003 }, [pl(P.HASH, fill(32, 73)), pl(P.N, notifyV1(24576, { protocol: 3, spi: hexBytes('c7a1e0f2'), data: concat([attrTV(1, 1), attrTV(2, 1800), attrTV(1, 2), attrTLV(2, be32(460800))]) })), pl(P.N, notifyV1(24578, { protocol: 1, spi: hexBytes('6e3c1f0a9d42b7e1c4d9a85e3f170b62') }))]));
  // 13: I→R HASH, Delete (ESP, 2 SPIs of 4 bytes)
  c.udp(INITIATOR, 500, TARGET, 500, message({ ...e, messageId: 0x71c0d004 }, [pl(P.HASH, fill(32, 74)), pl(P.D, deleteV1(3, [hexBytes('c7a1e0f2'), hexBytes('d3b2a190')]))]));
  // 14: I→R HASH, Delete (ISAKMP SA: 1 SPI of 16 bytes = the cookies)
  c.udp(INITIATOR, 500, TARGET, 500, message({ ...e, messageId: 0x71c0d005 }, [pl(P.HASH, fill(32, 75)), pl(P.D, deleteV1(1, [hexBytes('6e3c1f0a9d42b7e1c4d9a85e3f170b62')]))]));
  // 15: R→I Transaction (mode config, 6) — HASH, ATTR (SET: IPv4 address, netmask, DNS x2, application version, XAUTH type/user name/status)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...e, exchange: X.TRANSACTION, messageId: 0x71c0d006 }, [pl(P.HASH, fill(32, 76)), pl(P.ATTR, concat([Uint8Array.of(3, 0), be16(0x4d2), attrTLV(1, ipv4Bytes('10.10.0.7')), attrTLV(2, ipv4Bytes('255.255.255.0')), attrTLV(3, concat([ipv4Bytes('10.10.0.1'), ipv4Bytes('10.10.0.2')])), attrTLV(7, enc('strongSwan 5.9.8')), attrTV(16520, 0), attrTLV(16521, enc('iscsi-init')), attrTV(16527, 1)]))]));
  // 16: I→R ID payloads of every kind (IKEv1 phase-2 IDs: subnet, range, IPv6, FQDN, user FQDN, key ID)
  c.udp(INITIATOR, 500, TARGET, 500, message({ ...e, exchange: X.QUICK, messageId: 0x71c0d007 }, [pl(P.HASH, fill(32, 77)), pl(P.ID, idV1(4, concat([ipv4Bytes('10.10.0.0'), ipv4Bytes('255.255.255.0')]), 6, 3260)), pl(P.ID, idV1(7, concat([ipv4Bytes('10.10.0.1'), ipv4Bytes('10.10.0.99')]))), pl(P.ID, idV1(5, ipv6Bytes('2001:db8::10'), 6, 3260)), pl(P.ID, idV1(6, concat([ipv6Bytes('2001:db8::'), ipv6Bytes('ffff:ffff:ffff:ffff::')]))), pl(P.ID, idV1(8, concat([ipv6Bytes('2001:db8::1'), ipv6Bytes('2001:db8::ff')]))), pl(P.ID, idV1(3, enc('iscsi@lab.example'))), pl(P.ID, idV1(11, fill(8, 78)))]));
  // 17: R→I certificate request (X.509 signature, no CA named) and a certificate payload with an empty SEQUENCE
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...e, exchange: X.IDENTITY_PROTECTION }, [pl(P.CR, certReq(4)), pl(P.CR, certReq(4, hexBytes('3012311030' + '0e0603550403130774617267657473'))), pl(P.CERT, concat([Uint8Array.of(4), hexBytes('3000')])), pl(P.SIG, fill(64, 79))]));
  return { name: 'ike-v1-informational.pcap', frames: c.frames };
}

const V2_SA_OFFER = (): Uint8Array =>
  saV2([
    {
      number: 1,
      protocol: 1,
      transforms: [
        { type: 1, id: 12, attrs: attrTV(14, 256) },
        { type: 1, id: 12, attrs: attrTV(14, 128) },
        { type: 3, id: 12 },
        { type: 3, id: 2 },
        { type: 2, id: 5 },
        { type: 2, id: 2 },
        { type: 4, id: 14 },
        { type: 4, id: 19 },
      ],
    },
    { number: 2, protocol: 1, transforms: [{ type: 1, id: 20, attrs: attrTV(14, 256) }, { type: 2, id: 7 }, { type: 4, id: 31 }] },
  ]);

/** IKEv2: IKE_SA_INIT with INVALID_KE_PAYLOAD and retry, IKE_AUTH (SK), NO_PROPOSAL_CHOSEN, COOKIE, INFORMATIONAL. */
function v2(): IkeCaptureSpec {
  const c = new Cap();
  const i = { ispi: '3a7f1c9e5b2d4086', version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };
  const natd = (s: number): Payload[] => [pl(P.N2, notifyV2(16388, { data: fill(20, s) })), pl(P.N2, notifyV2(16389, { data: fill(20, s + 1) }))];
  // 1: I→R IKE_SA_INIT request — SA (2 proposals: AES-CBC/SHA2/MODP2048|ECP256, AES-GCM/SHA2-512/Curve25519), KE (MODP2048), Ni, NAT_DETECTION_SOURCE_IP/DESTINATION_IP, IKEV2_FRAGMENTATION_SUPPORTED, SIGNATURE_HASH_ALGORITHMS, V(strongSwan)
  c.udp(INITIATOR, 500, TARGET, 500, message(i, [pl(P.SA2, V2_SA_OFFER()), pl(P.KE2, keV2(14, fill(256, 81))), pl(P.NONCE2, fill(32, 82)), ...natd(83), pl(P.N2, notifyV2(16430)), pl(P.N2, notifyV2(16431, { data: hexBytes('0002000300040005') })), pl(P.V2, VID.STRONGSWAN)]));
  // 2: R→I IKE_SA_INIT response — N(INVALID_KE_PAYLOAD, accepted group 19)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...i, flags: F2.RESPONSE }, [pl(P.N2, notifyV2(17, { data: be16(19) }))]));
  // 3: I→R IKE_SA_INIT request retried with KE group 19 (64 bytes)
  c.udp(INITIATOR, 500, TARGET, 500, message(i, [pl(P.SA2, V2_SA_OFFER()), pl(P.KE2, keV2(19, fill(64, 84))), pl(P.NONCE2, fill(32, 85)), ...natd(83), pl(P.N2, notifyV2(16430)), pl(P.V2, VID.STRONGSWAN)]));
  const r = { ...i, rspi: 'e81d6b4f2a9c0537', flags: F2.RESPONSE };
  const chosen = saV2([{ number: 1, protocol: 1, transforms: [{ type: 1, id: 12, attrs: attrTV(14, 256) }, { type: 3, id: 12 }, { type: 2, id: 5 }, { type: 4, id: 19 }] }]);
  // 4: R→I IKE_SA_INIT response — SA (AES-CBC-256, HMAC_SHA2_256_128, PRF_HMAC_SHA2_256, ECP256), KE, Nr, NAT-D x2, CERTREQ (one SHA-1 CA hash), MULTIPLE_AUTH_SUPPORTED, V(strongSwan)
  c.udp(TARGET, 500, INITIATOR, 500, message(r, [pl(P.SA2, chosen), pl(P.KE2, keV2(19, fill(64, 86))), pl(P.NONCE2, fill(32, 87)), ...natd(88), pl(P.CERTREQ2, certReq(4, fill(20, 89))), pl(P.N2, notifyV2(16404)), pl(P.V2, VID.STRONGSWAN)]));
  const a = { ...r, exchange: X.IKE_AUTH };
  // 5: I→R IKE_AUTH request (message ID 1) — SK (first inner payload IDi): 16-byte IV, ciphertext, 16-byte ICV
  c.udp(INITIATOR, 500, TARGET, 500, message({ ...a, flags: F2.INITIATOR, messageId: 1 }, [pl(P.SK, fill(304, 90), { next: P.IDI })]));
  // 6: R→I IKE_AUTH response — SK (first inner payload IDr; an AUTHENTICATION_FAILED would be inside, unseen)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...a, flags: F2.RESPONSE, messageId: 1 }, [pl(P.SK, fill(240, 91), { next: P.IDR })]));
  // 7: I→R INFORMATIONAL (37, message ID 2) — SK (first inner payload Delete)
  c.udp(INITIATOR, 500, TARGET, 500, message({ ...a, exchange: X.INFORMATIONAL2, flags: F2.INITIATOR, messageId: 2 }, [pl(P.SK, fill(48, 92), { next: P.D2 })]));
  // 8: R→I INFORMATIONAL response — SK with no inner payload (first payload NONE)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...a, exchange: X.INFORMATIONAL2, flags: F2.RESPONSE, messageId: 2 }, [pl(P.SK, fill(48, 93), { next: P.NONE })]));
  // Second initiator: only 3DES offered.
  const j = { ispi: '5c8e0a2f4b6d1739', version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };
  const old3des = saV2([{ number: 1, protocol: 1, transforms: [{ type: 1, id: 3 }, { type: 3, id: 2 }, { type: 2, id: 2 }, { type: 4, id: 2 }] }]);
  // 9: I→R IKE_SA_INIT request — SA (3DES/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP1024), KE (128), Ni
  c.udp(INITIATOR, 500, TARGET, 500, message(j, [pl(P.SA2, old3des), pl(P.KE2, keV2(2, fill(128, 94))), pl(P.NONCE2, fill(32, 95))]));
  // 10: R→I IKE_SA_INIT response — N(NO_PROPOSAL_CHOSEN)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...j, flags: F2.RESPONSE }, [pl(P.N2, notifyV2(14))]));
  // Third initiator: the responder is under load and asks for a cookie.
  const k = { ispi: '7d1f3b5a9c0e2846', version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };
  const cookie = fill(16, 96);
  // 11: I→R IKE_SA_INIT request — SA, KE, Ni
  c.udp(INITIATOR, 500, TARGET, 500, message(k, [pl(P.SA2, chosen), pl(P.KE2, keV2(19, fill(64, 97))), pl(P.NONCE2, fill(32, 98))]));
  // 12: R→I IKE_SA_INIT response — N(COOKIE, 16 bytes)
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...k, flags: F2.RESPONSE }, [pl(P.N2, notifyV2(16390, { data: cookie }))]));
  // 13: I→R IKE_SA_INIT request again, N(COOKIE) first
  c.udp(INITIATOR, 500, TARGET, 500, message(k, [pl(P.N2, notifyV2(16390, { data: cookie })), pl(P.SA2, chosen), pl(P.KE2, keV2(19, fill(64, 97))), pl(P.NONCE2, fill(32, 98))]));
  // 14: I→R IKE_AUTH in the clear (as a peer misconfigured without encryption would send): IDi (FQDN), AUTH (shared key), CP (request), TSi/TSr (iSCSI TCP 3260)
  const ts = (a: string, b: string): Uint8Array => concat([Uint8Array.of(1, 0, 0, 0), Uint8Array.of(7, 6), be16(16), be16(3260), be16(3260), ipv4Bytes(a), ipv4Bytes(b)]);
  c.udp(INITIATOR, 500, TARGET, 500, message({ ...k, exchange: X.IKE_AUTH, rspi: '19e7c5a3816f4d2b', messageId: 1 }, [pl(P.IDI, idV2(2, enc('initiator.lab.example'))), pl(P.AUTH, concat([Uint8Array.of(2, 0, 0, 0), fill(32, 99)])), pl(P.CP, concat([Uint8Array.of(1, 0, 0, 0), attrTLV(1, new Uint8Array(0)), attrTLV(3, new Uint8Array(0))])), pl(P.TSI, ts(INITIATOR, INITIATOR)), pl(P.TSR, ts(TARGET, TARGET))]));
  // 15: R→I IKE_AUTH response in the clear: IDr (IPv4), AUTH (14, digital signature: RFC 7427 AlgorithmIdentifier sha256WithRSAEncryption + 128-byte signature)
  const sha256WithRsa = hexBytes('300d06092a864886f70d01010b0500');
  c.udp(TARGET, 500, INITIATOR, 500, message({ ...k, exchange: X.IKE_AUTH, rspi: '19e7c5a3816f4d2b', flags: F2.RESPONSE, messageId: 1 }, [pl(P.IDR, idV2(1, ipv4Bytes(TARGET))), pl(P.AUTH, concat([Uint8Array.of(14, 0, 0, 0), Uint8Array.of(sha256WithRsa.length), sha256WithRsa, fill(128, 100)]))]));
  return { name: 'ike-v2.pcap', frames: c.frames };
}

/** NAT traversal: IKEv1 main mode with a NAT (floats to 4500), quick mode, ESP in UDP, NAT-keepalives; IKEv2 on 4500. */
function natT(): IkeCaptureSpec {
  const c = new Cap();
  const NP = 34512; // the NAT's port for the initiator's 500
  const NP2 = 41922; // and for 4500
  const h = { ispi: '48c1e9a07b3d5f26', exchange: X.IDENTITY_PROTECTION };
  const hr = { ...h, rspi: 'd0a2c4e6f8193b5d' };
  // 1: I(NAT)→R MM1 — SA, VIDs (RFC 3947 announces NAT-T)
  c.udp(NAT_PUBLIC, NP, TARGET, 500, message(h, [pl(P.SA, mainModeSa()), ...V1_VIDS()]));
  // 2: R→I MM2 — SA, VIDs
  c.udp(TARGET, 500, NAT_PUBLIC, NP, message(hr, [pl(P.SA, mainModeSaChosen()), ...V1_VIDS()]));
  // 3: I→R MM3 — KE, nonce, NAT-D x2 (the initiator hashes its private address: they will not match)
  c.udp(NAT_PUBLIC, NP, TARGET, 500, message(hr, [pl(P.KE, fill(256, 101)), pl(P.NONCE, fill(32, 102)), pl(P.NAT_D, fill(32, 103)), pl(P.NAT_D, fill(32, 104))]));
  // 4: R→I MM4 — KE, nonce, NAT-D x2
  c.udp(TARGET, 500, NAT_PUBLIC, NP, message(hr, [pl(P.KE, fill(256, 111)), pl(P.NONCE, fill(32, 112)), pl(P.NAT_D, fill(32, 113)), pl(P.NAT_D, fill(32, 114))]));
  // 5: I→R MM5 on 4500 — Non-ESP marker + encrypted ISAKMP (ID, HASH)
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, nonEspMarker(encryptedV1(hr, P.ID, fill(96, 105))));
  // 6: R→I MM6 on 4500 — marker + encrypted (ID, HASH)
  c.udp(TARGET, 4500, NAT_PUBLIC, NP2, nonEspMarker(encryptedV1(hr, P.ID, fill(64, 115))));
  const q = { ...hr, exchange: X.QUICK, messageId: 0x3e5d7c9b };
  // 7-9: quick mode on 4500 (encrypted; SA proposes UDP-encapsulated transport mode and NAT-OA)
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, nonEspMarker(encryptedV1(q, P.HASH, fill(448, 106))));
  c.udp(TARGET, 4500, NAT_PUBLIC, NP2, nonEspMarker(encryptedV1(q, P.HASH, fill(448, 116))));
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, nonEspMarker(encryptedV1(q, P.HASH, fill(48, 107))));
  // 10-13: ESP in UDP (RFC 3948), each direction sequence 1 and 2: SPI, sequence, 16-byte IV + ciphertext + 16-byte ICV
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, esp(0xc8e1f204, 1, fill(96, 121)));
  c.udp(TARGET, 4500, NAT_PUBLIC, NP2, esp(0xd17a3b55, 1, fill(96, 122)));
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, esp(0xc8e1f204, 2, fill(128, 123)));
  c.udp(TARGET, 4500, NAT_PUBLIC, NP2, esp(0xd17a3b55, 2, fill(80, 124)));
  // 14: I→R NAT-keepalive (one 0xFF byte)
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, NAT_KEEPALIVE);
  // 15: I→R ESP sequence 5 (3 and 4 lost)
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, esp(0xc8e1f204, 5, fill(96, 125)));
  // 16: I→R ESP sequence 5 again (a replay)
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, esp(0xc8e1f204, 5, fill(96, 125)));
  // 17: I→R DPD (informational, encrypted) on 4500
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, nonEspMarker(encryptedV1({ ...hr, exchange: X.INFORMATIONAL, messageId: 0x6b2a1c0d }, P.HASH, fill(80, 108))));
  // IKEv2 behind the same NAT: IKE_SA_INIT on 500, the rest on 4500.
  const v2i = { ispi: '2f4e6d8c0b1a3957', version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };
  const v2r = { ...v2i, rspi: 'a3c5e7f9123b4d6f', flags: F2.RESPONSE };
  const sa = saV2([{ number: 1, protocol: 1, transforms: [{ type: 1, id: 20, attrs: attrTV(14, 256) }, { type: 2, id: 7 }, { type: 4, id: 31 }] }]);
  // 18: I→R IKE_SA_INIT — SA (AES-GCM-16/PRF_HMAC_SHA2_512/Curve25519), KE, Ni, NAT-D x2
  c.udp(NAT_PUBLIC, NP, TARGET, 500, message(v2i, [pl(P.SA2, sa), pl(P.KE2, keV2(31, fill(32, 131))), pl(P.NONCE2, fill(32, 132)), pl(P.N2, notifyV2(16388, { data: fill(20, 133) })), pl(P.N2, notifyV2(16389, { data: fill(20, 134) }))]));
  // 19: R→I IKE_SA_INIT response — SA, KE, Nr, NAT-D x2
  c.udp(TARGET, 500, NAT_PUBLIC, NP, message(v2r, [pl(P.SA2, sa), pl(P.KE2, keV2(31, fill(32, 141))), pl(P.NONCE2, fill(32, 142)), pl(P.N2, notifyV2(16388, { data: fill(20, 143) })), pl(P.N2, notifyV2(16389, { data: fill(20, 144) }))]));
  // 20: I→R IKE_AUTH on 4500 — marker + SK (IDi first)
  c.udp(NAT_PUBLIC, NP2, TARGET, 4500, nonEspMarker(message({ ...v2r, exchange: X.IKE_AUTH, flags: F2.INITIATOR, messageId: 1 }, [pl(P.SK, fill(256, 135), { next: P.IDI })])));
  // 21: R→I IKE_AUTH response on 4500 — marker + SK (IDr first)
  c.udp(TARGET, 4500, NAT_PUBLIC, NP2, nonEspMarker(message({ ...v2r, exchange: X.IKE_AUTH, flags: F2.RESPONSE, messageId: 1 }, [pl(P.SK, fill(224, 145), { next: P.IDR })])));
  return { name: 'ike-nat-t.pcap', frames: c.frames };
}

/** ESP directly on IP (protocol 50): transport mode between initiator and target, with loss, reordering and a replay. */
function espPlain(): IkeCaptureSpec {
  const c = new Cap();
  const o = 0x9c3e5a71; // initiator → target SA
  const i = 0x4f2d8b16; // target → initiator SA
  // 1-4: in order, both directions (sequence 1 and 2)
  c.add(ethEsp(INITIATOR, TARGET, esp(o, 1, fill(112, 151))));
  c.add(ethEsp(TARGET, INITIATOR, esp(i, 1, fill(64, 152))));
  c.add(ethEsp(INITIATOR, TARGET, esp(o, 2, fill(1440, 153))));
  c.add(ethEsp(TARGET, INITIATOR, esp(i, 2, fill(64, 154))));
  // 5: o sequence 4 (3 lost)
  c.add(ethEsp(INITIATOR, TARGET, esp(o, 4, fill(112, 155))));
  // 6: o sequence 3 (late)
  c.add(ethEsp(INITIATOR, TARGET, esp(o, 3, fill(112, 156))));
  // 7: o sequence 3 again (replayed)
  c.add(ethEsp(INITIATOR, TARGET, esp(o, 3, fill(112, 156))));
  // 8: i sequence 3 (in order)
  c.add(ethEsp(TARGET, INITIATOR, esp(i, 3, fill(64, 157))));
  // 9: a new SA starting at sequence 1
  c.add(ethEsp(INITIATOR, TARGET, esp(0x0a0b0c0d, 1, fill(48, 158))));
  // 10: ESP with only SPI and sequence (no payload)
  c.add(ethEsp(INITIATOR, TARGET, esp(0x0a0b0c0d, 2, new Uint8Array(0))));
  // 11: 6 bytes: an SPI and half a sequence number
  c.add(ethEsp(INITIATOR, TARGET, esp(0x0a0b0c0d, 3, new Uint8Array(0)).subarray(0, 6)));
  // 12: sequence 0xffffffff then 13: sequence 0 (wrap is "in order")
  c.add(ethEsp(TARGET, INITIATOR, esp(0x77777777, 0xffffffff, fill(32, 159))));
  c.add(ethEsp(TARGET, INITIATOR, esp(0x77777777, 0, fill(32, 160))));
  return { name: 'ike-esp.pcap', frames: c.frames };
}

/** Malformed and hostile messages, one per frame. */
function malformed(): IkeCaptureSpec {
  const c = new Cap();
  const h = { ispi: 'deadbeef01020304', rspi: '0506070809101112', exchange: X.IDENTITY_PROTECTION };
  const h2 = { ispi: 'feedface01020304', version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };
  const u = (b: Uint8Array, port = 500): void => c.udp(INITIATOR, port, TARGET, port, b);
  const good = message(h, [pl(P.SA, mainModeSaChosen()), pl(P.VID, VID.DPD)]);
  // 1: ISAKMP length 600 but 124 bytes sent (runs past the datagram: header fields up to the message ID only)
  u(message({ ...h, length: 600 }, [pl(P.SA, mainModeSaChosen()), pl(P.VID, VID.DPD)]));
  // 2: ISAKMP length = real length + 4 (Wireshark's check covers length - 4: accepted, payloads read to the end)
  u(message({ ...h, length: good.length + 4 }, [pl(P.SA, mainModeSaChosen()), pl(P.VID, VID.DPD)]));
  // 3: length 27 (< header): not ISAKMP for tshark
  u(message({ ...h, length: 27 }, [pl(P.VID, VID.DPD)]));
  // 4: 20 bytes (shorter than a header): not ISAKMP
  u(good.subarray(0, 20));
  // 5: length 0xfffffff0 (length - 28 is negative as a C int: "too large", the length is shown, nothing after)
  u(message({ ...h, length: 0xfffffff0 }, [pl(P.VID, VID.DPD)]));
  // 6: second payload's length runs past the end (payload chain overrun)
  u(message(h, [pl(P.NONCE, fill(16, 1)), pl(P.VID, VID.DPD, { length: 300 })]));
  // 7: payload length 0 then 2 (bogus, < 4): the chain advances by 4
  u(message(h, [pl(P.NONCE, fill(8, 2), { length: 0 }), pl(P.VID, fill(8, 3), { length: 2 }), pl(P.VID, VID.DPD)]));
  // 8: last payload says Next Payload VID but nothing follows except 2 bytes
  u(concat([message({ ...h, length: 28 + 20 + 2 }, [pl(P.VID, VID.DPD, { next: P.VID })]), Uint8Array.of(0, 0)]));
  // 9: Next Payload NONE with data after it (extra data)
  u(message(h, [pl(P.NONCE, fill(8, 4), { next: P.NONE }), pl(P.VID, VID.DPD)]));
  // 10: unknown payload type 77, then a transform (3) at the top level
  u(message(h, [pl(77, fill(6, 5)), pl(P.TRANSFORM, fill(8, 6)), pl(P.VID, VID.DPD)]));
  // 11: proposal declares 3 transforms, holds 1
  u(message(h, [pl(P.SA, saV1([{ number: 0, protocol: 1, count: 3, transforms: [{ number: 0, id: 1, attrs: attrTV(1, 7) }] }])), pl(P.VID, VID.DPD)]));
  // 12: transform length 2, then a transform longer than its proposal
  u(message(h, [pl(P.SA, saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: attrTV(1, 7), length: 2 }] }])), pl(P.SA, saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: attrTV(1, 7), length: 64 }] }])), pl(P.VID, VID.DPD)]));
  // 13: attribute lengths: TLV values of 0, 1, 3, 5 and 9 bytes; a TLV running past the datagram
  u(message(h, [pl(P.SA, saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: concat([attrTLV(1, new Uint8Array(0)), attrTLV(1, Uint8Array.of(7)), attrTLV(12, Uint8Array.of(0, 1, 2)), attrTLV(12, fill(5, 7)), attrTLV(12, fill(9, 8)), attrTLV(6, fill(4, 9), 500)]) }] }]))]));
  // 14: SA with a 2-byte situation; an SA with an unknown DOI
  u(message(h, [pl(P.SA, concat([be32(1), Uint8Array.of(0, 1)])), pl(P.SA, concat([be32(9), fill(6, 10)])), pl(P.VID, VID.DPD)]));
  // 15: notification whose SPI size runs past the payload (reads into the next one), then a notification cut in its type
  u(message({ ...h, exchange: X.INFORMATIONAL }, [pl(P.N, notifyV1(14, { spi: fill(2, 11) }).subarray(0, 8)), pl(P.N, notifyV1(24).subarray(0, 7))]));
  // 16: delete with SPI size 4 and 3 SPIs declared but 5 bytes of SPI data
  u(message({ ...h, exchange: X.INFORMATIONAL }, [pl(P.D, concat([deleteV1(3, [], 1, 4).subarray(0, 6), be16(3), fill(5, 12)]))]));
  // 17: IKEv2: critical bit on an unknown payload, SK payload shorter than its 4-byte IV field
  u(message(h2, [pl(60, fill(4, 13), { critical: true }), pl(P.SK, fill(2, 14), { next: P.IDI })]));
  // 18: IKEv2 SA nested 200 levels deep (Wireshark's nesting guard stops at depth 500)
  {
    let inner: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 200; i++) {
      const body = concat([concat([Uint8Array.of(P.SA2, 0), be16(4)]), inner]);
      inner = concat([Uint8Array.of(0, 0), be16(4 + body.length), body]);
    }
    u(concat([header(h2, P.SA2, inner.length), inner]));
  }
  // 19: 260 empty Vendor ID payloads (only 250 are shown: the nesting guard counts every payload twice)
  u(message(h, Array.from({ length: 260 }, () => pl(P.VID, new Uint8Array(0)))));
  // 20: version 3.0 (neither IKEv1 nor IKEv2)
  u(message({ ...h, version: 0x30 }, [pl(P.SA, mainModeSaChosen()), pl(P.KE, fill(8, 15)), pl(P.VID, VID.DPD)]));
  // 21: IKEv1 with the encryption flag and nothing after the header
  u(encryptedV1({ ...h, exchange: X.QUICK }, P.HASH, new Uint8Array(0)));
  // 22: on 4500 — 3 bytes (neither keepalive nor marker/SPI)
  u(fill(3, 16), 4500);
  // 23: on 4500 — 1 byte that is not 0xFF
  u(Uint8Array.of(0xfe), 4500);
  // 24: on 4500 — Non-ESP marker followed by 20 bytes (too short for ISAKMP)
  u(concat([new Uint8Array(4), fill(20, 17)]), 4500);
  // 25: on 4500 — marker only
  u(new Uint8Array(4), 4500);
  // 26: on 4500 — two 0xFF bytes (not a keepalive: an ESP SPI 0xffff.... cut short)
  u(Uint8Array.of(0xff, 0xff), 4500);
  // 27: 1-byte 0xFF on port 500 (a keepalive sent to the wrong port: not ISAKMP)
  u(Uint8Array.of(0xff));
  // 28: IKEv2 notify INVALID_KE_PAYLOAD with 1 byte of data (the group is read past it, from the next payload)
  u(message({ ...h2, flags: F2.RESPONSE }, [pl(P.N2, notifyV2(17, { data: Uint8Array.of(0) })), pl(P.V2, VID.STRONGSWAN)]));
  // 29: identification payload of 3 bytes (its data length is negative)
  u(message(h, [pl(P.ID, idV1(1, new Uint8Array(0)).subarray(0, 3)), pl(P.VID, VID.DPD)]));
  return { name: 'ike-malformed.pcap', frames: c.frames };
}

/** Every Vendor ID Wireshark 4.0 names, one message each, and the ones with data after the ID. */
function vendorIds(table: readonly (readonly [string, string])[]): IkeCaptureSpec {
  const c = new Cap();
  const h = { ispi: '0123456789abcdef', exchange: X.IDENTITY_PROTECTION };
  // 1..N: one VID payload with exactly the table's bytes
  for (const [hex] of table) c.udp(INITIATOR, 500, TARGET, 500, message(h, [pl(P.VID, hexBytes(hex))]));
  // N+1: CISCO-UNITY 1.0; MS NT5 ISAKMPOAKLEY version 9; Check Point R65 + product/version/timestamp/reserved/features;
  //      Aruba VIA auth profile "default"; Fortigate release 6.4 build 1803; an unknown VID; a 4-byte VID
  c.udp(INITIATOR, 500, TARGET, 500, message(h, [
    pl(P.VID, VID.CISCO_UNITY),
    pl(P.VID, VID.MS_NT5),
    pl(P.VID, concat([hexBytes('f4ed19e0c114eb516faaac0ee37daf2807b4381f'), be32(2), be32(5005), be32(1795464000), be32(0), be32(0x18800000)])),
    pl(P.VID, concat([hexBytes('56494120417574682050726f66696c65203a20'), enc('default')])),
    pl(P.VID, concat([hexBytes('8299031757a36082c6a621de'), enc('6418')])),
    pl(P.VID, fill(16, 18)),
    pl(P.VID, hexBytes('404bf439')),
  ]));
  return { name: 'ike-vendor-ids.pcap', frames: c.frames };
}

/** Main mode cut by a 90-byte snaplen (captured < on the wire). */
function snaplen(): IkeCaptureSpec {
  const s = v1MainMode();
  return { name: 'ike-snaplen.pcap', frames: s.frames.slice(0, 6), snaplen: 90 };
}

/** Every IKE/ESP capture, in a fixed order. */
export function ikeCaptures(): IkeCaptureSpec[] {
  return [v1MainMode(), v1Aggressive(), v1Informational(), v2(), natT(), espPlain(), malformed(), vendorIds(VENDOR_IDS), snaplen()];
}

/** Write the captures into `dir`; returns the file names. */
export function writeIkeCaptures(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return ikeCaptures().map((s) => {
    writeFileSync(join(dir, s.name), pcapFile(s.frames, s.snaplen !== undefined ? { snaplen: s.snaplen } : {}));
    return s.name;
  });
}

// ================================================================ tshark's output next to each capture

/** Field lists: test/fixtures/tshark-G-fields-{isakmp,esp,udpencap,isns}.tsv (tshark -G fields). */
function fixtureAbbrevs(root: string, proto: string): string[] {
  const text = readFileSync(join(root, 'test/fixtures', `tshark-G-fields-${proto}.tsv`), 'utf8');
  return text.trim().split('\n').map((l) => l.split('\t')[2]!);
}

/**
 * Record tshark's output for a capture, for tests on machines without tshark:
 *   NAME.tshark-isakmp.tsv     tshark -r NAME -Y 'isakmp || esp || udpencap' -T fields -E occurrence=a
 *                              -e frame.number -e <357 isakmp.*> -e <15 esp.*> -e <2 udpencap.*>
 *   NAME.tshark-fields.tsv, NAME.tshark-malformed.txt, NAME.tshark-notisns.txt
 *                              what captures/tshark-goldens.sh records for every capture (iSNS: empty here)
 */
export function recordTshark(root: string, cap: string): void {
  const fields = ['frame.number', ...fixtureAbbrevs(root, 'isakmp'), ...fixtureAbbrevs(root, 'esp'), ...fixtureAbbrevs(root, 'udpencap')];
  const run = (args: string[]): string => spawnSync('tshark', ['-r', cap, ...args], { maxBuffer: 1 << 28 }).stdout.toString();
  writeFileSync(`${cap}.tshark-isakmp.tsv`, run(['-Y', 'isakmp || esp || udpencap', '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])]));
  const isns = fixtureAbbrevs(root, 'isns').flatMap((f) => ['-e', f]);
  writeFileSync(`${cap}.tshark-fields.tsv`, run(['-Y', 'isns', '-T', 'fields', '-E', 'occurrence=a', '-e', 'frame.number', ...isns]));
  writeFileSync(`${cap}.tshark-malformed.txt`, run(['-Y', 'isns && _ws.malformed', '-T', 'fields', '-e', 'frame.number']));
  const notIsns = '!isns && (tcp.len > 0 || udp.length > 8) && !(tcp.port == 3205 || udp.port == 3205)';
  writeFileSync(`${cap}.tshark-notisns.txt`, run(['-Y', notIsns, '-T', 'fields', '-e', 'frame.number']));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const dir = process.argv[2] ?? 'captures/crafted';
  const root = resolve(new URL('../..', import.meta.url).pathname);
  for (const f of writeIkeCaptures(dir)) {
    if (process.argv.includes('--tshark')) recordTshark(root, join(dir, f));
    console.log(join(dir, f));
  }
}
