/**
 * The typed result of one iSCSI PDU, what a binder reads (bhs.ts decodes it).
 */
import type { KeyValue } from './keyvalues.js';
import type { IscsiDigests } from './opcodes.js';

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
