/**
 * Integers of a capture file's own headers, in the byte order the file
 * declares (pcap's magic, each pcapng section's byte-order magic), read from
 * the bytes: Buffer's readUInt32LE/BE is a bounds-checking call, several per
 * packet. Callers read only inside a header or block they checked is there.
 */

export function u16At(b: Uint8Array, o: number, le: boolean): number {
  return le ? b[o]! | (b[o + 1]! << 8) : (b[o]! << 8) | b[o + 1]!;
}

export function u32At(b: Uint8Array, o: number, le: boolean): number {
  return (le ? b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24) : (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}
