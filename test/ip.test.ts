/**
 * IPv4 and IPv6 dissectors: header fields, options and extension headers,
 * lengths honoured (padding excluded, clipping), fragments, and the
 * truncated (snaplen) vs malformed (declared length) distinction.
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { tsharkValue, walk, type FieldNode } from '../dissector/core/field.js';
import type { LayerResult } from '../dissector/core/protocol.js';
import { ipv4, type IpInfo } from '../dissector/net/ipv4.js';
import { ipv6 } from '../dissector/net/ipv6.js';
import * as c from '../tools/craft.js';

const TREE = { tree: true } as const;
const FAST = { tree: false } as const;

function fields(r: LayerResult): Map<string, string> {
  const m = new Map<string, string[]>();
  for (const n of walk(r.tree)) m.set(n.def.abbrev, [...(m.get(n.def.abbrev) ?? []), tsharkValue(n)]);
  return new Map([...m].map(([k, v]) => [k, v.join(',')]));
}

function node(r: LayerResult, abbrev: string): FieldNode | undefined {
  for (const n of walk(r.tree)) if (n.def.abbrev === abbrev) return n;
  return undefined;
}

const info = (r: LayerResult): IpInfo => r.info as IpInfo;
const udp8 = (src: string, dst: string, payload = new Uint8Array(0)): Uint8Array => c.udp(src, dst, 3205, 3205, payload);

// ---------------------------------------------------------------- IPv4

test('IPv4: header fields, next by protocol, payload = header end .. total length', (t) => {
  // 20-byte header, total length 28, id 0x1234, TTL 64, proto 17; then 8 bytes UDP; then 18 bytes of Ethernet padding
  const pkt = c.ipv4('192.0.2.1', '198.51.100.2', 17, udp8('192.0.2.1', '198.51.100.2'));
  const padded = c.concat([pkt, new Uint8Array(18)]);
  for (const ctx of [TREE, FAST]) {
    const r = ipv4.dissect(ByteView.of(padded), ctx);
    t.deepEqual(r.info, { version: 4, src: '192.0.2.1', dst: '198.51.100.2', proto: 17 });
    t.deepEqual(r.next, { table: 'ip.proto', key: 17 });
    t.is(r.payload!.start, 20);
    t.is(r.payload!.length, 8, 'padding is not payload');
    t.is(r.problems, undefined);
  }
  const f = fields(ipv4.dissect(ByteView.of(padded), TREE));
  t.is(f.get('ip.version'), '4');
  t.is(f.get('ip.hdr_len'), '20');
  t.is(f.get('ip.len'), '28');
  t.is(f.get('ip.id'), '0x1234');
  t.is(f.get('ip.flags'), '0x00');
  t.is(f.get('ip.ttl'), '64');
  t.is(f.get('ip.proto'), '17');
  t.is(f.get('ip.src'), '192.0.2.1');
  t.is(f.get('ip.dst'), '198.51.100.2');
});

test('IPv4 options: IHL honoured, options listed in the tree', (t) => {
  // options (8 bytes): Router Alert 94 04 0000, NOP, NOP, NOP, EOL → IHL 7 (28 bytes)
  const pkt = c.ipv4('192.0.2.1', '192.0.2.2', 6, new Uint8Array(20), { options: c.hexBytes('94040000 01010100') });
  const r = ipv4.dissect(ByteView.of(pkt), TREE);
  t.is(r.payload!.start, 28);
  t.is(r.payload!.length, 20);
  t.is(r.problems, undefined);
  const f = fields(r);
  t.is(f.get('ip.hdr_len'), '28');
  t.is(f.get('ip.opt.type'), '148,1,1,1,0');
  t.is(f.get('ip.opt.len'), '4');
  t.is(f.get('ip.opt.ra'), '0');
  t.is(node(r, 'ip.hdr_len')!.text, 'Header Length: 28 bytes (7)');
});

test('IPv4 option with a bad length: a problem, not a throw; the packet still goes on', (t) => {
  // option type 7 (record route) claiming 40 bytes in a 4-byte option area
  const pkt = c.ipv4('192.0.2.1', '192.0.2.2', 17, udp8('192.0.2.1', '192.0.2.2'), { options: c.hexBytes('07280000') });
  const r = ipv4.dissect(ByteView.of(pkt), TREE);
  t.is(r.problems?.length, 1);
  t.is(r.problems![0]!.kind, 'malformed');
  t.is(r.problems![0]!.offset, 21);
  t.deepEqual(r.next, { table: 'ip.proto', key: 17 });
});

test('IPv4 total length beyond the frame: malformed, payload clipped to the frame', (t) => {
  // total length claims 1000; the frame carries 20 + 8 bytes
  const pkt = c.ipv4('192.0.2.1', '192.0.2.2', 17, udp8('192.0.2.1', '192.0.2.2'), { totalLength: 1000 });
  const r = ipv4.dissect(ByteView.of(pkt), FAST);
  t.is(r.problems?.[0]?.kind, 'malformed');
  t.is(r.problems?.[0]?.offset, 2);
  t.is(r.payload!.length, 8);
  t.deepEqual(r.next, { table: 'ip.proto', key: 17 });
});

test('IPv4 total length below the header length: malformed, nothing goes on', (t) => {
  const pkt = c.ipv4('192.0.2.1', '192.0.2.2', 17, udp8('192.0.2.1', '192.0.2.2'), { totalLength: 12 });
  const r = ipv4.dissect(ByteView.of(pkt), FAST);
  t.is(r.problems?.[0]?.kind, 'malformed');
  t.is(r.next, undefined);
  t.is(r.payload?.length ?? 0, 0);
});

test('IPv4 total length 0 (TSO on the sending host): the rest of the frame is payload', (t) => {
  const pkt = c.ipv4('192.0.2.1', '192.0.2.2', 6, new Uint8Array(3000), { totalLength: 0 });
  const r = ipv4.dissect(ByteView.of(pkt), FAST);
  t.is(r.problems, undefined);
  t.is(r.payload!.length, 3000);
});

test('IPv4 bogus header length and version are malformed', (t) => {
  const pkt = c.ipv4('192.0.2.1', '192.0.2.2', 17, udp8('192.0.2.1', '192.0.2.2'));
  const ihl4 = pkt.slice();
  ihl4[0] = 0x44; // IHL 4 = 16 bytes
  const r1 = ipv4.dissect(ByteView.of(ihl4), FAST);
  t.is(r1.problems?.[0]?.kind, 'malformed');
  t.is(r1.next, undefined);
  const v5 = pkt.slice();
  v5[0] = 0x55;
  const r2 = ipv4.dissect(ByteView.of(v5), FAST);
  t.is(r2.problems?.[0]?.kind, 'malformed');
  t.is(r2.next, undefined);
  const ihl15 = pkt.slice();
  ihl15[0] = 0x4f; // 60-byte header in a 28-byte packet
  t.is(ipv4.dissect(ByteView.of(ihl15), FAST).problems?.[0]?.kind, 'malformed');
});

test('IPv4 cut by snaplen: truncated in the header, fine (payload short) in the data', (t) => {
  // 20 + 8 + 100 bytes on the wire
  const pkt = c.ipv4('192.0.2.1', '192.0.2.2', 17, udp8('192.0.2.1', '192.0.2.2', new Uint8Array(100)));
  const inHeader = ipv4.dissect(new ByteView(pkt.subarray(0, 16), 0, pkt.length, 16), TREE);
  t.is(inHeader.info, null);
  t.is(inHeader.problems?.[0]?.kind, 'truncated');
  t.is(inHeader.problems?.[0]?.offset, 0);
  const withOpts = c.ipv4('192.0.2.1', '192.0.2.2', 17, new Uint8Array(8), { options: c.hexBytes('01010100') });
  const inOpts = ipv4.dissect(new ByteView(withOpts.subarray(0, 22), 0, withOpts.length, 22), FAST);
  t.is(inOpts.problems?.[0]?.kind, 'truncated');
  t.is(inOpts.next, undefined);
  const inData = ipv4.dissect(new ByteView(pkt.subarray(0, 60), 0, pkt.length, 60), FAST);
  t.is(inData.problems, undefined);
  t.is(inData.payload!.length, 108);
  t.is(inData.payload!.captured, 40);
});

test('IPv4 fragments: no next, fragment info in bytes; DF alone is not a fragment', (t) => {
  // first fragment: MF, offset 0, id 77
  const first = ipv4.dissect(ByteView.of(c.ipv4('192.0.2.1', '192.0.2.2', 17, new Uint8Array(16), { id: 77, moreFragments: true })), TREE);
  t.is(first.next, undefined);
  t.deepEqual(info(first).fragment, { id: 77, offset: 0, more: true });
  t.is(first.payload!.length, 16);
  t.is(fields(first).get('ip.flags.mf'), '1');
  // last fragment: offset 1480 bytes (185 units), MF clear
  const last = ipv4.dissect(ByteView.of(c.ipv4('192.0.2.1', '192.0.2.2', 17, new Uint8Array(16), { id: 77, fragOffset: 1480 })), TREE);
  t.is(last.next, undefined);
  t.deepEqual(info(last).fragment, { id: 77, offset: 1480, more: false });
  t.is(fields(last).get('ip.frag_offset'), '185');
  t.is(node(last, 'ip.frag_offset')!.text, 'Fragment Offset: 1480');
  const df = ipv4.dissect(ByteView.of(c.ipv4('192.0.2.1', '192.0.2.2', 17, udp8('192.0.2.1', '192.0.2.2'), { dontFragment: true })), TREE);
  t.is(info(df).fragment, undefined);
  t.deepEqual(df.next, { table: 'ip.proto', key: 17 });
  t.is(fields(df).get('ip.flags'), '0x02');
});

// ---------------------------------------------------------------- IPv6

test('IPv6: fixed header, inet_ntop text, next by next header', (t) => {
  const pkt = c.ipv6('::ffff:192.0.2.1', '2001:db8:0:0:1::1', 17, udp8('::ffff:192.0.2.1', '2001:db8:0:0:1::1'), 33);
  const padded = c.concat([pkt, new Uint8Array(6)]);
  for (const ctx of [TREE, FAST]) {
    const r = ipv6.dissect(ByteView.of(padded), ctx);
    t.deepEqual(r.info, { version: 6, src: '::ffff:192.0.2.1', dst: '2001:db8::1:0:0:1', proto: 17 });
    t.deepEqual(r.next, { table: 'ip.proto', key: 17 });
    t.is(r.payload!.start, 40);
    t.is(r.payload!.length, 8);
  }
  const f = fields(ipv6.dissect(ByteView.of(pkt), TREE));
  t.is(f.get('ipv6.plen'), '8');
  t.is(f.get('ipv6.nxt'), '17');
  t.is(f.get('ipv6.hlim'), '33');
});

test('IPv6 hop-by-hop then fragment header: a fragment of UDP', (t) => {
  const ext = c.concat([
    c.hexBytes('2c00 0104 00000000'), // hop-by-hop: next 44, len 0 (8 bytes), PadN of 4
    c.hexBytes('11 00 0029 12345678'), // fragment: next 17, offset 5 units (40 bytes), M=1, id 0x12345678
    new Uint8Array(16), // 16 bytes of the fragmented part
  ]);
  const pkt = c.ipv6('2001:db8::1', '2001:db8::2', 0, ext);
  const r = ipv6.dissect(ByteView.of(pkt), TREE);
  t.is(r.next, undefined);
  t.deepEqual(r.info, { version: 6, src: '2001:db8::1', dst: '2001:db8::2', proto: 17, fragment: { id: 0x12345678, offset: 40, more: true } });
  t.is(r.payload!.start, 56);
  t.is(r.payload!.length, 16);
  const f = fields(r);
  t.is(f.get('ipv6.hopopts.nxt'), '44');
  t.is(f.get('ipv6.hopopts.len_oct'), '8');
  t.is(f.get('ipv6.opt.type'), '0x01');
  t.is(f.get('ipv6.fraghdr.offset'), '5');
  t.is(f.get('ipv6.fraghdr.more'), '1');
  t.is(f.get('ipv6.fraghdr.ident'), '0x12345678');
  t.is(node(r, 'ipv6.fraghdr.offset')!.text, 'Offset: 5 (40 bytes)');
});

test('IPv6 atomic fragment (offset 0, M 0) is skipped', (t) => {
  const u = udp8('2001:db8::1', '2001:db8::2');
  const pkt = c.ipv6('2001:db8::1', '2001:db8::2', 44, c.concat([c.hexBytes('11 00 0000 00000001'), u]));
  const r = ipv6.dissect(ByteView.of(pkt), FAST);
  t.deepEqual(r.next, { table: 'ip.proto', key: 17 });
  t.is(info(r).fragment, undefined);
  t.is(r.payload!.start, 48);
  t.is(r.payload!.length, 8);
});

test('IPv6 routing, destination options and AH headers are walked', (t) => {
  const tcpSeg = c.tcp('2001:db8::1', '2001:db8::2', 1, 3205, new Uint8Array(0), { seq: 1 });
  const ext = c.concat([
    c.hexBytes('3c00 0400 00000000'), // routing: next 60, len 0, type 4, segleft 0, 4 bytes
    c.hexBytes('33 01 0102 00000000 01020000 00000000'), // dest options: next 51, len 1 (16 bytes): PadN 2, PadN... padding
    c.hexBytes('06 04 0000 00000100 00000007 aabbccdd eeff0011 22334455'), // AH: next 6, len 4 → 24 bytes, SPI 0x100, seq 7, 12-byte ICV
    tcpSeg,
  ]);
  const pkt = c.ipv6('2001:db8::1', '2001:db8::2', 43, ext);
  const r = ipv6.dissect(ByteView.of(pkt), TREE);
  t.deepEqual(r.next, { table: 'ip.proto', key: 6 });
  t.is(info(r).proto, 6);
  t.is(r.payload!.start, 40 + 8 + 16 + 24);
  t.is(r.payload!.length, 20);
  const f = fields(r);
  t.is(f.get('ipv6.routing.type'), '4');
  t.is(f.get('ipv6.dstopts.nxt'), '51');
  t.is(f.get('ah.spi'), '0x00000100');
  t.is(f.get('ah.sequence'), '7');
});

test('IPv6 ESP stops the walk; No Next Header has no next', (t) => {
  const esp = ipv6.dissect(ByteView.of(c.ipv6('2001:db8::1', '2001:db8::2', 50, new Uint8Array(24))), FAST);
  t.is(esp.next, undefined);
  t.is(info(esp).proto, 50);
  const none = ipv6.dissect(ByteView.of(c.ipv6('2001:db8::1', '2001:db8::2', 60, c.hexBytes('3b00 0104 00000000'))), FAST);
  t.is(none.next, undefined);
  t.is(info(none).proto, 59);
});

test('IPv6 extension header past the payload length is malformed; past the capture truncated', (t) => {
  // payload length 8 but the hop-by-hop header claims 16 bytes (len 1)
  const pkt = c.ipv6('2001:db8::1', '2001:db8::2', 0, c.hexBytes('1101 0000 00000000 0000000000000000'));
  pkt[5] = 8;
  const r = ipv6.dissect(ByteView.of(pkt), FAST);
  t.is(r.problems?.[0]?.kind, 'malformed');
  t.is(r.next, undefined);
  // the same header complete on the wire but the capture stops at byte 44
  const ok = c.ipv6('2001:db8::1', '2001:db8::2', 0, c.concat([c.hexBytes('1101 0000 00000000 0000000000000000'), udp8('2001:db8::1', '2001:db8::2')]));
  const cut = ipv6.dissect(new ByteView(ok.subarray(0, 44), 0, ok.length, 44), FAST);
  t.is(cut.problems?.[0]?.kind, 'truncated');
  t.is(cut.problems?.[0]?.offset, 40);
  t.is(info(cut).src, '2001:db8::1');
});

test('IPv6 payload length beyond the frame: malformed and clipped; 0 means the rest', (t) => {
  const pkt = c.ipv6('2001:db8::1', '2001:db8::2', 17, udp8('2001:db8::1', '2001:db8::2'));
  const big = pkt.slice();
  big[4] = 0x01; // plen 0x0108 = 264
  const r = ipv6.dissect(ByteView.of(big), FAST);
  t.is(r.problems?.[0]?.kind, 'malformed');
  t.is(r.payload!.length, 8);
  t.deepEqual(r.next, { table: 'ip.proto', key: 17 });
  const zero = pkt.slice();
  zero[5] = 0;
  const z = ipv6.dissect(ByteView.of(c.concat([zero, new Uint8Array(4)])), FAST);
  t.is(z.problems, undefined);
  t.is(z.payload!.length, 12);
});

test('IPv6 header cut by snaplen is truncated; a short packet or bad version malformed', (t) => {
  const pkt = c.ipv6('2001:db8::1', '2001:db8::2', 17, udp8('2001:db8::1', '2001:db8::2'));
  t.is(ipv6.dissect(new ByteView(pkt.subarray(0, 30), 0, pkt.length, 30), FAST).problems?.[0]?.kind, 'truncated');
  t.is(ipv6.dissect(ByteView.of(pkt.subarray(0, 30)), FAST).problems?.[0]?.kind, 'malformed');
  const v4 = pkt.slice();
  v4[0] = 0x40;
  const r = ipv6.dissect(ByteView.of(v4), FAST);
  t.is(r.problems?.[0]?.kind, 'malformed');
  t.is(r.next, undefined);
});

test('IPv6 endless chain of extension headers is bounded', (t) => {
  // 100 destination-options headers each naming another one
  const chainBytes = new Uint8Array(800);
  for (let i = 0; i < 100; i++) chainBytes[i * 8] = 60;
  const r = ipv6.dissect(ByteView.of(c.ipv6('2001:db8::1', '2001:db8::2', 60, chainBytes)), TREE);
  t.is(r.problems?.[0]?.kind, 'malformed');
  t.is(r.next, undefined);
});
