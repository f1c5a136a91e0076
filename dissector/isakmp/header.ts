/**
 * The 28-byte ISAKMP header: its items and result fields, the length checks
 * Wireshark makes before the payload chain, IKEv1's encrypted body; and
 * Wireshark's acceptance test for a datagram on the ISAKMP port.
 */
import type { ByteView } from '../core/byteview.js';
import { exchangeName } from './names.js';
import { FLAG_A, FLAG_C, FLAG_E, FLAG_I, FLAG_R, HEADER_LENGTH } from './constants.js';
import type { Walker } from './walker.js';
import { payloads } from './chain.js';

/** The header's items and result fields, then the payload chain (or, IKEv1 with the Encryption flag, the ciphertext). */
export function message(w: Walker): void {
  const v = w.v;
  const r = w.r;
  const t = w.top;
  const version = v.u8(17);
  const major = version >> 4;
  const flags = v.u8(19);
  r.isIsakmp = true;
  r.version = major;
  r.minor = version & 0x0f;
  r.exchangeType = v.u8(18);
  r.exchangeName = exchangeName(r.exchangeType);
  r.flags = flags;
  r.length = v.u32(24);
  w.item(t, 'isakmp.ispi', 0, 8);
  r.ispi = v.hex(0, 8);
  w.item(t, 'isakmp.rspi', 8, 8);
  r.rspi = v.hex(8, 8);
  const next = v.u8(16);
  r.nextPayload = next;
  w.item(t, 'isakmp.nextpayload', 16, 1);
  const vi = w.val(t, 'isakmp.version', 17, 1, version, 0, `Version: ${major}.${version & 0x0f}`);
  w.item(vi, 'isakmp.mjver', 17, 1);
  w.item(vi, 'isakmp.mnver', 17, 1);
  w.versioned(t, 'isakmp.exchangetype', 18, 1);
  const fi = w.item(t, 'isakmp.flags', 19, 1);
  if (major === 1) {
    w.item(fi, 'isakmp.flag_e', 19, 1);
    w.item(fi, 'isakmp.flag_c', 19, 1);
    w.item(fi, 'isakmp.flag_a', 19, 1);
    r.encrypted = (flags & FLAG_E) !== 0;
    r.commit = (flags & FLAG_C) !== 0;
    r.authOnly = (flags & FLAG_A) !== 0;
  } else if (major === 2) {
    w.item(fi, 'isakmp.flag_i', 19, 1);
    w.item(fi, 'isakmp.flag_v', 19, 1);
    w.item(fi, 'isakmp.flag_r', 19, 1);
    r.initiator = (flags & FLAG_I) !== 0;
    r.response = (flags & FLAG_R) !== 0;
  } else {
    w.problem(`ISAKMP version ${major}.${version & 0x0f} is neither 1 nor 2: exchange type, flags and most payload fields are not decoded`);
  }
  r.messageId = v.u32(20);
  w.item(t, 'isakmp.messageid', 20, 4);
  const len = r.length - HEADER_LENGTH;
  if (len > 0x7fffffff) {
    // Wireshark computes this in a C int: a length of 2^31 + 28 or more is "too large".
    w.val(t, 'isakmp.length', 24, 4, r.length, 0, `Length: (bogus, length is ${r.length}, which is too large)`);
    w.problem(`length ${r.length} is too large`);
    return;
  }
  // Wireshark checks len bytes from the length field (offset 24), i.e. the message length minus 4.
  if (!v.has(24, len)) {
    w.problem(`length ${r.length} runs past the ${v.captured} bytes of the datagram`);
  }
  w.ensure(24, len);
  w.item(t, 'isakmp.length', 24, 4);
  if (major === 1 && flags & FLAG_E) {
    if (len) {
      w.item(t, 'isakmp.enc.data', HEADER_LENGTH, len, 0, `Encrypted Data (${len} byte${len === 1 ? '' : 's'})`);
      r.encryptedData = { length: len, firstPayload: next };
    }
    return;
  }
  if (v.captured > HEADER_LENGTH + len) w.problem(`${v.captured - HEADER_LENGTH - len} bytes follow the message (length ${r.length})`);
  payloads(w, t, next, HEADER_LENGTH, len, true);
}

/**
 * Wireshark's acceptance test for a datagram on the ISAKMP port: at least the
 * 28-byte header and a length field of at least 28. Null when it passes, else
 * why not (in words).
 */
export function notIsakmp(v: ByteView): string | null {
  if (v.length < HEADER_LENGTH) return `${v.length} bytes: too short for an ISAKMP header (28 bytes)`;
  if (!v.has(24, 4)) return `datagram cut at ${v.captured} bytes, before the ISAKMP length field`;
  const length = v.u32(24);
  return length < HEADER_LENGTH ? `ISAKMP length ${length} is less than the 28-byte header: not ISAKMP` : null;
}

export function isakmpProbe(v: ByteView): boolean {
  return notIsakmp(v) === null;
}
