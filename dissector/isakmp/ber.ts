/**
 * The little BER that Wireshark's ISAKMP dissector leans on: certificates
 * (isakmp.cert.data), distinguished names (isakmp.id.data.der_asn1_dn,
 * isakmp.ike.certreq.authority.sig) and the ASN.1 prefix of IKEv2 digital
 * signatures. Only what decides whether tshark adds those fields and whether
 * it gives up on the packet is reproduced (each rule measured against tshark
 * 4.0.17):
 *  - identifier or length octets past the data: it stops, no field;
 *  - a certificate: the field is added whatever the element is; a SEQUENCE
 *    or an application/private-class element whose content runs past the
 *    data then stops it (BER reads into those; other elements are reported
 *    as "Sequence expected" and skipped);
 *  - a Name (CHOICE of one SEQUENCE): only a SEQUENCE gets the field (value
 *    0, the alternative's index), and stops it if it runs past the data;
 *    another element is skipped;
 *  - the signature's ASN.1 prefix (dissect_unknown_ber): every nested
 *    element's header must be in the data; a content running past it only
 *    ends the walk.
 * What is inside a certificate or a name (the X.509 structure) is not
 * decoded: an error deep inside a malformed one can stop tshark where we go
 * on.
 */
import type { ByteView } from '../core/byteview.js';

export interface BerHeader {
  /** 0 universal, 1 application, 2 context, 3 private. */
  readonly cls: number;
  readonly constructed: boolean;
  readonly tag: number;
  /** Bytes of identifier + length. */
  readonly headerLength: number;
  /** Content length; -1 for the indefinite form. */
  readonly length: number;
}

/**
 * Identifier and length octets at `o`. Reads past the captured bytes throw
 * (ByteView errors), as tvb reads do in Wireshark.
 */
export function berHeader(v: ByteView, o: number): BerHeader {
  let p = o;
  const id = v.u8(p++);
  const cls = id >> 6;
  const constructed = (id & 0x20) !== 0;
  let tag = id & 0x1f;
  if (tag === 0x1f) {
    // High tag number form: base-128 digits, bounded to 4 of them.
    tag = 0;
    for (let i = 0; i < 4; i++) {
      const b = v.u8(p++);
      tag = tag * 128 + (b & 0x7f);
      if (!(b & 0x80)) break;
    }
  }
  let length = v.u8(p++);
  if (length === 0x80) length = -1;
  else if (length & 0x80) {
    // Long form: up to 127 length octets, each of which must be there; kept modulo 2^32 as in Wireshark.
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i++) length = ((length << 8) | v.u8(p++)) >>> 0;
  }
  return { cls, constructed, tag, headerLength: p - o, length };
}

/** Does the element's content run past the captured bytes? */
export function berOverruns(v: ByteView, o: number, h: BerHeader): boolean {
  return h.length >= 0 && o + h.headerLength + h.length > v.captured;
}

/** A universal SEQUENCE (tag 16): the one alternative of an X.509 Name. */
export function isSequence(h: BerHeader): boolean {
  return h.cls === 0 && h.tag === 16;
}

/**
 * dissect_unknown_ber, as far as it decides whether tshark gives up: every
 * element's identifier and length octets must be in the captured data (even
 * past the enclosing element); an element whose content runs past the data
 * ends the walk without an error; constructed elements are walked into.
 * Iterative (an explicit stack), and every step consumes at least the two
 * header bytes.
 */
export function berWalk(v: ByteView, o: number): void {
  const stack: number[] = [];
  let p = o;
  let end = -1; // end of the constructed element being walked; -1: just the one element at o
  for (;;) {
    if (end >= 0 && p >= end) {
      if (!stack.length) return;
      end = stack.pop()!;
      p = stack.pop()!;
      continue;
    }
    const h = berHeader(v, p);
    if (berOverruns(v, p, h)) return;
    const next = h.length >= 0 ? p + h.headerLength + h.length : v.captured;
    if (h.constructed && h.length > 0) {
      stack.push(next, end < 0 ? next : end);
      p += h.headerLength;
      end = p + h.length;
      continue;
    }
    if (end < 0) return;
    p = next;
  }
}
