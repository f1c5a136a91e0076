/**
 * The typed result of one ISAKMP message — what a binder reads (IsakmpResult
 * and its parts) — and the walk's writable copy of it.
 */

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

export type Mutable = { -readonly [K in keyof IsakmpResult]: IsakmpResult[K] };

export function emptyResult(): Mutable {
  return {
    isIsakmp: false, ispi: '', rspi: '', version: 0, minor: 0, exchangeType: 0, exchangeName: '', flags: 0, encrypted: false,
    commit: false, authOnly: false, initiator: null, response: null, messageId: 0, length: 0, nextPayload: 0, payloads: [], sa: [],
    notifications: [], vendorIds: [], deletes: [], ids: [], keyExchange: [], nonces: [], natD: [], authMethods: [], certificates: [],
    certRequests: [], encryptedData: null, problems: [],
  };
}
