/**
 * iSCSI (RFC 7143) encoding for crafted captures and tests: the 48-byte
 * Basic Header Segment of every opcode, key=value text, data segments with
 * their padding, optional CRC32C header/data digests, and PDUs built with
 * exactly the bytes a test asks for (lying lengths, reserved bits) when it
 * wants them.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { be16, be32, concat, Clock, pcapFile, TcpConn, type CraftFrame } from './craft.js';
import { crc32c, digestBytes } from '../dissector/iscsi/crc32c.js';
import { OP, pad4 } from '../dissector/iscsi/opcodes.js';

const enc = new TextEncoder();

/** Opcodes (RFC 7143 §11.2.1.2): the dissector's own table. */
export { OP };

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
  const padded = new Uint8Array(pad4(data.length)).fill(o.padByte ?? 0);
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

export function nopOut(f: { itt: number; ttt?: number; lun?: number; cmdSN: number; expStatSN: number; immediate?: boolean }, ping: Uint8Array = new Uint8Array(0), o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.NOP_OUT, immediate: f.immediate ?? true, b1: 0x80, b8: lun(f.lun ?? 0), itt: f.itt, w20: f.ttt ?? 0xffffffff, w24: f.cmdSN, w28: f.expStatSN }, ping, o);
}

export function nopIn(f: { itt: number; ttt?: number; lun?: number; statSN: number; expCmdSN: number; maxCmdSN: number }, ping: Uint8Array = new Uint8Array(0), o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.NOP_IN, b1: 0x80, b8: lun(f.lun ?? 0), itt: f.itt, w20: f.ttt ?? 0xffffffff, w24: f.statSN, w28: f.expCmdSN, w32: f.maxCmdSN }, ping, o);
}

/** Reject: the data segment is the complete header of the rejected PDU. */
export function reject(f: { reason: number; statSN: number; expCmdSN: number; maxCmdSN: number; dataSN?: number }, rejectedHeader: Uint8Array, o: PduOpts = {}): Uint8Array {
  return pdu({ opcode: OP.REJECT, b1: 0x80, b2: f.reason, itt: 0xffffffff, w24: f.statSN, w28: f.expCmdSN, w32: f.maxCmdSN, w36: f.dataSN ?? 0 }, rejectedHeader, o);
}

export function scsiCmd(
  f: { itt: number; lun?: number; read?: boolean; write?: boolean; final?: boolean; attr?: number; edtl: number; cmdSN: number; expStatSN: number; cdb: Uint8Array; immediate?: boolean },
  data: Uint8Array = new Uint8Array(0),
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
  data: Uint8Array = new Uint8Array(0),
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
  data: Uint8Array = new Uint8Array(0),
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

// ---------------------------------------------------------------- crafted captures

/** A crafted capture: its frames and one note per frame (what the frame carries). */
export interface CraftedCapture {
  readonly name: string;
  readonly description: string;
  readonly frames: CraftFrame[];
  readonly notes: string[];
}

class Cap {
  readonly frames: CraftFrame[] = [];
  readonly notes: string[] = [];
  private readonly clock = new Clock();
  private port = 49152;
  constructor(
    readonly name: string,
    readonly description: string,
  ) {}
  /** Append frames, all with this note. */
  add(fs: readonly Uint8Array[], note: string): void {
    for (const d of fs) {
      this.frames.push({ data: d, ...this.clock.tick() });
      this.notes.push(note);
    }
  }
  /** A new initiator→target connection, handshake included. */
  conn(initiator = INITIATOR_IP, target = TARGET_IP): TcpConn {
    const c = new TcpConn(initiator, this.port++, target, 3260, [0x1000 * this.port, 0x2000 * this.port]);
    this.add(c.handshake(), 'TCP handshake');
    return c;
  }
  close(c: TcpConn, note = 'TCP close'): void {
    this.add(c.close(), note);
  }
  done(): CraftedCapture {
    return { name: this.name, description: this.description, frames: this.frames, notes: this.notes };
  }
}

export const INITIATOR_IP = '192.0.2.10';
export const TARGET_IP = '192.0.2.20';
export const INITIATOR = 'iqn.1991-05.com.microsoft:host1';
export const TARGET = 'iqn.2026-11.lab:tgt1';
/** Microsoft initiator ISID: T=01 (IANA enterprise number), B=0x0001, C=0x37. */
export const ISID = '400001370000';

/** CHAP response (RFC 1994): MD5 over identifier, secret and challenge, as 0x-hex. */
function chapResponse(id: number, secret: string, challengeHex: string): string {
  const c = Uint8Array.from(challengeHex.slice(2).match(/../g)!.map((x) => parseInt(x, 16)));
  return '0x' + createHash('md5').update(Uint8Array.of(id)).update(secret).update(c).digest('hex');
}

const OPERATIONAL_OFFER: [string, string][] = [
  ['HeaderDigest', 'None'],
  ['DataDigest', 'None'],
  ['ErrorRecoveryLevel', '0'],
  ['InitialR2T', 'Yes'],
  ['ImmediateData', 'Yes'],
  ['MaxBurstLength', '262144'],
  ['FirstBurstLength', '65536'],
  ['MaxConnections', '1'],
  ['DataPDUInOrder', 'Yes'],
  ['DataSequenceInOrder', 'Yes'],
  ['DefaultTime2Wait', '2'],
  ['DefaultTime2Retain', '0'],
  ['MaxOutstandingR2T', '1'],
  ['IFMarker', 'No'],
  ['OFMarker', 'No'],
  ['MaxRecvDataSegmentLength', '65536'],
];
/** The target's answer: the offer, with its own MaxRecvDataSegmentLength. */
const OPERATIONAL_ANSWER: [string, string][] = [...OPERATIONAL_OFFER.slice(0, -1), ['MaxRecvDataSegmentLength', '262144']];

/** 36 bytes of standard INQUIRY data (disk, "LIO-ORG", "disk0"). */
function inquiryData(): Uint8Array {
  const b = new Uint8Array(36);
  b.set([0x00, 0x00, 0x06, 0x02, 31, 0, 0, 0x02], 0);
  b.set(rawText('LIO-ORG disk0           4.0 '), 8);
  return b;
}

/** Fixed-format sense data: UNIT ATTENTION, POWER ON OR RESET (29h/00h), with the 2-byte SenseLength iSCSI puts first. */
function senseUnitAttention(): Uint8Array {
  const s = new Uint8Array(18);
  s.set([0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29, 0x00]);
  return concat([be16(s.length), s]);
}

/** Discovery session: AuthMethod=None, SendTargets=All, logout. */
export function discoveryCapture(): CraftedCapture {
  const k = new Cap('iscsi-discovery.pcap', 'discovery session: security stage with AuthMethod=None, operational stage, SendTargets=All, logout');
  const c = k.conn();
  k.add(
    c.send(0, loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }, keys([['InitiatorName', INITIATOR], ['InitiatorAlias', 'host1'], ['SessionType', 'Discovery'], ['AuthMethod', 'None']]))),
    'Login Request: security -> operational, SessionType=Discovery, AuthMethod=None',
  );
  k.add(
    c.send(1, loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, tsih: 0, itt: 0, statSN: 0x3a1c, expCmdSN: 0, maxCmdSN: 0, status: 0 }, keys([['AuthMethod', 'None'], ['TargetPortalGroupTag', '1']]))),
    'Login Response: success, AuthMethod=None accepted',
  );
  k.add(
    c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0x3a1d }, keys([['HeaderDigest', 'None'], ['DataDigest', 'None'], ['DefaultTime2Wait', '0'], ['DefaultTime2Retain', '0'], ['ErrorRecoveryLevel', '0'], ['MaxRecvDataSegmentLength', '65536']]))),
    'Login Request: operational -> full feature phase',
  );
  k.add(
    c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, tsih: 0x0001, itt: 0, statSN: 0x3a1d, expCmdSN: 0, maxCmdSN: 0, status: 0 }, keys([['HeaderDigest', 'None'], ['DataDigest', 'None'], ['DefaultTime2Wait', '2'], ['DefaultTime2Retain', '0'], ['ErrorRecoveryLevel', '0'], ['MaxRecvDataSegmentLength', '262144']]))),
    'Login Response: success, TSIH 0x0001, full feature phase',
  );
  k.add(c.send(0, textReq({ immediate: true, itt: 1, cmdSN: 0, expStatSN: 0x3a1e }, keys([['SendTargets', 'All']]))), 'Text Request: SendTargets=All');
  k.add(
    c.send(1, textRsp({ itt: 1, statSN: 0x3a1e, expCmdSN: 1, maxCmdSN: 1 }, keys([['TargetName', TARGET], ['TargetAddress', '192.0.2.20:3260,1'], ['TargetAddress', '[2001:db8::20]:3260,1'], ['TargetName', 'iqn.2026-11.lab:tgt2'], ['TargetAddress', '192.0.2.20:3260,1']]))),
    'Text Response: two targets, one with an IPv4 and an IPv6 portal',
  );
  k.add(c.send(0, logoutReq({ reason: 0, itt: 2, cid: 0, cmdSN: 1, expStatSN: 0x3a1f })), 'Logout Request: close the session');
  k.add(c.send(1, logoutRsp({ response: 0, itt: 2, statSN: 0x3a1f, expCmdSN: 2, maxCmdSN: 2 })), 'Logout Response: closed successfully');
  k.close(c);
  return k.done();
}

/** The CHAP exchange of the security stage; returns the StatSN the target will use next. */
function chapLogin(k: Cap, c: TcpConn, secretOk: boolean, targetName = TARGET): { statSN: number; ok: boolean } {
  const isid = ISID;
  k.add(
    c.send(0, loginReq({ csg: STAGE.SECURITY, isid, itt: 0x10, cid: 1, cmdSN: 1, expStatSN: 0 }, keys([['InitiatorName', INITIATOR], ['InitiatorAlias', 'host1'], ['SessionType', 'Normal'], ['TargetName', targetName], ['AuthMethod', 'CHAP,None']]))),
    'Login Request: security stage, AuthMethod=CHAP,None offered (T=0)',
  );
  k.add(c.send(1, loginRsp({ csg: STAGE.SECURITY, isid, itt: 0x10, statSN: 0x100, expCmdSN: 1, maxCmdSN: 1 }, keys([['AuthMethod', 'CHAP'], ['TargetPortalGroupTag', '1']]))), 'Login Response: AuthMethod=CHAP chosen');
  k.add(c.send(0, loginReq({ csg: STAGE.SECURITY, isid, itt: 0x10, cid: 1, cmdSN: 1, expStatSN: 0x101 }, keys([['CHAP_A', '5']]))), 'Login Request: CHAP_A=5 (MD5)');
  const challenge = chapHex(0xc4a9, 16);
  k.add(c.send(1, loginRsp({ csg: STAGE.SECURITY, isid, itt: 0x10, statSN: 0x101, expCmdSN: 1, maxCmdSN: 1 }, keys([['CHAP_A', '5'], ['CHAP_I', '1'], ['CHAP_C', challenge]]))), 'Login Response: CHAP_A=5, CHAP_I=1, CHAP_C challenge');
  const resp = chapResponse(1, secretOk ? 'lab-secret-0001' : 'wrong-secret', challenge);
  k.add(
    c.send(0, loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid, itt: 0x10, cid: 1, cmdSN: 1, expStatSN: 0x102 }, keys([['CHAP_N', INITIATOR], ['CHAP_R', resp]]))),
    `Login Request: CHAP_N/CHAP_R (${secretOk ? 'right' : 'wrong'} secret), transit to operational`,
  );
  if (!secretOk) {
    k.add(c.send(1, loginRsp({ csg: STAGE.SECURITY, isid, itt: 0x10, statSN: 0x102, expCmdSN: 1, maxCmdSN: 1, status: 0x0201 }, new Uint8Array(0))), 'Login Response: 0x0201 authentication failure');
    return { statSN: 0x103, ok: false };
  }
  k.add(c.send(1, loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid, itt: 0x10, statSN: 0x102, expCmdSN: 1, maxCmdSN: 1 }, new Uint8Array(0))), 'Login Response: authenticated, transit to operational');
  return { statSN: 0x103, ok: true };
}

/** Normal session: two-stage login with CHAP, a few SCSI tasks, pings, logout. */
export function chapLoginCapture(): CraftedCapture {
  const k = new Cap('iscsi-chap-login.pcap', 'normal session: CHAP security stage, operational stage, INQUIRY/REPORT LUNS/WRITE/TEST UNIT READY, NOP pings, logout');
  const c = k.conn();
  const isid = ISID;
  let { statSN } = chapLogin(k, c, true);
  k.add(c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid, itt: 0x10, cid: 1, cmdSN: 1, expStatSN: statSN }, keys(OPERATIONAL_OFFER))), 'Login Request: operational keys, transit to full feature phase');
  k.add(c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid, tsih: 0x0101, itt: 0x10, statSN: statSN++, expCmdSN: 1, maxCmdSN: 32 }, keys(OPERATIONAL_ANSWER))), 'Login Response: success, TSIH 0x0101');
  let cmdSN = 1;
  k.add(c.send(0, scsiCmd({ itt: 0x11, read: true, edtl: 36, cmdSN: cmdSN++, expStatSN: statSN, cdb: Uint8Array.of(0x12, 0, 0, 0, 36, 0) })), 'SCSI Command: INQUIRY');
  k.add(c.send(1, dataIn({ itt: 0x11, status: 0, statSN: statSN++, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31, dataSN: 0, offset: 0 }, inquiryData())), 'SCSI Data-In with status GOOD (S=1): INQUIRY data');
  k.add(c.send(0, scsiCmd({ itt: 0x12, read: true, edtl: 16, cmdSN: cmdSN++, expStatSN: statSN, cdb: Uint8Array.of(0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0) })), 'SCSI Command: REPORT LUNS');
  k.add(c.send(1, dataIn({ itt: 0x12, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31, dataSN: 0, offset: 0 }, Uint8Array.of(0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))), 'SCSI Data-In without status: one LUN');
  k.add(c.send(1, scsiRsp({ itt: 0x12, statSN: statSN++, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31, expDataSN: 1 })), 'SCSI Response: GOOD');
  const block = new Uint8Array(1024).map((_, i) => (i * 7) & 0xff);
  k.add(
    c.send(0, scsiCmd({ itt: 0x13, write: true, edtl: 1024, cmdSN: cmdSN++, expStatSN: statSN, cdb: Uint8Array.of(0x2a, 0, 0, 0, 0, 8, 0, 0, 2, 0) }, block.subarray(0, 512))),
    'SCSI Command: WRITE(10) with 512 bytes of immediate data',
  );
  k.add(c.send(1, r2t({ itt: 0x13, ttt: 0x5a5a0001, statSN, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31, r2tSN: 0, offset: 512, desired: 512 })), 'R2T: the remaining 512 bytes');
  k.add(c.send(0, dataOut({ itt: 0x13, ttt: 0x5a5a0001, expStatSN: statSN, dataSN: 0, offset: 512 }, block.subarray(512))), 'SCSI Data-Out: 512 bytes');
  k.add(c.send(1, scsiRsp({ itt: 0x13, statSN: statSN++, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31 })), 'SCSI Response: GOOD');
  k.add(c.send(0, scsiCmd({ itt: 0x14, edtl: 0, cmdSN: cmdSN++, expStatSN: statSN, cdb: Uint8Array.of(0, 0, 0, 0, 0, 0) })), 'SCSI Command: TEST UNIT READY');
  k.add(c.send(1, scsiRsp({ itt: 0x14, status: 0x02, statSN: statSN++, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31 }, senseUnitAttention())), 'SCSI Response: CHECK CONDITION with sense data (UNIT ATTENTION)');
  k.add(c.send(1, nopIn({ itt: 0xffffffff, ttt: 0x00001234, statSN, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31 })), 'NOP-In: target ping (TTT 0x1234)');
  k.add(c.send(0, nopOut({ itt: 0xffffffff, ttt: 0x00001234, cmdSN, expStatSN: statSN })), 'NOP-Out: answer to the target ping');
  k.add(c.send(0, nopOut({ itt: 0x15, cmdSN, expStatSN: statSN }, rawText('ping0001'))), 'NOP-Out: initiator ping with 8 bytes of ping data');
  k.add(c.send(1, nopIn({ itt: 0x15, statSN: statSN++, expCmdSN: cmdSN, maxCmdSN: cmdSN + 31 }, rawText('ping0001'))), 'NOP-In: ping answer, data echoed');
  k.add(c.send(0, logoutReq({ reason: 0, itt: 0x16, cid: 1, cmdSN, expStatSN: statSN })), 'Logout Request: close the session');
  k.add(c.send(1, logoutRsp({ response: 0, itt: 0x16, statSN: statSN++, expCmdSN: cmdSN + 1, maxCmdSN: cmdSN + 32, time2wait: 2 })), 'Logout Response: closed successfully');
  k.close(c);
  return k.done();
}

/** CHAP failure: the target answers the CHAP response with 0x0201. */
export function chapFailCapture(): CraftedCapture {
  const k = new Cap('iscsi-chap-fail.pcap', 'login failure: wrong CHAP secret, Login Response 0x0201 (authentication failure), target closes');
  const c = k.conn();
  chapLogin(k, c, false);
  k.close(c);
  return k.done();
}

/** One failed (or redirected) login per connection, every status class. */
export function loginErrorsCapture(): CraftedCapture {
  const k = new Cap('iscsi-login-errors.pcap', 'login failures on separate connections: unknown target, not authorized, redirect, unsupported version, too many connections, missing parameter, session type not supported, target errors, an undefined status');
  const cases: [number, string, [string, string][]][] = [
    [0x0203, 'iqn.2026-11.lab:nosuch', []],
    [0x0202, TARGET, []],
    [0x0101, TARGET, [['TargetAddress', '192.0.2.30:3260,1']]],
    [0x0102, TARGET, [['TargetAddress', '[2001:db8::30]:3260,1']]],
    [0x0205, TARGET, []],
    [0x0206, TARGET, []],
    [0x0207, TARGET, []],
    [0x0209, TARGET, []],
    [0x0300, TARGET, []],
    [0x0301, TARGET, []],
    [0x0302, TARGET, []],
    [0x0250, TARGET, []],
  ];
  let i = 0;
  for (const [status, target, answer] of cases) {
    const c = k.conn();
    const itt = 0x20 + i++;
    k.add(
      c.send(0, loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, itt, cid: 1, cmdSN: 1, expStatSN: 0 }, keys([['InitiatorName', INITIATOR], ['SessionType', 'Normal'], ['TargetName', target], ['AuthMethod', 'None']]))),
      `Login Request to ${target}`,
    );
    k.add(c.send(1, loginRsp({ csg: STAGE.SECURITY, isid: ISID, itt, statSN: 0x500 + i, expCmdSN: 1, maxCmdSN: 1, status }, keys(answer))), `Login Response: status 0x${status.toString(16).padStart(4, '0')}`);
    k.close(c);
  }
  return k.done();
}

/** Login and Text text continued over PDUs with C=1, a key cut mid-pair. */
export function continuationCapture(): CraftedCapture {
  const k = new Cap('iscsi-continuation.pcap', 'text continued with C=1: a Login Request split mid-pair over two PDUs, a SendTargets answer over two Text Responses');
  const c = k.conn();
  const all = keys([['InitiatorName', INITIATOR], ['InitiatorAlias', 'host1'], ['SessionType', 'Discovery'], ['AuthMethod', 'None'], ['MaxRecvDataSegmentLength', '65536']]);
  const cut = 70; // inside "AuthMethod=None"
  k.add(c.send(0, loginReq({ cont: true, csg: STAGE.SECURITY, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }, all.subarray(0, cut))), 'Login Request: C=1, text cut in the middle of a pair');
  k.add(c.send(1, loginRsp({ csg: STAGE.SECURITY, isid: ISID, itt: 0, statSN: 0x77, expCmdSN: 0, maxCmdSN: 0 }, new Uint8Array(0))), 'Login Response: empty, asks for the rest');
  k.add(c.send(0, loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0x78 }, all.subarray(cut))), 'Login Request: C=0, the rest of the text, transit to full feature phase');
  k.add(c.send(1, loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, tsih: 0x0002, itt: 0, statSN: 0x78, expCmdSN: 0, maxCmdSN: 0 }, keys([['AuthMethod', 'None'], ['TargetPortalGroupTag', '1'], ['MaxRecvDataSegmentLength', '262144']]))), 'Login Response: success');
  k.add(c.send(0, textReq({ immediate: true, itt: 1, cmdSN: 0, expStatSN: 0x79 }, keys([['SendTargets', 'All']]))), 'Text Request: SendTargets=All');
  const answer = keys([['TargetName', TARGET], ['TargetAddress', '192.0.2.20:3260,1'], ['TargetName', 'iqn.2026-11.lab:tgt2'], ['TargetAddress', '192.0.2.20:3260,1'], ['TargetName', 'iqn.2026-11.lab:tgt3'], ['TargetAddress', '192.0.2.21:3260,2']]);
  const cut2 = 61; // inside the second TargetAddress
  k.add(c.send(1, textRsp({ final: false, cont: true, itt: 1, ttt: 0x0000abcd, statSN: 0x79, expCmdSN: 1, maxCmdSN: 1 }, answer.subarray(0, cut2))), 'Text Response: F=0 C=1, first part, TTT 0xabcd');
  k.add(c.send(0, textReq({ immediate: true, itt: 1, ttt: 0x0000abcd, cmdSN: 1, expStatSN: 0x7a }, new Uint8Array(0))), 'Text Request: empty, continues the exchange (TTT 0xabcd)');
  k.add(c.send(1, textRsp({ itt: 1, statSN: 0x7a, expCmdSN: 1, maxCmdSN: 1 }, answer.subarray(cut2))), 'Text Response: F=1, the rest');
  k.add(c.send(0, logoutReq({ reason: 0, itt: 2, cid: 0, cmdSN: 1, expStatSN: 0x7b })), 'Logout Request');
  k.add(c.send(1, logoutRsp({ response: 0, itt: 2, statSN: 0x7b, expCmdSN: 2, maxCmdSN: 2 })), 'Logout Response');
  k.close(c);
  return k.done();
}

/** PDUs over TCP segments: split PDUs, coalesced PDUs. */
export function segmentsCapture(): CraftedCapture {
  const k = new Cap('iscsi-segments.pcap', 'TCP segmentation: a PDU over two and three segments, a header split before its 48th byte, two PDUs in one segment, three PDUs over two segments');
  const c = k.conn();
  const req1 = loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }, keys([['InitiatorName', INITIATOR], ['SessionType', 'Discovery'], ['AuthMethod', 'None']]));
  k.add(c.send(0, req1, [100]), 'Login Request over two segments (100 bytes, then the rest)');
  const rsp1 = loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, tsih: 3, itt: 0, statSN: 1, expCmdSN: 0, maxCmdSN: 0 }, keys([['AuthMethod', 'None'], ['TargetPortalGroupTag', '1']]));
  k.add(c.send(1, rsp1, [20]), 'Login Response split inside its header (20 bytes, then the rest)');
  k.add([c.ack(0)], 'TCP ACK');
  const tr = textReq({ immediate: true, itt: 1, cmdSN: 0, expStatSN: 2 }, keys([['SendTargets', 'All']]));
  const ping = nopOut({ itt: 2, cmdSN: 1, expStatSN: 2 }, rawText('abc'));
  k.add(c.send(0, concat([tr, ping])), 'Text Request and NOP-Out in one segment');
  const big = keys(Array.from({ length: 12 }, (_, i) => [['TargetName', `iqn.2026-11.lab:tgt${i + 1}`], ['TargetAddress', `192.0.2.${20 + i}:3260,1`]] as [string, string][]).flat());
  const tresp = textRsp({ itt: 1, statSN: 2, expCmdSN: 2, maxCmdSN: 2 }, big);
  k.add(c.send(1, tresp, [200, 500]), 'Text Response over three segments');
  k.add(c.send(1, nopIn({ itt: 2, statSN: 3, expCmdSN: 2, maxCmdSN: 2 }, rawText('abc'))), 'NOP-In: ping answer');
  const a = nopOut({ itt: 3, cmdSN: 2, expStatSN: 4 }, rawText('first'));
  const b = textReq({ itt: 4, cmdSN: 2, expStatSN: 4 }, keys([['SendTargets', TARGET]]));
  const d = logoutReq({ reason: 0, itt: 5, cid: 0, cmdSN: 3, expStatSN: 4 });
  const three = concat([a, b, d]);
  k.add(c.send(0, three, [a.length + 60]), 'NOP-Out + 60 bytes of a Text Request, then the rest of it + Logout Request');
  const na = nopIn({ itt: 3, statSN: 4, expCmdSN: 3, maxCmdSN: 3 }, rawText('first'));
  const nb = textRsp({ itt: 4, statSN: 5, expCmdSN: 3, maxCmdSN: 3 }, keys([['TargetName', TARGET], ['TargetAddress', '192.0.2.20:3260,1']]));
  const nd = logoutRsp({ response: 0, itt: 5, statSN: 6, expCmdSN: 4, maxCmdSN: 4 });
  k.add(c.send(1, concat([na, nb, nd])), 'NOP-In, Text Response and Logout Response in one segment');
  k.close(c);
  return k.done();
}

/** HeaderDigest=CRC32C and DataDigest=CRC32C after the login. */
export function digestsCapture(): CraftedCapture {
  const k = new Cap('iscsi-digests.pcap', 'CRC32C header and data digests negotiated in the login and used from the first PDU after it, one digest wrong');
  const c = k.conn();
  const dg = { headerDigest: true, dataDigest: true };
  k.add(
    c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 0x30, cid: 1, cmdSN: 1, expStatSN: 0 }, keys([['InitiatorName', INITIATOR], ['SessionType', 'Normal'], ['TargetName', TARGET], ['HeaderDigest', 'CRC32C,None'], ['DataDigest', 'CRC32C,None'], ['MaxRecvDataSegmentLength', '65536']]))),
    'Login Request: operational stage, HeaderDigest=CRC32C,None DataDigest=CRC32C,None offered',
  );
  k.add(
    c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, tsih: 0x0200, itt: 0x30, statSN: 0x900, expCmdSN: 1, maxCmdSN: 16 }, keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'CRC32C'], ['TargetPortalGroupTag', '1'], ['MaxRecvDataSegmentLength', '262144']]))),
    'Login Response: success, CRC32C chosen for both (the login PDUs carry no digests)',
  );
  k.add(c.send(0, textReq({ itt: 0x31, cmdSN: 1, expStatSN: 0x901 }, keys([['SendTargets', TARGET]]), dg)), 'Text Request with header and data digests');
  k.add(c.send(1, textRsp({ itt: 0x31, statSN: 0x901, expCmdSN: 2, maxCmdSN: 17 }, keys([['TargetName', TARGET], ['TargetAddress', '192.0.2.20:3260,1']]), dg)), 'Text Response with digests');
  k.add(c.send(0, scsiCmd({ itt: 0x32, read: true, edtl: 36, cmdSN: 2, expStatSN: 0x902, cdb: Uint8Array.of(0x12, 0, 0, 0, 36, 0) }, new Uint8Array(0), dg)), 'SCSI Command INQUIRY: header digest only (no data)');
  k.add(c.send(1, dataIn({ itt: 0x32, status: 0, statSN: 0x902, expCmdSN: 3, maxCmdSN: 18, dataSN: 0, offset: 0 }, inquiryData(), dg)), 'SCSI Data-In with status and both digests');
  k.add(c.send(0, nopOut({ itt: 0x33, cmdSN: 3, expStatSN: 0x903 }, rawText('digest'), { ...dg, badDigest: true })), 'NOP-Out with ping data: both digests wrong');
  k.add(c.send(1, reject({ reason: 2, statSN: 0x903, expCmdSN: 3, maxCmdSN: 18 }, nopOut({ itt: 0x33, cmdSN: 3, expStatSN: 0x903 }).subarray(0, 48), dg)), 'Reject (data digest error) carrying the NOP-Out header, with digests');
  k.add(
    c.send(0, concat([nopOut({ itt: 0x34, cmdSN: 3, expStatSN: 0x904 }, rawText('ping'), dg), logoutReq({ reason: 0, itt: 0x35, cid: 1, cmdSN: 4, expStatSN: 0x904 }, dg)])),
    'NOP-Out and Logout Request in one segment, with digests',
  );
  k.add(c.send(1, concat([nopIn({ itt: 0x34, statSN: 0x904, expCmdSN: 4, maxCmdSN: 19 }, rawText('ping'), dg), logoutRsp({ response: 0, itt: 0x35, statSN: 0x905, expCmdSN: 5, maxCmdSN: 20 }, dg)])), 'NOP-In and Logout Response in one segment, with digests');
  k.close(c);
  return k.done();
}

/** Every other opcode in the full feature phase. */
export function opcodesCapture(): CraftedCapture {
  const k = new Cap('iscsi-opcodes.pcap', 'the other opcodes: task management, asynchronous message, SNACK, Reject (of a Text header and of an undefined opcode), vendor-specific, AHS (extended CDB, bidirectional length), Data-In with A');
  const c = k.conn();
  k.add(c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 0x40, cid: 1, cmdSN: 1, expStatSN: 0 }, keys([['InitiatorName', INITIATOR], ['TargetName', TARGET], ['SessionType', 'Normal']]))), 'Login Request: operational -> full feature phase');
  k.add(c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, tsih: 0x0300, itt: 0x40, statSN: 1, expCmdSN: 1, maxCmdSN: 64 }, keys([['TargetPortalGroupTag', '1']]))), 'Login Response: success');
  k.add(c.send(0, scsiCmd({ itt: 0x41, read: true, edtl: 4096, cmdSN: 1, expStatSN: 2, cdb: Uint8Array.of(0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0) })), 'SCSI Command: READ(10), 4096 bytes');
  k.add(c.send(1, dataIn({ itt: 0x41, final: false, ack: true, ttt: 0x77, lun: 0, expCmdSN: 2, maxCmdSN: 65, dataSN: 0, offset: 0 }, new Uint8Array(1024).fill(0x5a))), 'SCSI Data-In, A=1 (acknowledge requested): LUN and TTT shown');
  k.add(c.send(0, snack({ type: 2, itt: 0xffffffff, lun: 0, ttt: 0x77, expStatSN: 2, begRun: 1, runLength: 0 })), 'SNACK: DataACK');
  k.add(c.send(0, tmf({ fn: 1, itt: 0x42, rtt: 0x41, cmdSN: 2, expStatSN: 2, refCmdSN: 1, expDataSN: 1 })), 'Task Management Function: ABORT TASK of the READ');
  k.add(c.send(1, tmfRsp({ response: 0, itt: 0x42, statSN: 2, expCmdSN: 3, maxCmdSN: 66 })), 'Task Management Function Response: function complete');
  k.add(c.send(1, scsiRsp({ itt: 0x41, flags: 0x02, status: 0x40, statSN: 3, expCmdSN: 3, maxCmdSN: 66, expDataSN: 1, residual: 3072 })), 'SCSI Response: TASK ABORTED, residual underflow 3072');
  // AHSLength 9: the reserved byte and CDB bytes 16..23; 2 + 1 + 9 = 12 bytes, no padding
  const ext = concat([be16(9), Uint8Array.of(1, 0), new Uint8Array(8).fill(0xee)]);
  k.add(c.send(0, scsiCmd({ itt: 0x43, write: true, edtl: 3, cmdSN: 3, expStatSN: 4, cdb: Uint8Array.of(0x7f, 0, 0, 0, 0, 0, 0, 0x18) }, Uint8Array.of(1, 2, 3), { ahs: ext })), 'SCSI Command: 24-byte CDB (extended CDB AHS), 3 bytes of immediate data');
  // AHSLength 5: the reserved byte and the 4-byte read length
  const bidi = concat([be16(5), Uint8Array.of(2, 0), be32(512)]);
  k.add(c.send(0, scsiCmd({ itt: 0x44, read: true, write: true, edtl: 512, cmdSN: 4, expStatSN: 4, cdb: Uint8Array.of(0x53, 0, 0, 0, 0, 0, 0, 0, 1, 0) }, new Uint8Array(0), { ahs: bidi })), 'SCSI Command: bidirectional, read length in an AHS');
  k.add(c.send(1, asyncMsg({ event: 1, p3: 5, statSN: 4, expCmdSN: 5, maxCmdSN: 68 }, concat([be16(0), rawText('bye')]))), 'Asynchronous Message: target requests logout within 5 s, 3 bytes of event data');
  k.add(c.send(1, asyncMsg({ event: 0, statSN: 5, expCmdSN: 5, maxCmdSN: 68 }, senseUnitAttention())), 'Asynchronous Message: SCSI event with sense data');
  k.add(c.send(0, textReq({ itt: 0x45, cmdSN: 5, expStatSN: 6 }, keys([['X-vendor.key', 'v']]))), 'Text Request with a private key');
  k.add(c.send(1, reject({ reason: 9, statSN: 6, expCmdSN: 6, maxCmdSN: 69 }, textReq({ itt: 0x45, cmdSN: 5, expStatSN: 6 }, keys([['X-vendor.key', 'v']])).subarray(0, 48))), 'Reject (invalid PDU field) carrying the Text Request header');
  k.add(c.send(1, reject({ reason: 4, statSN: 6, expCmdSN: 6, maxCmdSN: 69 }, bhs({ opcode: 0x15, immediate: true, b1: 0x80, itt: 0x46 }, 0))), 'Reject (protocol error) carrying a header with the undefined opcode 0x15');
  k.add(c.send(0, pdu({ opcode: 0x1c, immediate: true, b1: 0x80, itt: 0x47 }, rawText('vendor data'))), 'Vendor-specific I0 PDU with 11 bytes of data');
  k.add(c.send(1, pdu({ opcode: 0x3c, b1: 0x80, itt: 0x47 }, new Uint8Array(0))), 'Vendor-specific T0 PDU without data');
  k.add(c.send(0, logoutReq({ reason: 1, itt: 0x48, cid: 1, cmdSN: 6, expStatSN: 6 })), 'Logout Request: close the connection');
  k.add(c.send(1, logoutRsp({ response: 0, itt: 0x48, statSN: 6, expCmdSN: 7, maxCmdSN: 70, time2wait: 2, time2retain: 20 })), 'Logout Response');
  k.close(c);
  return k.done();
}

/** Malformed or odd PDUs where tshark and we still agree. */
export function malformedCapture(): CraftedCapture {
  const k = new Cap('iscsi-malformed.pcap', 'odd and malformed PDUs: key=value text without "=", empty strings, non-ASCII and control bytes, an unterminated last pair, an undefined opcode, an oversized data segment length, T and C both set, a stream ending inside a PDU');
  const c = k.conn();
  k.add(c.send(0, loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }, keys([['InitiatorName', INITIATOR], ['SessionType', 'Discovery'], ['AuthMethod', 'None']]))), 'Login Request');
  k.add(c.send(1, loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, tsih: 9, itt: 0, statSN: 1, expCmdSN: 0, maxCmdSN: 8 }, rawText('AuthMethod=None\0Garbage-without-equals\0TargetPortalGroupTag=1\0'))), 'Login Response: a string without "=" in the middle (tshark stops there)');
  k.add(c.send(0, textReq({ itt: 1, cmdSN: 0, expStatSN: 2 }, rawText('SendTargets=All\0\0X=1\0'))), 'Text Request: an empty string between pairs');
  k.add(c.send(1, textRsp({ itt: 1, statSN: 2, expCmdSN: 1, maxCmdSN: 8 }, rawText('TargetName=iqn.2026-11.lab:t\xe9st\0TargetAlias=tab\there\x01\0'))), 'Text Response: a non-ASCII byte (Latin-1, not UTF-8) and control bytes');
  k.add(c.send(0, textReq({ itt: 2, cmdSN: 1, expStatSN: 3 }, rawText('SendTargets=All\0Unterminated=yes'))), 'Text Request: the last pair has no NUL (tshark: exception)');
  k.add(c.send(0, bhs({ opcode: 0x15, b1: 0x80, itt: 3 }, 0)), 'an undefined opcode (0x15): not iSCSI for tshark, skipped by our framing');
  k.add(c.send(0, nopOut({ itt: 4, cmdSN: 2, expStatSN: 3 }, rawText('after'))), 'NOP-Out: decoded again after the bad header');
  k.add(c.send(1, bhs({ opcode: OP.NOP_IN, b1: 0x80, dsl: 0x800000, itt: 4, w20: 0xffffffff, w24: 3 }, 0)), 'NOP-In header announcing 8 MiB of data: over both bounds, skipped');
  k.add(c.send(1, nopIn({ itt: 4, statSN: 3, expCmdSN: 3, maxCmdSN: 9 }, rawText('after'))), 'NOP-In: decoded again');
  k.add(c.send(0, loginReq({ transit: true, cont: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, itt: 5, cid: 0, cmdSN: 3, expStatSN: 4 }, keys([['AuthMethod', 'None']]))), 'Login Request with T and C both set: refused by both');
  k.add(c.send(0, textReq({ itt: 6, cmdSN: 3, expStatSN: 4 }, keys([['SendTargets', 'All']]))), 'Text Request: decoded again');
  const last = textRsp({ itt: 6, statSN: 4, expCmdSN: 4, maxCmdSN: 10 }, keys([['TargetName', TARGET], ['TargetAddress', '192.0.2.20:3260,1']]));
  k.add(c.send(1, last.subarray(0, 70)), 'the first 70 bytes of a Text Response; the stream ends before the rest');
  k.close(c);
  return k.done();
}

export function allIscsiCaptures(): CraftedCapture[] {
  return [discoveryCapture(), chapLoginCapture(), chapFailCapture(), loginErrorsCapture(), continuationCapture(), segmentsCapture(), digestsCapture(), opcodesCapture(), malformedCapture()];
}

/** Write every crafted capture into `dir`; returns the file names. */
export function writeIscsiCaptures(dir: string): string[] {
  const names: string[] = [];
  for (const cap of allIscsiCaptures()) {
    writeFileSync(join(dir, cap.name), pcapFile(cap.frames));
    names.push(cap.name);
  }
  return names;
}

/** The tshark columns committed next to each capture: frame.number and the 100 iscsi.* fields. */
export function tsharkColumns(root: string): string[] {
  return ['frame.number', ...readFileSync(join(root, 'test/fixtures/tshark-G-fields-iscsi.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')[2]!)];
}

// `node dist/tools/craft-iscsi.js [dir]`: write the captures, and tshark's output for each when tshark is installed.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '../../..');
  const dir = resolve(process.argv[2] ?? join(root, 'captures/crafted'));
  const cols = tsharkColumns(root);
  for (const name of writeIscsiCaptures(dir)) {
    const f = join(dir, name);
    const r = spawnSync('tshark', ['-r', f, '-Y', 'iscsi', '-T', 'fields', '-E', 'occurrence=a', ...cols.flatMap((x) => ['-e', x])], { maxBuffer: 1 << 28 });
    if (r.status === 0) writeFileSync(`${f}.tshark-iscsi.tsv`, r.stdout);
    process.stdout.write(`${f}${r.status === 0 ? ' (+ tshark output)' : ''}\n`);
  }
}
