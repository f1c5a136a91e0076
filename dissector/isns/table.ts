/**
 * Readers over a message's attributes by index (IsnsMessage.offsets): the
 * tag, length and value of attribute i read where the bytes lie, with no
 * object per attribute. Each reader gives what values.ts's decodeValue gives
 * for the same bytes (the one decoder stays the definition; these are its
 * shortcuts for the few values a portal record keeps).
 */
import { tagSpec } from './attrs.js';
import type { IsnsMessage } from './message.js';
import { addressText, rfcString, u32of } from './values.js';

/** Attributes by index: the offsets of their TLVs and the payload they lie in. */
export type AttrTable = Pick<IsnsMessage, 'offsets' | 'payload'>;

export function tagAt(m: AttrTable, i: number): number {
  return u32of(m.payload, m.offsets[i]!);
}

export function lengthAt(m: AttrTable, i: number): number {
  return u32of(m.payload, m.offsets[i]! + 4);
}

/** Offset of attribute i's value in the payload. */
export function valueOffsetAt(m: AttrTable, i: number): number {
  return m.offsets[i]! + 8;
}

/** The value bytes of attribute i (a view, not a copy). */
export function valueAt(m: AttrTable, i: number): Uint8Array {
  const o = valueOffsetAt(m, i);
  return m.payload.subarray(o, o + lengthAt(m, i));
}

/** The 32-bit big-endian word the value starts with; null when it is shorter. */
export function wordAt(m: AttrTable, i: number): number | null {
  return lengthAt(m, i) < 4 ? null : u32of(m.payload, valueOffsetAt(m, i));
}

/** The number decodeValue gives attribute i (a uint, a bitmap's value, a port's number); null for other kinds. */
export function uintAt(m: AttrTable, i: number): number | null {
  const len = lengthAt(m, i);
  if (len === 0) return null;
  const spec = tagSpec(tagAt(m, i));
  if (!spec) return null;
  switch (spec.kind) {
    case 'u32':
    case 'range':
    case 'psb':
    case 'scn':
    case 'nodetype':
      return wordAt(m, i);
    case 'pgt':
    case 'port':
      return len >= 4 ? wordAt(m, i)! & 0xffff : null;
    case 'u24': {
      if (len >= 4) return wordAt(m, i)! & 0xffffff;
      if (len < 3) return null;
      const o = valueOffsetAt(m, i);
      const b = m.payload;
      return (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
    }
    default:
      return null;
  }
}

/** A port attribute's word: port in the low 16 bits, bit 16 set for UDP (-1 when attribute i is no port). */
export function portAt(m: AttrTable, i: number): number {
  if (lengthAt(m, i) < 4 || tagSpec(tagAt(m, i))?.kind !== 'port') return -1;
  return wordAt(m, i)! & 0x1ffff;
}

/** A PG Tag: null for a zero-length (NULL) tag, else its 16 bits. */
export function pgtAt(m: AttrTable, i: number): number | null {
  return lengthAt(m, i) === 0 ? null : (uintAt(m, i) ?? 0) & 0xffff;
}

/** Decodes the RFC string of `len` bytes at `off` of `b` (a memo, such as the portal store's interner). */
export interface StringDecoder {
  text(b: Uint8Array, off: number, len: number): string;
}

const RFC_STRINGS: StringDecoder = { text: (b, off, len) => rfcString(b.subarray(off, off + len)) };

/** The RFC string of a string attribute (UTF-8 up to the first NUL), through `strings`; null for other kinds or an empty value. */
export function textAt(m: AttrTable, i: number, strings: StringDecoder = RFC_STRINGS): string | null {
  const n = lengthAt(m, i);
  return n > 0 && tagSpec(tagAt(m, i))?.kind === 'string' ? strings.text(m.payload, valueOffsetAt(m, i), n) : null;
}

/** Address text of a 16-byte value (addressText); null otherwise. */
export function addressAt(m: AttrTable, i: number): string | null {
  return lengthAt(m, i) === 16 ? addressText(valueAt(m, i)) : null;
}
