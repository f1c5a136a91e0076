/**
 * Framing iSCSI over TCP and judging whether bytes can start a PDU:
 * bhsProblem (what framing in sync requires), iscsiProbe (the stricter test
 * for a position found by scanning), iscsiPduLength and the per-direction
 * iscsiFraming bound to the connection's digest state.
 */
import type { ByteView } from '../core/byteview.js';
import type { Framing, PduLength } from '../core/protocol.js';
import { OPCODE_NAMES } from './fields.js';
import { BHS_LENGTH, DEFAULT_MAX_DATA_SEGMENT, NO_DIGESTS, OP, isTargetOpcode, opcodeName, pad4, pduLengthOf, type IscsiDigests } from './opcodes.js';

/** Opcodes whose headers may carry AHS (RFC 7143 defines AHS types for SCSI Command only; vendor PDUs are opaque). */
function mayHaveAhs(op: number): boolean {
  return op === OP.SCSI_CMD || (op >= 0x1c && op <= 0x1e) || (op >= 0x3c && op <= 0x3e);
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
