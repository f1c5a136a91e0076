/**
 * One iSNS PDU (RFC 4171 §5.1), in our words: a 12-byte header of six
 * big-endian 16-bit words — version (1), function id (MSB set for
 * responses), PDU length (payload bytes only: neither the header nor an
 * authentication block), flags, transaction id, sequence id — then the
 * payload, then, when flag 0x2000 is set, an authentication block (§5.5)
 * that the PDU length does not count. TCP framing (tcp_dissect_pdus shape)
 * and the header/payload/auth split.
 */
import type { ByteView } from '../core/byteview.js';
import type { PduLength } from '../core/protocol.js';
import { FLAG_AUTH, FLAG_FIRST, FLAG_RESERVED, HEADER, HEARTBEAT, isResponse, knownFunction } from './names.js';

const UTF8 = new TextDecoder('utf-8', { fatal: false });

/** Largest authentication block accepted (open-isns rejects more than 8192). */
export const MAX_AUTH = 8192;

/**
 * Framing for TCP (tcp_dissect_pdus shape), counting the authentication block.
 * Accepts what Wireshark accepts (version 1, a function ID in its table, any
 * PDU length — alignment is not enforced, only reported by dissectIsnsPdu),
 * plus the block: with flag 0x2000 the length word at 12 + PDU length + 4 is
 * read and added. A block length under 20 or over MAX_AUTH (open-isns's
 * bounds) is not believed: the PDU is framed without it, dissectIsnsPdu
 * reports the missing block, and the stream resynchronises on the bytes that
 * follow (so a lying length word cannot swallow later PDUs).
 *
 * isnsPduLengthAt reads the header at b[o..o+n) straight from the bytes (no
 * view, no result object: the framer's per-PDU common case) and gives the
 * PDU's length, or -1 when more bytes are needed or the header is invalid;
 * isnsPduLength gives the same length, or says which.
 */
export function isnsPduLengthAt(b: Uint8Array, o: number, n: number): number {
  if (n < HEADER || b[o] !== 0 || b[o + 1] !== 1 || !knownFunction((b[o + 2]! << 8) | b[o + 3]!)) return -1;
  let total = HEADER + ((b[o + 4]! << 8) | b[o + 5]!);
  if (((b[o + 6]! << 8) | b[o + 7]!) & FLAG_AUTH) {
    if (total + 8 > n) return -1;
    const p = o + total + 4;
    const alen = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    if (alen >= 20 && alen <= MAX_AUTH) total += alen;
  }
  return total;
}

export function isnsPduLength(v: ByteView): PduLength {
  const n = isnsPduLengthAt(v.bytes(0, v.captured), 0, v.captured);
  if (n >= 0) return { length: n };
  // No length (isnsPduLengthAt): say why.
  if (!v.has(0, HEADER)) return { need: HEADER };
  const ver = v.u16(0);
  if (ver !== 1) return { invalid: `iSNSP version ${ver}` };
  const fid = v.u16(2);
  if (!knownFunction(fid)) return { invalid: `unknown function ID 0x${fid.toString(16).padStart(4, '0')}` };
  // The Auth flag is set and the block's length word is not there yet.
  return { need: HEADER + v.u16(4) + 8 };
}

/**
 * A header a resynchronising stream may start at (stricter than framing,
 * which accepts what Wireshark accepts): version 1, a known function id, a
 * PDU length that is a multiple of 4 (a response's at least 4, its status),
 * no reserved flag bits, and the First flag set exactly when the sequence id
 * is 0 (the Heartbeat ignores the flags).
 */
export function isnsPlausible(v: ByteView): boolean {
  if (!v.has(0, HEADER) || v.u16(0) !== 1) return false;
  const fid = v.u16(2);
  if (!knownFunction(fid)) return false;
  const len = v.u16(4);
  if (len % 4 !== 0 || (isResponse(fid) && len < 4)) return false;
  const flags = v.u16(6);
  if (flags & FLAG_RESERVED) return false;
  return fid === HEARTBEAT || ((flags & FLAG_FIRST) !== 0) === (v.u16(10) === 0);
}

/** The first bytes of a header a snaplen cut: version 1 and a known function id are there. */
export function isnsStartsHeader(v: ByteView): boolean {
  return v.has(0, 4) && v.u16(0) === 1 && knownFunction(v.u16(2));
}

export function isnsProbe(v: ByteView): boolean {
  return v.has(0, HEADER) && v.u16(0) === 1 && knownFunction(v.u16(2));
}

export interface IsnsHeader {
  version: number;
  functionId: number;
  pduLength: number;
  flags: number;
  xid: number;
  seq: number;
}

export interface AuthBlock {
  bsd: number;
  length: number;
  timestamp: bigint;
  /** SPI string length in bytes. */
  spiLength: number;
  /** SPI string (UTF-8 decoded; open-isns puts the sender's principal name here). */
  spi: string;
  signature: Uint8Array;
  /** Offset of the block in the PDU. */
  offset: number;
}

export interface IsnsPduResult {
  header: IsnsHeader | null;
  /** The payload (PDU Length bytes, or what is present). */
  payload: Uint8Array;
  auth: AuthBlock | null;
  problems: string[];
  /**
   * Bytes of the payload the capture did not hold (the view's declared length
   * reaches past its captured bytes: a snaplen cut). 0 for a whole PDU.
   */
  truncated: number;
}

export function readAuth(v: ByteView, o: number, problems: string[]): AuthBlock | null {
  if (v.remaining(o) === 0) {
    // TCP framing leaves the block out when its length word is under 20 or over MAX_AUTH.
    problems.push(`the Auth flag is set but no authentication block follows the payload at offset ${o} (block lengths under 20 or over ${MAX_AUTH} are not accepted)`);
    return null;
  }
  if (!v.has(o, 20)) {
    problems.push(`authentication block at offset ${o} is cut (${v.remaining(o)} of at least 20 bytes)`);
    return null;
  }
  const bsd = v.u32(o);
  const length = v.u32(o + 4);
  const timestamp = v.u64(o + 8);
  const spiLen = v.u32(o + 16);
  if (length < 20 || length > MAX_AUTH || !v.has(o, length)) {
    problems.push(`authentication block at offset ${o}: length ${length} is invalid or runs past the PDU`);
    return null;
  }
  if (20 + spiLen > length) {
    problems.push(`authentication block at offset ${o}: SPI length ${spiLen} runs past the block (${length})`);
    return null;
  }
  const spi = UTF8.decode(v.bytes(o + 20, spiLen));
  // A view into the PDU's bytes (FramedPdu bytes are owned), not a copy.
  return { bsd, length, timestamp, spiLength: spiLen, spi, signature: v.bytes(o + 20 + spiLen, length - 20 - spiLen), offset: o };
}

/** Header, payload and authentication block of one PDU. Never throws. */
export function dissectIsnsPdu(v: ByteView, transport: 'tcp' | 'udp'): IsnsPduResult {
  const problems: string[] = [];
  if (!v.has(0, HEADER)) {
    // A header the snaplen cut is not a malformation.
    if (v.length > v.captured) return { header: null, payload: new Uint8Array(0), auth: null, problems: [], truncated: v.length - v.captured };
    return { header: null, payload: new Uint8Array(0), auth: null, problems: [`PDU of ${v.captured} bytes is shorter than the 12-byte header`], truncated: 0 };
  }
  const header: IsnsHeader = { version: v.u16(0), functionId: v.u16(2), pduLength: v.u16(4), flags: v.u16(6), xid: v.u16(8), seq: v.u16(10) };
  let plen = header.pduLength;
  const avail = v.captured - HEADER;
  let truncated = 0;
  if (plen > avail) {
    // Bytes that were on the wire but not captured (snaplen) are a cut, not a malformation.
    const onWire = Math.max(0, Math.min(plen, v.length - HEADER) - avail);
    truncated = onWire;
    if (plen > avail + onWire) problems.push(`PDU length ${plen} runs past the ${avail + onWire} bytes present`);
    plen = avail;
  }
  if (header.pduLength % 4 !== 0) problems.push(`PDU length ${header.pduLength} is not a multiple of 4 (RFC 4171 §5.1.3)`);
  if (header.flags & FLAG_RESERVED) problems.push(`reserved flag bits 0x${(header.flags & FLAG_RESERVED).toString(16).padStart(4, '0')} are set`);
  const payload = v.bytes(HEADER, plen);
  let auth: AuthBlock | null = null;
  if (header.flags & FLAG_AUTH) {
    // A block the snaplen cut is not read (nor reported missing).
    if (v.length > v.captured) truncated = Math.max(truncated, v.length - v.captured);
    else auth = readAuth(v, HEADER + plen, problems);
  } else if (transport === 'tcp' && v.captured > HEADER + plen) problems.push(`${v.captured - HEADER - plen} bytes follow the PDU`);
  return { header, payload, auth, problems, truncated };
}
