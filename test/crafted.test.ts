/**
 * Portal records and findings on the crafted captures, against the ground
 * truth their generator wrote from what it encoded (captures/crafted/*.truth.json),
 * and the generator reproduces the committed captures byte for byte.
 */
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyze } from '../src/analyze.js';
import { generateAll } from '../tools/gen-crafted.js';
import { tempDir } from './helpers/tmp.js';

const DIR = resolve(new URL('../../captures/crafted', import.meta.url).pathname);
const truths = readdirSync(DIR).filter((f) => f.endsWith('.truth.json')).sort();

for (const tf of truths) {
  test(`crafted ${tf}: records, finding codes and PDUs match the generator's truth`, async (t) => {
    const truth = JSON.parse(readFileSync(join(DIR, tf), 'utf8'));
    const files: string[] = truth.files.map((f: string) => join(DIR, f));
    const pdus: [number, number, number, number][] = [];
    const r = await analyze(files, {
      onIsnsPdu: (p, res) => pdus.push([files.indexOf(p.file), p.frame, res.header?.functionId ?? -1, res.header?.xid ?? -1]),
    });
    const rel = (s: { file: string; frame: number; time: string }) => ({ ...s, file: s.file.slice(DIR.length + 1) });
    const got = r.portals.map((p) => {
      const { findings, ...rest } = p;
      return { ...rest, firstSeen: rel(p.firstSeen), lastSeen: rel(p.lastSeen), findingCodes: [...new Set(findings.map((f) => f.code))].sort() };
    });
    const want = truth.portals.map((p: { findingCodes: string[] }) => ({ ...p, findingCodes: [...new Set(p.findingCodes)].sort() }));
    t.deepEqual(got, want);
    t.deepEqual([...new Set(r.findings.map((f) => f.code))].sort(), truth.captureFindingCodes);
    t.deepEqual(pdus, truth.pdus);
  });
}

// The reader reuses one buffer from chunk to chunk, so bytes kept across packets (a registration
// waiting for its response, part of a PDU split over segments) must be copies: a kept view is
// overwritten by the next read. Regression: with a chunk boundary between a DevAttrReg and its
// response, the portal addresses and bitmaps came out as bytes of later packets (seen on captures
// over 1 MiB; on sample.pcapng chunk sizes 190, 246, 267, ... showed it).
test('every read chunk size from 64 to 1100 bytes gives the records of the default 1 MiB read', async (t) => {
  for (const tf of truths) {
    const truth = JSON.parse(readFileSync(join(DIR, tf), 'utf8'));
    const files: string[] = truth.files.map((f: string) => join(DIR, f));
    const want = JSON.stringify(await analyze(files));
    const bad: number[] = [];
    for (let hwm = 64; hwm <= 1100; hwm++) {
      if (JSON.stringify(await analyze(files, { read: { highWaterMark: hwm } })) !== want) bad.push(hwm);
    }
    t.deepEqual(bad, [], tf);
  }
});

test('the generator reproduces the committed crafted captures byte for byte', (t) => {
  const tmp = tempDir('crafted-');
  const written = generateAll(tmp);
  t.true(written.length > 10);
  for (const f of written) t.true(Buffer.compare(readFileSync(join(tmp, f)), readFileSync(join(DIR, f))) === 0, f);
});
