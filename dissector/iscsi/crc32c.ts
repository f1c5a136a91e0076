/**
 * CRC32C (Castagnoli, RFC 3385 / RFC 7143 §13.1), the iSCSI header and data
 * digest. Table-driven, reflected polynomial 0x82F63B78, initial value and
 * final XOR 0xFFFFFFFF: crc32c("123456789") = 0xe3069283.
 */

const TABLE = /* @__PURE__ */ (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC32C of `b[from, to)` (bounded by the array: never reads past it). */
export function crc32c(b: Uint8Array, from = 0, to = b.length): number {
  const end = Math.min(Math.max(to, 0), b.length);
  let c = 0xffffffff;
  for (let i = Math.max(from, 0); i < end; i++) c = TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The four digest bytes as they travel: the CRC's least significant byte
 * first (RFC 7143 §13.1 sends the CRC "in the byte order of" its bit
 * numbering, which is how Linux and tshark read it: tshark reports a digest
 * as the big-endian word of these bytes, i.e. byte-swapped).
 */
export function digestBytes(crc: number): Uint8Array {
  return Uint8Array.of(crc & 0xff, (crc >>> 8) & 0xff, (crc >>> 16) & 0xff, (crc >>> 24) & 0xff);
}
