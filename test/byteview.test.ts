import test from 'ava';
import { ByteView, formatIpv6, MalformedError, TruncatedError } from '../dissector/core/byteview.js';
import { ipv6Bytes } from '../tools/craft.js';

test('reads big- and little-endian integers at named offsets', (t) => {
  // 01 02 03 04 05 06 07 08 ff
  const v = ByteView.of(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 0xff));
  t.is(v.u8(8), 255);
  t.is(v.u16(0), 0x0102);
  t.is(v.u16le(0), 0x0201);
  t.is(v.u24(1), 0x020304);
  t.is(v.u32(0), 0x01020304);
  t.is(v.u32le(0), 0x04030201);
  t.is(v.u64(0), 0x0102030405060708n);
  t.is(v.hex(6, 3), '0708ff');
});

test('u32 of 0xffffffff is unsigned', (t) => {
  t.is(ByteView.of(Uint8Array.of(0xff, 0xff, 0xff, 0xff)).u32(0), 4294967295);
});

test('past the captured end is Truncated, past the declared end is Malformed', (t) => {
  // 8 bytes declared, 4 captured (snaplen)
  const v = new ByteView(Uint8Array.of(1, 2, 3, 4), 0, 8, 4);
  t.is(v.u32(0), 0x01020304);
  t.throws(() => v.u8(4), { instanceOf: TruncatedError });
  t.throws(() => v.u8(8), { instanceOf: MalformedError });
  t.throws(() => v.sub(2, 10), { instanceOf: MalformedError });
  const s = v.sub(2, 4); // declared 4, only 2 captured
  t.is(s.captured, 2);
  t.is(s.u16(0), 0x0304);
  t.throws(() => s.u8(2), { instanceOf: TruncatedError });
});

test('sub-views report absolute offsets in errors', (t) => {
  const v = ByteView.of(new Uint8Array(20)).sub(10, 4);
  const e = t.throws(() => v.u32(2), { instanceOf: MalformedError });
  t.is(e.offset, 12);
});

test('formatIpv6 follows glibc inet_ntop (what tshark prints)', (t) => {
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:7f00:1', '::127.0.0.1'], // IPv4-compatible, open-isns style
    ['0:0:0:0:0:ffff:c000:201', '::ffff:192.0.2.1'], // IPv4-mapped
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:100', '::100'], // ::0.0.1.0 prints as hex
    ['0:0:0:0:0:0:1:0', '::0.1.0.0'],
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // first of two equal runs wins
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero group is not compressed
    ['64:ff9b:0:0:0:0:102:304', '64:ff9b::102:304'],
    ['0:0:0:0:0:ffff:0:0', '::ffff:0.0.0.0'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
  ];
  for (const [groups, want] of cases) {
    const b = ipv6Bytes(groups);
    t.is(formatIpv6(b, 0), want, groups);
  }
});
