/**
 * The field tree without tshark: Wireshark-mode rules worked out by hand
 * (each one is also checked against live tshark in isns-tshark.test.ts), the
 * full decode (authentication block, attributes Wireshark leaves "Not Decoded
 * Yet"), framing, and robustness on random bytes.
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { isnsTree, isnsPduLength, isns, MAX_AUTH } from '../dissector/isns/index.js';
import { be16, be32, concat } from '../tools/craft.js';
import { DELIM, authBlock, pdu, tAddr, tEmpty, tPort, tStr, tU32, tlv, F_CLIENT } from '../tools/craft-isns.js';
import { ascii, bytes, rawPdu, rawTlv, values } from './helpers/isns-encode.js';

const SRC = tStr(32, 'iqn.a');
const reg = (...t: Uint8Array[]): Uint8Array => pdu(0x0001, 1, concat([SRC, DELIM, ...t]));
const after = tStr(34, 'after');

test('Wireshark mode: a delimiter with a value shows no value item and the PDU goes on', (t) => {
  const p = pdu(0x0002, 1, concat([SRC, rawTlv(0, be32(7)), after]));
  t.deepEqual(values(p, 'isns.not_decoded_yet'), []);
  t.deepEqual(values(p, 'isns.iscsi_alias'), ['after']);
});

test('Wireshark mode: 4 stray bytes give a tag item without a length item', (t) => {
  const p = pdu(0x0002, 1, concat([SRC, DELIM, be32(34)]));
  t.deepEqual(values(p, 'isns.attr.tag'), ['32', '0', '34']);
  t.deepEqual(values(p, 'isns.attr.len'), ['8', '0']);
});

test('Wireshark mode: uint32 values of 1-3 bytes are read big-endian, longer ones by their first 4 bytes', (t) => {
  t.deepEqual(values(reg(rawTlv(19, bytes(0x41, 0x42)), after), 'isns.esi_interval'), [String(0x4142)]);
  t.deepEqual(values(reg(rawTlv(22, bytes(1, 2, 3, 4, 5, 6, 7, 8)), after), 'isns.portal.index'), [String(0x01020304)]);
});

test('Wireshark mode: port words and the PSB read 4 bytes whatever the length (into the next TLV)', (t) => {
  // value 0x41, then the alias TLV's tag 00 00 00 22: the port word is 41 00 00 00 → port 0
  const p = reg(rawTlv(17, bytes(0x41, 0x42, 0x43)), after);
  t.deepEqual(values(p, 'isns.portal_port'), [String(0x4300)]);
  t.deepEqual(values(p, 'isns.iscsi_alias'), ['after']);
  t.deepEqual(values(reg(rawTlv(27, bytes(0x41)), after), 'isns.psb'), ['0x41000000']);
});

test('Wireshark mode: Portal/PG addresses under 16 bytes end the PDU, longer ones show their first 16 bytes', (t) => {
  const short = reg(rawTlv(16, bytes(1, 2, 3, 4)), after);
  t.deepEqual(values(short, 'isns.portal.ip_address'), []);
  t.deepEqual(values(short, 'isns.iscsi_alias'), []);
  const long = reg(rawTlv(49, concat([new Uint8Array(10), bytes(0xff, 0xff, 192, 0, 2, 1, 9, 9, 9, 9)])), after);
  t.deepEqual(values(long, 'isns.pg_portal.ip_address'), ['::ffff:192.0.2.1']);
  t.deepEqual(values(long, 'isns.iscsi_alias'), ['after']);
});

test('Wireshark mode: checked lengths, Not Decoded Yet with any length, 0xffffffff strings to the end', (t) => {
  const p = reg(rawTlv(2, bytes(0, 0, 2)), tU32(65, 0x010203), tlv(2069, new Uint8Array(8)), tU32(5, 1), after);
  t.deepEqual(values(p, 'isns.invalid_attribute_length'), ['1', '1', '1']);
  t.deepEqual(values(p, 'isns.not_decoded_yet'), ['1']);
  t.deepEqual(values(p, 'isns.iscsi_alias'), ['after']);
  const nd = reg(rawTlv(11, bytes(1, 2), 400));
  t.deepEqual(values(nd, 'isns.not_decoded_yet'), ['1']);
  const toEnd = pdu(0x0002, 1, concat([SRC, rawTlv(34, ascii('abcd'), 0xffffffff)]));
  t.deepEqual(values(toEnd, 'isns.iscsi_alias'), ['abcd']);
});

test('Wireshark mode: an empty payload has no isns.payload and no not-first item; a zero-length PG tag is <NULL> only in DevAttrReg(Rsp)', (t) => {
  t.deepEqual(values(pdu(0x0002, 1, new Uint8Array(0), { flags: 0, seq: 1 }), 'isns.payload'), []);
  t.deepEqual(values(pdu(0x0002, 1, new Uint8Array(0), { flags: 0, seq: 1 }), 'isns.not_first_pdu'), []);
  t.deepEqual(values(pdu(0x0002, 1, tStr(34, 'x'), { flags: 0, seq: 1 }), 'isns.not_first_pdu'), ['1']);
  t.deepEqual(values(reg(tEmpty(51)), 'isns.portal_group_tag'), ['0']);
  t.deepEqual(values(pdu(0x0002, 1, concat([SRC, DELIM, tEmpty(51)])), 'isns.portal_group_tag'), []);
});

test('Wireshark mode: strings as ENC_ASCII (bytes >= 0x80 become U+FFFD, cut at the NUL); full mode decodes UTF-8', (t) => {
  const p = reg(rawTlv(18, bytes(0x63, 0xc3, 0xa9, 0x09, 0, 0x7a, 0, 0)));
  t.deepEqual(values(p, 'isns.portal.symbolic_name'), ['c\ufffd\ufffd\\t']);
  t.deepEqual(values(p, 'isns.portal.symbolic_name', 'tcp', true), ['cé\\t']);
});

test('UDP: Wireshark parses the whole datagram; TCP and --full stop at the PDU length', (t) => {
  const p = concat([pdu(0x0002, 1, concat([SRC, DELIM])), after]);
  t.deepEqual(values(p, 'isns.iscsi_alias', 'udp'), ['after']);
  t.deepEqual(values(p, 'isns.iscsi_alias', 'tcp'), []);
  t.deepEqual(values(p, 'isns.iscsi_alias', 'udp', true), []);
});

test('full mode: the authentication block, version range, FC port type, DD features, certificates', (t) => {
  const sig = bytes(0x30, 0x06, 2, 1, 1, 2, 1, 2);
  const p = pdu(0x0001, 1, concat([SRC, DELIM, tU32(5, 0x00030001), tU32(66, 0xff12), tU32(2078, 1), tlv(12, bytes(0x30, 0x82)), tAddr(16, '192.0.2.1'), tPort(17, 3260)]), { auth: authBlock('host-a', sig, 0x1_0000_0002n) });
  const v = (a: string): string[] => values(p, a, 'tcp', true);
  t.deepEqual(v('isnsx.protocol_version_range.max'), ['3']);
  t.deepEqual(v('isnsx.protocol_version_range.min'), ['1']);
  t.deepEqual(v('isnsx.fc_port_type'), ['0x0000ff12']);
  t.deepEqual(v('isnsx.dd_features'), ['0x00000001']);
  t.deepEqual(v('isnsx.entity_certificate'), ['30820000']); // padded to 4 by the encoder
  t.deepEqual(v('isnsx.certificate_length'), ['4']);
  t.deepEqual(v('isns.not_decoded_yet'), []);
  t.deepEqual(v('isns.portal.ip_address'), ['::ffff:192.0.2.1']);
  t.deepEqual(v('isnsx.auth.bsd'), ['0x00000002']);
  t.deepEqual(v('isnsx.auth.length'), [String(20 + 6 + 8)]);
  t.deepEqual(v('isnsx.auth.timestamp'), [String(0x1_0000_0002)]);
  t.deepEqual(v('isnsx.auth.spi_length'), ['6']);
  t.deepEqual(v('isnsx.auth.spi'), ['host-a']);
  t.deepEqual(v('isnsx.auth.signature'), ['3006020101020102']);
  // Wireshark mode: none of it
  t.deepEqual(values(p, 'isnsx.auth.bsd'), []);
  t.deepEqual(values(p, 'isns.not_decoded_yet').length, 4);
});

test('framing: PDU length + authentication block; need more bytes; implausible block lengths; unknown IDs rejected', (t) => {
  const body = concat([SRC, DELIM]); // 'iqn.a' + NUL padded to 8 → 16-byte TLV, + 8-byte delimiter = 24
  const withAuth = pdu(0x0002, 1, body, { auth: authBlock('s', bytes(1, 2, 3)) });
  t.deepEqual(isnsPduLength(ByteView.of(withAuth)), { length: 12 + 24 + 24 });
  // only the header and payload present: the block's length word is needed
  t.deepEqual(isnsPduLength(ByteView.of(withAuth.subarray(0, 40))), { need: 12 + 24 + 8 });
  t.deepEqual(isnsPduLength(ByteView.of(withAuth.subarray(0, 5))), { need: 12 });
  for (const alen of [8, MAX_AUTH + 1, 0xffffffff]) {
    const lie = concat([rawPdu(0x0002, 24, 0x8c00 | 0x2000, 1, 0, body), be32(2), be32(alen)]);
    t.deepEqual(isnsPduLength(ByteView.of(lie)), { length: 36 }, `block length ${alen} not believed`);
  }
  t.deepEqual(isnsPduLength(ByteView.of(rawPdu(0x0002, 6, F_CLIENT, 1, 0, new Uint8Array(6)))), { length: 18 }, 'unaligned lengths accepted, as Wireshark does');
  t.true('invalid' in isnsPduLength(ByteView.of(rawPdu(0x0002, 0, 0, 1, 0, new Uint8Array(0), 2))));
  for (const fid of [0x0000, 0x000f, 0x0100, 0x800e, 0x8000, 0xffff]) t.true('invalid' in isnsPduLength(ByteView.of(rawPdu(fid, 0, 0, 1, 0, new Uint8Array(0)))), `0x${fid.toString(16)}`);
  t.true(isns.probe!(ByteView.of(withAuth)));
  t.false(isns.probe!(ByteView.of(concat([be16(1), be16(0x0100), new Uint8Array(8)]))));
  t.is(isns.framing!.maxPduLength, 12 + 65535 + MAX_AUTH);
});

test('isnsTree and dissectPdu never throw on random or truncated PDUs', (t) => {
  let seed = 11;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const base = reg(tAddr(16, '10.0.0.1'), tPort(17, 3260), tU32(27, 0x7f), tStr(34, 'x'));
  for (let i = 0; i < 3000; i++) {
    const b = base.slice(0, Math.floor(rnd() * (base.length + 1)));
    for (let k = 12; k < b.length; k++) if (rnd() < 0.08) b[k] = Math.floor(rnd() * 256);
    if (b.length >= 4 && rnd() < 0.3) b[3] = [0x01, 0x0e, 0x02, 0x01][i % 4]!;
    for (const transport of ['tcp', 'udp'] as const) {
      t.notThrows(() => isnsTree(b, { transport, full: false }));
      t.notThrows(() => isnsTree(b, { transport, full: true }));
      t.notThrows(() => isns.dissectPdu(ByteView.of(b), { tree: false, transport, srcPort: 1, dstPort: 3205 }));
    }
  }
});
