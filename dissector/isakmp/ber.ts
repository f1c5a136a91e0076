/**
 * The little BER that Wireshark's ISAKMP dissector leans on: certificates
 * (isakmp.cert.data), distinguished names (isakmp.id.data.der_asn1_dn,
 * isakmp.ike.certreq.authority.sig). Only the outermost element is read —
 * its identifier and length — which is what decides whether tshark adds the
 * field and whether it gives up on the packet (an element whose length runs
 * past the data stops it). What is inside (the X.509 structure) is not
 * decoded here.
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
