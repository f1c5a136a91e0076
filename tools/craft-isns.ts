/**
 * iSNS encoding for crafted captures (generator, tests, benchmark): TLVs with
 * RFC 4171 padding rules, PDUs with header flags, multi-PDU splitting and
 * authentication blocks.
 */
import { be16, be32, concat, ipv4Bytes, ipv6Bytes } from './craft.js';

const enc = new TextEncoder();

export function tlv(tag: number, value: Uint8Array, declaredLength?: number): Uint8Array {
  const padded = new Uint8Array((value.length + 3) & ~3);
  padded.set(value);
  return concat([be32(tag), be32(declaredLength ?? padded.length), padded]);
}
/** String: UTF-8 + NUL, zero-padded to 4 (RFC 4171 §5.1.1). */
export const tStr = (tag: number, s: string): Uint8Array => tlv(tag, concat([enc.encode(s), new Uint8Array(1)]));
export const tRawStr = (tag: number, bytes: Uint8Array): Uint8Array => tlv(tag, concat([bytes, new Uint8Array(1)]));
export const tU32 = (tag: number, v: number): Uint8Array => tlv(tag, be32(v >>> 0));
export const tU64 = (tag: number, v: bigint): Uint8Array => tlv(tag, concat([be32(Number(v >> 32n)), be32(Number(v & 0xffffffffn))]));
export const tEmpty = (tag: number): Uint8Array => concat([be32(tag), be32(0)]);
export const tBytes = (tag: number, b: Uint8Array): Uint8Array => tlv(tag, b);
export const DELIM = tEmpty(0);

/** 16-byte address: 'mapped' ::ffff:a.b.c.d (RFC), 'compat' ::a.b.c.d (open-isns), or IPv6 text. */
export function addr16(a: string, form: 'mapped' | 'compat' = 'mapped'): Uint8Array {
  if (a.includes(':')) return ipv6Bytes(a);
  const b = new Uint8Array(16);
  if (form === 'mapped') b[10] = b[11] = 0xff;
  b.set(ipv4Bytes(a), 12);
  return b;
}
export const tAddr = (tag: number, a: string, form: 'mapped' | 'compat' = 'mapped'): Uint8Array => tlv(tag, addr16(a, form));
/** Port word: low 16 bits port, 0x00010000 = UDP. */
export const tPort = (tag: number, port: number, udp = false): Uint8Array => tU32(tag, (port & 0xffff) | (udp ? 0x10000 : 0));

export const F_CLIENT = 0x8000;
export const F_SERVER = 0x4000;
export const F_AUTH = 0x2000;
export const F_REPLACE = 0x1000;
export const F_LAST = 0x0800;
export const F_FIRST = 0x0400;

export interface PduOpts {
  flags?: number;
  seq?: number;
  /** Authentication block appended after the payload (sets the Auth flag). */
  auth?: Uint8Array;
  /** Override the PDU length field. */
  length?: number;
}

export function pdu(fid: number, xid: number, payload: Uint8Array, o: PduOpts = {}): Uint8Array {
  let flags = o.flags ?? ((fid & 0x8000 ? F_SERVER : F_CLIENT) | F_FIRST | F_LAST);
  if (o.auth) flags |= F_AUTH;
  return concat([be16(1), be16(fid), be16(o.length ?? payload.length), be16(flags), be16(xid), be16(o.seq ?? 0), payload, o.auth ?? new Uint8Array(0)]);
}

/** A response payload: 4-byte status then TLVs. */
export function rsp(status: number, ...tlvs: Uint8Array[]): Uint8Array {
  return concat([be32(status), ...tlvs]);
}

/** Split one message payload over several PDUs (cut at the given payload offsets), RFC 4171 §5.2. */
export function multiPdu(fid: number, xid: number, payload: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [0, ...cuts, payload.length];
  const base = fid & 0x8000 ? F_SERVER : F_CLIENT;
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < at.length; i++) {
    const flags = base | (i === 0 ? F_FIRST : 0) | (i === at.length - 2 ? F_LAST : 0);
    out.push(pdu(fid, xid, payload.subarray(at[i]!, at[i + 1]!), { flags, seq: i }));
  }
  return out;
}

/** An authentication block (RFC 4171 §5.5): BSD, length, timestamp, SPI, signature. */
export function authBlock(spi: string, signature: Uint8Array, timestamp = 1795464000n, bsd = 2): Uint8Array {
  const s = enc.encode(spi);
  const len = 20 + s.length + signature.length;
  return concat([be32(bsd), be32(len), be32(Number(timestamp >> 32n)), be32(Number(timestamp & 0xffffffffn)), be32(s.length), s, signature]);
}
