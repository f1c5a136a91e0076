/**
 * ISAKMP / IKEv1 (RFC 2408, 2409) and IKEv2 (RFC 7296) — the dissector.
 *
 * Message layout: a 28-byte header — initiator SPI (8), responder SPI (8),
 * next payload (1), version (major/minor nibbles), exchange type (1), flags
 * (1), message ID (4), length (4, the whole message) — then a chain of
 * payloads, each with a 4-byte generic header (next payload, a reserved byte
 * that carries the critical bit in IKEv2, payload length) and a body. An SA
 * payload holds a chain of proposals, each a chain of transforms, each a list
 * of attributes (TV: 2-byte type with the high bit set + 2-byte value; TLV:
 * type, length, value). In IKEv1 the Encryption flag means every byte after
 * the header is ciphertext; in IKEv2 the Encrypted payload (SK, 46) hides the
 * payloads that follow it.
 *
 * One walk does both jobs: it builds the field tree tshark 4.0 shows and the
 * typed IsakmpResult for the binder. The walk follows Wireshark 4.0.17's
 * packet-isakmp.c step by step, because tshark's `-e` output is defined by
 * where that code reads and where it gives up:
 *  - reads go to the end of the UDP payload, not of the ISAKMP length or of
 *    the payload being dissected (a payload may spill into the next one);
 *  - a read past the captured bytes ends the dissection of the message (a
 *    Wireshark exception): what was added so far stays, nothing after it;
 *  - lengths are checked only where Wireshark checks them (e.g. the header
 *    check covers the message length minus 4, bytes items must fit, FT_NONE
 *    items are clipped to the data, integers of 1..4 bytes are read at the
 *    length given, more than 4 bytes read as the first 4);
 *  - every payload whose length is >= 4 adds 2 to a depth counter that stops
 *    the message at 500 (Wireshark's nesting guard, which 4.0.17 increments
 *    twice per payload — so at most 250 payloads are shown);
 *  - things Wireshark does outside the isakmp.* fields (X.509 via BER, EAP,
 *    Cisco fragment reassembly) are only emulated as far as they decide
 *    whether the isakmp fields continue: see ber.ts and the notes below.
 *
 * Never throws: a read past the data ends the walk (the result says where in
 * `problems`); loops advance by at least one byte per step over bytes that
 * exist; nothing is allocated from a length field (bytes are views).
 */
import { ByteView, MalformedError, TruncatedError, ViewError } from '../core/byteview.js';
import { bytesToHex, type FieldDef, type FieldNode, type FieldValue } from '../core/field.js';
import type { AppProtocol, PduContext, TreeContext } from '../core/protocol.js';
import { berHeader, berOverruns, berWalk, isSequence } from './ber.js';
import { exchangeName, fd, idTypeName, ISAKMP_FIELDS, notifyName, payloadName, protocolName, rangeName, type Variant } from './names.js';
import { startsWith, vendorName, VID_ARUBA_VIA_AUTH_PROFILE, VID_CISCO_UNITY, VID_CP_01_R65, VID_FORTIGATE, VID_MS_NT5 } from './vendor-ids.js';

// ------------------------------------------------------------------ constants

export const ISAKMP_PORT = 500;
export const HEADER_LENGTH = 28;

/** Payload types (IANA "IKE Payload Types" / "IKEv2 Payload Types"). */
export const PT = {
  NONE: 0, SA: 1, P: 2, T: 3, KE: 4, ID: 5, CERT: 6, CR: 7, HASH: 8, SIG: 9, NONCE: 10, N: 11, D: 12, VID: 13, A: 14,
  SAK: 15, SAT: 16, KD: 17, SEQ: 18, NAT_D: 20, NAT_OA: 21,
  SA2: 33, KE2: 34, IDI: 35, IDR: 36, CERT2: 37, CERTREQ2: 38, AUTH: 39, NONCE2: 40, N2: 41, D2: 42, V2: 43, TSI: 44, TSR: 45,
  SK: 46, CP: 47, EAP: 48, GSPM: 49, SKF: 53, NAT_D_DRAFT: 130, NAT_OA_DRAFT: 131, CISCO_FRAG: 132,
} as const;

const FLAG_E = 0x01;
const FLAG_C = 0x02;
const FLAG_A = 0x04;
const FLAG_I = 0x08;
const FLAG_R = 0x20;

/** Wireshark's gui.max_tree_depth default: the nesting guard. */
const MAX_DEPTH = 500;

// ------------------------------------------------------------------ result

/** One SA attribute (transform, IPsec or responder-lifetime attribute). */
export interface IsakmpAttribute {
  readonly type: number;
  readonly name: string;
  /** TV attributes and TLV values of 1..4 bytes as a number; longer values null (see `hex`). */
  readonly value: number | null;
  /** The value bytes, lower-case hex. */
  readonly hex: string;
}

/**
 * What a transform offers, decoded from its ID (IKEv2) or attributes (IKEv1).
 * Absent members were not in the transform.
 */
export interface TransformSummary {
  encryption?: { id: number; name: string };
  /** Key length in bits (IKEv1 Key-Length attribute, IKEv2 ENCR Key Length attribute). */
  keyLength?: number;
  hash?: { id: number; name: string };
  /** IKEv1 phase 1 authentication method (1 = pre-shared key, 3 = RSA signatures, 65001.. = XAUTH ...). */
  authMethod?: { id: number; name: string };
  /** Diffie-Hellman group (IKEv1 Group-Description, IKEv2 D-H transform). */
  group?: { id: number; name: string };
  prf?: { id: number; name: string };
  /** IKEv2 INTEG / IKEv1 phase 2 Authentication Algorithm. */
  integrity?: { id: number; name: string };
  esn?: number;
  /** IPsec encapsulation mode (1 tunnel, 2 transport, 3/4 UDP-encapsulated ...). */
  encapsulation?: { id: number; name: string };
  lifeSeconds?: number;
  lifeKilobytes?: number;
}

export interface IsakmpTransform {
  /** IKEv1 transform number; IKEv2: position in the proposal, from 1. */
  readonly number: number;
  /** IKEv1 transform ID (1 = KEY_IKE, 12 = ESP_AES ...); IKEv2 transform ID. */
  readonly id: number;
  readonly idName: string;
  /** IKEv2 transform type (1 ENCR, 2 PRF, 3 INTEG, 4 D-H, 5 ESN); null in IKEv1. */
  readonly type: number | null;
  readonly attributes: IsakmpAttribute[];
  readonly summary: TransformSummary;
}

/**
 * Everything a proposal offers, by kind, across its transforms (in order, no
 * repeats): in IKEv1 each transform is an alternative, in IKEv2 a proposal
 * combines one transform of each type. A binder compares the initiator's
 * offer with the responder's choice through this.
 */
export interface ProposalOffer {
  readonly encryption: { readonly id: number; readonly name: string; readonly keyLength?: number }[];
  readonly integrity: { readonly id: number; readonly name: string }[];
  readonly hash: { readonly id: number; readonly name: string }[];
  readonly prf: { readonly id: number; readonly name: string }[];
  readonly group: { readonly id: number; readonly name: string }[];
  readonly authMethod: { readonly id: number; readonly name: string }[];
}

export interface IsakmpProposal {
  readonly number: number;
  /** 1 ISAKMP/IKE, 2 AH, 3 ESP, 4 IPCOMP. */
  readonly protocolId: number;
  readonly protocolName: string;
  /** SPI, hex ('' when the SPI size is 0). */
  readonly spi: string;
  /** Transform count as declared. */
  readonly transformCount: number;
  /** Transforms decoded (fewer than declared when the payload is short). */
  readonly transforms: IsakmpTransform[];
  /** The transforms' summaries gathered by kind. */
  readonly offer: ProposalOffer;
}

export interface IsakmpSa {
  /** IKEv1 DOI (1 = IPsec); null in IKEv2. */
  readonly doi: number | null;
  /** IKEv1 situation (SIT_IDENTITY_ONLY = 1 ...), null when absent. */
  readonly situation: number | null;
  readonly proposals: IsakmpProposal[];
}

export interface IsakmpNotification {
  readonly type: number;
  /** Wireshark's name for the type, e.g. NO-PROPOSAL-CHOSEN (IKEv1), NO_PROPOSAL_CHOSEN (IKEv2). */
  readonly name: string;
  /** Error types are below 16384 (RFC 2408 §3.14.1, RFC 7296 §3.10.1); status types from 16384. */
  readonly error: boolean;
  readonly protocolId: number;
  /** IKEv1 DOI; null in IKEv2. */
  readonly doi: number | null;
  /** SPI, hex ('' when none). */
  readonly spi: string;
  /** Notification data, hex (what is present of it). */
  readonly data: string;
  /** INVALID_KE_PAYLOAD (17, IKEv2): the group the responder accepts. */
  readonly acceptedGroup?: number;
}

export interface IsakmpDelete {
  readonly protocolId: number;
  readonly spiSize: number;
  /** Number of SPIs as declared. */
  readonly count: number;
  readonly spis: string[];
}

export interface IsakmpIdentification {
  /** Payload type: 5 (IKEv1 ID), 35 (IDi), 36 (IDr). */
  readonly payload: number;
  readonly type: number;
  readonly typeName: string;
  /** IKEv1 protocol and port (0 = unused); null in IKEv2. */
  readonly protocolId: number | null;
  readonly port: number | null;
  /** The identity as text: address(es), FQDN / user@FQDN, or hex. */
  readonly value: string;
}

export interface IsakmpPayload {
  readonly type: number;
  readonly name: string;
  /** Offset of the generic payload header from the start of the ISAKMP header. */
  readonly offset: number;
  /** Payload Length field (header included). */
  readonly length: number;
  /** IKEv2 critical bit. */
  readonly critical: boolean;
}

export interface IsakmpResult {
  /**
   * Wireshark's acceptance test: at least 28 bytes and a length field >= 28.
   * When false the datagram is not ISAKMP for tshark and nothing else is set.
   */
  readonly isIsakmp: boolean;
  /** Initiator / responder SPI (cookies), 16 hex digits each. */
  readonly ispi: string;
  readonly rspi: string;
  /** Major version (1 or 2; others are decoded as far as Wireshark does). */
  readonly version: number;
  readonly minor: number;
  readonly exchangeType: number;
  readonly exchangeName: string;
  readonly flags: number;
  /** IKEv1 Encryption flag: the payloads are ciphertext and are not decoded. */
  readonly encrypted: boolean;
  /** IKEv1 Commit / Authentication-only flags. */
  readonly commit: boolean;
  readonly authOnly: boolean;
  /** IKEv2 Initiator / Response flags (null in IKEv1). */
  readonly initiator: boolean | null;
  readonly response: boolean | null;
  readonly messageId: number;
  /** Length field (whole message). */
  readonly length: number;
  /** Next Payload of the header. */
  readonly nextPayload: number;
  /** Top-level payloads decoded, in order (proposals and transforms are in `sa`). */
  readonly payloads: IsakmpPayload[];
  readonly sa: IsakmpSa[];
  readonly notifications: IsakmpNotification[];
  readonly vendorIds: { readonly hex: string; readonly name: string }[];
  readonly deletes: IsakmpDelete[];
  readonly ids: IsakmpIdentification[];
  /** Key exchange payloads: IKEv2 group (null in IKEv1) and data length. */
  readonly keyExchange: { readonly group: number | null; readonly length: number }[];
  /** Nonce lengths. */
  readonly nonces: number[];
  /** NAT-D hashes (hex). */
  readonly natD: string[];
  /** IKEv2 AUTH methods (plaintext AUTH payloads only). */
  readonly authMethods: number[];
  /** Certificate / certificate-request encodings (4 = X.509 signature ...). */
  readonly certificates: number[];
  readonly certRequests: number[];
  /**
   * Ciphertext: IKEv1 with the Encryption flag — the bytes after the header;
   * IKEv2 Encrypted payload — its body, and the type of the first payload
   * inside. null when the message has no ciphertext.
   */
  readonly encryptedData: { readonly length: number; readonly firstPayload: number } | null;
  /** Where the walk stopped early or what is odd (lengths, unknown payloads), in words. */
  readonly problems: string[];
}

// ------------------------------------------------------------------ walker

type Node = { def: FieldDef; value: FieldValue; offset: number; length: number; text?: string; children?: Node[] };

/** Wireshark's nesting guard fired. */
class DepthStop extends Error {}

type Mutable = { -readonly [K in keyof IsakmpResult]: IsakmpResult[K] };

function emptyResult(): Mutable {
  return {
    isIsakmp: false, ispi: '', rspi: '', version: 0, minor: 0, exchangeType: 0, exchangeName: '', flags: 0, encrypted: false,
    commit: false, authOnly: false, initiator: null, response: null, messageId: 0, length: 0, nextPayload: 0, payloads: [], sa: [],
    notifications: [], vendorIds: [], deletes: [], ids: [], keyExchange: [], nonces: [], natD: [], authMethods: [], certificates: [],
    certRequests: [], encryptedData: null, problems: [],
  };
}

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

/** Wireshark's ENC_ASCII string: up to the first NUL, bytes >= 0x80 as U+FFFD. */
function asciiString(v: ByteView, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = v.u8(o + i);
    if (b === 0) break;
    s += b >= 0x80 ? '\ufffd' : String.fromCharCode(b);
  }
  return s;
}

/**
 * ENC_BCD_DIGITS_0_9 (tvb_get_bcd_string): per byte the low nibble, then the
 * high nibble unless it is the 0xF filler, which ends the string; nibbles
 * above 9 print as '?'.
 */
function bcdString(v: ByteView, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = v.u8(o + i);
    const lo = b & 0x0f;
    const hi = b >> 4;
    s += lo <= 9 ? String(lo) : '?';
    if (hi === 0x0f) break;
    s += hi <= 9 ? String(hi) : '?';
  }
  return s;
}

function rangeOr(abbrev: string, v: number, variant: Variant = 0): string {
  return rangeName(abbrev, v, variant) ?? `Unknown ${v}`;
}

type AttrFamily = 'ike' | 'ipsec' | 'rl_ike' | 'rl_ipsec' | 'ike2' | 'rohc' | 'tek';

const FAMILY_PREFIX: Record<AttrFamily, string> = {
  ike: 'isakmp.ike.attr',
  ipsec: 'isakmp.ipsec.attr',
  rl_ike: 'isakmp.notify.data.resp_lifetime.ike.attr',
  rl_ipsec: 'isakmp.notify.data.resp_lifetime.ipsec.attr',
  ike2: 'isakmp.ike2.attr',
  rohc: 'isakmp.notify.data.rohc.attr',
  tek: 'isakmp.key_download.attr',
};

class Walker {
  /** Wireshark's dissection depth counter (shared by the whole message). */
  private depth = 0;
  /** Transform being decoded (attributes go into it). */
  private transform: { attributes: IsakmpAttribute[]; summary: TransformSummary } | null = null;
  private version = 0;
  private isRequest = true;

  constructor(
    readonly v: ByteView,
    readonly r: Mutable,
    readonly top: Node,
  ) {}

  // ---------------------------------------------------------------- tree primitives

  private push(parent: Node | null, n: Node): Node {
    if (parent) (parent.children ??= []).push(n);
    return n;
  }

  /** tvb_ensure_bytes_exist. */
  private ensure(o: number, n: number): void {
    this.v.check(o, n, 'isakmp');
  }

  /** A length of -1 means "to the end of the captured data" (at least one byte), below that is an error. */
  private toEnd(o: number, n: number): number {
    if (n >= 0) return n;
    if (n === -1) {
      const rem = this.v.captured - o;
      if (rem <= 0) this.v.check(o, 1, 'isakmp');
      return rem;
    }
    throw new MalformedError(`isakmp: negative length ${n} at offset ${this.v.abs(o)}`, this.v.abs(o));
  }

  /** FT_NONE item length: clipped to the captured data; an offset past the data is an error. */
  private clip(o: number, n: number): number {
    if (n === -1) return this.toEnd(o, n);
    const rem = o > this.v.captured ? -1 : this.v.captured - o;
    if (rem < 0) this.v.check(o, 1, 'isakmp');
    return n < 0 || n > rem ? rem : n;
  }

  private readUint(o: number, n: number): number {
    switch (n) {
      case 1:
        return this.v.u8(o);
      case 2:
        return this.v.u16(o);
      case 3:
        return this.v.u24(o);
      default:
        return this.v.u32(o);
    }
  }

  /** proto_tree_add_item: checks the bytes exist, reads the value by field type. */
  item(parent: Node | null, abbrev: string, o: number, n: number, variant: Variant = 0, text?: string): Node {
    const def = fd(abbrev, variant);
    let value: FieldValue = null;
    switch (def.type) {
      case 'none':
      case 'protocol':
        n = this.clip(o, n);
        break;
      case 'bytes':
        n = this.toEnd(o, n);
        this.ensure(o, n);
        value = this.v.bytes(o, n);
        break;
      case 'string':
        n = this.toEnd(o, n);
        this.ensure(o, n);
        value = asciiString(this.v, o, n);
        break;
      case 'uint8':
      case 'uint16':
      case 'uint24':
      case 'uint32': {
        if (n < 1) throw new MalformedError(`isakmp: integer field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        let x = this.readUint(o, n);
        if (def.bitmask) x = ((x & def.bitmask) >>> 0) / lowBit(def.bitmask);
        value = x >>> 0;
        break;
      }
      case 'uint64': {
        if (n < 1) throw new MalformedError(`isakmp: integer field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        let x = 0n;
        for (let i = 0; i < Math.min(n, 8); i++) x = (x << 8n) | BigInt(this.v.u8(o + i));
        value = x;
        break;
      }
      case 'boolean': {
        if (n < 1) throw new MalformedError(`isakmp: boolean field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        value = ((this.readUint(o, n) & (def.bitmask ?? 0)) >>> 0) !== 0;
        break;
      }
      case 'ipv4':
        if (n < 0) throw new MalformedError(`isakmp: IPv4 field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        if (n < 4) throw new MalformedError(`isakmp: IPv4 field ${abbrev} of length ${n}`, this.v.abs(o));
        value = this.v.ipv4(o);
        break;
      case 'ipv6':
        if (n < 0) throw new MalformedError(`isakmp: IPv6 field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        if (n < 16) throw new MalformedError(`isakmp: IPv6 field ${abbrev} of length ${n}`, this.v.abs(o));
        value = this.v.ipv6(o);
        break;
      default:
        break;
    }
    const node: Node = { def, value, offset: this.v.abs(o), length: n };
    if (text !== undefined) node.text = text;
    return this.push(parent, node);
  }

  /** proto_tree_add_uint & co: a value given by the dissector, no length check. */
  val(parent: Node | null, abbrev: string, o: number, n: number, value: FieldValue, variant: Variant = 0, text?: string): Node {
    const def = fd(abbrev, variant);
    // Wireshark's item length rules: -1 means "to the end" for bytes, strings and FT_NONE only.
    if (n < 0) {
      if (n === -1 && (def.type === 'bytes' || def.type === 'string' || def.type === 'none')) n = this.toEnd(o, n);
      else throw new MalformedError(`isakmp: field ${abbrev} with length ${n}`, this.v.abs(o));
    }
    const node: Node = { def, value, offset: this.v.abs(o), length: n };
    if (text !== undefined) node.text = text;
    return this.push(parent, node);
  }

  /**
   * Wireshark's subtree labels check their bytes before anything else: -1
   * means to the end (at least one byte), other lengths must fit the
   * captured data (measured against tshark 4.0.17).
   */
  private textCheck(o: number, n: number): number {
    if (n === -1) return this.toEnd(o, n);
    this.ensure(o, n);
    return n;
  }

  /**
   * An expert item: its text item covers (o, n); the field under it is
   * `abbrev` (FT_NONE). As measured against tshark 4.0.17: a negative length
   * or a start past the data stops the dissection before the item; a length
   * running past the data adds the item (clipped), then stops it.
   */
  expert(parent: Node | null, abbrev: string, o: number, n: number, text: string): void {
    let overrun = false;
    if (n === -1) n = this.toEnd(o, n);
    else {
      if (n < 0) throw new MalformedError(`isakmp: negative length ${n} at offset ${this.v.abs(o)}`, this.v.abs(o));
      if (o > this.v.captured) this.v.check(o, 0, 'isakmp');
      overrun = o + n > this.v.captured;
      n = Math.min(n, this.v.captured - o);
    }
    if (parent) this.push(parent, { def: fd(abbrev), value: null, offset: this.v.abs(o), length: n, text });
    if (overrun) this.v.check(o, n + 1, 'isakmp');
  }

  /** expert_add_info on an existing item: the field under it, no check. */
  flag(parent: Node, abbrev: string, o: number, text: string): void {
    this.push(parent, { def: fd(abbrev), value: null, offset: this.v.abs(o), length: 0, text });
  }

  /** A text-only subtree (proto_tree_add_subtree). */
  label(parent: Node | null, text: string, o: number, n: number): Node {
    n = this.textCheck(o, n);
    return this.push(parent, { def: LABEL, value: null, offset: this.v.abs(o), length: n, text });
  }

  private enter(): void {
    this.depth++;
    if (this.depth >= MAX_DEPTH) throw new DepthStop(`nesting guard: dissection depth ${this.depth} reached Wireshark's limit (${MAX_DEPTH})`);
  }

  private problem(s: string): void {
    if (this.r.problems.length < 32) this.r.problems.push(s);
  }

  // ---------------------------------------------------------------- message

  message(): void {
    const v = this.v;
    const r = this.r;
    const t = this.top;
    const version = v.u8(17);
    const major = version >> 4;
    const flags = v.u8(19);
    this.version = major;
    this.isRequest = !(flags & FLAG_R);
    r.isIsakmp = true;
    r.version = major;
    r.minor = version & 0x0f;
    r.exchangeType = v.u8(18);
    r.exchangeName = exchangeName(r.exchangeType);
    r.flags = flags;
    r.length = v.u32(24);
    this.item(t, 'isakmp.ispi', 0, 8);
    r.ispi = v.hex(0, 8);
    this.item(t, 'isakmp.rspi', 8, 8);
    r.rspi = v.hex(8, 8);
    const next = v.u8(16);
    r.nextPayload = next;
    this.item(t, 'isakmp.nextpayload', 16, 1);
    const vi = this.val(t, 'isakmp.version', 17, 1, version, 0, `Version: ${major}.${version & 0x0f}`);
    this.item(vi, 'isakmp.mjver', 17, 1);
    this.item(vi, 'isakmp.mnver', 17, 1);
    if (major === 1) this.item(t, 'isakmp.exchangetype', 18, 1);
    else if (major === 2) this.item(t, 'isakmp.exchangetype', 18, 1, 1);
    const fi = this.item(t, 'isakmp.flags', 19, 1);
    if (major === 1) {
      this.item(fi, 'isakmp.flag_e', 19, 1);
      this.item(fi, 'isakmp.flag_c', 19, 1);
      this.item(fi, 'isakmp.flag_a', 19, 1);
      r.encrypted = (flags & FLAG_E) !== 0;
      r.commit = (flags & FLAG_C) !== 0;
      r.authOnly = (flags & FLAG_A) !== 0;
    } else if (major === 2) {
      this.item(fi, 'isakmp.flag_i', 19, 1);
      this.item(fi, 'isakmp.flag_v', 19, 1);
      this.item(fi, 'isakmp.flag_r', 19, 1);
      r.initiator = (flags & FLAG_I) !== 0;
      r.response = (flags & FLAG_R) !== 0;
    } else {
      this.problem(`ISAKMP version ${major}.${version & 0x0f} is neither 1 nor 2: exchange type, flags and most payload fields are not decoded`);
    }
    r.messageId = v.u32(20);
    this.item(t, 'isakmp.messageid', 20, 4);
    const len = r.length - HEADER_LENGTH;
    if (len > 0x7fffffff) {
      // Wireshark computes this in a C int: a length of 2^31 + 28 or more is "too large".
      this.val(t, 'isakmp.length', 24, 4, r.length, 0, `Length: (bogus, length is ${r.length}, which is too large)`);
      this.problem(`length ${r.length} is too large`);
      return;
    }
    // Wireshark checks len bytes from the length field (offset 24), i.e. the message length minus 4.
    if (!v.has(24, len)) {
      this.problem(`length ${r.length} runs past the ${v.captured} bytes of the datagram`);
    }
    this.ensure(24, len);
    this.item(t, 'isakmp.length', 24, 4);
    if (major === 1 && flags & FLAG_E) {
      if (len) {
        this.item(t, 'isakmp.enc.data', HEADER_LENGTH, len, 0, `Encrypted Data (${len} byte${len === 1 ? '' : 's'})`);
        r.encryptedData = { length: len, firstPayload: next };
      }
      return;
    }
    if (v.captured > HEADER_LENGTH + len) this.problem(`${v.captured - HEADER_LENGTH - len} bytes follow the message (length ${r.length})`);
    this.payloads(t, next, HEADER_LENGTH, len, true);
  }

  // ---------------------------------------------------------------- payload chains

  /** dissect_payloads: a chain of payloads starting with type `first`. */
  private payloads(tree: Node, first: number, o: number, length: number, topLevel: boolean): void {
    let payload = first;
    while (length > 0) {
      if (payload === PT.NONE) {
        this.item(tree, 'isakmp.extradata', o, length);
        this.problem(`${length} bytes after the last payload (Next Payload 0) at offset ${o}`);
        break;
      }
      const h = this.payloadHeader(tree, o, length, payload);
      let plen = h.length;
      if (topLevel && h.node) this.r.payloads.push({ type: payload, name: payloadName(payload), offset: o, length: plen, critical: h.critical });
      if (plen >= 4) {
        this.enter();
        this.ensure(o + 4, plen - 4);
        this.body(h.node, payload, o + 4, plen - 4, h.next);
        this.enter();
      } else if (plen > length) {
        this.expert(h.node, 'isakmp.payloadlength.invalid', 0, 0, `Payload (bogus, length is ${plen}, greater than remaining length ${length}`);
        this.problem(`payload ${payloadName(payload)} at offset ${o}: length ${plen} is bogus`);
        return;
      } else {
        this.expert(h.node, 'isakmp.payloadlength.invalid', 0, 0, `Payload (bogus, length is ${plen}, must be at least 4)`);
        if (h.node) this.problem(`payload ${payloadName(payload)} at offset ${o}: length ${plen} is less than 4`);
        plen = 4;
      }
      o += plen;
      length -= plen;
      payload = h.next;
    }
  }

  /** dissect_payload_header: adds the payload item and its generic header. */
  private payloadHeader(tree: Node, o: number, length: number, payload: number): { node: Node | null; next: number; length: number; critical: boolean } {
    if (length < 4) {
      this.expert(tree, 'isakmp.payloadlength.invalid', o, length, 'Not enough room in payload for all transforms');
      this.problem(`${length} bytes at offset ${o} are too few for a payload header`);
      return { node: null, next: 0, length: 0, critical: false };
    }
    const v = this.v;
    const next = v.u8(o);
    const plen = v.u16(o + 2);
    const node = this.val(tree, 'isakmp.typepayload', o, plen, payload);
    this.item(node, 'isakmp.nextpayload', o, 1);
    let critical = false;
    if (this.version === 1 || payload === PT.P || payload === PT.T) this.item(node, 'isakmp.reserved', o + 1, 1);
    else if (this.version === 2) {
      critical = (v.u8(o + 1) & 0x80) !== 0;
      this.item(node, 'isakmp.criticalpayload', o + 1, 1);
      this.item(node, 'isakmp.reserved7', o + 1, 1);
    }
    this.item(node, 'isakmp.payloadlength', o + 2, 2);
    return { node, next, length: plen, critical };
  }

  private body(t: Node | null, payload: number, o: number, n: number, next: number): void {
    const ver = this.version;
    switch (payload) {
      case PT.SA:
      case PT.SA2:
        return this.sa(t, o, n);
      case PT.P:
        return this.proposal(t, o, n);
      case PT.KE:
      case PT.KE2:
        return this.keyExchange(t, o, n);
      case PT.ID:
      case PT.IDI:
      case PT.IDR:
        return this.identification(t, o, n, payload);
      case PT.CERT:
      case PT.CERT2:
        return this.cert(t, o, n);
      case PT.CR:
      case PT.CERTREQ2:
        return this.certReq(t, o, n);
      case PT.HASH:
        this.item(t, 'isakmp.hash', o, n);
        return;
      case PT.SIG:
        this.item(t, 'isakmp.sig', o, n);
        return;
      case PT.NONCE:
      case PT.NONCE2:
        this.item(t, 'isakmp.nonce', o, n);
        this.r.nonces.push(n);
        return;
      case PT.N:
      case PT.N2:
        return this.notify(t, o, n);
      case PT.D:
      case PT.D2:
        return this.delete(t, o, n);
      case PT.VID:
      case PT.V2:
        return this.vendorId(t, o, n);
      case PT.A:
      case PT.CP:
        return this.config(t, o, n);
      case PT.SAK:
        return this.saKek(t, o, n);
      case PT.SAT:
        return this.saTek(t, o, n);
      case PT.KD:
        return this.keyDownload(t, o, n);
      case PT.SEQ:
        if (n !== 4) {
          this.expert(t, 'isakmp.payloadlength.invalid', 0, 0, `Payload (bogus, length is ${n}, should be 4`);
          this.problem(`Sequence Number payload at offset ${o - 4}: length ${n + 4}, should be 8`);
          return;
        }
        this.item(t, 'isakmp.seq.seq', o, 4);
        return;
      case PT.AUTH:
        return this.auth(t, o, n);
      case PT.TSI:
      case PT.TSR:
        return this.trafficSelectors(t, o, n);
      case PT.SK:
        if (ver === 2) this.encrypted(t, o, n, next);
        return;
      case PT.EAP:
        return this.eap(o, n);
      case PT.GSPM:
        this.item(t, 'isakmp.gspm.data', o, n);
        return;
      case PT.NAT_D:
      case PT.NAT_D_DRAFT:
        this.item(t, 'isakmp.ike.nat_hash', o, n);
        this.r.natD.push(this.v.hex(o, n));
        return;
      case PT.NAT_OA:
      case PT.NAT_OA_DRAFT:
        return this.natOa(t, o);
      case PT.CISCO_FRAG:
        return this.ciscoFragment(t, o, n);
      case PT.SKF:
        if (ver === 2) this.ikev2Fragment(t, o);
        return;
      default:
        this.item(t, 'isakmp.datapayload', o, n);
        if (payload !== PT.T) this.problem(`payload type ${payload} at offset ${o - 4} is not decoded`);
        return;
    }
  }

  // ---------------------------------------------------------------- SA / proposal / transform

  private sa(t: Node | null, o: number, length: number): void {
    const v = this.v;
    if (this.version === 1) {
      const doi = v.u32(o);
      this.item(t, 'isakmp.sa.doi', o, 4);
      o += 4;
      length -= 4;
      const sa = { doi, situation: null as number | null, proposals: [] as IsakmpProposal[] };
      this.r.sa.push(sa);
      if (doi === 1) {
        if (length < 4) {
          // The label's tvb_bytes_to_str asserts a length >= 0 and fails on no bytes.
          if (length <= 0) throw new MalformedError(`SA situation of length ${length}`, v.abs(o));
          this.val(t, 'isakmp.sa.situation', o, length, v.bytes(o, length), 0, `Situation: (length is ${length}, should be >= 4)`);
          this.problem(`SA payload at offset ${o - 8}: situation is ${length} bytes, should be 4`);
          return;
        }
        sa.situation = v.u32(o);
        const si = this.item(t, 'isakmp.sa.situation', o, 4);
        this.item(si, 'isakmp.sa.situation.identity_only', o, 4);
        this.item(si, 'isakmp.sa.situation.secrecy', o, 4);
        this.item(si, 'isakmp.sa.situation.integrity', o, 4);
        const outer = this.currentSa;
        this.currentSa = sa;
        try {
          this.payloads(t!, PT.P, o + 4, length - 4, false);
        } finally {
          this.currentSa = outer;
        }
        return;
      }
      if (doi === 2) {
        if (length < 8) {
          if (length <= 0) throw new MalformedError(`SA situation of length ${length}`, v.abs(o));
          this.val(t, 'isakmp.sa.situation', o, length, v.bytes(o, length), 0, `Situation: (length is ${length}, should be >= 8)`);
          return;
        }
        this.item(t, 'isakmp.sa.situation', o, 4);
        const attr = v.u16(o + 4);
        this.item(t, 'isakmp.sa.next_attribute_payload', o + 4, 2);
        this.item(t, 'isakmp.reserved2', o + 6, 2);
        if (attr === PT.SAK) this.saKek(t, o + 8, length - 8);
        else if (attr === PT.SAT) this.saTek(t, o + 8, length - 8);
        return;
      }
      this.item(t, 'isakmp.sa.situation', o, length);
      return;
    }
    if (this.version === 2) {
      const sa = { doi: null, situation: null, proposals: [] as IsakmpProposal[] };
      this.r.sa.push(sa);
      const outer = this.currentSa;
      this.currentSa = sa;
      try {
        this.payloads(t!, PT.P, o, length, false);
      } finally {
        this.currentSa = outer;
      }
    }
  }

  private currentSa: { proposals: IsakmpProposal[] } | null = null;

  private proposal(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const ver = this.version;
    const number = v.u8(o);
    this.item(t, 'isakmp.prop.number', o, 1);
    if (t) t.text = `Payload: Proposal (2) # ${number}`;
    o++;
    length--;
    const protocolId = v.u8(o);
    if (ver === 1) this.item(t, 'isakmp.prop.protoid', o, 1);
    else if (ver === 2) this.item(t, 'isakmp.prop.protoid', o, 1, 1);
    o++;
    length--;
    const spiSize = v.u8(o);
    this.item(t, 'isakmp.spisize', o, 1);
    o++;
    length--;
    let count = v.u8(o);
    const declared = count;
    this.item(t, 'isakmp.prop.transforms', o, 1);
    o++;
    length--;
    let spi = '';
    if (spiSize) {
      this.item(t, 'isakmp.spi', o, spiSize);
      spi = v.hex(o, spiSize);
      o += spiSize;
      length -= spiSize;
    }
    const offer: ProposalOffer = { encryption: [], integrity: [], hash: [], prf: [], group: [], authMethod: [] };
    const proposal: IsakmpProposal = { number, protocolId, protocolName: protocolName(protocolId, ver), spi, transformCount: declared, transforms: [], offer };
    (this.currentSa ?? this.orphanSa()).proposals.push(proposal);
    let index = 0;
    try {
      this.transforms(t, o, length, count, protocolId, proposal, number, index);
    } finally {
      gatherOffer(proposal);
    }
  }

  private transforms(t: Node | null, o: number, length: number, count: number, protocolId: number, proposal: IsakmpProposal, number: number, index: number): void {
    while (count > 0) {
      const h = this.payloadHeader(t!, o, length, PT.T);
      if (length < h.length) {
        this.expert(t, 'isakmp.payloadlength.invalid', o + 4, length, `Payload (bogus, length is ${h.length}, greater than remaining length ${length}`);
        this.problem(`proposal ${number}: transform at offset ${o} (length ${h.length}) runs past the proposal (${length} bytes left)`);
        break;
      } else if (h.length < 4) {
        this.expert(t, 'isakmp.payloadlength.invalid', o + 4, length, `Payload (bogus, length is ${h.length}, must be at least 4)`);
        this.problem(`proposal ${number}: transform at offset ${o} has length ${h.length}`);
        break;
      }
      this.transformBody(h.node, o + 4, h.length - 4, protocolId, proposal, ++index);
      o += h.length;
      length -= h.length;
      count--;
    }
  }

  /** Proposals outside an SA payload (a bare Proposal payload in a chain). */
  private orphanSa(): { proposals: IsakmpProposal[] } {
    const sa = { doi: null, situation: null, proposals: [] as IsakmpProposal[] };
    this.r.sa.push(sa);
    this.currentSa = sa;
    return sa;
  }

  private transformBody(t: Node | null, o: number, length: number, protocolId: number, proposal: IsakmpProposal, index: number): void {
    const v = this.v;
    const end = o + length;
    if (this.version === 1) {
      const number = v.u8(o);
      if (t) t.text = `Payload: Transform (3) # ${number}`;
      this.item(t, 'isakmp.trans.number', o, 1);
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
      if (protocolId >= 1 && protocolId <= 4) this.val(t, 'isakmp.trans.id', o, 1, id, 0, `Transform ID: ${idName} (${id})`);
      else this.item(t, 'isakmp.trans.id', o, 1);
      o++;
      this.item(t, 'isakmp.reserved', o, 2);
      o += 2;
      const tr: IsakmpTransform = { number, id, idName, type: null, attributes: [], summary: {} };
      if (protocolId === 3) tr.summary.encryption = { id, name: idName };
      else if (protocolId === 2) tr.summary.integrity = { id, name: idName };
      proposal.transforms.push(tr);
      this.lifeType = 0;
      this.transform = tr;
      const family: AttrFamily = protocolId === 1 && id === 1 ? 'ike' : 'ipsec';
      while (o < end) o += this.attribute(t, o, family);
      this.transform = null;
      return;
    }
    if (this.version === 2) {
      const type = v.u8(o);
      this.item(t, 'isakmp.tf.type', o, 1);
      o++;
      this.item(t, 'isakmp.reserved', o, 1);
      o++;
      const id = v.u16(o);
      const field = IKE2_TRANSFORM_FIELD[type >= 1 && type <= 5 ? type : 0]!;
      this.item(t, field, o, 2);
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
      this.transform = tr;
      while (o < end) o += this.attribute(t, o, 'ike2');
      this.transform = null;
    }
  }

  /**
   * One attribute (dissect_attribute_header + the family's value fields).
   * Returns the bytes it covers (>= 2).
   */
  private attribute(tree: Node | null, o: number, family: AttrFamily): number {
    const v = this.v;
    const P = FAMILY_PREFIX[family];
    const tf = v.u16(o);
    const hasLen = !(tf & 0x8000);
    const type = tf & 0x7fff;
    const hlen = hasLen ? 4 : 2;
    const vlen = hasLen ? v.u16(o + 2) : 2;
    const typeName = this.attrTypeName(family, type);
    const a = this.item(tree, P, o, hlen + vlen, 0, `${ATTR_LABEL[family]} (t=${type},l=${vlen}): ${typeName}`);
    this.item(a, `${P}.format`, o, 2);
    this.val(a, `${P}.type`, o, 2, type, this.version === 2 ? 1 : 0);
    if (hasLen) this.item(a, `${P}.length`, o + 2, 2);
    if (vlen > 0) this.item(a, `${P}.value`, o + hlen, vlen);
    const vo = o + hlen;
    const tr = this.transform;
    if (tr && (family === 'ike' || family === 'ipsec' || family === 'ike2')) {
      tr.attributes.push({ type, name: typeName, value: vlen >= 1 && vlen <= 4 ? this.readUint(vo, vlen) >>> 0 : null, hex: v.hex(vo, vlen) });
    }
    if (vlen === 0) {
      this.flag(a, 'isakmp.attribute_value_empty', o, 'Attribute value is empty');
      return hlen;
    }
    switch (family) {
      case 'ike':
        this.ikeAttrValue(a, type, vo, vlen);
        break;
      case 'ipsec':
        this.ipsecAttrValue(a, type, vo, vlen);
        break;
      case 'rl_ike':
        if (type === 11) {
          this.item(a, `${P}.life_type`, vo, vlen);
          this.labelRead(vo);
        }
        else if (type === 12) this.lifeDuration(a, P, vo, vlen);
        break;
      case 'rl_ipsec':
        if (type === 1) {
          this.item(a, `${P}.life_type`, vo, vlen);
          this.labelRead(vo);
        }
        else if (type === 2) this.lifeDuration(a, P, vo, vlen);
        break;
      case 'ike2':
        if (type === 14) {
          this.item(a, 'isakmp.ike2.attr.key_length', vo, vlen);
          const kl = this.labelRead(vo);
          if (tr) tr.summary.keyLength = kl;
        }
        break;
      case 'rohc': {
        const f = ROHC_FIELDS[type];
        if (f) this.item(a, `${P}.${f}`, vo, vlen);
        break;
      }
      case 'tek':
        break;
    }
    return hlen + vlen;
  }

  /** The tvb_get_ntohs Wireshark does to label a value (it needs 2 bytes even for a 1-byte value). */
  private labelRead(o: number): number {
    return this.v.u16(o);
  }

  private attrTypeName(family: AttrFamily, type: number): string {
    const abbrev = `${FAMILY_PREFIX[family]}.type`;
    return rangeName(abbrev, type, this.version === 2 ? 1 : 0) ?? `Unknown Attribute Type (${String(type).padStart(2, '0')})`;
  }

  private lifeDuration(a: Node, P: string, o: number, n: number): number | null {
    const v = this.v;
    if (n >= 1 && n <= 4) {
      const x = this.readUint(o, n) >>> 0;
      this.val(a, `${P}.life_duration`, o, n, x);
      return x;
    }
    if (n >= 5 && n <= 8) {
      let x = 0n;
      for (let i = 0; i < n; i++) x = (x << 8n) | BigInt(v.u8(o + i));
      this.val(a, `${P}.life_duration64`, o, n, x);
      return Number(x);
    }
    this.item(a, `${P}.life_duration_bytes`, o, n);
    v.u32(o + 4); // tvb_get_ntoh64 for the label: 8 bytes
    return null;
  }

  private ikeAttrValue(a: Node, type: number, o: number, n: number): void {
    const s = this.transform?.summary;
    const P = 'isakmp.ike.attr';
    switch (type) {
      case 1: {
        this.item(a, `${P}.encryption_algorithm`, o, n);
        const id = this.v.u16(o);
        if (s) s.encryption = { id, name: rangeOr(`${P}.encryption_algorithm`, id) };
        break;
      }
      case 2: {
        this.item(a, `${P}.hash_algorithm`, o, n);
        const id = this.v.u16(o);
        if (s) s.hash = { id, name: rangeOr(`${P}.hash_algorithm`, id) };
        break;
      }
      case 3: {
        this.item(a, `${P}.authentication_method`, o, n);
        const id = this.v.u16(o);
        if (s) s.authMethod = { id, name: rangeOr(`${P}.authentication_method`, id) };
        break;
      }
      case 4: {
        this.item(a, `${P}.group_description`, o, n);
        const id = this.v.u16(o);
        if (s) s.group = { id, name: rangeOr(`${P}.group_description`, id) };
        break;
      }
      case 5:
        this.item(a, `${P}.group_type`, o, n);
        this.v.u16(o);
        break;
      case 6:
        this.item(a, `${P}.group_prime`, o, n);
        break;
      case 7:
        this.item(a, `${P}.group_generator_one`, o, n);
        break;
      case 8:
        this.item(a, `${P}.group_generator_two`, o, n);
        break;
      case 9:
        this.item(a, `${P}.group_curve_a`, o, n);
        break;
      case 10:
        this.item(a, `${P}.group_curve_b`, o, n);
        break;
      case 11:
        this.item(a, `${P}.life_type`, o, n);
        this.lifeType = this.v.u16(o);
        break;
      case 12: {
        const d = this.lifeDuration(a, P, o, n);
        if (s && d !== null) this.setLife(s, d);
        break;
      }
      case 13:
        this.item(a, `${P}.prf`, o, n);
        break;
      case 14: {
        this.item(a, `${P}.key_length`, o, n);
        const kl = this.v.u16(o);
        if (s) s.keyLength = kl;
        break;
      }
      case 15:
        this.item(a, `${P}.field_size`, o, n);
        break;
      case 16:
        this.item(a, `${P}.group_order`, o, n);
        break;
      case 17:
        this.item(a, `${P}.block_size`, o, n);
        break;
      case 20:
        this.item(a, `${P}.asymmetric_cryptographic_algorithm_type`, o, n);
        this.v.u16(o);
        break;
      default:
        break;
    }
  }

  /** Life type of the transform being decoded (1 seconds, 2 kilobytes), for the duration that follows. */
  private lifeType = 0;

  private setLife(s: TransformSummary, d: number): void {
    if (this.lifeType === 2) s.lifeKilobytes = d;
    else s.lifeSeconds = d;
  }

  private ipsecAttrValue(a: Node, type: number, o: number, n: number): void {
    const s = this.transform?.summary;
    const P = 'isakmp.ipsec.attr';
    const named = (field: string): number => {
      this.item(a, `${P}.${field}`, o, n);
      return this.v.u16(o);
    };
    switch (type) {
      case 1:
        this.lifeType = named('life_type');
        break;
      case 2: {
        const d = this.lifeDuration(a, P, o, n);
        if (s && d !== null) this.setLife(s, d);
        break;
      }
      case 3: {
        const id = named('group_description');
        if (s) s.group = { id, name: rangeOr(`${P}.group_description`, id) };
        break;
      }
      case 4: {
        const id = named('encap_mode');
        if (s) s.encapsulation = { id, name: rangeOr(`${P}.encap_mode`, id) };
        break;
      }
      case 5: {
        const id = named('auth_algorithm');
        if (s) s.integrity = { id, name: rangeOr(`${P}.auth_algorithm`, id) };
        break;
      }
      case 6: {
        const kl = named('key_length');
        if (s) s.keyLength = kl;
        break;
      }
      case 7:
        named('key_rounds');
        break;
      case 8:
        this.item(a, `${P}.cmpr_dict_size`, o, n);
        break;
      case 9:
        this.item(a, `${P}.cmpr_algorithm`, o, n);
        break;
      case 10:
        named('ecn_tunnel');
        break;
      case 11:
        named('ext_seq_nbr');
        break;
      case 12:
        named('auth_key_length');
        break;
      case 13:
        this.item(a, `${P}.sig_enco_algorithm`, o, n);
        break;
      case 14:
        named('addr_preservation');
        break;
      case 15:
        named('sa_direction');
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------- simple payloads

  private keyExchange(t: Node | null, o: number, length: number): void {
    let group: number | null = null;
    if (this.version === 2) {
      group = this.v.u16(o);
      this.item(t, 'isakmp.key_exchange.dh_group', o, 2);
      o += 2;
      length -= 2;
      this.item(t, 'isakmp.reserved', o, 2);
      o += 2;
      length -= 2;
    }
    const n = this.item(t, 'isakmp.key_exchange.data', o, length);
    this.r.keyExchange.push({ group, length: n.length });
  }

  private identification(t: Node | null, o: number, length: number, payload: number): void {
    const v = this.v;
    const ver = this.version;
    const type = v.u8(o);
    if (ver === 1) this.item(t, 'isakmp.id.type', o, 1);
    else if (ver === 2) this.item(t, 'isakmp.id.type', o, 1, 1);
    o++;
    length--;
    let protocolId: number | null = null;
    let port: number | null = null;
    if (ver === 1) {
      protocolId = v.u8(o);
      if (protocolId === 0) this.val(t, 'isakmp.id.protoid', o, 1, 0, 0, 'Protocol ID: Unused');
      else this.item(t, 'isakmp.id.protoid', o, 1);
      o++;
      length--;
      port = v.u16(o);
      if (port === 0) this.val(t, 'isakmp.id.port', o, 2, 0, 0, 'Port: Unused');
      else this.item(t, 'isakmp.id.port', o, 2);
      o += 2;
      length -= 2;
    } else if (ver === 2) {
      this.item(t, 'isakmp.reserved', o, 3);
      o += 3;
      length -= 3;
    }
    const idt = this.item(t, 'isakmp.id.data', o, length);
    const value = this.idType(idt, o, length, type);
    this.r.ids.push({ payload, type, typeName: idTypeName(type, ver), protocolId, port, value });
  }

  /** dissect_id_type: the identification data by type; returns it as text. */
  private idType(t: Node | null, o: number, length: number, type: number): string {
    const v = this.v;
    const P = 'isakmp.id.data';
    switch (type) {
      case 1:
        return String(this.item(t, `${P}.ipv4_addr`, o, 4).value);
      case 2:
        return String(this.item(t, `${P}.fqdn`, o, length).value);
      case 3:
        return String(this.item(t, `${P}.user_fqdn`, o, length).value);
      case 4: {
        const a = this.item(t, `${P}.ipv4_addr`, o, 4).value;
        const m = this.item(t, `${P}.ipv4_subnet`, o + 4, 4).value;
        return `${a}/${m}`;
      }
      case 7: {
        const a = this.item(t, `${P}.ipv4_range_start`, o, 4).value;
        const b = this.item(t, `${P}.ipv4_range_end`, o + 4, 4).value;
        return `${a}-${b}`;
      }
      case 5:
        return String(this.item(t, `${P}.ipv6_addr`, o, 16).value);
      case 6: {
        const a = this.item(t, `${P}.ipv6_addr`, o, 16).value;
        const m = this.item(t, `${P}.ipv6_subnet`, o + 16, 16).value;
        return `${a}/${m}`;
      }
      case 8: {
        const a = this.item(t, `${P}.ipv6_range_start`, o, 16).value;
        const b = this.item(t, `${P}.ipv6_range_end`, o + 16, 16).value;
        return `${a}-${b}`;
      }
      case 11: {
        const n = this.item(t, `${P}.key_id`, o, length);
        return bytesToHex(n.value as Uint8Array);
      }
      case 9: {
        // DER_ASN1_DN: an X.509 Name (CHOICE of rdnSequence).
        this.berName(t, `${P}.der_asn1_dn`, o);
        const n = Math.max(0, Math.min(length, v.captured - o));
        return v.hex(o, n);
      }
      default:
        // tvb_bytes_to_str for the label: fails on a negative length and on no bytes.
        if (length <= 0) throw new MalformedError(`identification data of length ${length}`, v.abs(o));
        return v.hex(o, length);
    }
  }

  private cert(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const ver = this.version;
    const type = v.u8(o);
    if (ver === 1) this.item(t, 'isakmp.cert.encoding', o, 1);
    else if (ver === 2) this.item(t, 'isakmp.cert.encoding', o, 1, 1);
    else return;
    this.r.certificates.push(type);
    o++;
    length--;
    if (ver === 2 && type === 12) {
      this.item(t, 'isakmp.cert.x509.hash', o, 20);
      this.item(t, 'isakmp.cert.x509.url', o + 20, length - 20);
      return;
    }
    // dissect_x509af_Certificate: the field is added whatever the element is (see ber.ts).
    const h = berHeader(v, o);
    this.val(t, 'isakmp.cert.data', o, Math.max(0, length), null);
    // BER goes into the content of a SEQUENCE or of an application/private element; anything else is reported and skipped.
    const entered = h.cls === 1 || h.cls === 3 || (h.cls === 0 && h.constructed && h.tag === 16);
    if (entered && berOverruns(v, o, h)) v.check(o, h.headerLength + h.length, 'certificate');
  }

  /** An X.509 Name (dissect_x509if_Name): see ber.ts. */
  private berName(t: Node | null, abbrev: string, o: number): void {
    const v = this.v;
    const h = berHeader(v, o);
    if (!isSequence(h)) return;
    this.val(t, abbrev, o, h.headerLength + Math.max(0, h.length), 0);
    if (berOverruns(v, o, h)) v.check(o, h.headerLength + h.length, 'distinguished name');
  }

  private certReq(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const ver = this.version;
    const type = v.u8(o);
    if (ver === 1) this.item(t, 'isakmp.certreq.type', o, 1);
    else if (ver === 2) this.item(t, 'isakmp.certreq.type', o, 1, 1);
    else return;
    this.r.certRequests.push(type);
    o++;
    length--;
    if (ver === 1) {
      if (length === 0) return;
      if (type === 4) {
        this.berName(t, 'isakmp.ike.certreq.authority.sig', o);
        return;
      }
      this.item(t, 'isakmp.ike.certreq.authority', o, length);
      return;
    }
    while (length > 0) {
      this.item(t, 'isakmp.ike.certreq.authority', o, 20);
      o += 20;
      length -= 20;
    }
  }

  private auth(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const method = v.u8(o);
    this.item(t, 'isakmp.auth.method', o, 1);
    this.r.authMethods.push(method);
    o++;
    length--;
    this.item(t, 'isakmp.reserved', o, 3);
    o += 3;
    length -= 3;
    const d = this.item(t, 'isakmp.auth.data', o, length);
    if (method === 14) {
      const alen = v.u8(o);
      this.item(d, 'isakmp.auth.data.sig.asn1.len', o, 1);
      o++;
      length--;
      if (alen > 0 && alen < length) {
        this.item(d, 'isakmp.auth.data.sig.asn1.data', o, alen);
        berWalk(v, o); // dissect_unknown_ber
        o += alen;
        length -= alen;
        this.item(d, 'isakmp.auth.data.sig.value', o, length);
      }
    }
  }

  private notify(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const ver = this.version;
    const end = o + length;
    let doi: number | null = null;
    if (ver === 1) {
      doi = v.u32(o);
      this.item(t, 'isakmp.notify.doi', o, 4);
      o += 4;
      length -= 4;
    }
    const protocolId = v.u8(o);
    if (ver === 1) this.item(t, 'isakmp.notify.protoid', o, 1);
    else if (ver === 2) this.item(t, 'isakmp.notify.protoid', o, 1, 1);
    o++;
    length--;
    const spiSize = v.u8(o);
    this.item(t, 'isakmp.spisize', o, 1);
    o++;
    length--;
    const type = v.u16(o);
    const name = notifyName(type, ver);
    if (ver === 1) this.item(t, 'isakmp.notify.msgtype', o, 2);
    else if (ver === 2) {
      const nm = type < 8192 || (type > 16383 && type < 40959) ? name : 'Unknown';
      this.val(t, 'isakmp.notify.msgtype', o, 2, type, 1, `Notify Message Type: ${nm} (${type})`);
      if (t) t.text = `Payload: Notify (41) - ${nm}`;
    }
    o += 2;
    length -= 2;
    let spi = '';
    if (spiSize) {
      this.item(t, 'isakmp.spi', o, spiSize);
      spi = v.hex(o, spiSize);
      o += spiSize;
      length -= spiSize;
    }
    const dataNode = this.item(t, 'isakmp.notify.data', o, length);
    const note: { -readonly [K in keyof IsakmpNotification]: IsakmpNotification[K] } = {
      type, name, error: type < 16384, protocolId, doi, spi, data: bytesToHex(dataNode.value as Uint8Array),
    };
    this.r.notifications.push(note);
    if (ver === 1) {
      switch (type) {
        case 24576:
          if (protocolId === 1) while (o < end) o += this.attribute(dataNode, o, 'rl_ike');
          else if (protocolId > 1 && doi === 1) while (o < end) o += this.attribute(dataNode, o, 'rl_ipsec');
          break;
        case 36136:
          this.item(t, 'isakmp.notify.data.dpd.are_you_there', o, length);
          break;
        case 36137:
          this.item(t, 'isakmp.notify.data.dpd.are_you_there_ack', o, length);
          break;
        case 40501:
          this.item(t, 'isakmp.notify.data.unity.load_balance', o, length);
          break;
        default:
          break;
      }
      return;
    }
    if (ver !== 2) return;
    const N = 'isakmp.notify.data';
    switch (type) {
      case 17:
        note.acceptedGroup = v.u16(o);
        this.item(t, `${N}.accepted_dh_group`, o, 2);
        break;
      case 16387:
        this.item(t, `${N}.ipcomp.cpi`, o, 2);
        this.item(t, `${N}.ipcomp.transform_id`, o + 2, 1);
        break;
      case 16403: {
        const secs = v.u32(o);
        this.val(t, `${N}.auth_lifetime`, o, length, secs);
        break;
      }
      case 16407:
      case 16408: {
        const from = type === 16408;
        this.item(t, `${N}.redirect.gw_ident.type`, o, 1);
        this.item(t, `${N}.redirect.gw_ident.len`, o + 1, 1);
        const gt = v.u8(o);
        const gl = v.u8(o + 1);
        const pre = from ? `${N}.redirect.org_resp_gw_ident` : `${N}.redirect.new_resp_gw_ident`;
        if (gt === 1) this.item(t, `${pre}.ipv4`, o + 2, 4);
        else if (gt === 2) this.item(t, `${pre}.ipv6`, o + 2, 16);
        else if (gt === 3 && !from) this.item(t, `${pre}.fqdn`, o + 2, gl);
        else this.item(t, `${pre}.data`, o + 2, gl);
        if (!from) {
          length -= v.u8(o + 1) + 2;
          o += v.u8(o + 1) + 2;
          if (length) this.item(t, `${N}.redirect.nonce_data`, o, length);
        }
        break;
      }
      case 16409:
        this.item(t, `${N}.ticket_opaque.lifetime`, o, 4);
        this.item(t, `${N}.ticket_opaque.data`, o + 4, length - 4);
        break;
      case 16413:
        this.item(t, `${N}.ticket_opaque.data`, o, length);
        break;
      case 16416:
        while (o < end) o += this.attribute(t, o, 'rohc');
        break;
      case 16419:
        this.item(t, `${N}.qcd.token_secret_data`, o, length);
        break;
      case 16422:
        this.item(t, `${N}.ha.nonce_data`, o, 4);
        this.item(t, `${N}.ha.expected_send_req_message_id`, o + 4, 4);
        this.item(t, `${N}.ha.expected_recv_req_message_id`, o + 8, 4);
        break;
      case 16423:
        this.item(t, `${N}.ha.incoming_ipsec_sa_delta_value`, o, length);
        break;
      case 16424:
        this.item(t, `${N}.secure_password_methods`, o, length);
        break;
      case 16431:
        while (o < end) {
          this.item(t, `${N}.signature_hash_algorithms`, o, 2);
          o += 2;
        }
        break;
      case 41041:
        this.item(t, 'isakmp.notify.priv.3gpp.backoff_timer_len', o, 1);
        v.u8(o + 1); // GPRS timer 3 (gsm_a fields)
        break;
      case 41101:
        this.deviceIdentity(t, o, length);
        break;
      case 41134:
        this.emergencyNumbers(t, o, length, end);
        break;
      default:
        break;
    }
  }

  /** 3GPP TS 24.302 §8.2.9.2 DEVICE_IDENTITY. */
  private deviceIdentity(t: Node | null, o: number, length: number): void {
    if (length < 3) return;
    const v = this.v;
    const G = 'isakmp.notify.priv.3gpp';
    this.item(t, `${G}.device_identity_len`, o, 2);
    o += 2;
    const idType = v.u8(o) & 0x03;
    this.val(t, `${G}.device_identity_type`, o, 1, idType);
    o++;
    length -= 3;
    if (length === 0) return;
    if (idType === 1 || idType === 2) {
      const n = this.toEnd(o, length);
      this.ensure(o, n);
      this.val(t, `${G}.device_identity_${idType === 1 ? 'imei' : 'imeisv'}`, o, n, bcdString(v, o, n));
    } else {
      this.expert(t, `${G}.unknown_device_identity`, o, length, 'Type of device identity not known');
    }
  }

  /** 3GPP TS 24.302 §8.2.9.3 EMERGENCY_CALL_NUMBERS. */
  private emergencyNumbers(t: Node | null, o: number, length: number, end: number): void {
    if (length <= 0) return;
    const v = this.v;
    const G = 'isakmp.notify.priv.3gpp';
    const main = this.label(t, 'Emergency Call Numbers', o, length);
    this.item(main, `${G}.emergency_call_numbers_len`, o, 1);
    o++;
    while (o < end) {
      // Wireshark keeps this length in a guint8: +1 and -2 wrap.
      let n = (v.u8(o) + 1) & 0xff;
      const el = this.label(main, 'Emergency Number', o, n);
      this.item(el, `${G}.emergency_call_numbers_element_len`, o, 1);
      o++;
      const f = this.item(el, `${G}.emergency_call_numbers_flags`, o, 1);
      this.item(f, `${G}.emergency_call_numbers_spare`, o, 1);
      this.item(f, `${G}.emergency_call_numbers_flag_b5_mountain_rescue`, o, 1);
      this.item(f, `${G}.emergency_call_numbers_b4_marine_guard`, o, 1);
      this.item(f, `${G}.emergency_call_numbers_flag_b3_fire_brigade`, o, 1);
      this.item(f, `${G}.emergency_call_numbers_flag_b2_ambulance`, o, 1);
      this.item(f, `${G}.emergency_call_numbers_flag_b1_police`, o, 1);
      o++;
      n = (n - 2) & 0xff;
      this.ensure(o, n);
      this.val(el, `${G}.emergency_call_number`, o, n, bcdString(v, o, n));
      o += n;
    }
  }

  private delete(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const ver = this.version;
    if (ver === 1) {
      this.item(t, 'isakmp.delete.doi', o, 4);
      o += 4;
      length -= 4;
    }
    const protocolId = v.u8(o);
    if (ver === 1) this.item(t, 'isakmp.delete.protoid', o, 1);
    else if (ver === 2) this.item(t, 'isakmp.delete.protoid', o, 1, 1);
    o++;
    length--;
    const spiSize = v.u8(o);
    this.item(t, 'isakmp.spisize', o, 1);
    o++;
    length--;
    const count = v.u16(o);
    this.item(t, 'isakmp.spinum', o, 2);
    o += 2;
    length -= 2;
    const d: IsakmpDelete = { protocolId, spiSize, count, spis: [] };
    this.r.deletes.push(d);
    if (spiSize > 0) {
      while (length > 0) {
        this.item(t, 'isakmp.delete.spi', o, spiSize);
        d.spis.push(v.hex(o, spiSize));
        o += spiSize;
        length -= spiSize;
      }
    }
  }

  private vendorId(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const vid = v.bytes(o, length);
    const name = vendorName(vid);
    this.item(t, 'isakmp.vid_bytes', o, length);
    this.val(t, 'isakmp.vid_string', o, length, name);
    if (t) t.text = `Payload: Vendor ID (13) : ${name}`;
    this.r.vendorIds.push({ hex: bytesToHex(vid), name });
    const VP = 'isakmp.vid';
    if (length >= 24 && startsWith(vid, VID_CP_01_R65)) {
      o += 20;
      this.item(t, `${VP}.cp.product`, o, 4);
      this.item(t, `${VP}.cp.version`, o + 4, 4);
      this.item(t, `${VP}.cp.timestamp`, o + 8, 4);
      this.item(t, `${VP}.cp.reserved`, o + 12, 4);
      this.item(t, `${VP}.cp.features`, o + 16, 4);
      o += 20;
    }
    if (length >= 14 && startsWith(vid, VID_CISCO_UNITY)) {
      o += 14;
      this.item(t, `${VP}.cisco_unity.major`, o, 1);
      this.item(t, `${VP}.cisco_unity.minor`, o + 1, 1);
      o += 2;
    }
    if (length >= 16 && startsWith(vid, VID_MS_NT5)) {
      o += 16;
      this.item(t, `${VP}.ms_nt5_isakmpoakley`, o, 4);
      o += 4;
    }
    if (length >= 19 && startsWith(vid, VID_ARUBA_VIA_AUTH_PROFILE)) {
      o += 19;
      this.item(t, `${VP}.aruba_via_auth_profile`, o, length - 19);
      o += 4;
    }
    if (length >= 12 && startsWith(vid, VID_FORTIGATE)) {
      o += 12;
      this.item(t, `${VP}.fortinet.fortigate.release`, o, 2);
      this.item(t, `${VP}.fortinet.fortigate.build`, o + 2, 2);
    }
  }

  private config(t: Node | null, o: number, length: number): void {
    const end = o + length;
    const ver = this.version;
    if (ver === 1) {
      this.item(t, 'isakmp.cfg.type', o, 1);
      this.item(t, 'isakmp.reserved', o + 1, 1);
      this.item(t, 'isakmp.cfg.identifier', o + 2, 2);
    } else if (ver === 2) {
      this.item(t, 'isakmp.cfg.type', o, 1, 1);
      this.item(t, 'isakmp.reserved', o + 1, 3);
    } else return;
    o += 4;
    while (o < end) o += this.cfgAttribute(t, o);
  }

  private cfgAttribute(tree: Node | null, o: number): number {
    const v = this.v;
    const variant: Variant = this.version === 2 ? 1 : 0;
    const P = 'isakmp.cfg.attr';
    const tf = v.u16(o);
    const hasLen = !(tf & 0x8000);
    const type = tf & 0x7fff;
    const hlen = hasLen ? 4 : 2;
    const n = hasLen ? v.u16(o + 2) : 2;
    const typeName = rangeName(`${P}.type`, type, variant) ?? `Unknown Attribute Type (${String(type).padStart(2, '0')})`;
    const a = this.item(tree, P, o, hlen + n, 0, `Attribute Type: (t=${type},l=${n}) ${typeName}`);
    this.item(a, `${P}.format`, o, 2);
    this.val(a, `${P}.type`, o, 2, type, variant);
    if (hasLen) this.item(a, `${P}.length`, o + 2, 2);
    if (n > 0) this.item(a, `${P}.value`, o + hlen, n);
    o += hlen;
    if (n === 0) {
      if (!this.isRequest) this.flag(a, 'isakmp.attribute_value_empty', o, 'Attribute value is empty');
      return hlen;
    }
    const each = (size: number, fields: readonly (readonly [string, number])[]): void => {
      if (n % size !== 0) return;
      let p = o;
      for (let i = 0; i < n / size; i++) for (const [f, w] of fields) {
        this.item(a, `${P}.${f}`, p, w);
        p += w;
      }
    };
    switch (type) {
      case 1: each(4, [['internal_ip4_address', 4]]); break;
      case 2: this.item(a, `${P}.internal_ip4_netmask`, o, 4); break;
      case 3: each(4, [['internal_ip4_dns', 4]]); break;
      case 4: each(4, [['internal_ip4_nbns', 4]]); break;
      case 5: this.item(a, `${P}.internal_address_expiry`, o, 4); break;
      case 6: each(4, [['internal_ip4_dhcp', 4]]); break;
      case 7: this.item(a, `${P}.application_version`, o, n); break;
      case 8: each(17, [['internal_ip6_address', 16], ['internal_ip6_address.prefix', 1]]); break;
      case 9: this.item(a, `${P}.internal_ip6_netmask`, o, 18); break;
      case 10: each(16, [['internal_ip6_dns', 16]]); break;
      case 11: each(16, [['internal_ip6_nbns', 16]]); break;
      case 12: each(16, [['internal_ip6_dhcp', 16]]); break;
      case 13: each(8, [['internal_ip4_subnet_ip', 4], ['internal_ip4_subnet_netmask', 4]]); break;
      case 14: each(2, [['supported_attributes', 2]]); break;
      case 15: each(17, [['internal_ip6_subnet_ip', 16], ['internal_ip6_subnet_prefix', 1]]); break;
      case 17:
        this.item(a, `${P}.internal_ip6_link_interface`, o, 8);
        this.item(a, `${P}.internal_ip6_link_id`, o + 8, n - 8);
        break;
      case 18: each(17, [['internal_ip6_prefix_ip', 16], ['internal_ip6_prefix_length', 1]]); break;
      case 20: each(4, [['p_cscf_ip4_address', 4]]); break;
      case 21: each(16, [['p_cscf_ip6_address', 16]]); break;
      case 16520:
        this.item(a, `${P}.xauth.type`, o, n);
        v.u16(o);
        break;
      case 16521: this.item(a, `${P}.xauth.user_name`, o, n); break;
      case 16522: this.item(a, `${P}.xauth.user_password`, o, n); break;
      case 16523: this.item(a, `${P}.xauth.passcode`, o, n); break;
      case 16524: this.item(a, `${P}.xauth.message`, o, n); break;
      case 16525: this.item(a, `${P}.xauth.challenge`, o, n); break;
      case 16526: this.item(a, `${P}.xauth.domain`, o, n); break;
      case 16527:
        this.item(a, `${P}.xauth.status`, o, n);
        v.u16(o);
        break;
      case 16528: this.item(a, `${P}.xauth.next_pin`, o, n); break;
      case 16529: this.item(a, `${P}.xauth.answer`, o, n); break;
      case 28672: this.item(a, `${P}.unity.banner`, o, n); break;
      case 28674: this.item(a, `${P}.unity.def_domain`, o, n); break;
      default: break;
    }
    return hlen + n;
  }

  private natOa(t: Node | null, o: number): void {
    const type = this.v.u8(o);
    if (this.version === 1) this.item(t, 'isakmp.id.type', o, 1);
    else if (this.version === 2) this.item(t, 'isakmp.id.type', o, 1, 1);
    o += 4;
    if (type === 1) this.item(t, 'isakmp.ike.nat_original_address_ipv4', o, 4);
    else if (type === 5) this.item(t, 'isakmp.ike.nat_original_address_ipv6', o, 16);
  }

  private trafficSelectors(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const end = o + length;
    this.item(t, 'isakmp.ts.number', o, 1);
    if (t) t.text = `Payload: ${payloadName(t.value as number)} # ${v.u8(o)}`;
    o++;
    this.item(t, 'isakmp.reserved', o, 3);
    o += 3;
    while (o < end) o += this.trafficSelector(t, o);
  }

  private trafficSelector(tree: Node | null, o: number): number {
    const v = this.v;
    const len = v.u16(o + 2);
    if (len < 4) return 4;
    const ts = this.item(tree, 'isakmp.ts.data', o, len);
    const type = v.u8(o);
    this.item(ts, 'isakmp.ts.type', o, 1);
    let p = o + 1;
    const T = 'isakmp.ts';
    if (type === 7 || type === 8) {
      const proto = v.u8(p);
      if (proto === 0) this.val(ts, `${T}.protoid`, p, 1, 0, 0, 'Protocol ID: Unused');
      else this.item(ts, `${T}.protoid`, p, 1);
      this.item(ts, `${T}.selector_length`, p + 1, 2);
      this.item(ts, `${T}.start_port`, p + 3, 2);
      this.item(ts, `${T}.end_port`, p + 5, 2);
      p += 7;
      if (type === 7) {
        this.item(ts, `${T}.start_ipv4`, p, 4);
        this.item(ts, `${T}.end_ipv4`, p + 4, 4);
      } else {
        this.item(ts, `${T}.start_ipv6`, p, 16);
        this.item(ts, `${T}.end_ipv6`, p + 16, 16);
      }
    } else if (type === 9) {
      this.item(ts, 'isakmp.reserved', p, 1);
      this.item(ts, `${T}.selector_length`, p + 1, 2);
      this.item(ts, 'isakmp.reserved', p + 3, 1);
      this.item(ts, `${T}.start_fc`, p + 4, 3);
      this.item(ts, 'isakmp.reserved', p + 7, 1);
      this.item(ts, `${T}.end_fc`, p + 8, 3);
      this.item(ts, `${T}.start_r_ctl`, p + 11, 1);
      this.item(ts, `${T}.end_r_ctl`, p + 12, 1);
      this.item(ts, `${T}.start_type`, p + 13, 1);
      this.item(ts, `${T}.end_type`, p + 14, 1);
    }
    return len;
  }

  /** IKEv2 Encrypted payload without keys: 4 bytes shown as IV, the rest as (FT_NONE) encrypted data. */
  private encrypted(t: Node | null, o: number, length: number, inner: number): void {
    this.r.encryptedData = { length, firstPayload: inner };
    this.item(t, 'isakmp.enc.iv', o, 4);
    this.item(t, 'isakmp.enc.data', o + 4, length, 0, `Encrypted Data (${length} bytes)`);
  }

  /**
   * EAP payload: Wireshark hands the body to its EAP dissector (eap.* fields,
   * not reproduced). What is emulated is when that dissector gives up on the
   * packet — approximately: a body under 4 bytes (code, identifier, length);
   * for a Request or Response (codes 1, 2) a missing type byte, or type data
   * that the EAP length says runs past the body.
   */
  private eap(o: number, length: number): void {
    const v = this.v;
    const sub = v.subClipped(o, length);
    const code = sub.u8(0);
    const eapLen = sub.u16(2);
    if (code !== 1 && code !== 2) return;
    sub.u8(4);
    if (eapLen > 5 && eapLen > length) throw new MalformedError(`EAP: length ${eapLen} runs past the ${length}-byte payload`, v.abs(o + 2));
  }

  /**
   * Cisco IKE fragmentation (payload 132): the fragment header. Reassembly
   * (isakmp.fragment*, isakmp.reassembled.*) keeps state across frames and is
   * not reproduced.
   */
  private ciscoFragment(t: Node | null, o: number, length: number): void {
    if (length < 4) return;
    this.item(t, 'isakmp.frag.packetid', o, 2);
    this.item(t, 'isakmp.frag.seq', o + 2, 1);
    this.item(t, 'isakmp.frag.last', o + 3, 1);
    this.problem(`Cisco fragment at offset ${o - 4}: reassembly is not reproduced`);
  }

  /** RFC 7383 IKEv2 fragment (SKF, 53) without keys: numbers only. */
  private ikev2Fragment(t: Node | null, o: number): void {
    const v = this.v;
    const number = v.u16(o);
    const total = v.u16(o + 2);
    this.item(t, 'isakmp.frag.number', o, 2);
    if (number === 0) this.expert(t, 'isakmp.fragment_number.invalid', 0, 0, 'Fragment number must not be zero');
    else if (number > total) this.expert(t, 'isakmp.fragment_number.invalid', 0, 0, `Fragment number (${number}) must not be greater than total fragments (${total})`);
    this.item(t, 'isakmp.frag.total', o + 2, 2);
    if (total === 0) this.expert(t, 'isakmp.fragment_number.invalid', 0, 0, 'Total fragments must not be zero');
    this.r.encryptedData = { length: Math.max(0, v.reportedRemaining(o + 4)), firstPayload: 0 };
  }

  // ---------------------------------------------------------------- GDOI (RFC 6407)

  private saKek(t: Node | null, o: number, length: number): void {
    const v = this.v;
    const K = 'isakmp.sak';
    const next = v.u8(o);
    const plen = v.u16(o + 2);
    const end = o + plen;
    this.item(t, `${K}.nextpayload`, o, 1);
    this.item(t, `${K}.reserved`, o + 1, 1);
    this.item(t, `${K}.payload_len`, o + 2, 2);
    o += 4;
    this.item(t, `${K}.protoid`, o, 1);
    o++;
    this.item(t, `${K}.src_id_type`, o, 1);
    this.item(t, `${K}.src_id_port`, o + 1, 2);
    const sl = v.u8(o + 3);
    this.item(t, `${K}.src_id_length`, o + 3, 1);
    o += 4;
    if (sl > 0) {
      this.item(t, `${K}.src_id_data`, o, sl);
      o += sl;
    }
    this.item(t, `${K}.dst_id_type`, o, 1);
    this.item(t, `${K}.dst_id_port`, o + 1, 2);
    const dl = v.u8(o + 3);
    this.item(t, `${K}.dst_id_length`, o + 3, 1);
    o += 4;
    if (dl > 0) {
      this.item(t, `${K}.dst_id_data`, o, dl);
      o += dl;
    }
    this.item(t, `${K}.spi`, o, 16);
    o += 16;
    this.item(t, 'isakmp.reserved', o, 4);
    o += 4;
    while (o < end) o += this.attribute(t, o, 'ipsec');
    if (next === PT.SAT) this.saTek(t, o, length);
  }

  /** SA TEK payloads; a chain of them (Next Payload 16) is walked in a loop, each with the same length bound. */
  private saTek(tree: Node | null, o: number, length: number): void {
    const v = this.v;
    const S = 'isakmp.sat';
    for (;;) {
      const end = o + length;
      const next = v.u8(o);
      const plen = v.u16(o + 2);
      const pend = o + plen;
      const t = this.val(tree, 'isakmp.typepayload', o, plen, PT.SAT);
      this.item(t, `${S}.nextpayload`, o, 1);
      this.item(t, `${S}.reserved`, o + 1, 1);
      this.item(t, `${S}.payload_len`, o + 2, 2);
      o += 4;
      const proto = v.u8(o);
      this.item(t, `${S}.protocol_id`, o, 1);
      o++;
      if (proto !== 1 && proto !== 2) {
        this.item(t, `${S}.payload`, o, end - o);
        return;
      }
      this.item(t, `${S}.protocol`, o, 1);
      o++;
      for (const side of ['src', 'dst'] as const) {
        const idType = v.u8(o);
        this.item(t, `${S}.${side}_id_type`, o, 1);
        this.item(t, `${S}.${side}_id_port`, o + 1, 2);
        const idLen = v.u16(o + 3);
        this.item(t, `${S}.${side}_id_length`, o + 3, 2);
        o += 5;
        if (idLen > 0) {
          const idt = this.item(t, `${S}.${side}_id_data`, o, idLen);
          this.idType(idt, o, idLen, idType);
          o += idLen;
        }
      }
      this.item(t, `${S}.transform_id`, o, 1);
      o++;
      this.item(t, `${S}.spi`, o, 4);
      o += 4;
      while (o < pend) o += this.attribute(t, o, 'ipsec');
      if (next !== PT.SAT) return;
    }
  }

  private keyDownload(t: Node | null, o: number, length: number): void {
    if (this.version !== 1) return;
    const v = this.v;
    const end = o + length;
    let count = v.u16(o);
    this.item(t, 'isakmp.kd.num_pkt', o, 2);
    o += 2;
    this.item(t, 'isakmp.reserved', o, 2);
    o += 2;
    while (count > 0 && end > o) {
      const kd = this.item(t, 'isakmp.kd.payload', o, v.u16(o + 2));
      this.item(kd, 'isakmp.kd.payload.type', o, 1);
      o++;
      this.item(kd, 'isakmp.reserved', o, 1);
      o++;
      const kl = v.u16(o);
      this.item(kd, 'isakmp.kd.payload.length', o, 2);
      const pend = o + kl - 2;
      o += 2;
      const spi = v.u8(o);
      this.item(kd, 'isakmp.kd.payload.spi_size', o, 1);
      o++;
      if (spi > 0) {
        this.item(kd, 'isakmp.kd.payload.spi', o, spi);
        o += spi;
      }
      while (o < pend) o += this.attribute(kd, o, 'tek');
      count--;
    }
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

const ATTR_LABEL: Record<AttrFamily, string> = {
  ike: 'IKE Attribute',
  ipsec: 'IPsec Attribute',
  rl_ike: 'IKE Attribute',
  rl_ipsec: 'IPsec Attribute',
  ike2: 'Transform Attribute',
  rohc: 'ROHC Attribute Type',
  tek: 'Key download Tek Attribute',
};

const ROHC_FIELDS: Record<number, string> = { 1: 'max_cid', 2: 'profile', 3: 'integ', 4: 'icv_len', 5: 'mrru' };

function lowBit(mask: number): number {
  return (mask & -mask) >>> 0 || 1;
}

/** A text-only node (Wireshark's label items). Its abbrev matches no field. */
const LABEL: FieldDef = { abbrev: '', name: '', type: 'none' };

const PROTOCOL: FieldDef = { abbrev: 'isakmp', name: 'Internet Security Association and Key Management Protocol', type: 'protocol' };

// ------------------------------------------------------------------ entry points

/** Wireshark's acceptance test for a datagram on the ISAKMP port. */
export function isakmpProbe(v: ByteView): boolean {
  if (v.length === 1 && (!v.has(0, 1) || v.u8(0) !== 0xff)) return false;
  if (v.length < HEADER_LENGTH) return false;
  return v.has(24, 4) && v.u32(24) >= HEADER_LENGTH;
}

function problemText(e: unknown): string {
  if (e instanceof TruncatedError) return `stopped: ${e.message} (truncated)`;
  if (e instanceof ViewError) return `stopped: ${e.message}`;
  if (e instanceof DepthStop) return `stopped: ${e.message}`;
  return `stopped: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Dissect one ISAKMP message (the UDP payload, or what follows the Non-ESP
 * marker on port 4500). Returns the typed result and the tshark field tree
 * (the `isakmp` protocol node; empty when tshark would not call this ISAKMP).
 * Never throws.
 */
export function dissectIsakmp(v: ByteView): { result: IsakmpResult; tree: FieldNode[] } {
  const r = emptyResult();
  try {
    if (v.length === 1 || v.length < HEADER_LENGTH) {
      r.problems.push(`${v.length} bytes: too short for an ISAKMP header (28 bytes)`);
      return { result: r, tree: [] };
    }
    if (!v.has(24, 4)) {
      r.problems.push(`datagram cut at ${v.captured} bytes, before the ISAKMP length field`);
      return { result: r, tree: [] };
    }
    if (v.u32(24) < HEADER_LENGTH) {
      r.problems.push(`ISAKMP length ${v.u32(24)} is less than the 28-byte header: not ISAKMP`);
      return { result: r, tree: [] };
    }
  } catch (e) {
    r.problems.push(problemText(e));
    return { result: r, tree: [] };
  }
  const top: Node = { def: PROTOCOL, value: null, offset: v.abs(0), length: v.captured };
  const w = new Walker(v, r, top);
  try {
    w.message();
  } catch (e) {
    if (!(e instanceof ViewError || e instanceof DepthStop)) {
      // A bug of ours: report it rather than throw.
      r.problems.push(`internal error: ${e instanceof Error ? e.message : String(e)}`);
    } else r.problems.push(problemText(e));
  }
  return { result: r, tree: [top] };
}

export const isakmp: AppProtocol<IsakmpResult> & { readonly fields: readonly FieldDef[] } = {
  abbrev: 'isakmp',
  name: 'ISAKMP',
  fields: ISAKMP_FIELDS,
  probe: isakmpProbe,
  dissectPdu(v: ByteView, _ctx: PduContext): IsakmpResult {
    return dissectIsakmp(v).result;
  },
  tree(v: ByteView, _ctx: TreeContext): FieldNode[] {
    return dissectIsakmp(v).tree;
  },
};
