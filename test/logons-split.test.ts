/**
 * Hostile segmentation: every TCP payload of every logon story split in two
 * segments at every byte, and every UDP datagram (IKE, NAT-T, ESP in UDP, iSNS
 * over UDP) sent as two IPv4 fragments at every 8-byte boundary, gives the
 * logon records of the story's truth (frame numbers mapped back: the split
 * frame's two halves are the original frame).
 */
import test from 'ava';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { analyze } from '../src/analyze.js';
import { mapFrames, readCraftedPcap, splitVariants } from './helpers/split-frames.js';
import { tempDir } from './helpers/tmp.js';

const CRAFTED = resolve(new URL('../../captures/crafted', import.meta.url).pathname);
const tmp = tempDir('logon-split-');

for (const tf of readdirSync(CRAFTED).filter((f) => /^logon-.*\.truth\.json$/.test(f)).sort()) {
  test(`${tf}: every split position gives the truth's logon records`, async (t) => {
    const truth = JSON.parse(readFileSync(join(CRAFTED, tf), 'utf8'));
    const frames = readCraftedPcap(readFileSync(join(CRAFTED, truth.files[0])));
    const file = join(tmp, truth.files[0]);
    const bad: string[] = [];
    let n = 0;
    for (const v of splitVariants(frames)) {
      n++;
      writeFileSync(file, v.bytes);
      const r = await analyze([file]);
      const got = (r.logons ?? []).map(({ findings, ...rest }) => ({ ...rest, findingCodes: findings.map((f) => f.code) }));
      if (!isDeepStrictEqual(mapFrames(got, v.at), truth.logons)) bad.push(`${v.what}: ${JSON.stringify(mapFrames(got, v.at))}`);
      if (r.portals.length !== truth.portals.length) bad.push(`${v.what}: ${r.portals.length} portals`);
    }
    t.true(n > 100, `${n} variants`);
    t.deepEqual(bad.slice(0, 10), []);
  });
}
