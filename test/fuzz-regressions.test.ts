/**
 * Every input the fuzzer ever failed on (test/fuzz/regressions/*.bin) and a set
 * of hand-made hostile inputs go through the whole pipeline: no exception, no
 * hang, results formatted in every output format.
 */
import test from 'ava';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runOnce } from './fuzz/fuzz.js';

const DIR = resolve(new URL('../../test/fuzz/regressions', import.meta.url).pathname);

const files = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.bin')).sort() : [];

test('hand-made hostile inputs: empty, one byte, a bare header, random bytes', async (t) => {
  const inputs: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.of(0xd4),
    // pcap LE header only (24 bytes), µs magic, v2.4, snaplen 65535, linktype 1
    Uint8Array.from([0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]),
    Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24),
  ];
  for (const b of inputs) t.is(await runOnce(b), null);
});

for (const f of files) {
  test(`fuzz regression ${f}`, async (t) => {
    t.is(await runOnce(readFileSync(join(DIR, f))), null);
  });
}
