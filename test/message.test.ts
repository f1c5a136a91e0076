/**
 * Message level: parseIsnsMessage (roles, objects, RFC value decoding,
 * heartbeat layout, problems) and MessageAssembler (multi-PDU assembly,
 * sequence checks, bounds, request/response matching, findings). PDUs are
 * built with src/craft-isns.ts; FramedPdu objects are faked directly.
 * Expected values are worked out by hand from RFC 4171 (comments say how).
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { addressAt, addressText, decodeValue, startsObject, dissectIsnsPdu, tableMessage, lengthAt, ownAttrBytes, parseIsnsMessage, pgtAt, portAt, ipv4Of, isns, tagAt, textAt, uintAt, valueAt, valueOffsetAt, wordAt, type IsnsAttr } from '../dissector/isns/index.js';
import { MessageAssembler, type MessageEvent } from '../src/isns/assembler.js';
import type { Finding } from '../src/findings/registry.js';
import type { FramedPdu } from '../src/flow/pdu.js';
import { be32, concat } from '../tools/craft.js';
import { DELIM, addr16, authBlock, multiPdu, pdu, rsp, tAddr, tEmpty, tPort, tStr, tU32, tU64, tlv, F_CLIENT, F_FIRST, F_LAST, F_SERVER } from '../tools/craft-isns.js';
import { bytes, rawTlv } from './helpers/isns-encode.js';
import { TAGS } from '../dissector/isns/attrs.js';

const roles = (a: IsnsAttr[]): string => a.map((x) => `${x.tag}:${x.role[0]}${x.object >= 0 ? x.object : ''}`).join(' ');

// ---------------------------------------------------------------- roles and objects

test('DevAttrReg: source, key, delimiter, then entity / portal / node / PG-binding objects', (t) => {
  const m = parseIsnsMessage(0x0001, 0x8c00, 1, concat([
    tStr(32, 'iqn.a'), tStr(1, 'e1'), DELIM,
    tStr(1, 'e1'), tU32(2, 2), // object 0: entity
    tAddr(16, '192.0.2.1'), tPort(17, 3260), tU32(27, 0x37), tU32(51, 1), tStr(48, 'iqn.a'), tStr(48, 'iqn.b'), // object 1: portal + PGT bound to two nodes
    tStr(32, 'iqn.a'), tU32(33, 1), // object 2: node
    tStr(48, 'iqn.c'), tAddr(49, '192.0.2.1'), tPort(50, 3260), tU32(51, 2), // object 3: a PG object on its own
  ]));
  t.is(roles(m.attrs), '32:s 1:k 0:d 1:o0 2:o0 16:o1 17:o1 27:o1 51:o1 48:o1 48:o1 32:o2 33:o2 48:o3 49:o3 50:o3 51:o3');
  t.deepEqual(m.problems, []);
  t.is(m.name, 'DevAttrReg');
  t.false(m.isResponse);
  t.is(m.status, null);
});

test('per message type: DeregDev without key, SCNDereg and GetDomId without delimiter, SCN and ESI without source', (t) => {
  const dereg = parseIsnsMessage(0x0004, 0, 1, concat([tStr(32, 'iqn.a'), DELIM, tAddr(16, '10.0.0.1'), tPort(17, 3260)]));
  t.is(roles(dereg.attrs), '32:s 0:d 16:o0 17:o0');
  const scnDereg = parseIsnsMessage(0x0006, 0, 2, concat([tStr(32, 'iqn.a'), tStr(32, 'iqn.a')]));
  t.is(roles(scnDereg.attrs), '32:s 32:k');
  const getDom = parseIsnsMessage(0x0013, 0, 3, concat([tStr(1, 'e'), tStr(131, 'vf')]));
  t.is(roles(getDom.attrs), '1:s 131:k');
  // SCN: destination, timestamp, then [bitmap, affected node]: no source, no delimiter
  const scn = parseIsnsMessage(0x0008, 0, 4, concat([tStr(32, 'iqn.dst'), tU64(4, 1795464000n), tU32(35, 0x08), tStr(32, 'iqn.new')]));
  t.is(roles(scn.attrs), '32:o0 4:o0 35:o0 32:o1');
  const esi = parseIsnsMessage(0x000d, 0, 5, concat([tU64(4, 1n), tStr(1, 'e'), tAddr(16, '10.0.0.1'), tPort(17, 3260)]));
  t.is(roles(esi.attrs), '4:o0 1:o1 16:o2 17:o2');
  // responses: status first; without a delimiter everything is operating
  const esiRsp = parseIsnsMessage(0x800d, 0, 5, rsp(0, tU64(4, 1n), tStr(1, 'e')));
  t.is(esiRsp.status, 0);
  t.is(roles(esiRsp.attrs), '4:o0 1:o1');
  const qryRsp = parseIsnsMessage(0x8002, 0, 6, rsp(0, tEmpty(32), DELIM, tStr(32, 'iqn.t'), tU32(33, 1)));
  t.is(roles(qryRsp.attrs), '32:k 0:d 32:o0 33:o0');
  const bare = parseIsnsMessage(0x8005, 0, 7, rsp(17));
  t.is(bare.status, 17);
  t.deepEqual(bare.attrs, []);
});

test('DDSReg: DD_IDs listed in a DD set are members of the set object, not new objects; DDReg members belong to their DD', (t) => {
  const dds = parseIsnsMessage(0x000b, 0, 1, concat([tStr(32, 'iqn.mgmt'), DELIM, tU32(2049, 5), tStr(2050, 'set'), tU32(2065, 1), tU32(2065, 2)]));
  t.is(roles(dds.attrs), '32:s 0:d 2049:o0 2050:o0 2065:o0 2065:o0');
  const dd = parseIsnsMessage(0x0009, 0, 2, concat([tStr(32, 'iqn.mgmt'), tU32(2065, 3), DELIM, tU32(2065, 3), tStr(2066, 'dd'), tStr(2068, 'iqn.x'), tAddr(2071, '10.0.0.9'), tPort(2072, 3260)]));
  t.is(roles(dd.attrs), '32:s 2065:k 0:d 2065:o0 2066:o0 2068:o0 2071:o0 2072:o0');
});

test('a request that starts with the delimiter has no source: a problem', (t) => {
  const m = parseIsnsMessage(0x0002, 0, 1, concat([DELIM, tEmpty(16)]));
  t.is(roles(m.attrs), '0:d 16:o0');
  t.regex(m.problems.join('\n'), /without a source attribute/);
});

// ---------------------------------------------------------------- values

test('values decoded per RFC 4171: strings to the NUL as UTF-8, addresses, port words, bitmaps, uint64, empty, opaque', (t) => {
  const m = parseIsnsMessage(0x8002, 0, 1, rsp(0,
    rawTlv(32, bytes(0x69, 0xc3, 0xa9, 0, 0x7a, 0x7a, 0, 0)), // "ié", bytes after the NUL ignored
    tAddr(16, '192.0.2.1'), // ::ffff:192.0.2.1
    tAddr(16, '10.1.2.3', 'compat'), // ::10.1.2.3 (open-isns)
    tlv(16, addr16('2001:db8::1')),
    tlv(16, addr16('::1')),
    tU32(17, 0x00010cbc), // UDP 3260
    tU32(27, 0x0000001f), // VALID, IKE/IPsec, Main, Aggressive, PFS
    tU32(35, 0x18), // object removed + added
    tU32(33, 0x6), // initiator + control
    tU64(64, 0x2000001122334455n),
    tEmpty(51),
    tU32(51, 0xffff0007), // PGT: low 16 bits
    tU32(5, 0x00020001), // version range max 2 min 1 (as a uint)
    tlv(31, bytes(0x30, 0x82, 0x01, 0x00)), // certificate: opaque
  ));
  const v = m.attrs.map((a) => a.value);
  t.deepEqual(v[0], { kind: 'string', text: 'ié' });
  t.is(v[1]!.kind === 'address' && v[1]!.text, '::ffff:192.0.2.1');
  t.is(v[1]!.kind === 'address' && v[1]!.ipv4, '192.0.2.1');
  t.is(v[2]!.kind === 'address' && v[2]!.text, '::10.1.2.3');
  t.is(v[2]!.kind === 'address' && v[2]!.ipv4, '10.1.2.3');
  t.is(v[3]!.kind === 'address' && v[3]!.ipv4, null);
  t.is(v[4]!.kind === 'address' && v[4]!.text, '::1');
  t.is(v[4]!.kind === 'address' && v[4]!.ipv4, null, '::1 is IPv6 loopback, not 0.0.0.1');
  t.deepEqual(v[5], { kind: 'port', port: 3260, udp: true });
  t.deepEqual(v[6], { kind: 'bitmap', value: 0x1f, names: ['VALID', 'IKE/IPsec', 'Main Mode', 'Aggressive Mode', 'PFS'] });
  t.deepEqual(v[7], { kind: 'bitmap', value: 0x18, names: ['Object removed', 'Object added'] });
  t.deepEqual(v[8], { kind: 'bitmap', value: 6, names: ['Initiator', 'Control'] });
  t.deepEqual(v[9], { kind: 'uint64', value: 0x2000001122334455n });
  t.deepEqual(v[10], { kind: 'empty' });
  t.deepEqual(v[11], { kind: 'uint', value: 7 });
  t.deepEqual(v[12], { kind: 'uint', value: 0x00020001 });
  t.is(v[13]!.kind === 'bytes' && v[13]!.hex, '30820100');
  t.is(m.attrs[1]!.abbrev, 'isns.portal.ip_address');
  t.is(m.attrs[13]!.abbrev, 'isnsx.portal_certificate');
  t.is(m.attrs[13]!.name, 'Portal Certificate');
  t.deepEqual([...m.attrs[9]!.raw], [0x20, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55]);
  // offsets within the payload: status (4) + first TLV (8 + 8)
  t.is(m.attrs[0]!.offset, 4);
  t.is(m.attrs[1]!.offset, 20);
  t.deepEqual(m.problems, []);
});

test('ipv4Of: mapped and compatible forms, but never the ambiguous ::, ::1, ::0.0.1.0', (t) => {
  t.is(ipv4Of(addr16('::ffff:0.0.0.0')), '0.0.0.0');
  t.is(ipv4Of(addr16('::1.2.3.4')), '1.2.3.4');
  t.is(ipv4Of(addr16('::0.1.0.0')), '0.1.0.0');
  t.is(ipv4Of(addr16('::')), null);
  t.is(ipv4Of(addr16('::1')), null);
  t.is(ipv4Of(addr16('::100')), null);
  t.is(ipv4Of(addr16('::1:ffff:1.2.3.4')), null);
  t.is(ipv4Of(addr16('64:ff9b::1.2.3.4')), null);
});

test('RFC violations are attribute problems: wrong fixed length, unknown tag, unaligned length, delimiter with a value, overrun', (t) => {
  const m = parseIsnsMessage(0x0001, 0, 1, concat([
    tStr(32, 'iqn.a'), DELIM,
    rawTlv(65, bytes(1, 2, 3)), // Port ID: Wireshark's 3 bytes, RFC wants 4
    tlv(2069, be32(7)), // DD member FC port name: RFC wants 8
    tU32(999, 1), // unknown
    rawTlv(34, bytes(0x61, 0x62, 0)), // alias, length 3
    rawTlv(0, be32(0)), // delimiter of length 4
    be32(34), be32(100), // alias claiming 100 bytes that are not there
  ]));
  const p = m.attrs.map((a) => a.problem ?? '');
  t.is(p[2], 'length 3, RFC 4171 wants 4; length 3 is not a multiple of 4');
  t.deepEqual(m.attrs[2]!.value, { kind: 'uint', value: 0x010203 });
  t.regex(p[3]!, /length 4, RFC 4171 wants 8/);
  t.is(m.attrs[3]!.value.kind, 'bytes');
  t.is(p[4], 'unknown tag');
  t.is(m.attrs[4]!.abbrev, 'isnsx.unknown_attribute');
  t.regex(p[5]!, /not a multiple of 4/);
  t.regex(p[6]!, /delimiter with length 4/);
  t.is(m.attrs.length, 7, 'the overrunning TLV is not an attribute');
  t.regex(m.problems.at(-1)!, /attribute tag 34 at offset \d+: length 100 runs past the end of the message/);
  const stray = parseIsnsMessage(0x0002, 0, 2, concat([tStr(32, 'a'), DELIM, bytes(0, 0, 0, 1)]));
  t.regex(stray.problems.join(), /4 stray bytes at offset 20/); // 12 + 8
  t.regex(parseIsnsMessage(0x8001, 0, 3, bytes(0, 0)).problems.join(), /no 4-byte status/);
});

test('heartbeat: fixed layout with backup servers and vendor bytes; cut lists are problems', (t) => {
  const body = concat([addr16('192.0.2.9'), bytes(0x0c, 0x85, 0x0c, 0x86), be32(30), be32(7), bytes(0, 0, 0, 2), addr16('2001:db8::2'), bytes(0x0c, 0x85, 0, 0), addr16('192.0.2.10'), bytes(0, 0, 0x0c, 0x85), bytes(0xde, 0xad)]);
  const m = parseIsnsMessage(0x000e, 0, 1, body);
  t.deepEqual(m.attrs, []);
  const h = m.heartbeat!;
  t.like(h, { address: '::ffff:192.0.2.9', ipv4: '192.0.2.9', tcpPort: 3205, udpPort: 3206, interval: 30, counter: 7, backupCount: 2 });
  t.deepEqual(h.backups, [
    { address: '2001:db8::2', ipv4: null, tcpPort: 3205, udpPort: 0 },
    { address: '::ffff:192.0.2.10', ipv4: '192.0.2.10', tcpPort: 0, udpPort: 3205 },
  ]);
  t.deepEqual([...h.vendor], [0xde, 0xad]);
  t.deepEqual(m.problems, []);
  // announces 5 backups, carries 2
  const cut = parseIsnsMessage(0x000e, 0, 1, concat([body.subarray(0, 30), bytes(0, 5), body.subarray(32, 72)]));
  t.is(cut.heartbeat!.backups.length, 2);
  t.regex(cut.problems.join(), /announces 5 backup servers but only 2 fit/);
  const tiny = parseIsnsMessage(0x000e, 0, 1, body.subarray(0, 20));
  t.is(tiny.heartbeat, undefined);
  t.regex(tiny.problems.join(), /shorter than its 32-byte fixed part/);
});

test('parseIsnsMessage never throws on random payloads', (t) => {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (let i = 0; i < 3000; i++) {
    const b = Uint8Array.from({ length: Math.floor(rnd() * 80) }, () => (rnd() < 0.5 ? 0 : Math.floor(rnd() * 256)));
    const fid = [0x0001, 0x8002, 0x0008, 0x000d, 0x000e, 0x000b, 0x0100][i % 7]!;
    t.notThrows(() => parseIsnsMessage(fid, 0, i, b));
  }
});

// ---------------------------------------------------------------- assembler

const CLIENT = { addr: '10.0.0.2', port: 40000 };
const SERVER = { addr: '10.0.0.1', port: 3205 };

function fp(bytes: Uint8Array, frames: number[], o: { dir?: 0 | 1; conv?: string; transport?: 'tcp' | 'udp'; file?: string } = {}): FramedPdu {
  const [src, dst] = o.dir ? [SERVER, CLIENT] : [CLIENT, SERVER];
  return { file: o.file ?? 'cap', transport: o.transport ?? 'tcp', src, dst, conversation: o.conv ?? 'c1', streamIndex: 0, bytes, frames, frame: frames[frames.length - 1]!, ts: { sec: 0, nsec: 0, digits: 6 } };
}

function run(pdus: FramedPdu[], limits?: { maxMessageBytes?: number; maxPending?: number }): { msgs: MessageEvent[]; findings: Finding[] } {
  const msgs: MessageEvent[] = [];
  const findings: Finding[] = [];
  const a = new MessageAssembler({ message: (m) => msgs.push(m), finding: (f) => findings.push(f) }, limits);
  for (const p of pdus) a.pdu(p, isns.dissectPdu(ByteView.of(p.bytes), { tree: false, transport: p.transport, srcPort: p.src.port, dstPort: p.dst.port }));
  a.finish();
  return { msgs, findings };
}

const BODY = concat([tStr(32, 'iqn.2026-11.lab:straddle'), tStr(1, 'e'), DELIM, tAddr(16, '10.9.9.9'), tPort(17, 3260), tU32(27, 0x37)]);

test('multi-PDU: payloads joined in sequence order; TLVs cut mid-header and mid-value decoded; frames of all PDUs', (t) => {
  // BODY: iSCSI Name TLV [0,36) (24 chars + NUL → 28), EID TLV [36,48), ...
  // cuts at 4 (between the first tag and its length), 24 (inside the name) and 40 (between the EID's tag and length)
  const parts = multiPdu(0x0001, 44, BODY, [4, 24, 40]);
  const { msgs, findings } = run([fp(parts[0]!, [4]), fp(parts[1]!, [5, 6]), fp(parts[2]!, [7]), fp(parts[3]!, [7]), fp(pdu(0x8001, 44, rsp(0)), [8], { dir: 1 })]);
  t.deepEqual(findings, []);
  t.is(msgs.length, 2);
  const [req, res] = msgs;
  t.deepEqual(req!.message.attrs.map((a) => a.tag), [32, 1, 0, 16, 17, 27]);
  t.is(req!.message.attrs[0]!.value.kind === 'string' && req!.message.attrs[0]!.value.text, 'iqn.2026-11.lab:straddle');
  t.is(req!.pdus.length, 4);
  t.is(req!.first.frame, 4);
  t.is(req!.last.frame, 7);
  t.is(res!.request, req);
  t.is(res!.message.status, 0);
});

test('multi-PDU over UDP is assembled too', (t) => {
  const parts = multiPdu(0x0001, 45, BODY, [20]);
  const { msgs, findings } = run(parts.map((p, i) => fp(p, [i + 1], { transport: 'udp' })));
  t.is(msgs.length, 1);
  t.is(msgs[0]!.message.attrs.length, 6);
  t.true(findings.every((f) => f.code === 'UNANSWERED_REQUEST'));
});

test('a skipped sequence id: finding naming the PDUs, message assembled from what arrived', (t) => {
  const parts = multiPdu(0x0002, 7, concat([tStr(32, 'a'), DELIM, tEmpty(16), tEmpty(17)]), [16, 24]);
  const { msgs, findings } = run([fp(parts[0]!, [1]), fp(parts[2]!, [3])]);
  t.is(msgs.length, 1);
  // joined: iSCSI Name (12), then the delimiter's tag word + 16's length word read as a delimiter, then 17
  t.deepEqual(msgs[0]!.message.attrs.map((a) => a.tag), [32, 0, 17]);
  const f = findings.find((x) => /sequence id 2 where 1 was expected/.test(x.message))!;
  t.is(f.code, 'MALFORMED_PDU');
  t.deepEqual(f.frames, [1, 3]);
  t.regex(f.message, /DevAttrQry \(transaction 7\)/);
});

test('a duplicated PDU is left out; a continuation without a First PDU is dropped', (t) => {
  const parts = multiPdu(0x0002, 8, concat([tStr(32, 'a'), DELIM, tEmpty(16), tEmpty(17)]), [16, 24]);
  const { msgs, findings } = run([fp(parts[0]!, [1]), fp(parts[1]!, [2]), fp(parts[1]!, [3]), fp(parts[2]!, [4]), fp(parts[2]!, [5])]);
  t.is(msgs.length, 1);
  t.deepEqual(msgs[0]!.message.attrs.map((a) => a.tag), [32, 0, 16, 17], 'the duplicate did not double the payload');
  t.true(findings.some((f) => /sequence id 1 arrived again/.test(f.message) && f.frames.includes(3)));
  // the second copy of the Last PDU comes after the message ended: no message in progress
  t.true(findings.some((f) => /sequence id 2 without a First PDU/.test(f.message) && f.frames.join() === '5'));
});

test('a new First PDU before the Last drops the partial message; the capture ending mid-message drops it too', (t) => {
  const a = multiPdu(0x0001, 9, BODY, [20]);
  const b = multiPdu(0x0001, 9, BODY, [30]);
  const { msgs, findings } = run([fp(a[0]!, [1]), fp(b[0]!, [2]), fp(b[1]!, [3]), fp(a[0]!, [4])]);
  t.is(msgs.length, 1);
  t.is(msgs[0]!.first.frame, 2);
  t.true(findings.some((f) => /dropped after 1 PDU\(s\): a new First PDU arrived before its Last PDU/.test(f.message) && f.frames.join() === '1'));
  // The capture ending mid-message cut it off: dropped, and not malformed (issue 12).
  t.false(findings.some((f) => f.frames.includes(4)));
});

test('maxMessageBytes bounds an assembled message', (t) => {
  const parts = multiPdu(0x0001, 10, BODY, [20, 40]);
  const { msgs, findings } = run(parts.map((p, i) => fp(p, [i + 1])), { maxMessageBytes: 50 });
  t.is(msgs.length, 0);
  t.true(findings.some((f) => f.code === 'MALFORMED_PDU' && /exceeds 50 bytes/.test(f.message)));
});

test('single-PDU message with a non-zero sequence id, bad PDU length, attribute problems: MALFORMED_PDU findings with offsets', (t) => {
  const p = pdu(0x0002, 11, concat([tStr(32, 'a'), DELIM, be32(34), be32(64)]), { seq: 3 });
  const { findings } = run([p].map((b) => fp(b, [6])));
  const m = findings.filter((f) => f.code === 'MALFORMED_PDU').map((f) => f.message);
  t.true(m.some((x) => /sequence id 3, expected 0/.test(x)));
  // tStr(32, 'a') is 12 bytes and the delimiter 8: the alias TLV starts at payload offset 20
  t.true(m.some((x) => /tag 34 at offset 20: length 64 runs past the end/.test(x)));
  const odd = run([fp(pdu(0x0002, 12, concat([tStr(32, 'a'), DELIM, bytes(0, 0)])), [9])]).findings.map((f) => f.message);
  t.true(odd.some((x) => /PDU length 22 is not a multiple of 4/.test(x)));
});

test('matching: by transaction id per conversation, in either direction (ESI from the server), heartbeats expect nothing', (t) => {
  const esi = pdu(0x000d, 3, concat([tU64(4, 1n), tStr(1, 'e'), tAddr(16, '10.0.0.2'), tPort(17, 40000)]), { flags: F_CLIENT | F_FIRST | F_LAST });
  const esiRsp = pdu(0x800d, 3, rsp(0), { flags: F_SERVER | F_FIRST | F_LAST });
  const hb = pdu(0x000e, 0, new Uint8Array(32), { flags: 0 });
  const qry = pdu(0x0002, 4, concat([tStr(32, 'a'), DELIM]));
  const otherConvRsp = pdu(0x8002, 4, rsp(0));
  const { msgs, findings } = run([fp(esi, [1], { dir: 1 }), fp(esiRsp, [2], { dir: 0 }), fp(hb, [3], { transport: 'udp', conv: 'hb' }), fp(qry, [4]), fp(otherConvRsp, [5], { conv: 'c2', dir: 1 })]);
  t.is(msgs[1]!.request, msgs[0]);
  t.is(msgs[4]!.request, undefined, 'a response in another conversation does not answer');
  const un = findings.filter((f) => f.code === 'UNANSWERED_REQUEST');
  t.is(un.length, 1);
  t.regex(un[0]!.message, /^DevAttrQry \(transaction 4\) from 10\.0\.0\.2:40000 to 10\.0\.0\.1:3205 got no response/);
  t.deepEqual(un[0]!.frames, [4]);
});

test('a retransmitted request is answered once; unanswered multi-PDU requests list all their frames', (t) => {
  const q = pdu(0x0002, 5, concat([tStr(32, 'a'), DELIM]));
  const parts = multiPdu(0x0001, 6, BODY, [20]);
  const { findings } = run([fp(q, [1]), fp(q, [2]), fp(pdu(0x8002, 5, rsp(0)), [3], { dir: 1 }), fp(parts[0]!, [4, 5]), fp(parts[1]!, [6])]);
  const un = findings.filter((f) => f.code === 'UNANSWERED_REQUEST');
  t.is(un.length, 1);
  t.deepEqual(un[0]!.frames, [4, 5, 6]);
});

test('many unanswered requests: 20 listed one by one per file, then one summary; maxPending evictions are counted', (t) => {
  const pdus = Array.from({ length: 25 }, (_, i) => fp(pdu(0x0002, 100 + i, concat([tStr(32, 'a'), DELIM])), [i + 1]));
  const { findings } = run(pdus);
  const un = findings.filter((f) => f.code === 'UNANSWERED_REQUEST');
  t.is(un.length, 21);
  t.regex(un[20]!.message, /^5 more requests got no response/);
  t.deepEqual(un[20]!.frames, [21, 22, 23, 24, 25]);
  const capped = run(pdus, { maxPending: 10 }).findings.filter((f) => f.code === 'UNANSWERED_REQUEST');
  t.is(capped.length, 11);
  t.regex(capped[10]!.message, /^15 more requests were no longer tracked/);
});

test('PDU-level problems become findings: authentication block not accepted, header too short', (t) => {
  // Auth flag with a block length word of 8 (< 20): framed without it, reported
  const bad = pdu(0x0002, 13, concat([tStr(32, 'a'), DELIM]), { flags: F_CLIENT | F_FIRST | F_LAST | 0x2000 });
  const r = dissectIsnsPdu(ByteView.of(bad), 'tcp');
  t.is(r.auth, null);
  // 12-byte header + 20-byte payload: the block would start at offset 32
  t.regex(r.problems.join(), /no authentication block follows the payload at offset 32/);
  const good = pdu(0x0002, 14, concat([tStr(32, 'a'), DELIM]), { auth: authBlock('spi', bytes(1, 2, 3, 4), 1795464000n) });
  const g = dissectIsnsPdu(ByteView.of(good), 'tcp');
  // block length = 20 + 3 (SPI) + 4 (signature)
  t.like(g.auth, { bsd: 2, length: 27, timestamp: 1795464000n, spiLength: 3, spi: 'spi', offset: 32 });
  t.deepEqual([...g.auth!.signature], [1, 2, 3, 4]);
  t.deepEqual(g.problems, []);
  const { findings } = run([fp(bad, [1]), fp(bytes(0, 1, 0, 2), [2])]);
  t.true(findings.some((f) => f.code === 'MALFORMED_PDU' && /DevAttrQry \(transaction 13\): the Auth flag is set/.test(f.message)));
  t.true(findings.some((f) => f.code === 'MALFORMED_PDU' && /shorter than the 12-byte header/.test(f.message) && f.frames.join() === '2'));
});

test('UDP: no First flag is a continuation; a lone First flag waits for its Last', (t) => {
  const first = pdu(0x0001, 15, BODY.subarray(0, 40), { flags: F_CLIENT | F_FIRST, seq: 0 });
  const last = pdu(0x0001, 15, BODY.subarray(40), { flags: F_CLIENT | F_LAST, seq: 1 });
  const { msgs } = run([fp(first, [1], { transport: 'udp' }), fp(last, [2], { transport: 'udp' })]);
  t.is(msgs.length, 1);
  t.deepEqual(msgs[0]!.pdus.map((p) => p.frame), [1, 2]);
  void F_LAST;
});

// ---------------------------------------------------------------- lazy values

test('attribute problems found without decoding equal those of decoding the value, for every tag (and unknown ones below and above 4096) and length 0-40', (t) => {
  let checked = 0;
  for (const [tag, spec] of [...TAGS.map((s) => [s.tag, s] as const), [4000, undefined] as const, [9999, undefined] as const]) {
    for (let len = 0; len <= 40; len++) {
      const raw = new Uint8Array(len).map((_, i) => (i * 37 + tag) & 255);
      // An ESI response: no source, no delimiter, so any tag may come first.
      const m = parseIsnsMessage(0x800d, 0x8c00, 1, concat([be32(0), rawTlv(tag, raw)]));
      const a = m.attrs[0]!;
      const want = [decodeValue(spec, raw).problem, len % 4 !== 0 ? `length ${len} is not a multiple of 4` : undefined, tag === 0 && len !== 0 ? `delimiter with length ${len}` : undefined]
        .filter((x) => x !== undefined)
        .join('; ');
      t.is(a.problem ?? '', want, `tag ${tag} length ${len}`);
      t.deepEqual(a.value, decodeValue(spec, raw).value.kind === 'bytes' || decodeValue(spec, raw).value.kind === 'address' ? a.value : decodeValue(spec, raw).value);
      t.is(a.value.kind, decodeValue(spec, raw).value.kind);
      checked++;
    }
  }
  t.is(checked, (TAGS.length + 2) * 41);
});

test('the table readers (no object per attribute) give what decodeValue gives, for every tag and length 0-20', (t) => {
  let checked = 0;
  for (const spec of [...TAGS, undefined]) {
    const tag = spec ? spec.tag : 9999;
    for (let len = 0; len <= 20; len++) {
      // Two patterns: one with a NUL inside and high bytes, one with the UDP bit of a port word set.
      for (const raw of [new Uint8Array(len).map((_, i) => (i * 37 + tag) & 255), new Uint8Array(len).map((_, i) => (i === 1 ? 1 : 0x41 + i))]) {
        const m = parseIsnsMessage(0x800d, 0x8c00, 1, concat([be32(0), rawTlv(7, be32(1)), rawTlv(tag, raw)]));
        const v = decodeValue(spec, raw).value;
        const at = `tag ${tag} length ${len}`;
        t.is(m.count, 2, at);
        t.is(tagAt(m, 1), tag, at);
        t.is(lengthAt(m, 1), len, at);
        t.deepEqual([...valueAt(m, 1)], [...raw], at);
        const uint = v.kind === 'uint' || v.kind === 'bitmap' ? v.value : v.kind === 'port' ? v.port : null;
        t.is(uintAt(m, 1), uint, at);
        t.is(portAt(m, 1), v.kind === 'port' ? v.port | (v.udp ? 0x10000 : 0) : -1, at);
        t.is(textAt(m, 1), v.kind === 'string' ? v.text : null, at);
        t.is(pgtAt(m, 1), len === 0 ? null : (uint ?? 0) & 0xffff, at);
        t.is(addressAt(m, 1), len === 16 ? addressText(raw) : null, at);
        t.is(wordAt(m, 1), len >= 4 ? ((raw[0]! << 24) >>> 0) + (raw[1]! << 16) + (raw[2]! << 8) + raw[3]! : null, at);
        checked++;
      }
    }
  }
  t.is(checked, (TAGS.length + 1) * 21 * 2);
});

test('roles read from the table equal the attribute objects\' roles, and objects are numbered as RFC 4171 §6 starts them', (t) => {
  const m = parseIsnsMessage(0x0001, 0x8c00, 1, concat([tStr(32, 'iqn.src'), tStr(1, 'e'), DELIM, tStr(1, 'e'), tAddr(16, '192.0.2.1'), tPort(17, 3260), DELIM, tStr(32, 'iqn.t')]));
  const names = ['source', 'key', 'delimiter', 'operating'];
  t.deepEqual(m.attrs.map((a) => a.role), Array.from({ length: m.count }, (_, i) => names[m.roleAt(i)]));
  t.is(roles(m.attrs), '32:s 1:k 0:d 1:o0 16:o1 17:o1 0:d 32:o2');
  t.is(valueOffsetAt(m, 4), m.attrs[4]!.offset + 8);
});

test('startsObject follows the RFC 4171 §6 object keys, DDS member DD_IDs and PG name lists, for every tag below 4096', (t) => {
  // Entity, Portal, iSCSI Storage Node, FC Port, FC Node, DD_Set, DD: the key attribute of each object (RFC 4171 §6).
  const RFC_KEYS = [1, 16, 32, 64, 96, 2049, 2065];
  let n = 0;
  for (let tag = 0; tag < 4096; tag++)
    for (const prev of [-1, 0, 48, 51, 16])
      for (const dds of [false, true]) {
        const want = (RFC_KEYS.includes(tag) && !(dds && tag === 2065)) || (tag === 48 && prev !== 51 && prev !== 48);
        if (startsObject(tag, prev, dds) !== want) t.fail(`tag ${tag} after ${prev}, dds ${dds}`);
        n++;
      }
  t.is(n, 4096 * 10);
});

test('role sections (keysFrom, keysTo, opFrom, opClean) equal what roleAt gives attribute by attribute, on 3000 random messages', (t) => {
  let seed = 7;
  const rnd = (k: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
  const fids = [0x0001, 0x0002, 0x0004, 0x0005, 0x0006, 0x000d, 0x000b, 0x8001, 0x8002, 0x8005, 0x800d];
  const tags = [0, 0, 1, 16, 17, 27, 32, 33];
  for (let r = 0; r < 3000; r++) {
    const fid = fids[rnd(fids.length)]!;
    const attrs = Array.from({ length: rnd(9) }, () => tags[rnd(tags.length)]!);
    const m = parseIsnsMessage(fid, 0x8c00, 1, concat([...(fid & 0x8000 ? [be32(0)] : []), ...attrs.map((tag) => (tag === 0 ? DELIM : rawTlv(tag, be32(tag))))]));
    // The sections as the walk found them before, attribute by attribute.
    const n = m.count;
    let k = 0;
    while (k < n && m.roleAt(k) === 0) k++;
    let d = k;
    while (d < n && m.roleAt(d) === 1) d++;
    let o = d;
    while (o < n && m.roleAt(o) !== 3) o++;
    let clean = true;
    for (let i = o; i < n; i++) clean &&= m.roleAt(i) === 3;
    t.deepEqual([m.keysFrom, m.keysTo, m.opFrom, m.opClean], [k, d, o, clean], `fid 0x${fid.toString(16)} tags ${attrs.join(',')}`);
  }
});

test('lowTags has bit t set exactly when an attribute of tag t < 32 was parsed (tags 0-63 at random, cut payloads too); tableMessage keeps it', (t) => {
  let seed = 11;
  const rnd = (k: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
  for (let r = 0; r < 2000; r++) {
    const tags = Array.from({ length: rnd(12) }, () => rnd(64));
    let payload = concat([be32(0), ...tags.map((tag) => rawTlv(tag, be32(tag)))]);
    // Some payloads cut mid-attribute: only the attributes wholly present count.
    if (rnd(4) === 0 && payload.length > 4) payload = payload.subarray(0, 4 + rnd(payload.length - 4));
    const m = parseIsnsMessage(0x8002, 0x8c00, 1, payload);
    const present = m.attrs.map((a) => a.tag);
    for (let tag = 0; tag < 32; tag++) t.is((m.lowTags >>> tag) & 1, present.includes(tag) ? 1 : 0, `tag ${tag} of ${present.join(',')}`);
    t.is(tableMessage(m.functionId, m.flags, m.xid, m.payload, m).lowTags, m.lowTags);
  }
});

test('tableMessage into an earlier message makes it the message of the new bytes, as a new one would be: nothing of the old one is left', (t) => {
  let seed = 5;
  const rnd = (k: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
  // The first object reused is a parsed Heartbeat (its heartbeat and problems must not stay).
  const hb = parseIsnsMessage(0x000e, 0, 1, new Uint8Array(30));
  t.true(hb.heartbeat !== undefined && hb.problems.length > 0);
  let into = hb;
  for (let r = 0; r < 1000; r++) {
    const fid = [0x0001, 0x8001, 0x0002, 0x8002, 0x0004, 0x0008, 0x000d][rnd(7)]!;
    const tags = Array.from({ length: rnd(12) }, () => [0, 1, 16, 17, 27, 32, 33, 48, 51, 64][rnd(10)]!);
    let payload = concat([...(fid & 0x8000 ? [be32(rnd(3))] : []), ...tags.map((tag) => rawTlv(tag, be32(tag)))]);
    const truncated = rnd(4) === 0 && payload.length > 4;
    if (truncated) payload = payload.subarray(0, 4 + rnd(payload.length - 4));
    const m = parseIsnsMessage(fid, 0x8c00, r, payload, truncated);
    // Its attributes read first: what the object made of them must go too.
    void into.attrs;
    const fresh = tableMessage(fid, m.flags, m.xid, payload, m, truncated);
    const reused = tableMessage(fid, m.flags, m.xid, payload, m, truncated, into);
    t.is(reused, into, 'the same object');
    t.deepEqual(JSON.parse(JSON.stringify(reused)), JSON.parse(JSON.stringify(fresh)), `fid 0x${fid.toString(16)} tags ${tags.join(',')}`);
    t.deepEqual([reused.count, reused.keysFrom, reused.keysTo, reused.opFrom, reused.opClean, reused.lowTags], [fresh.count, fresh.keysFrom, fresh.keysTo, fresh.opFrom, fresh.opClean, fresh.lowTags]);
    into = reused;
  }
});

test('a parsed message serialises as the plain object it was before attributes became offsets (library users of onMessage)', (t) => {
  const hb = JSON.parse(JSON.stringify(parseIsnsMessage(0x000e, 0, 1, new Uint8Array(40), true)));
  t.deepEqual(Object.keys(hb), ['functionId', 'name', 'isResponse', 'xid', 'flags', 'status', 'attrs', 'problems', 'truncated', 'heartbeat']);
  const rspJson = JSON.parse(JSON.stringify(parseIsnsMessage(0x8001, 0, 7, concat([be32(0), tStr(1, 'e')]))));
  t.deepEqual(Object.keys(rspJson), ['functionId', 'name', 'isResponse', 'xid', 'flags', 'status', 'attrs', 'problems']);
  t.deepEqual(rspJson.attrs.map((a: { tag: number; role: string; object: number; abbrev: string }) => [a.tag, a.role, a.object, a.abbrev]), [[1, 'operating', 0, 'isns.entity_identifier']]);
  t.is(rspJson.name, 'DevAttrRegRsp');
});

test('ownAttrBytes: a kept message gets its own bytes; values stay the same when the original buffer is reused', (t) => {
  const payload = concat([tStr(32, 'iqn.a'), DELIM, tAddr(16, '192.0.2.7'), tPort(17, 3260), tU32(27, 0x37), tlv(28, new Uint8Array([1, 2, 3, 4]))]);
  const m = parseIsnsMessage(0x0001, 0x8c00, 1, payload);
  const before = m.attrs.map((a) => [a.tag, [...a.raw]]);
  ownAttrBytes(m);
  payload.fill(0xee);
  t.deepEqual(m.attrs.map((a) => [a.tag, [...a.raw]]), before);
  t.is((m.attrs[2]!.value as { ipv4?: string }).ipv4, '192.0.2.7');
  t.deepEqual(m.attrs[4]!.value, { kind: 'bitmap', value: 0x37, names: ['VALID', 'IKE/IPsec', 'Main Mode', 'PFS', 'Transport Mode'] });
  t.true(m.attrs.every((a) => a.raw.buffer !== payload.buffer));
});
