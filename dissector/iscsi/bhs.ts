/**
 * iSCSI (RFC 7143) PDUs: the 48-byte Basic Header Segment, framing over TCP,
 * plausibility checks for resynchronisation, and the typed result a binder
 * reads. Layout (RFC 7143 §11.2, in our words):
 *
 *   0  .|I|opcode(6)   1 F/T + opcode-specific flags   2-3 opcode-specific
 *   4  TotalAHSLength (4-byte words)   5-7 DataSegmentLength (bytes, 24 bits)
 *   8-15 LUN, or ISID(6)+TSIH(2) in Login PDUs, or opcode-specific
 *   16-19 Initiator Task Tag   20-47 opcode-specific
 *
 * A PDU is BHS + AHS (TotalAHSLength*4) + header digest (4, when negotiated)
 * + data segment padded to 4 + data digest (4, when negotiated and the data
 * segment is not empty). Digests are negotiated in the Login (HeaderDigest /
 * DataDigest = CRC32C) and used from the first PDU after the login phase:
 * Login Request/Response PDUs never carry them. Framing is therefore bound to
 * per-connection state (see iscsiFraming and DigestNegotiation).
 */
import { ByteView } from '../core/byteview.js';
import type { Framing, PduLength } from '../core/protocol.js';
import { crc32c } from './crc32c.js';
import { LOGIN_STATUS_NAMES, OPCODE_NAMES, STATUS_CLASS_NAMES } from './fields.js';
import { parseKeyValues, type KeyValue } from './keyvalues.js';

export const BHS_LENGTH = 48;

export const OP = {
  NOP_OUT: 0x00,
  SCSI_CMD: 0x01,
  TMF: 0x02,
  LOGIN: 0x03,
  TEXT: 0x04,
  DATA_OUT: 0x05,
  LOGOUT: 0x06,
  SNACK: 0x10,
  VENDOR_I0: 0x1c,
  VENDOR_I1: 0x1d,
  VENDOR_I2: 0x1e,
  NOP_IN: 0x20,
  SCSI_RSP: 0x21,
  TMF_RSP: 0x22,
  LOGIN_RSP: 0x23,
  TEXT_RSP: 0x24,
  DATA_IN: 0x25,
  LOGOUT_RSP: 0x26,
  R2T: 0x31,
  ASYNC: 0x32,
  VENDOR_T0: 0x3c,
  VENDOR_T1: 0x3d,
  VENDOR_T2: 0x3e,
  REJECT: 0x3f,
} as const;

/**
 * Largest data segment accepted by default: 256 KiB, Wireshark's own bound
 * (its "bogus PDU" filter, iscsi.bogus_pdu_max_data_len) and open-iscsi's
 * largest MaxRecvDataSegmentLength. RFC 7143 allows up to 2^24-1; pass a
 * larger bound to iscsiFraming for targets that negotiate more.
 */
export const DEFAULT_MAX_DATA_SEGMENT = 256 * 1024;

/** Digests in use on one connection (both directions): mutated by the binder, read by the framing. */
export interface IscsiDigests {
  header: boolean;
  data: boolean;
}

export const NO_DIGESTS: Readonly<IscsiDigests> = Object.freeze({ header: false, data: false });

export function opcodeName(op: number): string {
  return OPCODE_NAMES.get(op) ?? `Unknown opcode 0x${op.toString(16).padStart(2, '0')}`;
}

/** Sent by a target (0x20 bit) rather than an initiator. */
export function isTargetOpcode(op: number): boolean {
  return (op & 0x20) !== 0;
}

/** Whether negotiated digests apply to this opcode (never to Login PDUs). */
export function digestsApply(op: number): boolean {
  return op !== OP.LOGIN && op !== OP.LOGIN_RSP;
}

/** Opcodes whose headers may carry AHS (RFC 7143 defines AHS types for SCSI Command only; vendor PDUs are opaque). */
function mayHaveAhs(op: number): boolean {
  return op === OP.SCSI_CMD || (op >= 0x1c && op <= 0x1e) || (op >= 0x3c && op <= 0x3e);
}

/** The name of a login status: Wireshark's text where it has one, else the class and detail. */
export function loginStatusName(status: number): string {
  const ws = LOGIN_STATUS_NAMES.get(status);
  if (ws !== undefined) return ws;
  const cls = status >> 8;
  return `${STATUS_CLASS_NAMES.get(cls) ?? `Unknown status class 0x${cls.toString(16).padStart(2, '0')}`}, unknown detail 0x${(status & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * Byte 1 of each opcode (RFC 7143 figures): bits that must be 1 (`one`) and
 * reserved bits that must be 0 (`zero`).
 */
const BYTE1: ReadonlyMap<number, { one: number; zero: number }> = new Map([
  [OP.NOP_OUT, { one: 0x80, zero: 0x7f }],
  [OP.NOP_IN, { one: 0x80, zero: 0x7f }],
  [OP.SCSI_CMD, { one: 0, zero: 0x18 }],
  [OP.SCSI_RSP, { one: 0x80, zero: 0x61 }],
  [OP.TMF, { one: 0x80, zero: 0 }],
  [OP.TMF_RSP, { one: 0x80, zero: 0x7f }],
  [OP.LOGIN, { one: 0, zero: 0x30 }],
  [OP.LOGIN_RSP, { one: 0, zero: 0x30 }],
  [OP.TEXT, { one: 0, zero: 0x3f }],
  [OP.TEXT_RSP, { one: 0, zero: 0x3f }],
  [OP.DATA_OUT, { one: 0, zero: 0x7f }],
  [OP.DATA_IN, { one: 0, zero: 0x38 }],
  [OP.LOGOUT, { one: 0x80, zero: 0 }],
  [OP.LOGOUT_RSP, { one: 0x80, zero: 0x7f }],
  [OP.SNACK, { one: 0x80, zero: 0x70 }],
  [OP.R2T, { one: 0x80, zero: 0x7f }],
  [OP.ASYNC, { one: 0x80, zero: 0x7f }],
  [OP.REJECT, { one: 0x80, zero: 0x7f }],
]);

/**
 * Why these 48 bytes cannot be a BHS, or null. Checks what RFC 7143 fixes in
 * every header and what a random or mid-stream position rarely satisfies:
 * a defined opcode; byte 0 bit 7 clear, for target opcodes the I bit clear,
 * for a Login Request set; byte 1's always-1 and reserved bits; Login T and C
 * not both set, no stage 2, a transit to a real next stage; Text F and C not
 * both set; NOP-Out/NOP-In with the ITT or the TTT 0xffffffff; a SCSI Command
 * with data expected has R or W; TotalAHSLength 0 where no AHS is defined;
 * DataSegmentLength within `maxData`. Reserved bytes beyond byte 1 are not
 * checked here (RFC 7143 has receivers ignore them, and so does framing in
 * sync); iscsiProbe does.
 */
export function bhsProblem(v: ByteView, maxData = DEFAULT_MAX_DATA_SEGMENT): string | null {
  if (!v.has(0, BHS_LENGTH)) return `${v.captured} bytes, a BHS has 48`;
  const b0 = v.u8(0);
  const op = b0 & 0x3f;
  if (!OPCODE_NAMES.has(op)) return `undefined opcode 0x${op.toString(16).padStart(2, '0')}`;
  if (b0 & 0x80) return 'reserved bit 7 of byte 0 is set';
  if (isTargetOpcode(op) && b0 & 0x40) return `I bit set in a target PDU (${opcodeName(op)})`;
  const b1 = v.u8(1);
  const rule = BYTE1.get(op);
  if (rule) {
    if ((b1 & rule.one) !== rule.one) return `${opcodeName(op)}: byte 1 bit 7 must be 1 (flags 0x${b1.toString(16).padStart(2, '0')})`;
    if (b1 & rule.zero) return `${opcodeName(op)}: reserved flag bits 0x${(b1 & rule.zero).toString(16).padStart(2, '0')} are set`;
  }
  if (op === OP.LOGIN && !(b0 & 0x40)) return 'Login Request without the I bit (always 1)';
  if ((op === OP.NOP_OUT || op === OP.NOP_IN) && v.u32(16) !== 0xffffffff && v.u32(20) !== 0xffffffff) return `${opcodeName(op)}: a Target Transfer Tag with an Initiator Task Tag (one of them must be 0xffffffff)`;
  if (op === OP.SCSI_CMD && v.u32(20) !== 0 && !(b1 & 0x60)) return 'SCSI Command: Expected Data Transfer Length without R or W';
  if (op === OP.LOGIN || op === OP.LOGIN_RSP) {
    if ((b1 & 0xc0) === 0xc0) return `${opcodeName(op)}: T and C are both set`;
    if ((b1 & 0x0c) === 0x08) return `${opcodeName(op)}: CSG 2 is reserved`;
    if (b1 & 0x80 && ((b1 & 3) === 2 || (b1 & 3) === 0)) return `${opcodeName(op)}: T is set with NSG ${b1 & 3}`;
  }
  if ((op === OP.TEXT || op === OP.TEXT_RSP) && (b1 & 0xc0) === 0xc0) return `${opcodeName(op)}: F and C are both set`;
  const ahs = v.u8(4);
  if (ahs !== 0 && !mayHaveAhs(op)) return `${opcodeName(op)}: TotalAHSLength ${ahs}, must be 0`;
  const dsl = v.u24(5);
  if (dsl > maxData) return `DataSegmentLength ${dsl} is over the ${maxData}-byte bound`;
  return null;
}

/**
 * Byte ranges RFC 7143 reserves (zero on send) per opcode, for iscsiProbe:
 * [offset, length] pairs beyond byte 1.
 */
const RESERVED: ReadonlyMap<number, readonly (readonly [number, number])[]> = new Map([
  [OP.NOP_OUT, [[2, 2], [32, 16]]],
  [OP.NOP_IN, [[2, 2], [36, 12]]],
  [OP.SCSI_CMD, [[2, 2]]],
  [OP.SCSI_RSP, [[8, 8]]],
  [OP.TMF, [[2, 2], [40, 8]]],
  [OP.TMF_RSP, [[3, 1], [8, 8], [20, 4], [36, 12]]],
  [OP.LOGIN, [[22, 2], [32, 16]]],
  [OP.LOGIN_RSP, [[20, 4], [38, 10]]],
  [OP.TEXT, [[2, 2], [32, 16]]],
  [OP.TEXT_RSP, [[2, 2], [36, 12]]],
  [OP.DATA_OUT, [[2, 2], [24, 4], [32, 4], [44, 4]]],
  [OP.DATA_IN, [[2, 1]]],
  [OP.LOGOUT, [[2, 2], [8, 8], [22, 2], [32, 16]]],
  [OP.LOGOUT_RSP, [[3, 1], [8, 8], [20, 4], [36, 4], [44, 4]]],
  [OP.SNACK, [[2, 2], [24, 4], [32, 8]]],
  [OP.R2T, [[2, 2]]],
  [OP.ASYNC, [[2, 2], [20, 4], [44, 4]]],
  [OP.REJECT, [[3, 1], [8, 8], [20, 4], [40, 8]]],
]);

/**
 * Do these bytes start an iSCSI PDU? bhsProblem plus the reserved bytes of
 * the opcode (zero), the all-ones tag of Reject/Async, the data segment
 * length zero where RFC 7143 defines none (Logout, TMF, R2T, SNACK), a SCSI
 * Command that is a write when F=0 or when it carries data, with a defined
 * task attribute; never
 * for a vendor-specific opcode (nothing in its header can be checked). Stricter
 * than framing: meant for judging a position found by scanning (mid-stream
 * join, after garbage) or a lone payload, where a false positive costs more
 * than a rejected odd-but-valid header.
 */
export function iscsiProbe(v: ByteView, maxData = DEFAULT_MAX_DATA_SEGMENT): boolean {
  if (bhsProblem(v, maxData) !== null) return false;
  const op = v.u8(0) & 0x3f;
  // nothing of a vendor-specific header can be checked: never a resynchronisation point
  if (!RESERVED.has(op)) return false;
  for (const [o, n] of RESERVED.get(op) ?? []) for (let i = o; i < o + n; i++) if (v.u8(i) !== 0) return false;
  if ((op === OP.REJECT || op === OP.ASYNC) && v.u32(16) !== 0xffffffff) return false;
  if ((op === OP.LOGOUT || op === OP.LOGOUT_RSP || op === OP.TMF || op === OP.TMF_RSP || op === OP.R2T || op === OP.SNACK) && v.u24(5) !== 0) return false;
  if (op === OP.SCSI_CMD) {
    const b1 = v.u8(1);
    // F=0 announces unsolicited Data-Out: a write; immediate data: a write; task attributes 5-7 are reserved
    if ((!(b1 & 0x80) || v.u24(5) !== 0) && !(b1 & 0x20)) return false;
    if ((b1 & 7) > 4) return false;
  }
  return true;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Bytes of a PDU given its header fields (no validation). */
export function pduLengthOf(op: number, totalAhs: number, dsl: number, digests: Readonly<IscsiDigests>): number {
  const d = digestsApply(op);
  return BHS_LENGTH + totalAhs * 4 + (d && digests.header ? 4 : 0) + pad4(dsl) + (d && digests.data && dsl > 0 ? 4 : 0);
}

/**
 * Length of the PDU at the start of `v` (tcp_dissect_pdus shape): `need` 48
 * until the BHS is there, `invalid` (with bhsProblem's reason) when it is not
 * a plausible BHS, else 48 + AHS + header digest + padded data + data digest,
 * with the digests of `digests` (never for Login PDUs). Pure; reads at most
 * the 48 header bytes; never throws.
 */
export function iscsiPduLength(v: ByteView, digests: Readonly<IscsiDigests> = NO_DIGESTS, maxData = DEFAULT_MAX_DATA_SEGMENT): PduLength {
  if (!v.has(0, BHS_LENGTH)) return { need: BHS_LENGTH };
  const p = bhsProblem(v, maxData);
  if (p !== null) return { invalid: p };
  return { length: pduLengthOf(v.u8(0) & 0x3f, v.u8(4), v.u24(5), digests) };
}

/** Largest PDU for a data segment bound: BHS, 255 AHS words, both digests, padded data. */
export function maxPduLength(maxData = DEFAULT_MAX_DATA_SEGMENT): number {
  return BHS_LENGTH + 255 * 4 + 4 + pad4(maxData) + 4;
}

export interface IscsiFramingOptions {
  /** Largest DataSegmentLength believed (default 256 KiB); a header announcing more is invalid. */
  maxDataSegment?: number;
  /** The stream starts at a PDU boundary (SYN seen); false: the first PDU is looked for with iscsiProbe. Default true. */
  startInSync?: boolean;
  /** Who sends this direction: the other side's opcodes are then invalid (an initiator never sends 0x20-0x3f). */
  sender?: 'initiator' | 'target';
}

/** A per-direction Framing that knows when it is looking for a boundary. */
export interface IscsiFraming extends Framing {
  /** Call when bytes were lost (the PduFramer's gap()): the next boundary must pass iscsiProbe. */
  resync(): void;
  /** True while a boundary is being searched for (after an invalid header, a gap, or a mid-stream start). */
  readonly scanning: boolean;
}

/**
 * A Framing for one direction of one connection, bound to the connection's
 * digest state: `digests` is read on every call, so flipping it
 * (DigestNegotiation does, after the login phase) takes effect from the next
 * PDU. Share one `digests` object between the two directions, but give each
 * direction its own framing: it remembers whether it is in sync. In sync, a
 * header only has to pass bhsProblem (a valid PDU with odd reserved bytes
 * keeps the stream in sync); after an invalid header — and after resync() or
 * a mid-stream start — the candidate positions the PduFramer tries must pass
 * the stricter iscsiProbe until one is accepted, so the bytes of a data
 * segment are not taken for a header.
 */
export function iscsiFraming(digests: Readonly<IscsiDigests>, opts: IscsiFramingOptions = {}): IscsiFraming {
  const maxData = Math.max(0, Math.min(opts.maxDataSegment ?? DEFAULT_MAX_DATA_SEGMENT, 0xffffff));
  let scanning = opts.startInSync === false;
  const target = opts.sender === undefined ? null : opts.sender === 'target';
  return {
    headerLength: BHS_LENGTH,
    maxPduLength: maxPduLength(maxData),
    pduLength(v: ByteView): PduLength {
      let r = iscsiPduLength(v, digests, maxData);
      if ('length' in r && target !== null && isTargetOpcode(v.u8(0) & 0x3f) !== target)
        r = { invalid: `${opcodeName(v.u8(0) & 0x3f)} sent by the ${target ? 'target' : 'initiator'}` };
      if ('invalid' in r) scanning = true;
      else if ('length' in r && scanning) {
        if (!iscsiProbe(v, maxData)) return { invalid: 'not a plausible header while resynchronising' };
        scanning = false;
      }
      return r;
    },
    plausible(v: ByteView): boolean {
      return iscsiProbe(v, maxData) && (target === null || isTargetOpcode(v.u8(0) & 0x3f) === target);
    },
    resync(): void {
      scanning = true;
    },
    get scanning(): boolean {
      return scanning;
    },
  };
}

// ------------------------------------------------------------------ the typed result

/** One Additional Header Segment (RFC 7143 §11.2.2). */
export interface IscsiAhs {
  /** AHSLength as sent: bytes of the AHS after its 3-byte length/type header (the reserved byte included), padding excluded. */
  readonly length: number;
  readonly type: number;
  /** Offset in the PDU. */
  readonly offset: number;
  /** The AHS-specific bytes present (after the 3-byte length/type header), without padding. */
  readonly data: Uint8Array;
}

/**
 * One PDU as a binder reads it. Fields an opcode does not have are null.
 * Numbers are raw header values; `data` is a view into the PDU bytes (copy it
 * to keep it past the PDU).
 */
export interface IscsiPdu {
  /** Bits 0..5 of byte 0. */
  readonly opcode: number;
  /** Wireshark's name ("Login Command", "Text Response", ...) or "Unknown opcode 0xNN". */
  readonly opcodeName: string;
  /** Sent by the initiator (opcode < 0x20). */
  readonly initiator: boolean;
  /** I bit (initiator PDUs; always false for target PDUs). */
  readonly immediate: boolean;
  /** Byte 1 (all flag bits). */
  readonly flags: number;
  /** Byte 1 bit 7: F (final), or T (transit) in Login PDUs. */
  readonly final: boolean;
  /** C (continue: text continues in the next PDU) — Login and Text PDUs only, else false. */
  readonly cont: boolean;
  /** Login: current stage (0 security, 1 operational, 3 full feature). */
  readonly csg: number | null;
  /** Login: next stage, only meaningful (and only set) when T=1. */
  readonly nsg: number | null;
  readonly versionMax: number | null;
  /** Login Request. */
  readonly versionMin: number | null;
  /** Login Response. */
  readonly versionActive: number | null;
  /** Login: ISID as 12 lower-case hex digits. */
  readonly isid: string | null;
  readonly tsih: number | null;
  /** Initiator Task Tag (bytes 16..19, every PDU; 0xffffffff = none). */
  readonly itt: number;
  /** Target Transfer Tag where the opcode has one. */
  readonly ttt: number | null;
  /** Login Request, Logout Request. */
  readonly cid: number | null;
  /** LUN (bytes 8..15 as hex) where the opcode has one. */
  readonly lun: string | null;
  readonly cmdSN: number | null;
  readonly expStatSN: number | null;
  readonly statSN: number | null;
  readonly expCmdSN: number | null;
  readonly maxCmdSN: number | null;
  /** Login Response: Status-Class / Status-Detail, and the name (Wireshark's text, e.g. "Authentication failed"). */
  readonly statusClass: number | null;
  readonly statusDetail: number | null;
  readonly statusName: string | null;
  /** Logout Request reason, Logout Response response, Reject reason, TMF function/response, SCSI status/response, Async event. */
  readonly logoutReason: number | null;
  readonly logoutResponse: number | null;
  readonly rejectReason: number | null;
  readonly tmfFunction: number | null;
  readonly tmfResponse: number | null;
  readonly scsiStatus: number | null;
  readonly scsiResponse: number | null;
  readonly asyncEvent: number | null;
  /** TotalAHSLength in 4-byte words, as sent. */
  readonly totalAhsLength: number;
  /** AHS bytes (TotalAHSLength * 4). */
  readonly ahsLength: number;
  readonly ahs: readonly IscsiAhs[];
  /** DataSegmentLength as sent. */
  readonly dataSegmentLength: number;
  /** The data segment bytes present (at most DataSegmentLength; padding and digests excluded). */
  readonly data: Uint8Array;
  /** Login/Text: the pairs of this PDU's data alone (see keyvalues.ts for pairs continued across PDUs). */
  readonly keyValues: readonly KeyValue[] | null;
  /** Digests this PDU was read with, their values as sent (big-endian word of the 4 bytes) and whether they verify. */
  readonly digests: Readonly<IscsiDigests>;
  readonly headerDigest: number | null;
  readonly headerDigestOk: boolean | null;
  readonly dataDigest: number | null;
  readonly dataDigestOk: boolean | null;
  /** Reject: the rejected header carried in the data segment (parsed the same way, digests off), if 48 bytes are there. */
  readonly rejected: IscsiPdu | null;
  /** Bytes this PDU spans by its header (BHS + AHS + digests + padded data), which may differ from the bytes given. */
  readonly length: number;
  readonly problems: readonly string[];
}

const HEX = '0123456789abcdef';
function hexOf(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x >> 4]! + HEX[x & 15]!;
  return s;
}

/** Opcodes with a LUN in bytes 8..15. */
function hasLun(op: number, flags: number): boolean {
  switch (op) {
    case OP.NOP_OUT:
    case OP.NOP_IN:
    case OP.SCSI_CMD:
    case OP.TMF:
    case OP.TEXT:
    case OP.TEXT_RSP:
    case OP.DATA_OUT:
    case OP.SNACK:
    case OP.R2T:
    case OP.ASYNC:
      return true;
    case OP.DATA_IN:
      return (flags & 0x40) !== 0;
    default:
      return false;
  }
}

function hasTtt(op: number, flags: number): boolean {
  switch (op) {
    case OP.NOP_OUT:
    case OP.NOP_IN:
    case OP.TEXT:
    case OP.TEXT_RSP:
    case OP.DATA_OUT:
    case OP.SNACK:
    case OP.R2T:
      return true;
    case OP.DATA_IN:
      return (flags & 0x40) !== 0;
    default:
      return false;
  }
}

const CMDSN = new Set<number>([OP.NOP_OUT, OP.SCSI_CMD, OP.TMF, OP.LOGIN, OP.TEXT, OP.LOGOUT]);
const EXPSTATSN = new Set<number>([OP.NOP_OUT, OP.SCSI_CMD, OP.TMF, OP.LOGIN, OP.TEXT, OP.DATA_OUT, OP.LOGOUT, OP.SNACK]);
const STATSN = new Set<number>([OP.NOP_IN, OP.SCSI_RSP, OP.TMF_RSP, OP.LOGIN_RSP, OP.TEXT_RSP, OP.LOGOUT_RSP, OP.R2T, OP.ASYNC, OP.REJECT]);
const EXPCMDSN = new Set<number>([OP.NOP_IN, OP.SCSI_RSP, OP.TMF_RSP, OP.LOGIN_RSP, OP.TEXT_RSP, OP.DATA_IN, OP.LOGOUT_RSP, OP.R2T, OP.ASYNC, OP.REJECT]);

/**
 * Infer the digests of a framed PDU from its length when the connection
 * state is not known: bytes beyond BHS + AHS + padded data are 0 (none), 8
 * (both), or 4 — the header digest when there is no data, else whichever of
 * the two verifies (header first). Login PDUs never have digests.
 */
export function inferDigests(v: ByteView): IscsiDigests {
  if (!v.has(0, BHS_LENGTH)) return { header: false, data: false };
  const op = v.u8(0) & 0x3f;
  if (!digestsApply(op)) return { header: false, data: false };
  const head = BHS_LENGTH + v.u8(4) * 4;
  const dsl = v.u24(5);
  const extra = v.length - head - pad4(dsl);
  if (extra === 8 && dsl > 0) return { header: true, data: true };
  if (extra !== 4) return { header: false, data: false };
  if (dsl === 0) return { header: true, data: false };
  if (v.has(0, head + 4) && crc32c(v.bytes(0, head)) === digestWord(v, head)) return { header: true, data: false };
  return { header: false, data: true };
}

/** The CRC32C a digest field carries (its 4 bytes least significant first). */
export function digestWord(v: ByteView, o: number): number {
  return v.u32le(o);
}

/**
 * Decode one PDU (the bytes framing delimited). `digests`: the connection's
 * (default: inferred from the length). Never throws: problems are listed and
 * whatever is present is decoded.
 */
export function dissectIscsiPdu(v: ByteView, digests?: Readonly<IscsiDigests>): IscsiPdu {
  return parse(v, digests ?? inferDigests(v), 0);
}

const EMPTY = new Uint8Array(0);

function parse(v: ByteView, dg: Readonly<IscsiDigests>, depth: number): IscsiPdu {
  const problems: string[] = [];
  if (!v.has(0, BHS_LENGTH)) {
    // Whatever header bytes there are, nothing more.
    const op = v.has(0, 1) ? v.u8(0) & 0x3f : -1;
    return {
      ...blank(op),
      itt: v.has(16, 4) ? v.u32(16) : 0xffffffff,
      digests: { header: false, data: false },
      length: 0,
      problems: [`${v.captured} bytes: shorter than the 48-byte BHS`],
    };
  }
  const b0 = v.u8(0);
  const op = b0 & 0x3f;
  const flags = v.u8(1);
  const totalAhs = v.u8(4);
  const dsl = v.u24(5);
  const d = digestsApply(op);
  const hd = d && dg.header;
  const dd = d && dg.data && dsl > 0;
  const length = pduLengthOf(op, totalAhs, dsl, { header: hd, data: dd });
  const why = bhsProblem(v, 0xffffff);
  if (why) problems.push(why);
  // (a rejected header comes without the data it announced)
  if (depth === 0 && v.captured < length) problems.push(`PDU of ${length} bytes by its header, ${v.captured} present`);
  else if (depth === 0 && v.captured > length) problems.push(`${v.captured - length} bytes follow the PDU`);

  // AHS
  const ahsEnd = BHS_LENGTH + totalAhs * 4;
  const ahs: IscsiAhs[] = [];
  for (let o = BHS_LENGTH; o + 3 <= ahsEnd && v.has(o, 3); ) {
    const len = v.u16(o);
    const type = v.u8(o + 2);
    const avail = Math.min(len, ahsEnd - o - 3, v.remaining(o + 3));
    ahs.push({ length: len, type, offset: o, data: v.bytes(o + 3, Math.max(0, avail)) });
    if (len > ahsEnd - o - 3) {
      problems.push(`AHS at offset ${o}: AHSLength ${len} runs past TotalAHSLength`);
      break;
    }
    o += pad4(3 + len);
  }

  // digests and data
  let o = ahsEnd;
  let headerDigest: number | null = null;
  let headerDigestOk: boolean | null = null;
  if (hd && v.has(o, 4)) {
    headerDigest = v.u32(o);
    headerDigestOk = crc32c(v.bytes(0, o)) === digestWord(v, o);
    if (!headerDigestOk) problems.push('header digest does not verify');
  }
  if (hd) o += 4;
  const dataLen = Math.max(0, Math.min(dsl, v.remaining(o)));
  const data = dataLen > 0 ? v.bytes(o, dataLen) : EMPTY;
  let dataDigest: number | null = null;
  let dataDigestOk: boolean | null = null;
  const ddo = o + pad4(dsl);
  if (dd && v.has(ddo, 4)) {
    dataDigest = v.u32(ddo);
    dataDigestOk = crc32c(v.bytes(o, pad4(dsl))) === digestWord(v, ddo);
    if (!dataDigestOk) problems.push('data digest does not verify');
  }

  const u32 = (at: number): number => v.u32(at);
  const login = op === OP.LOGIN || op === OP.LOGIN_RSP;
  const text = op === OP.TEXT || op === OP.TEXT_RSP;
  const status = op === OP.LOGIN_RSP ? v.u16(36) : null;
  if (login && flags & 0x80 && flags & 0x40) problems.push('T and C are both set');
  if (text && flags & 0x80 && flags & 0x40) problems.push('F and C are both set');
  if (status !== null && !LOGIN_STATUS_NAMES.has(status)) problems.push(`login status 0x${status.toString(16).padStart(4, '0')} is not defined by RFC 7143`);

  let rejected: IscsiPdu | null = null;
  if (op === OP.REJECT && depth < 1 && dataLen >= BHS_LENGTH) rejected = parse(v.sub(o, BHS_LENGTH), NO_DIGESTS, depth + 1);
  if (op === OP.REJECT && dsl < BHS_LENGTH) problems.push(`Reject carries ${dsl} bytes, not the 48-byte rejected header`);

  return {
    opcode: op,
    opcodeName: opcodeName(op),
    initiator: !isTargetOpcode(op),
    immediate: !isTargetOpcode(op) && (b0 & 0x40) !== 0,
    flags,
    final: (flags & 0x80) !== 0,
    cont: (login || text) && (flags & 0x40) !== 0,
    csg: login ? (flags >> 2) & 3 : null,
    nsg: login && flags & 0x80 ? flags & 3 : null,
    versionMax: login ? v.u8(2) : null,
    versionMin: op === OP.LOGIN ? v.u8(3) : null,
    versionActive: op === OP.LOGIN_RSP ? v.u8(3) : null,
    isid: login ? hexOf(v.bytes(8, 6)) : null,
    tsih: login ? v.u16(14) : null,
    itt: u32(16),
    ttt: hasTtt(op, flags) ? u32(20) : null,
    cid: op === OP.LOGIN || op === OP.LOGOUT ? v.u16(20) : null,
    lun: hasLun(op, flags) ? hexOf(v.bytes(8, 8)) : null,
    cmdSN: CMDSN.has(op) ? u32(24) : null,
    expStatSN: EXPSTATSN.has(op) ? u32(28) : null,
    statSN: STATSN.has(op) || (op === OP.DATA_IN && flags & 0x01) ? u32(24) : null,
    expCmdSN: EXPCMDSN.has(op) ? u32(28) : null,
    maxCmdSN: EXPCMDSN.has(op) ? u32(32) : null,
    statusClass: status === null ? null : status >> 8,
    statusDetail: status === null ? null : status & 0xff,
    statusName: status === null ? null : loginStatusName(status),
    logoutReason: op === OP.LOGOUT ? flags & 0x7f : null,
    logoutResponse: op === OP.LOGOUT_RSP ? v.u8(2) : null,
    rejectReason: op === OP.REJECT ? v.u8(2) : null,
    tmfFunction: op === OP.TMF ? flags & 0x7f : null,
    tmfResponse: op === OP.TMF_RSP ? v.u8(2) : null,
    scsiStatus: op === OP.SCSI_RSP || (op === OP.DATA_IN && flags & 0x01) ? v.u8(3) : null,
    scsiResponse: op === OP.SCSI_RSP ? v.u8(2) : null,
    asyncEvent: op === OP.ASYNC ? v.u8(36) : null,
    totalAhsLength: totalAhs,
    ahsLength: totalAhs * 4,
    ahs,
    dataSegmentLength: dsl,
    data,
    keyValues: login || text ? parseKeyValues(data) : null,
    digests: { header: hd, data: d && dg.data },
    headerDigest,
    headerDigestOk,
    dataDigest,
    dataDigestOk,
    rejected,
    length,
    problems,
  };
}

function blank(op: number): Omit<IscsiPdu, 'itt' | 'digests' | 'length' | 'problems'> {
  return {
    opcode: op < 0 ? 0 : op,
    opcodeName: op < 0 ? 'none' : opcodeName(op),
    initiator: op >= 0 && !isTargetOpcode(op),
    immediate: false,
    flags: 0,
    final: false,
    cont: false,
    csg: null,
    nsg: null,
    versionMax: null,
    versionMin: null,
    versionActive: null,
    isid: null,
    tsih: null,
    ttt: null,
    cid: null,
    lun: null,
    cmdSN: null,
    expStatSN: null,
    statSN: null,
    expCmdSN: null,
    maxCmdSN: null,
    statusClass: null,
    statusDetail: null,
    statusName: null,
    logoutReason: null,
    logoutResponse: null,
    rejectReason: null,
    tmfFunction: null,
    tmfResponse: null,
    scsiStatus: null,
    scsiResponse: null,
    asyncEvent: null,
    totalAhsLength: 0,
    ahsLength: 0,
    ahs: [],
    dataSegmentLength: 0,
    data: EMPTY,
    keyValues: null,
    headerDigest: null,
    headerDigestOk: null,
    dataDigest: null,
    dataDigestOk: null,
    rejected: null,
  };
}
