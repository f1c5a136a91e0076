/**
 * Texts that findings repeat thousands of times, checked against their
 * definitions written out here: a bitmap's description (RFC 4171 §6.3.9 bits,
 * lowest first: VALID 0x01, IKE 0x02, MAIN 0x04, AGGR 0x08, PFS 0x10,
 * TRANSPORT 0x20, TUNNEL 0x40, anything above is reserved) and a finding's
 * display filter (its frames in ascending order, once each).
 */
import test from 'ava';
import fc from 'fast-check';
import { describeBitmap } from '../src/isns/bitmap.js';
import { displayFilter } from '../src/findings/locate.js';

const SHORT = ['VALID', 'IKE', 'MAIN', 'AGGR', 'PFS', 'TRANSPORT', 'TUNNEL'];

function described(v: number): string {
  const u = v >>> 0;
  const names = SHORT.filter((_, bit) => (u >>> bit) & 1);
  if (u > 0x7f) names.push('RSVD');
  return `0x${u.toString(16).padStart(8, '0')} (${names.length ? names.join('|') : 'no bits'})`;
}

test('describeBitmap: hex and the names of the set bits, for any 32-bit value, asked once or many times', (t) => {
  t.is(describeBitmap(0x37), '0x00000037 (VALID|IKE|MAIN|PFS|TRANSPORT)');
  t.is(describeBitmap(0), '0x00000000 (no bits)');
  t.is(describeBitmap(0x80000001), '0x80000001 (VALID|RSVD)');
  // Far more distinct values than are remembered, each asked twice, some as negative numbers.
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), { minLength: 300, maxLength: 600 }), (vs) => {
      for (const v of [...vs, ...vs]) if (describeBitmap(v) !== described(v)) return false;
      return true;
    }),
    { numRuns: 20 },
  );
});

test('displayFilter: the frames ascending, once each, whatever order they come in', (t) => {
  t.is(displayFilter([]), null);
  t.is(displayFilter([7]), 'frame.number in {7}');
  t.is(displayFilter([3, 11, 12]), 'frame.number in {3 11 12}');
  t.is(displayFilter([12, 3, 12, 11]), 'frame.number in {3 11 12}');
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 12 }), (frames) => {
      const want = [...new Set(frames)].sort((a, b) => a - b);
      return displayFilter(frames) === `frame.number in {${want.join(' ')}}`;
    }),
  );
});
