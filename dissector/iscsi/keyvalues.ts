/**
 * iSCSI text: key=value pairs (RFC 7143 §6.1). Each pair is `key=value`
 * followed by a NUL; keys and values are UTF-8. A Login or Text PDU with the
 * C (continue) bit set ends mid-text — even mid-pair — and the next PDU of the
 * same exchange carries the rest, so a pair must not be read from one PDU in
 * isolation: the binder concatenates the data segments of one direction of
 * one exchange (same ITT) while C=1, up to and including the PDU with C=0, and
 * parses the whole with parseKeyValues (see joinText). Parsing one PDU is still
 * useful for display; a pair cut at the end is then marked `partial`.
 */

const UTF8 = new TextDecoder('utf-8', { fatal: false });

export interface KeyValue {
  /** Text before the first "=" (the whole text when there is none). */
  readonly key: string;
  /** Text after the first "="; null when the text has no "=" (not a pair). */
  readonly value: string | null;
  /** Offset of the pair in the bytes parsed. */
  readonly offset: number;
  /** Bytes of the pair, without its NUL. */
  readonly length: number;
  /** No NUL after it: cut at the end of the bytes (a continuation PDU follows, or the text is malformed). */
  readonly partial: boolean;
}

/**
 * Every NUL-terminated `key=value` in `bytes`, in order. Empty strings
 * (consecutive NULs, NUL padding) are skipped; the text after the last NUL,
 * if any, is returned as a `partial` pair. Never throws; work is bounded by
 * the bytes given (one pass, no allocation beyond the strings returned).
 */
export function parseKeyValues(bytes: Uint8Array): KeyValue[] {
  const out: KeyValue[] = [];
  let o = 0;
  const n = bytes.length;
  while (o < n) {
    let z = bytes.indexOf(0, o);
    const partial = z < 0;
    if (partial) z = n;
    if (z > o) {
      const raw = bytes.subarray(o, z);
      const eq = raw.indexOf(0x3d);
      out.push(
        eq < 0
          ? { key: UTF8.decode(raw), value: null, offset: o, length: z - o, partial }
          : { key: UTF8.decode(raw.subarray(0, eq)), value: UTF8.decode(raw.subarray(eq + 1)), offset: o, length: z - o, partial },
      );
    }
    o = z + 1;
  }
  return out;
}

/** The data segments of one text exchange direction (C=1 ... C=0), joined for parseKeyValues. */
export function joinText(segments: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const s of segments) n += s.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const s of segments) {
    out.set(s, o);
    o += s.length;
  }
  return out;
}

/** The last value given for `key` (RFC 7143: the answer follows the offer), or undefined. */
export function lastValue(pairs: readonly KeyValue[], key: string): string | undefined {
  let v: string | undefined;
  for (const p of pairs) if (p.key === key && p.value !== null && !p.partial) v = p.value;
  return v;
}
