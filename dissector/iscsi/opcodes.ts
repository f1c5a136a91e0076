/**
 * The BHS's fixed facts: its length, the opcodes and their names, login
 * status names, which opcodes take digests, and a PDU's length from its
 * header fields (see bhs.ts for the layout).
 */
import { LOGIN_STATUS_NAMES, OPCODE_NAMES, STATUS_CLASS_NAMES } from './fields.js';

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

/** The name of a login status: Wireshark's text where it has one, else the class and detail. */
export function loginStatusName(status: number): string {
  const ws = LOGIN_STATUS_NAMES.get(status);
  if (ws !== undefined) return ws;
  const cls = status >> 8;
  return `${STATUS_CLASS_NAMES.get(cls) ?? `Unknown status class 0x${cls.toString(16).padStart(2, '0')}`}, unknown detail 0x${(status & 0xff).toString(16).padStart(2, '0')}`;
}
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Bytes of a PDU given its header fields (no validation). */
export function pduLengthOf(op: number, totalAhs: number, dsl: number, digests: Readonly<IscsiDigests>): number {
  const d = digestsApply(op);
  return BHS_LENGTH + totalAhs * 4 + (d && digests.header ? 4 : 0) + pad4(dsl) + (d && digests.data && dsl > 0 ? 4 : 0);
}
