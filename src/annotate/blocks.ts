/**
 * pcapng blocks as annotate writes them: a section header, an interface
 * description, an enhanced packet block, and `opt_comment` options — in either
 * byte order (a rewritten block keeps its section's).
 */
import { VERSION } from '../version.js';

const pad4 = (n: number): number => (n + 3) & ~3;

export interface Option {
  code: number;
  value: Buffer;
}

export function optionsBytes(opts: readonly Option[], le: boolean, raw: Buffer | null = null): Buffer {
  if (opts.length === 0 && raw === null) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  for (const o of opts) {
    const h = Buffer.alloc(4);
    if (le) {
      h.writeUInt16LE(o.code, 0);
      h.writeUInt16LE(o.value.length, 2);
    } else {
      h.writeUInt16BE(o.code, 0);
      h.writeUInt16BE(o.value.length, 2);
    }
    parts.push(h, o.value, Buffer.alloc(pad4(o.value.length) - o.value.length));
  }
  if (raw) parts.push(raw);
  parts.push(Buffer.alloc(4)); // opt_endofopt
  return Buffer.concat(parts);
}

/** A block: type, total length, body, total length. */
export function block(type: number, body: Buffer, le: boolean): Buffer {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  if (le) {
    b.writeUInt32LE(type, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt32LE(len, len - 4);
  } else {
    b.writeUInt32BE(type, 0);
    b.writeUInt32BE(len, 4);
    b.writeUInt32BE(len, len - 4);
  }
  body.copy(b, 8);
  return b;
}

/** opt_comment: UTF-8 text (a value longer than an option can hold is cut on a character boundary). */
export function comment(text: string): Option {
  let v = Buffer.from(text, 'utf8');
  if (v.length > 0xfff0) {
    let end = 0xfff0;
    while (end > 0 && (v[end]! & 0xc0) === 0x80) end--;
    v = v.subarray(0, end);
  }
  return { code: 1, value: v };
}

/** A little-endian section header (section length unknown: -1) naming the input it was made from. */
export function shb(input: string): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(0x1a2b3c4d, 0);
  body.writeUInt16LE(1, 4);
  body.writeUInt16LE(0, 6);
  body.writeBigInt64LE(-1n, 8);
  const opts = optionsBytes([comment(`annotated by isns-dissector from ${input}`), { code: 4, value: Buffer.from(`isns-dissector ${VERSION} annotate`) }], true);
  return block(0x0a0d0d0a, Buffer.concat([body, opts]), true);
}

/** A little-endian interface description: link type, snaplen, if_tsresol (6: µs, 9: ns). */
export function idb(linktype: number, snaplen: number, tsresol: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(linktype & 0xffff, 0);
  body.writeUInt32LE(snaplen >>> 0, 4);
  return block(1, Buffer.concat([body, optionsBytes([{ code: 9, value: Buffer.from([tsresol]) }], true)]), true);
}

/** An enhanced packet block. `ts` in the interface's units. */
export function epb(iface: number, ts: bigint, data: Buffer, origlen: number, opts: readonly Option[], le: boolean, rawOptions: Buffer | null = null): Buffer {
  const head = Buffer.alloc(20);
  const w = (v: number, o: number): number => (le ? head.writeUInt32LE(v >>> 0, o) : head.writeUInt32BE(v >>> 0, o));
  w(iface, 0);
  w(Number((ts >> 32n) & 0xffffffffn), 4);
  w(Number(ts & 0xffffffffn), 8);
  w(data.length, 12);
  w(origlen, 16);
  const padded = Buffer.alloc(pad4(data.length));
  data.copy(padded);
  return block(6, Buffer.concat([head, padded, optionsBytes(opts, le, rawOptions)]), le);
}

/** The options of a block region without their opt_endofopt (to append comments before it). */
export function existingOptions(b: Buffer, start: number, end: number, le: boolean): Buffer | null {
  let o = start;
  while (o + 4 <= end) {
    const code = le ? b.readUInt16LE(o) : b.readUInt16BE(o);
    const len = le ? b.readUInt16LE(o + 2) : b.readUInt16BE(o + 2);
    if (code === 0) break;
    if (o + 4 + len > end) break;
    o += 4 + pad4(len);
  }
  return o > start ? Buffer.from(b.subarray(start, o)) : null;
}
