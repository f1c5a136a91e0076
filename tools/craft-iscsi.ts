/**
 * iSCSI (RFC 7143) encoding for crafted captures and tests: the 48-byte
 * Basic Header Segment of every opcode, key=value text, data segments with
 * their padding, optional CRC32C header/data digests, and PDUs built with
 * exactly the bytes a test asks for (lying lengths, reserved bits) when it
 * wants them.
 */
import { be16, be32, concat } from './craft.js';
import { crc32c, digestBytes } from '../dissector/iscsi/crc32c.js';

const enc = new TextEncoder();

/** Opcodes (RFC 7143 §11.2.1.2). */
export const OP = {
  NOP_OUT: 0x00,
  SCSI_CMD: 0x01,
  TMF: 0x02,
  LOGIN: 0x03,
  TEXT: 0x04,
  DATA_OUT: 0x05,
  LOGOUT: 0x06,
  SNACK: 0x10,
  NOP_IN: 0x20,
  SCSI_RSP: 0x21,
  TMF_RSP: 0x22,
  LOGIN_RSP: 0x23,
  TEXT_RSP: 0x24,
  DATA_IN: 0x25,
  LOGOUT_RSP: 0x26,
  R2T: 0x31,
  ASYNC: 0x32,
  REJECT: 0x3f,
} as const;

/** Every byte of a BHS, named by offset; anything not given is zero. */
export interface Bhs {
  opcode: number;
  immediate?: boolean;
  /** Byte 0 bit 0x80 (reserved; set only to craft malformed headers). */
  reserved80?: boolean;
  /** Byte 1 (F bit and opcode-specific flags). */
  b1?: number;
  b2?: number;
  b3?: number;
  totalAhs?: number;
  /** DataSegmentLength; default the data's length. */
  dsl?: number;
  /** Bytes 8..15 (LUN, or ISID + TSIH for Login). */
  b8?: Uint8Array;
  itt?: number;
  w20?: number;
  w24?: number;
  w28?: number;
  w32?: number;
  w36?: number;
  w40?: number;
  w44?: number;
  /** Bytes 32..47 as a block (a CDB), instead of w32..w44. */
  b32?: Uint8Array;
}

export function bhs(h: Bhs, dataLength: number): Uint8Array {
  const b = new Uint8Array(48);
  b[0] = (h.reserved80 ? 0x80 : 0) | (h.immediate ? 0x40 : 0) | (h.opcode & 0x3f);
  b[1] = h.b1 ?? 0;
  b[2] = h.b2 ?? 0;
  b[3] = h.b3 ?? 0;
  b[4] = h.totalAhs ?? 0;
  const dsl = h.dsl ?? dataLength;
  b[5] = (dsl >>> 16) & 0xff;
  b[6] = (dsl >>> 8) & 0xff;
  b[7] = dsl & 0xff;
  if (h.b8) b.set(h.b8.subarray(0, 8), 8);
  b.set(be32((h.itt ?? 0) >>> 0), 16);
  b.set(be32((h.w20 ?? 0) >>> 0), 20);
  b.set(be32((h.w24 ?? 0) >>> 0), 24);
  b.set(be32((h.w28 ?? 0) >>> 0), 28);
  if (h.b32) b.set(h.b32.subarray(0, 16), 32);
  else {
    b.set(be32((h.w32 ?? 0) >>> 0), 32);
    b.set(be32((h.w36 ?? 0) >>> 0), 36);
    b.set(be32((h.w40 ?? 0) >>> 0), 40);
    b.set(be32((h.w44 ?? 0) >>> 0), 44);
  }
  return b;
}

export interface PduOpts {
  /** Additional header segments (already padded to 4 by the caller). */
  ahs?: Uint8Array;
  /** Append a CRC32C header digest (over BHS + AHS). */
  headerDigest?: boolean;
  /** Append a CRC32C data digest (over the padded data) when there is data. */
  dataDigest?: boolean;
  /** Corrupt the digests (XOR 1 into the last byte). */
  badDigest?: boolean;
  /** Pad bytes to use instead of zeros (malformed padding). */
  padByte?: number;
}

/** One PDU: BHS, AHS, header digest, data padded to 4, data digest. */
export function pdu(h: Bhs, data: Uint8Array = new Uint8Array(0), o: PduOpts = {}): Uint8Array {
  const ahs = o.ahs ?? new Uint8Array(0);
  const head = concat([bhs({ ...h, totalAhs: h.totalAhs ?? ahs.length >>> 2 }, data.length), ahs]);
  const parts: Uint8Array[] = [head];
  if (o.headerDigest) parts.push(digest(crc32c(head), o.badDigest));
  const padded = new Uint8Array((data.length + 3) & ~3).fill(o.padByte ?? 0);
  padded.set(data);
  parts.push(padded);
  if (o.dataDigest && data.length > 0) parts.push(digest(crc32c(padded), o.badDigest));
  return concat(parts);
}

function digest(crc: number, bad = false): Uint8Array {
  const d = digestBytes(crc);
  if (bad) d[3] ^= 1;
  return d;
}

/** key=value pairs, each NUL-terminated (RFC 7143 §6.1). */
export function keys(pairs: readonly (readonly [string, string])[]): Uint8Array {
  return concat(pairs.map(([k, v]) => enc.encode(`${k}=${v}\0`)));
}

/** Exactly these bytes as text (no terminators added). */
export function rawText(s: string): Uint8Array {
  return Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));
}

/** ISID (6 bytes) + TSIH (2 bytes): bytes 8..15 of Login PDUs. */
export function isidTsih(isid: Uint8Array | string, tsih: number): Uint8Array {
  const i = typeof isid === 'string' ? Uint8Array.from(isid.match(/../g)!.map((x) => parseInt(x, 16))) : isid;
  return concat([i.subarray(0, 6), be16(tsih)]);
}

/** An 8-byte LUN field for a single-level LUN < 256 (SAM peripheral addressing). */
export function lun(n: number): Uint8Array {
  const b = new Uint8Array(8);
  b[1] = n & 0xff;
  return b;
}

export const STAGE = { SECURITY: 0, OPERATIONAL: 1, FFP: 3 } as const;

export interface LoginFields {
  transit?: boolean;
  cont?: boolean;
  csg: number;
  nsg?: number;
  versionMax?: number;
  /** Request: VersionMin; response: VersionActive. */
  versionMinOrActive?: number;
  isid: string;
  tsih?: number;
  itt: number;
  /** Request only. */
  cid?: number;
  cmdSN?: number;
  expStatSN?: number;
  /** Response only. */
  statSN?: number;
  expCmdSN?: number;
  maxCmdSN?: number;
  /** Response only: status class << 8 | detail. */
  status?: number;
}

function loginFlags(f: LoginFields): number {
  return (f.transit ? 0x80 : 0) | (f.cont ? 0x40 : 0) | ((f.csg & 3) << 2) | ((f.nsg ?? 0) & 3);
}

export function loginReq(f: LoginFields, data: Uint8Array, o: PduOpts = {}): Uint8Array {
  return pdu(
    {
      opcode: OP.LOGIN,
      immediate: true,
      b1: loginFlags(f),
      b2: f.versionMax ?? 0,
      b3: f.versionMinOrActive ?? 0,
      b8: isidTsih(f.isid, f.tsih ?? 0),
      itt: f.itt,
      w20: ((f.cid ?? 0) & 0xffff) << 16,
      w24: f.cmdSN ?? 0,
      w28: f.expStatSN ?? 0,
    },
    data,
    o,
  );
}

export function loginRsp(f: LoginFields, data: Uint8Array, o: PduOpts = {}): Uint8Array {
  const st = f.status ?? 0;
  return pdu(
    {
      opcode: OP.LOGIN_RSP,
      b1: loginFlags(f),
      b2: f.versionMax ?? 0,
      b3: f.versionMinOrActive ?? 0,
      b8: isidTsih(f.isid, f.tsih ?? 0),
      itt: f.itt,
      w24: f.statSN ?? 0,
      w28: f.expCmdSN ?? 0,
      w32: f.maxCmdSN ?? 0,
      w36: ((st & 0xffff) << 16) >>> 0,
    },
    data,
    o,
  );
}

export interface TextFields {
  final?: boolean;
  cont?: boolean;
  immediate?: boolean;
  itt: number;
  ttt?: number;
  lun?: number;
  cmdSN?: number;
  expStatSN?: number;
  statSN?: number;
  expCmdSN?: number;
  maxCmdSN?: number;
}

export function textReq(f: TextFields, data: Uint8Array, o: PduOpts = {}): Uint8Array {
  return pdu(
    {
      opcode: OP.TEXT,
      immediate: f.immediate ?? false,
      b1: (f.final ?? true ? 0x80 : 0) | (f.cont ? 0x40 : 0),
      b8: lun(f.lun ?? 0),
      itt: f.itt,
      w20: f.ttt ?? 0xffffffff,
      w24: f.cmdSN ?? 0,
      w28: f.expStatSN ?? 0,
    },
    data,
    o,
  );
}

export function textRsp(f: TextFields, data: Uint8Array, o: PduOpts = {}): Uint8Array {
  return pdu(
    {
      opcode: OP.TEXT_RSP,
      b1: (f.final ?? true ? 0x80 : 0) | (f.cont ? 0x40 : 0),
      b8: lun(f.lun ?? 0),
      itt: f.itt,
      w20: f.ttt ?? 0xffffffff,
      w24: f.statSN ?? 0,
      w28: f.expCmdSN ?? 0,
      w32: f.maxCmdSN ?? 0,
    },
    data,
    o,
  );
}

export function logoutReq(f: { reason: number; itt: number; cid: number; cmdSN: number; expStatSN: number; immediate?: boolean }, o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.LOGOUT, immediate: f.immediate ?? true, b1: 0x80 | (f.reason & 0x7f), itt: f.itt, w20: (f.cid & 0xffff) << 16, w24: f.cmdSN, w28: f.expStatSN }, new Uint8Array(0), o);
}

export function logoutRsp(f: { response: number; itt: number; statSN: number; expCmdSN: number; maxCmdSN: number; time2wait?: number; time2retain?: number }, o: PduOpts = {}): Uint8Array {
  return pdu(
    { opcode: OP.LOGOUT_RSP, b1: 0x80, b2: f.response, itt: f.itt, w24: f.statSN, w28: f.expCmdSN, w32: f.maxCmdSN, w40: (((f.time2wait ?? 0) << 16) | (f.time2retain ?? 0)) >>> 0 },
    new Uint8Array(0),
    o,
  );
}

export function nopOut(f: { itt: number; ttt?: number; lun?: number; cmdSN: number; expStatSN: number; immediate?: boolean }, ping = new Uint8Array(0), o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.NOP_OUT, immediate: f.immediate ?? true, b1: 0x80, b8: lun(f.lun ?? 0), itt: f.itt, w20: f.ttt ?? 0xffffffff, w24: f.cmdSN, w28: f.expStatSN }, ping, o);
}

export function nopIn(f: { itt: number; ttt?: number; lun?: number; statSN: number; expCmdSN: number; maxCmdSN: number }, ping = new Uint8Array(0), o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.NOP_IN, b1: 0x80, b8: lun(f.lun ?? 0), itt: f.itt, w20: f.ttt ?? 0xffffffff, w24: f.statSN, w28: f.expCmdSN, w32: f.maxCmdSN }, ping, o);
}

/** Reject: the data segment is the complete header of the rejected PDU. */
export function reject(f: { reason: number; statSN: number; expCmdSN: number; maxCmdSN: number; dataSN?: number }, rejectedHeader: Uint8Array, o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.REJECT, b1: 0x80, b2: f.reason, itt: 0xffffffff, w24: f.statSN, w28: f.expCmdSN, w32: f.maxCmdSN, w36: f.dataSN ?? 0 }, rejectedHeader, o);
}

export function scsiCmd(
  f: { itt: number; lun?: number; read?: boolean; write?: boolean; final?: boolean; attr?: number; edtl: number; cmdSN: number; expStatSN: number; cdb: Uint8Array; immediate?: boolean },
  data = new Uint8Array(0),
  o: PduOpts = {},
): Uint8Array {
  const cdb = new Uint8Array(16);
  cdb.set(f.cdb.subarray(0, 16));
  return pdu(
    {
      opcode: OP.SCSI_CMD,
      immediate: f.immediate ?? false,
      b1: (f.final ?? true ? 0x80 : 0) | (f.read ? 0x40 : 0) | (f.write ? 0x20 : 0) | ((f.attr ?? 1) & 7),
      b8: lun(f.lun ?? 0),
      itt: f.itt,
      w20: f.edtl,
      w24: f.cmdSN,
      w28: f.expStatSN,
      b32: cdb,
    },
    data,
    o,
  );
}

export function scsiRsp(
  f: { itt: number; flags?: number; response?: number; status?: number; statSN: number; expCmdSN: number; maxCmdSN: number; expDataSN?: number; bidiResidual?: number; residual?: number },
  data = new Uint8Array(0),
  o: PduOpts = {},
): Uint8Array {
  return pdu(
    {
      opcode: OP.SCSI_RSP,
      b1: 0x80 | ((f.flags ?? 0) & 0x1e),
      b2: f.response ?? 0,
      b3: f.status ?? 0,
      itt: f.itt,
      w24: f.statSN,
      w28: f.expCmdSN,
      w32: f.maxCmdSN,
      w36: f.expDataSN ?? 0,
      w40: f.bidiResidual ?? 0,
      w44: f.residual ?? 0,
    },
    data,
    o,
  );
}

export function dataIn(
  f: { itt: number; final?: boolean; ack?: boolean; status?: number; flags?: number; lun?: number; ttt?: number; statSN?: number; expCmdSN: number; maxCmdSN: number; dataSN: number; offset: number; residual?: number },
  data: Uint8Array,
  o: PduOpts = {},
): Uint8Array {
  const s = f.status !== undefined;
  return pdu(
    {
      opcode: OP.DATA_IN,
      b1: (f.final ?? true ? 0x80 : 0) | (f.ack ? 0x40 : 0) | ((f.flags ?? 0) & 0x06) | (s ? 1 : 0),
      b3: f.status ?? 0,
      b8: lun(f.lun ?? 0),
      itt: f.itt,
      w20: f.ttt ?? 0xffffffff,
      w24: f.statSN ?? 0,
      w28: f.expCmdSN,
      w32: f.maxCmdSN,
      w36: f.dataSN,
      w40: f.offset,
      w44: f.residual ?? 0,
    },
    data,
    o,
  );
}

export function dataOut(f: { itt: number; final?: boolean; lun?: number; ttt: number; expStatSN: number; dataSN: number; offset: number }, data: Uint8Array, o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.DATA_OUT, b1: f.final ?? true ? 0x80 : 0, b8: lun(f.lun ?? 0), itt: f.itt, w20: f.ttt, w28: f.expStatSN, w36: f.dataSN, w40: f.offset }, data, o);
}

export function r2t(f: { itt: number; lun?: number; ttt: number; statSN: number; expCmdSN: number; maxCmdSN: number; r2tSN: number; offset: number; desired: number }, o: PduOpts = {}): Uint8Array {
  return pdu(
    { opcode: OP.R2T, b1: 0x80, b8: lun(f.lun ?? 0), itt: f.itt, w20: f.ttt, w24: f.statSN, w28: f.expCmdSN, w32: f.maxCmdSN, w36: f.r2tSN, w40: f.offset, w44: f.desired },
    new Uint8Array(0),
    o,
  );
}

export function tmf(f: { fn: number; itt: number; lun?: number; rtt: number; cmdSN: number; expStatSN: number; refCmdSN: number; expDataSN?: number }, o: PduOpts = {}): Uint8Array {
  return pdu(
    { opcode: OP.TMF, immediate: true, b1: 0x80 | (f.fn & 0x7f), b8: lun(f.lun ?? 0), itt: f.itt, w20: f.rtt, w24: f.cmdSN, w28: f.expStatSN, w32: f.refCmdSN, w36: f.expDataSN ?? 0 },
    new Uint8Array(0),
    o,
  );
}

export function tmfRsp(f: { response: number; itt: number; statSN: number; expCmdSN: number; maxCmdSN: number }, o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.TMF_RSP, b1: 0x80, b2: f.response, itt: f.itt, w24: f.statSN, w28: f.expCmdSN, w32: f.maxCmdSN }, new Uint8Array(0), o);
}

export function asyncMsg(
  f: { event: number; vcode?: number; p1?: number; p2?: number; p3?: number; lun?: number; statSN: number; expCmdSN: number; maxCmdSN: number },
  data = new Uint8Array(0),
  o: PduOpts = {},
): Uint8Array {
  return pdu(
    {
      opcode: OP.ASYNC,
      b1: 0x80,
      b8: lun(f.lun ?? 0),
      itt: 0xffffffff,
      w24: f.statSN,
      w28: f.expCmdSN,
      w32: f.maxCmdSN,
      w36: (((f.event & 0xff) << 24) | ((f.vcode ?? 0) << 16) | (f.p1 ?? 0)) >>> 0,
      w40: (((f.p2 ?? 0) << 16) | (f.p3 ?? 0)) >>> 0,
    },
    data,
    o,
  );
}

export function snack(f: { type: number; itt: number; lun?: number; ttt?: number; expStatSN: number; begRun: number; runLength: number }, o: PduOpts = {}): Uint8Array {
  return pdu(
    { opcode: OP.SNACK, b1: 0x80 | (f.type & 0x0f), b8: lun(f.lun ?? 0), itt: f.itt, w20: f.ttt ?? 0xffffffff, w28: f.expStatSN, w40: f.begRun, w44: f.runLength },
    new Uint8Array(0),
    o,
  );
}

/** CHAP challenge/response values as RFC 7143 §12.1.3 writes them (0x-prefixed hex). */
export function chapHex(seed: number, n: number): string {
  let s = '0x';
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += ((x >>> 16) & 0xff).toString(16).padStart(2, '0');
  }
  return s;
}
