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
 *
 * opcodes.ts holds the opcodes, names and lengths, framing.ts the framing and
 * plausibility checks, result.ts the typed result; this module decodes a PDU
 * into it, and is where the rest of the iSCSI dissector imports all of these
 * from.
 */
import type { ByteView } from '../core/byteview.js';
import { crc32c } from './crc32c.js';
import { LOGIN_STATUS_NAMES } from './fields.js';
import { parseKeyValues } from './keyvalues.js';
import { BHS_LENGTH, NO_DIGESTS, OP, digestsApply, isTargetOpcode, loginStatusName, opcodeName, pad4, pduLengthOf, type IscsiDigests } from './opcodes.js';
import { bhsProblem } from './framing.js';
import type { IscsiAhs, IscsiPdu } from './result.js';

export {
  BHS_LENGTH,
  DEFAULT_MAX_DATA_SEGMENT,
  NO_DIGESTS,
  OP,
  digestsApply,
  isTargetOpcode,
  loginStatusName,
  opcodeName,
  pduLengthOf,
  type IscsiDigests,
} from './opcodes.js';
export { bhsProblem, iscsiFraming, iscsiPduLength, iscsiProbe, maxPduLength, type IscsiFraming, type IscsiFramingOptions } from './framing.js';
export type { IscsiAhs, IscsiPdu } from './result.js';

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
  if (v.has(0, head + 4) && digestVerifies(v, 0, head)) return { header: true, data: false };
  return { header: false, data: true };
}

/** Whether the digest after `v[start, start + len)` is the CRC32C of those bytes (it travels least significant byte first). */
function digestVerifies(v: ByteView, start: number, len: number): boolean {
  return crc32c(v.bytes(start, len)) === v.u32le(start + len);
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
    headerDigestOk = digestVerifies(v, 0, o);
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
    dataDigestOk = digestVerifies(v, o, pad4(dsl));
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
    isid: login ? v.hex(8, 6) : null,
    tsih: login ? v.u16(14) : null,
    itt: u32(16),
    ttt: hasTtt(op, flags) ? u32(20) : null,
    cid: op === OP.LOGIN || op === OP.LOGOUT ? v.u16(20) : null,
    lun: hasLun(op, flags) ? v.hex(8, 8) : null,
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
