/** The portal walk's string memo (src/isns/portals/intern.ts) against rfcString, the decoder it stands in for. */
import test from 'ava';
import { rfcString } from '../dissector/isns/index.js';
import { Interner } from '../src/isns/portals/intern.js';

const enc = new TextEncoder();
/** A value as an attribute carries it: the text, then 1-4 NULs to a multiple of 4 bytes, at `pre` bytes into a buffer. */
function value(text: Uint8Array, pre = 3): { b: Uint8Array; off: number; len: number } {
  const len = (text.length + 4) & ~3;
  const b = new Uint8Array(pre + len + 5).fill(0x41);
  b.set(text, pre);
  b.fill(0, pre + text.length, pre + len);
  return { b, off: pre, len };
}

test('the same text as rfcString for every kind of value: ASCII, UTF-8, NUL inside, no padding, long, empty', (t) => {
  const s = new Interner();
  const cases: Uint8Array[] = [
    enc.encode('iqn.2026-11.bench:target0'),
    enc.encode('bench.entity.12'),
    enc.encode('ünïcödé-target'),
    Uint8Array.of(0x61, 0x62, 0, 0x63, 0x64),
    Uint8Array.of(0, 0x61),
    enc.encode('x'.repeat(511)),
    enc.encode('y'.repeat(512)),
    enc.encode('z'.repeat(2000)),
    new Uint8Array(0),
    Uint8Array.of(0xff, 0xfe),
  ];
  for (let round = 0; round < 3; round++)
    for (const c of cases) {
      const v = value(c);
      t.is(s.text(v.b, v.off, v.len), rfcString(v.b.subarray(v.off, v.off + v.len)));
    }
  // A value with no padding at all (its bytes run to its end)
  const raw = enc.encode('abcd');
  t.is(s.text(raw, 0, 4), 'abcd');
});

test('an ASCII text seen again is the same string object; texts that differ in one byte, in turn, are each read right', (t) => {
  const s = new Interner();
  const a = value(enc.encode('iqn.2026-11.example:host1.disk.abcdefgh'));
  const a2 = value(enc.encode('iqn.2026-11.example:host1.disk.abcdefgh'), 7);
  t.is(s.text(a.b, a.off, a.len), s.text(a2.b, a2.off, a2.len));
  // 40 characters differing only at index 5 (a memo keyed by a few sampled bytes would give each the other's text).
  const base = 'iqn.2026-11.example:host1.disk.abcdefgh';
  const texts = ['0', '1', '2', '3'].map((d) => base.slice(0, 5) + d + base.slice(6));
  let seed = 3;
  for (let i = 0; i < 2000; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const x = texts[seed % texts.length]!;
    const v = value(enc.encode(x), seed % 5);
    if (s.text(v.b, v.off, v.len) !== x) t.fail(`step ${i}: ${x}`);
  }
  t.pass();
});

test('random values, random offsets: always rfcString, and bounded (past max the memo starts over)', (t) => {
  const s = new Interner(8);
  let seed = 11;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let i = 0; i < 5000; i++) {
    const n = rnd(40);
    const bytes = Uint8Array.from({ length: n }, () => (rnd(20) === 0 ? 0 : rnd(8) === 0 ? 0x80 + rnd(0x80) : 0x21 + rnd(10)));
    const v = value(bytes, rnd(4));
    const want = rfcString(v.b.subarray(v.off, v.off + v.len));
    const got = s.text(v.b, v.off, v.len);
    if (got !== want) t.fail(`step ${i}: ${JSON.stringify(got)} !== ${JSON.stringify(want)}`);
  }
  t.true((s as unknown as { map: Map<number, string> }).map.size <= 8);
});
