/**
 * A corpus of hand-made iSNS PDUs for the differential tests against live
 * tshark: every function ID, every attribute tag with its RFC length and with
 * wrong lengths, hostile strings, address forms, port words, bitmaps, the
 * heartbeat, broken TLV framing. Each case is one PDU (one UDP datagram, or
 * one write on a TCP connection) with a note saying what it holds.
 */
import { be32, concat } from '../../tools/craft.js';
import { TAGS } from '../../dissector/isns/attrs.js';
import { FUNCTION_NAMES } from '../../dissector/isns/index.js';
import { DELIM, addr16, pdu, rsp, tAddr, tEmpty, tPort, tStr, tU32, tU64, tlv, F_CLIENT, F_FIRST, F_LAST, F_SERVER } from '../../tools/craft-isns.js';
import { ascii, bytes, rawPdu, rawTlv } from './isns-encode.js';

export interface Case {
  note: string;
  pdu: Uint8Array;
}

const SRC = tStr(32, 'iqn.2026-11.lab:init');

/** A request: source, optional key, delimiter, operating attributes. */
function req(fid: number, xid: number, ops: Uint8Array[], key: Uint8Array[] = []): Uint8Array {
  return pdu(fid, xid, concat([SRC, ...key, DELIM, ...ops]));
}

/** A value of `n` bytes counting up from `start` (so every byte position is visible in hex output). */
function seqBytes(n: number, start = 1): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (start + i) & 0xff);
}

/** Well-formed value of an attribute per RFC 4171 (by its kind). */
function goodValue(tag: number): Uint8Array {
  const spec = TAGS.find((t) => t.tag === tag)!;
  switch (spec.kind) {
    case 'string':
      return concat([ascii(`v${tag}`), new Uint8Array(tag > 99 ? 1 : tag > 9 ? 2 : 3)]); // "vNN\0" padded to 4 or 8
    case 'ip':
      return addr16('192.0.2.' + (tag & 0xff));
    case 'port':
      return be32(0x00010000 | (3000 + tag));
    case 'u64':
      return concat([be32(0x20000011), be32(0x22330000 + tag)]);
    case 'u24':
      return be32(0x00010203);
    case 'bytes':
      return seqBytes(spec.rfcLen ?? 12, tag);
    case 'psb':
      return be32(0x37);
    case 'scn':
      return be32(0x9c);
    case 'nodetype':
      return be32(0x3);
    default:
      return be32(0x01000000 + tag);
  }
}

export function udpCorpus(): Case[] {
  const c: Case[] = [];
  let xid = 1;
  // ---- every function ID, with a plausible payload
  for (const [fid, name] of FUNCTION_NAMES) {
    if (fid === 0x000e) continue; // heartbeat: below
    if (fid & 0x8000) c.push({ note: `${name}: status 0, a key and an operating attribute`, pdu: pdu(fid, xid++, rsp(0, tStr(32, 'iqn.2026-11.lab:t'), DELIM, tU32(2, 2))) });
    else c.push({ note: `${name}: source, key, delimiter, operating`, pdu: req(fid, xid++, [tStr(1, 'isns.entity.0001'), tU32(6, 3600)], [tStr(1, 'isns.entity.0001')]) });
  }
  // every status code, and one beyond the table
  for (const st of [1, 4, 9, 19, 23, 24, 0xffffffff]) c.push({ note: `DevAttrQryRsp with status ${st} only`, pdu: pdu(0x8002, xid++, be32(st)) });
  // ---- every tag: RFC-correct value, then wrong lengths
  for (const spec of TAGS) {
    if (spec.tag === 0) continue;
    const v = goodValue(spec.tag);
    c.push({ note: `tag ${spec.tag} ${spec.name}: well-formed (${v.length} bytes) then iSCSI Alias`, pdu: req(0x0001, xid++, [tlv(spec.tag, v), tStr(34, 'after')]) });
    c.push({ note: `tag ${spec.tag}: zero length in a DevAttrQry, then iSCSI Alias`, pdu: req(0x0002, xid++, [tEmpty(spec.tag), tStr(34, 'after')]) });
    for (const n of [1, 2, 3, 4, 5, 8, 12, 16, 20]) {
      if (n === v.length) continue;
      // Wrong-length values are followed by another attribute, to show whether the rest of the PDU survives.
      c.push({ note: `tag ${spec.tag}: value of ${n} bytes, then iSCSI Alias`, pdu: req(0x0001, xid++, [rawTlv(spec.tag, seqBytes(n, 0x41)), tStr(34, 'after')]) });
    }
  }
  // ---- strings
  const strs: [string, Uint8Array][] = [
    ['plain, exactly 4-aligned with NUL', ascii('abc\0')],
    ['no NUL at all (unpadded length 5)', ascii('hello')],
    ['bytes after the NUL', ascii('ab\0zz')],
    ['all NUL', new Uint8Array(8)],
    ['UTF-8 é and a 4-byte emoji', bytes(0x69, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0)],
    ['TAB LF CR', ascii('a\tb\nc\rd\0\0\0\0')],
    ['other control bytes, DEL, backslash, quote', bytes(0x01, 0x1b, 0x5b, 0x7f, 0x5c, 0x22, 0x2c, 0)],
    ['a comma (the -e separator)', ascii('a,b\0')],
    ['0x80..0x83 bytes', bytes(0x80, 0x81, 0x82, 0x83, 0x41, 0, 0, 0)],
  ];
  for (const [note, s] of strs) {
    c.push({ note: `iSCSI Name: ${note}`, pdu: req(0x0001, xid++, [rawTlv(32, s), rawTlv(1, s), rawTlv(2066, s)]) });
  }
  // ---- addresses
  const addrs = ['::ffff:192.0.2.1', '::127.0.0.1', '::', '::1', '::0.0.1.0', '::0.1.0.0', '::ffff:0.0.0.0', '2001:db8::1', '64:ff9b::1.2.3.4', 'fe80::1:0:0:1', '1:0:0:2:0:0:0:3', '1:0:0:2:0:0:3:4', '1:2:3:4:5:6:7:8', 'ffff::', '::ffff:1:2', '0:0:0:0:0:1:0:0'];
  for (const a of addrs) {
    c.push({ note: `address ${a} in tags 3, 16, 49, 70, 98, 2071`, pdu: req(0x0001, xid++, [3, 16, 49, 70, 98, 2071].map((t) => tlv(t, addr16(a)))) });
  }
  c.push({ note: 'IPv4-compatible portal (open-isns form)', pdu: req(0x0001, xid++, [tAddr(16, '10.1.2.3', 'compat')]) });
  // ---- port words
  for (const w of [0, 3260, 0x00010cbc, 0xfffe0cbc, 0xffffffff, 0x0001ffff, 0x00020cbc]) {
    c.push({ note: `port word 0x${w.toString(16)} in tags 17, 20, 23, 50, 2072`, pdu: req(0x0001, xid++, [17, 20, 23, 50, 2072].map((t) => tU32(t, w))) });
  }
  c.push({ note: 'UDP portal port', pdu: req(0x0001, xid++, [tAddr(16, '10.0.0.1'), tPort(17, 3260, true)]) });
  // ---- bitmaps
  for (const b of [0, 1, 0x3, 0x37, 0x7f, 0x80, 0xff, 0xffffffff, 0x80000000]) {
    c.push({ note: `bitmap 0x${b.toString(16)} as PSB (27), SCN bitmap (35), node type (33), iFCP SCN (75)`, pdu: req(0x0001, xid++, [tU32(27, b), tU32(35, b), tU32(33, b), tU32(75, b)]) });
  }
  // ---- uint64 and uint24 extremes
  c.push({ note: 'uint64 extremes', pdu: req(0x0001, xid++, [tU64(4, 0n), tU64(4, 0xffffffffffffffffn), tU64(64, 0x8000000000000000n), tU64(96, 1n)]) });
  c.push({ note: 'uint24 Port ID / Hard Address as Wireshark wants (3 bytes)', pdu: req(0x0001, xid++, [rawTlv(65, bytes(0xff, 0xee, 0xdd)), rawTlv(69, bytes(0, 0, 1))]) });
  // ---- PG tag NULL (zero length) in each function
  for (const fid of [0x0001, 0x8001, 0x0002, 0x8002, 0x0003]) {
    const body = fid & 0x8000 ? rsp(0, DELIM, tEmpty(51), tStr(48, 'iqn.x')) : concat([SRC, DELIM, tEmpty(51), tStr(48, 'iqn.x')]);
    c.push({ note: `zero-length PG tag in ${FUNCTION_NAMES.get(fid)}`, pdu: pdu(fid, xid++, body) });
  }
  c.push({ note: 'PG tag 0x00010005 (reserved upper half)', pdu: req(0x0001, xid++, [tU32(51, 0x00010005)]) });
  // ---- heartbeat
  const hb = concat([addr16('192.0.2.9'), bytes(0x0c, 0x85, 0x0c, 0x86), be32(30), be32(7), bytes(0, 0, 0, 1), addr16('2001:db8::2'), bytes(0x0c, 0x85, 0, 0)]);
  c.push({ note: 'heartbeat with one backup server', pdu: pdu(0x000e, xid++, hb, { flags: 0x4000 }) });
  c.push({ note: 'heartbeat of exactly 28 bytes', pdu: pdu(0x000e, xid++, hb.subarray(0, 28)) });
  c.push({ note: 'heartbeat cut at 20 bytes', pdu: pdu(0x000e, xid++, hb.subarray(0, 20)) });
  c.push({ note: 'heartbeat cut at 10 bytes', pdu: pdu(0x000e, xid++, hb.subarray(0, 10)) });
  c.push({ note: 'heartbeat with no payload', pdu: pdu(0x000e, xid++, new Uint8Array(0)) });
  // ---- header oddities
  c.push({ note: 'not the first PDU (request)', pdu: pdu(0x0001, xid++, concat([tStr(34, 'x')]), { flags: F_CLIENT | F_LAST, seq: 1 }) });
  c.push({ note: 'not the first PDU (response)', pdu: pdu(0x8002, xid++, concat([tStr(34, 'x')]), { flags: F_SERVER, seq: 2 }) });
  c.push({ note: 'not the first PDU, empty payload', pdu: pdu(0x0002, xid++, new Uint8Array(0), { flags: 0, seq: 1 }) });
  c.push({ note: 'response without payload', pdu: pdu(0x8001, xid++, new Uint8Array(0)) });
  c.push({ note: 'response with 2 payload bytes', pdu: rawPdu(0x8001, 2, F_SERVER | F_FIRST | F_LAST, xid++, 0, bytes(0, 0)) });
  c.push({ note: 'all flag bits set', pdu: pdu(0x0002, xid++, concat([SRC, DELIM]), { flags: 0xffff }) });
  c.push({ note: 'no flag bits set', pdu: pdu(0x0002, xid++, concat([SRC, DELIM]), { flags: 0 }) });
  c.push({ note: 'odd PDU length (a 2-byte stray after the TLVs)', pdu: pdu(0x0002, xid++, concat([SRC, DELIM, bytes(0, 0)])) });
  c.push({ note: 'PDU length larger than the datagram', pdu: rawPdu(0x0002, 200, F_CLIENT | F_FIRST | F_LAST, xid++, 0, concat([SRC, DELIM])) });
  c.push({ note: 'PDU length smaller than the datagram (UDP: Wireshark reads it all)', pdu: rawPdu(0x0002, 8, F_CLIENT | F_FIRST | F_LAST, xid++, 0, concat([SRC, DELIM, tStr(34, 'tail')])) });
  c.push({ note: 'sequence and transaction ids at their maximum', pdu: pdu(0x0002, 0xffff, concat([SRC, DELIM]), { seq: 0xffff }) });
  c.push({ note: 'empty request', pdu: pdu(0x0002, xid++, new Uint8Array(0)) });
  // ---- TLV framing
  c.push({ note: 'delimiter with a length of 4', pdu: pdu(0x0002, xid++, concat([SRC, rawTlv(0, be32(7)), tStr(34, 'x')])) });
  c.push({ note: 'attribute length past the end', pdu: pdu(0x0002, xid++, concat([SRC, rawTlv(34, ascii('abcd'), 400)])) });
  c.push({ note: 'attribute length 0xffffffff', pdu: pdu(0x0002, xid++, concat([SRC, rawTlv(34, ascii('abcd'), 0xffffffff)])) });
  c.push({ note: '4 stray bytes after the last TLV', pdu: pdu(0x0002, xid++, concat([SRC, DELIM, be32(34)])) });
  c.push({ note: 'unknown and vendor-specific tags', pdu: req(0x0001, xid++, [tU32(9, 1), tU32(300, 2), tlv(0xffff0601, seqBytes(6)), tU32(0x80000000, 3), tStr(34, 'after')]) });
  c.push({ note: 'zero-length unknown tag', pdu: req(0x0002, xid++, [tEmpty(1234), tStr(34, 'after')]) });
  c.push({ note: 'a realistic open-isns DevAttrQryRsp', pdu: pdu(0x8002, xid++, rsp(0, tEmpty(32), DELIM, tStr(1, 'isns.entity.0001'), tU32(2, 2), tU32(6, 3600), tU64(4, 1795463480n), tU32(7, 1), tStr(32, 'iqn.2026-11.lab:target1'), tU32(33, 1), tU32(36, 2), tAddr(16, '127.0.0.1', 'compat'), tPort(17, 3260), tU32(22, 3), tStr(48, 'iqn.2026-11.lab:target1'), tAddr(49, '127.0.0.1', 'compat'), tPort(50, 3260), tU32(51, 1), tU32(52, 4))) });
  // ---- UDP datagrams with bytes beyond the PDU length
  c.push({ note: 'UDP: an authentication block after the PDU (Wireshark parses it as TLVs)', pdu: pdu(0x0002, xid++, concat([SRC, DELIM]), { auth: concat([be32(2), be32(36), be32(0), be32(1795464000), be32(4), ascii('spi1'), seqBytes(12)]) }) });
  c.push({ note: 'UDP: trailing TLV beyond the PDU length', pdu: concat([pdu(0x0002, xid++, concat([SRC, DELIM])), tStr(34, 'trailer')]) });
  return c;
}

/** Attribute lengths around and far beyond the bytes present (huge, negative as a C int, "to the end"). */
export function lengthCorpus(): Case[] {
  const c: Case[] = [];
  let xid = 5000;
  const value = ascii('ABCDEFGHIJKLMNOPQRSTUVWX');
  // unchecked uint32, port, address, PSB, string, Not-Decoded-Yet, checked uint32, delimiter, unknown, checked address, uint64, port (checked)
  for (const tag of [19, 17, 16, 27, 34, 5, 2, 0, 999, 3, 4, 50, 22, 33]) {
    for (const len of [5, 8, 17, 40, 41, 400, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff]) {
      // 24 value bytes are present, then a 16-byte iSCSI Alias TLV: 40 bytes follow the length word.
      c.push({ note: `tag ${tag}: declared length ${len} with 40 bytes after it`, pdu: req(0x0001, xid++, [rawTlv(tag, value, len), tStr(34, 'after')]) });
    }
  }
  return c;
}

export interface TcpCase {
  note: string;
  /** Application bytes written by the client, and the payload offsets where a new TCP segment starts. */
  data: Uint8Array;
  splits: number[];
}

/** TCP: PDUs coalesced into one segment, split over segments, multi-PDU messages, odd lengths. */
export function tcpCorpus(): TcpCase[] {
  const t: TcpCase[] = [];
  let xid = 9000;
  const a = req(0x0002, xid++, [tEmpty(16), tEmpty(17)]);
  const b = pdu(0x8002, xid++, rsp(0, tEmpty(32), DELIM, tStr(32, 'iqn.2026-11.lab:t1'), tU32(33, 1), tAddr(16, '192.0.2.7'), tPort(17, 3260), tU32(27, 0x3f)));
  const c2 = req(0x0001, xid++, [tStr(1, 'e'), tU32(51, 7), tStr(48, 'iqn.x')]);
  t.push({ note: 'three PDUs in one segment', data: concat([a, b, c2]), splits: [] });
  t.push({ note: 'one PDU split over three segments (after the header, inside a TLV)', data: b, splits: [14, 40] });
  t.push({ note: 'two PDUs, the cut inside the second one', data: concat([a, b]), splits: [a.length + 20] });
  t.push({ note: 'a PDU whose length is not a multiple of 4', data: pdu(0x0002, xid++, concat([SRC, DELIM, bytes(0, 0, 0)])), splits: [] });
  // A message of three PDUs; the iSCSI Name straddles PDUs 0 and 1 (Wireshark: malformed first PDU, "not first" for the others).
  const body = concat([SRC, tStr(1, 'isns.entity.0007'), DELIM, tStr(32, 'iqn.2026-11.lab:straddle'), tAddr(16, '192.0.2.8'), tPort(17, 3260), tU32(27, 0x37)]);
  const at = [0, 40, 84, body.length];
  const parts = [0, 1, 2].map((i) => pdu(0x0001, xid, body.subarray(at[i]!, at[i + 1]!), { flags: F_CLIENT | (i === 0 ? F_FIRST : 0) | (i === 2 ? F_LAST : 0), seq: i }));
  xid++;
  t.push({ note: 'multi-PDU DevAttrReg, one PDU per segment', data: concat(parts), splits: [parts[0]!.length, parts[0]!.length + parts[1]!.length] });
  t.push({ note: 'multi-PDU DevAttrReg, all in one segment', data: concat(parts.map((p) => { const q = p.slice(); q[9] = (q[9]! + 1) & 0xff; return q; })), splits: [] });
  t.push({ note: 'heartbeat over TCP', data: pdu(0x000e, xid++, concat([addr16('192.0.2.9'), bytes(0x0c, 0x85, 0, 0), be32(30), be32(1), bytes(0, 0, 0, 0)])), splits: [] });
  t.push({ note: 'a response of status only, then a response without a payload', data: concat([pdu(0x8003, xid++, be32(9)), pdu(0x8004, xid++, new Uint8Array(0))]), splits: [] });
  return t;
}
