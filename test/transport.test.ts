/**
 * TCP and UDP dissectors: header fields, TCP options for the tree, payload
 * bounds (within the IP payload, UDP length honoured), and malformed vs
 * truncated headers.
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { tsharkValue, walk } from '../dissector/core/field.js';
import type { LayerResult } from '../dissector/core/protocol.js';
import { ipv4 } from '../dissector/net/ipv4.js';
import { tcp, type TcpInfo } from '../dissector/transport/tcp.js';
import { udp, type UdpInfo } from '../dissector/transport/udp.js';
import * as c from '../tools/craft.js';

const TREE = { tree: true } as const;
const FAST = { tree: false } as const;

function fields(r: LayerResult): Map<string, string> {
  const m = new Map<string, string[]>();
  for (const n of walk(r.tree)) m.set(n.def.abbrev, [...(m.get(n.def.abbrev) ?? []), tsharkValue(n)]);
  return new Map([...m].map(([k, v]) => [k, v.join(',')]));
}

const bytesOf = (r: LayerResult): Uint8Array => r.payload!.bytes(0, r.payload!.captured);

// ---------------------------------------------------------------- TCP

test('TCP: ports, raw seq/ack, flags, header length, window, payload', (t) => {
  // 20-byte header, seq 0xfffffff0, ack 7, SYN|ACK, window 1234, 5 bytes of data
  const seg = c.tcp('192.0.2.1', '192.0.2.2', 40000, 3205, c.hexBytes('0102030405'), { seq: 0xfffffff0, ack: 7, flags: c.TCP_SYN | c.TCP_ACK, window: 1234 });
  for (const ctx of [TREE, FAST]) {
    const r = tcp.dissect(ByteView.of(seg), ctx);
    t.deepEqual(r.info, { srcport: 40000, dstport: 3205, seq: 0xfffffff0, ack: 7, flags: 0x012, headerLength: 20, window: 1234 } satisfies TcpInfo);
    t.is(r.next, undefined);
    t.deepEqual([...bytesOf(r)], [1, 2, 3, 4, 5]);
    t.is(r.problems, undefined);
  }
  const f = fields(tcp.dissect(ByteView.of(seg), TREE));
  t.is(f.get('tcp.srcport'), '40000');
  t.is(f.get('tcp.seq_raw'), '4294967280');
  t.is(f.get('tcp.flags'), '0x0012');
  t.is(f.get('tcp.flags.syn'), '1');
  t.is(f.get('tcp.flags.fin'), '0');
  t.is(f.get('tcp.hdr_len'), '20');
  t.is(f.get('tcp.len'), '5');
  t.is(f.get('tcp.window_size_value'), '1234');
});

test('TCP options: MSS, SACK permitted, timestamps, NOP, window scale, SACK, EOL', (t) => {
  const opts = c.hexBytes(
    '020405b4' + // MSS 1460
      '0402' + // SACK permitted
      '080a 00000001 00000002' + // timestamps 1 / 2
      '01' + // NOP
      '030307' + // window scale 7
      '050a 00000010 00000020' + // SACK 16-32
      '0000', // EOL, EOL
  );
  const seg = c.tcp('192.0.2.1', '192.0.2.2', 1, 2, new Uint8Array(3), { seq: 9, options: opts });
  const r = tcp.dissect(ByteView.of(seg), TREE);
  t.is((r.info as TcpInfo).headerLength, 52);
  t.is(r.payload!.start, 52);
  t.is(r.problems, undefined);
  const f = fields(r);
  t.is(f.get('tcp.option_kind'), '2,4,8,1,3,5,0,0');
  t.is(f.get('tcp.option_len'), '4,2,10,3,10');
  t.is(f.get('tcp.options.mss_val'), '1460');
  t.is(f.get('tcp.options.wscale.shift'), '7');
  t.is(f.get('tcp.options.wscale.multiplier'), '128');
  t.is(f.get('tcp.options.timestamp.tsval'), '1');
  t.is(f.get('tcp.options.timestamp.tsecr'), '2');
  t.is(f.get('tcp.options.sack_le'), '16');
  t.is(f.get('tcp.options.sack_re'), '32');
  t.is(f.get('tcp.options'), '020405b40402080a000000010000000201030307050a00000010000000200000');
  // fast path: options are not parsed at all
  const q = tcp.dissect(ByteView.of(seg), FAST);
  t.is(q.tree, undefined);
  t.is(q.problems, undefined);
});

test('TCP option with a bad length: a problem, earlier options kept, payload still delivered', (t) => {
  // MSS, then a timestamps option claiming 40 bytes in an 8-byte remainder
  const seg = c.tcp('192.0.2.1', '192.0.2.2', 1, 2, c.hexBytes('aa'), { seq: 1, options: c.hexBytes('020405b4 0828 0000 00000000') });
  const r = tcp.dissect(ByteView.of(seg), TREE);
  t.is(r.problems?.length, 1);
  t.is(r.problems![0]!.kind, 'malformed');
  t.is(r.problems![0]!.offset, 25);
  t.is(fields(r).get('tcp.options.mss_val'), '1460');
  t.deepEqual([...bytesOf(r)], [0xaa]);
  // an MSS option of length 3 (must be 4) and a zero length are bad too
  for (const o of ['0203 0000', '0800 0000']) {
    const s = c.tcp('192.0.2.1', '192.0.2.2', 1, 2, new Uint8Array(0), { seq: 1, options: c.hexBytes(o) });
    t.is(tcp.dissect(ByteView.of(s), TREE).problems?.[0]?.kind, 'malformed', o);
  }
});

test('TCP data offset < 5 or beyond the segment is malformed; header cut by snaplen truncated', (t) => {
  const seg = c.tcp('192.0.2.1', '192.0.2.2', 1, 2, new Uint8Array(4), { seq: 1 });
  const small = seg.slice();
  small[12] = 0x40; // 16 bytes
  const r1 = tcp.dissect(ByteView.of(small), FAST);
  t.is(r1.problems?.[0]?.kind, 'malformed');
  t.is(r1.payload, undefined);
  t.is((r1.info as TcpInfo).srcport, 1);
  const big = seg.slice();
  big[12] = 0xf0; // 60 bytes in a 24-byte segment
  const r2 = tcp.dissect(ByteView.of(big), TREE);
  t.is(r2.problems?.[0]?.kind, 'malformed');
  t.is(r2.problems?.[0]?.offset, 12);
  t.is(r2.payload, undefined);
  const cut = tcp.dissect(new ByteView(seg.subarray(0, 12), 0, seg.length, 12), TREE);
  t.is(cut.info, null);
  t.is(cut.problems?.[0]?.kind, 'truncated');
  const short = tcp.dissect(ByteView.of(seg.subarray(0, 12)), FAST);
  t.is(short.problems?.[0]?.kind, 'malformed');
  // options present on the wire but cut by snaplen: truncated (tree) while the fast path still delivers
  const withOpts = c.tcp('192.0.2.1', '192.0.2.2', 1, 2, new Uint8Array(10), { seq: 1, options: c.hexBytes('020405b4 01010402') });
  const v = new ByteView(withOpts.subarray(0, 24), 0, withOpts.length, 24);
  t.is(tcp.dissect(v, TREE).problems?.[0]?.kind, 'truncated');
  const fast = tcp.dissect(v, FAST);
  t.is(fast.payload!.length, 10);
  t.is(fast.payload!.captured, 0);
});

test('TCP payload ends with the IP payload (Ethernet padding excluded)', (t) => {
  // a bare ACK in an IPv4 packet followed by 6 bytes of Ethernet padding
  const ip = c.ipv4('192.0.2.1', '192.0.2.2', 6, c.tcp('192.0.2.1', '192.0.2.2', 3205, 40000, new Uint8Array(0), { seq: 1, flags: c.TCP_ACK }));
  const r = ipv4.dissect(ByteView.of(c.concat([ip, c.hexBytes('000000000000')])), FAST);
  const s = tcp.dissect(r.payload!, TREE);
  t.is(s.payload!.length, 0);
  t.is(fields(s).get('tcp.len'), '0');
});

// ---------------------------------------------------------------- UDP

test('UDP: ports, length, payload honours the UDP length', (t) => {
  const d = c.udp('192.0.2.1', '192.0.2.2', 3205, 53, c.hexBytes('0a0b0c'));
  for (const ctx of [TREE, FAST]) {
    const r = udp.dissect(ByteView.of(c.concat([d, c.hexBytes('ffff')])), ctx); // 2 stray bytes after the datagram
    t.deepEqual(r.info, { srcport: 3205, dstport: 53, length: 11 } satisfies UdpInfo);
    t.deepEqual([...bytesOf(r)], [0x0a, 0x0b, 0x0c]);
    t.is(r.problems, undefined);
    t.is(r.next, undefined);
  }
  const f = fields(udp.dissect(ByteView.of(d), TREE));
  t.is(f.get('udp.srcport'), '3205');
  t.is(f.get('udp.dstport'), '53');
  t.is(f.get('udp.length'), '11');
  // checksum as craft.ts wrote it (bytes 6-7 of the datagram)
  t.is(f.get('udp.checksum'), '0x' + ((d[6]! << 8) | d[7]!).toString(16).padStart(4, '0'));
});

test('UDP length < 8 or beyond the IP payload: malformed, payload clipped', (t) => {
  const d = c.udp('192.0.2.1', '192.0.2.2', 1, 2, new Uint8Array(10));
  const big = d.slice();
  big[4] = 0x01; // length 0x0112 = 274
  const r1 = udp.dissect(ByteView.of(big), FAST);
  t.is(r1.problems?.[0]?.kind, 'malformed');
  t.is(r1.problems?.[0]?.offset, 4);
  t.is(r1.payload!.length, 10);
  const small = d.slice();
  small[4] = 0;
  small[5] = 5;
  const r2 = udp.dissect(ByteView.of(small), FAST);
  t.is(r2.problems?.[0]?.kind, 'malformed');
  t.is(r2.payload!.length, 0);
  const cut = udp.dissect(new ByteView(d.subarray(0, 6), 0, d.length, 6), FAST);
  t.is(cut.problems?.[0]?.kind, 'truncated');
  t.is(cut.info, null);
});
