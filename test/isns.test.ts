/**
 * The iSNS dissector on hand-made PDUs: Wireshark-compatible trees (checked
 * against live tshark when installed), our full decode, message roles, and
 * message assembly.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isnsTree, parseIsnsMessage, dissectIsnsPdu, isnsPduLength, isnsPduLengthAt } from '../dissector/isns/index.js';
import { ByteView } from '../dissector/core/byteview.js';
import { tsharkValue, walk } from '../dissector/core/field.js';
import { MessageAssembler, type MessageEvent } from '../src/isns/assembler.js';
import type { Finding } from '../src/findings/registry.js';
import type { FramedPdu } from '../src/flow/pdu.js';
import { concat, ethUdp, pcapFile, be32 } from '../tools/craft.js';
import { DELIM, multiPdu, pdu, rsp, tAddr, tEmpty, tlv, tPort, tRawStr, tStr, tU32, F_FIRST, F_SERVER } from '../tools/craft-isns.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function values(pduBytes: Uint8Array, abbrev: string, transport: 'tcp' | 'udp' = 'tcp', full = false): string[] {
  const out: string[] = [];
  for (const n of walk(isnsTree(pduBytes, { transport, full }))) if (n.def.abbrev === abbrev) out.push(tsharkValue(n));
  return out;
}

/** tshark's -e values for UDP datagrams carrying these payloads (one line per frame). */
function tshark(payloads: Uint8Array[], fields: string[]): string[] {
  const dir = tempDir('isns-');
  const f = join(dir, 'x.pcap');
  writeFileSync(f, pcapFile(payloads.map((p, i) => ({ data: ethUdp('10.0.0.2', '10.0.0.1', 3205, 3205, p), sec: 1795464000 + i, nsec: 0 }))));
  return spawnSync('tshark', ['-r', f, '-Y', 'isns', '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((x) => ['-e', x])]).stdout.toString().replace(/\n$/, '').split('\n');
}

const FIELDS = ['isns.iscsi_name', 'isns.portal.symbolic_name', 'isns.portal_group_tag', 'isns.invalid_attribute_length', 'isns.not_decoded_yet', 'isns.heartbeat.address', 'isns.heartbeat.tcpport', 'isns.heartbeat.interval', 'isns.attr.tag', 'isns.port_id', 'isns.member_fc_port_name'];

const CASES: Uint8Array[] = [
  // strings: non-ASCII bytes, a tab, bytes after the NUL
  pdu(0x0001, 1, concat([tRawStr(32, Uint8Array.from([0x69, 0x71, 0x6e, 0xc3, 0xa9, 0x09, 0x41])), DELIM, tlv(18, Uint8Array.from([0x65, 0x30, 0, 0x7a, 0x7a]))])),
  // zero-length PG tag in a DevAttrReg (Wireshark adds "PG Tag: <NULL>") and in a DevAttrQry (it does not)
  pdu(0x0001, 2, concat([tStr(32, 'a'), DELIM, tAddr(16, '10.0.0.1'), tPort(17, 3260), tEmpty(51), tStr(48, 'b')])),
  pdu(0x0002, 3, concat([tStr(32, 'a'), DELIM, tEmpty(51)])),
  // RFC-correct 4-byte Port ID / 8-byte DD member FC port name: Wireshark wants 3 and 4 bytes
  pdu(0x0001, 4, concat([tStr(32, 'a'), DELIM, tU32(65, 0x010203), tlv(2069, new Uint8Array(8).fill(1)), tlv(65, Uint8Array.of(1, 2, 3)), tlv(2069, be32(77))])),
  // Not-decoded and unknown tags
  pdu(0x0001, 5, concat([tStr(32, 'a'), DELIM, tU32(5, 0x00010001), tlv(28, new Uint8Array(8)), tU32(999, 1)])),
  // Heartbeat (fixed layout)
  pdu(0x000e, 6, concat([new Uint8Array(10), Uint8Array.of(0xff, 0xff, 10, 0, 0, 9), Uint8Array.of(0x0c, 0x85, 0, 0), be32(30), be32(4), new Uint8Array(4)])),
];

test('Wireshark-compatible values equal tshark on crafted PDUs (strings, NULL PG tag, length checks, ND tags, heartbeat)', (t) => {
  if (!haveTshark) return t.pass('tshark not installed: skipped');
  const ts = tshark(CASES, FIELDS);
  t.is(ts.length, CASES.length);
  CASES.forEach((c, i) => {
    const ours = FIELDS.map((f) => values(c, f, 'udp').join(',')).join('\t');
    t.is(ours, ts[i], `case ${i}`);
  });
});

test('UDP: Wireshark parses trailing bytes as attributes; --full honours the PDU length', (t) => {
  const body = concat([tStr(32, 'a'), DELIM]);
  const dgram = concat([pdu(0x0002, 9, body), tStr(34, 'trailing')]);
  t.deepEqual(values(dgram, 'isns.iscsi_alias', 'udp'), ['trailing']);
  t.deepEqual(values(dgram, 'isns.iscsi_alias', 'udp', true), []);
  if (haveTshark) t.is(tshark([dgram], ['isns.iscsi_alias'])[0], 'trailing');
});

test('full decode: UTF-8 strings, RFC lengths, version range', (t) => {
  const c = pdu(0x0001, 1, concat([tRawStr(32, Uint8Array.from([0x69, 0xc3, 0xa9])), DELIM, tU32(65, 0x010203), tU32(5, 0x00020001)]));
  t.deepEqual(values(c, 'isns.iscsi_name', 'tcp', true), ['ié']);
  t.deepEqual(values(c, 'isns.iscsi_name', 'tcp', false), ['i\ufffd\ufffd']);
  t.deepEqual(values(c, 'isnsx.port_id', 'tcp', true), ['0x010203']);
  t.deepEqual(values(c, 'isnsx.protocol_version_range.max', 'tcp', true), ['2']);
  t.deepEqual(values(c, 'isnsx.protocol_version_range.min', 'tcp', true), ['1']);
});

test('message roles: source, key, delimiter, operating; SCN and ESI have no source or delimiter', (t) => {
  const reg = parseIsnsMessage(0x0001, 0x8c00, 1, concat([tStr(32, 'iqn.x'), tStr(1, 'e'), DELIM, tStr(1, 'e'), tAddr(16, '10.0.0.1'), tPort(17, 3260), tStr(32, 'iqn.x')]));
  t.deepEqual(reg.attrs.map((a) => a.role), ['source', 'key', 'delimiter', 'operating', 'operating', 'operating', 'operating']);
  t.deepEqual(reg.attrs.map((a) => a.object), [-1, -1, -1, 0, 1, 1, 2]);
  const esi = parseIsnsMessage(0x000d, 0x8c00, 2, concat([tlv(4, new Uint8Array(8)), tStr(1, 'e'), tAddr(16, '10.0.0.1'), tPort(17, 3260)]));
  t.true(esi.attrs.every((a) => a.role === 'operating'));
  const r = parseIsnsMessage(0x8001, 0x4c00, 1, rsp(8));
  t.is(r.status, 8);
  t.deepEqual(r.attrs, []);
  const bad = parseIsnsMessage(0x0001, 0x8c00, 1, concat([tStr(32, 'a'), be32(16), be32(400)]));
  t.regex(bad.problems.join(), /length 400 runs past the end/);
});

test('framing: PDU length plus the authentication block; unknown function ids and versions are not claimed', (t) => {
  t.deepEqual(isnsPduLength(ByteView.of(pdu(0x0002, 1, new Uint8Array(8)))), { length: 20 });
  t.true('invalid' in isnsPduLength(ByteView.of(Uint8Array.from([0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]))));
  t.true('invalid' in isnsPduLength(ByteView.of(Uint8Array.from([0, 1, 0x01, 0x05, 0, 0, 0, 0, 0, 0, 0, 0]))));
  const r = dissectIsnsPdu(ByteView.of(pdu(0x0002, 1, new Uint8Array(6))), 'tcp');
  t.regex(r.problems.join(), /not a multiple of 4/);
});

test('framing from the bytes (isnsPduLengthAt) gives isnsPduLength\'s length, and -1 exactly when it gives none, on 20000 random headers at random offsets', (t) => {
  let seed = 5;
  const rnd = (k: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % k;
  const fids = [0x0001, 0x0002, 0x8002, 0x000e, 0x0105, 0x7fff, 0x0000];
  let lengths = 0;
  for (let r = 0; r < 20000; r++) {
    const b = new Uint8Array(40 + rnd(200)).map(() => rnd(256));
    const o = rnd(16);
    // Mostly plausible headers: version 1, a function from the list, a small length, the auth flag half the time.
    if (rnd(8) > 0) {
      b[o] = 0;
      b[o + 1] = rnd(10) === 0 ? 2 : 1;
      const fid = fids[rnd(fids.length)]!;
      b[o + 2] = fid >> 8;
      b[o + 3] = fid & 255;
      b[o + 4] = 0;
      b[o + 5] = rnd(64);
      b[o + 6] = rnd(2) ? 0x20 : rnd(256);
      const at = o + 12 + b[o + 5]! + 4;
      if (rnd(2) && at + 4 <= b.length) b.set([0, 0, 0, [8, 20, 36, 200][rnd(4)]!], at);
    }
    const n = Math.max(0, b.length - o - rnd(60));
    const r1 = isnsPduLength(new ByteView(b, o, n));
    t.is(isnsPduLengthAt(b, o, n), 'length' in r1 ? r1.length : -1, `offset ${o}, ${n} bytes`);
    if ('length' in r1) lengths++;
  }
  t.true(lengths > 5000, `${lengths} headers framed`);
});

function fpdu(bytes: Uint8Array, frame: number, dir: 0 | 1 = 0): FramedPdu {
  const a = { addr: '10.0.0.2', port: 40000 };
  const b = { addr: '10.0.0.1', port: 3205 };
  return { file: 'f', transport: 'tcp', src: dir ? b : a, dst: dir ? a : b, conversation: 'c', streamIndex: 0, bytes, frames: [frame], frame, ts: { sec: 0, nsec: 0, digits: 6 } };
}

function assemble(pdus: FramedPdu[]): { msgs: MessageEvent[]; findings: Finding[] } {
  const msgs: MessageEvent[] = [];
  const findings: Finding[] = [];
  const m = new MessageAssembler({ message: (e) => msgs.push(e), finding: (f) => findings.push(f) });
  for (const p of pdus) m.pdu(p, dissectIsnsPdu(ByteView.of(p.bytes), 'tcp'));
  m.finish();
  return { msgs, findings };
}

test('message assembly: PDUs joined in sequence order, an attribute straddling PDUs decoded, response matched', (t) => {
  const body = concat([tStr(32, 'iqn.2026-11.lab:straddle'), tStr(1, 'e'), DELIM, tAddr(16, '10.9.9.9'), tPort(17, 3260), tU32(27, 0x37)]);
  const parts = multiPdu(0x0001, 44, body, [12, 40]);
  const { msgs, findings } = assemble([...parts.map((p, i) => fpdu(p, i + 1)), fpdu(pdu(0x8001, 44, rsp(0)), 9, 1)]);
  t.is(msgs.length, 2);
  t.is(msgs[0]!.pdus.length, 3);
  t.deepEqual(msgs[0]!.message.attrs.map((a) => a.tag), [32, 1, 0, 16, 17, 27]);
  t.is(msgs[1]!.request, msgs[0]);
  t.deepEqual(findings, []);
});

test('message assembly: a missing middle PDU, a stray continuation and an unanswered request are findings', (t) => {
  const parts = multiPdu(0x0002, 7, concat([tStr(32, 'a'), DELIM, tEmpty(16), tEmpty(17)]), [8, 16]);
  const stray = pdu(0x0001, 8, new Uint8Array(8), { flags: 0x8000, seq: 3 });
  const { findings } = assemble([fpdu(parts[0]!, 1), fpdu(parts[2]!, 3), fpdu(stray, 4)]);
  const codes = findings.map((f) => f.code);
  t.true(codes.includes('MALFORMED_PDU'));
  t.true(findings.some((f) => /sequence id 2 where 1 was expected/.test(f.message)));
  t.true(findings.some((f) => /without a First PDU/.test(f.message)));
  t.true(codes.includes('UNANSWERED_REQUEST'));
});

test('a response status at the start of a non-first PDU is not read (Wireshark and RFC agree)', (t) => {
  const cont = pdu(0x8002, 3, concat([tStr(32, 'x')]), { flags: F_SERVER, seq: 1 });
  t.deepEqual(values(cont, 'isns.errorcode'), []);
  t.deepEqual(values(cont, 'isns.not_first_pdu').length, 1);
  t.deepEqual(values(pdu(0x8002, 3, rsp(9), { flags: F_SERVER | F_FIRST | 0x800 }), 'isns.errorcode'), ['9']);
  void ROOT;
});
