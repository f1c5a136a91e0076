/**
 * `packets -e` over all 103 isns.* fields equals tshark 4.0's own output on
 * every frame tshark decodes fully, for every capture in captures/ — against
 * live tshark when installed, else against the output committed next to each
 * capture (captures/tshark-goldens.sh). Frames tshark marks malformed (where
 * it misframes authentication blocks or fails on straddling attributes) are
 * compared separately in test/isns.test.ts.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { captureFiles } from './helpers/captures.js';
import { CLI } from './helpers/cli.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const FIELDS = readFileSync(join(ROOT, 'test/fixtures/tshark-G-fields-isns.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')[2]!);
const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

const args = FIELDS.flatMap((f) => ['-e', f]);

function byFrame(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const l of text.split('\n')) if (l) m.set(l.split('\t')[0]!, l);
  return m;
}

test('the field table snapshot is tshark 4.0\'s 103 isns.* fields', (t) => {
  t.is(FIELDS.length, 103);
});

for (const cap of captureFiles(join(ROOT, 'captures'), false)) {
  const name = cap.slice(ROOT.length + 1);
  test(`packets -e equals tshark on ${name}`, (t) => {
    let ts: string;
    let malformed: Set<string>;
    let notIsns: Set<string>;
    const NOTISNS = '!isns && (tcp.len > 0 || udp.length > 8) && !(tcp.port == 3205 || udp.port == 3205)';
    if (haveTshark) {
      // tshark exits non-zero on a cut capture but still prints every frame it read.
      ts = spawnSync('tshark', ['-r', cap, '-Y', 'isns', '-T', 'fields', '-E', 'occurrence=a', '-e', 'frame.number', ...args], { maxBuffer: 64 << 20 }).stdout.toString();
      malformed = new Set(spawnSync('tshark', ['-r', cap, '-Y', 'isns && _ws.malformed', '-T', 'fields', '-e', 'frame.number']).stdout.toString().split('\n').filter(Boolean));
      notIsns = new Set(spawnSync('tshark', ['-r', cap, '-Y', NOTISNS, '-T', 'fields', '-e', 'frame.number']).stdout.toString().split('\n').filter(Boolean));
    } else {
      if (!existsSync(`${cap}.tshark-fields.tsv`)) return t.pass('no tshark and no committed output');
      t.log('tshark not installed: comparing with the committed tshark output');
      ts = readFileSync(`${cap}.tshark-fields.tsv`, 'utf8');
      malformed = new Set(readFileSync(`${cap}.tshark-malformed.txt`, 'utf8').split('\n').filter(Boolean));
      notIsns = new Set(existsSync(`${cap}.tshark-notisns.txt`) ? readFileSync(`${cap}.tshark-notisns.txt`, 'utf8').split('\n').filter(Boolean) : []);
    }
    const ours = spawnSync(process.execPath, [CLI, 'packets', '-e', 'frame.number', ...args, cap], { maxBuffer: 64 << 20 }).stdout.toString();
    const a = byFrame(ours);
    const b = byFrame(ts);
    let compared = 0;
    for (const [frame, line] of b) {
      if (malformed.has(frame)) continue;
      t.is(a.get(frame), line, `frame ${frame}`);
      compared++;
    }
    // Frames we report that tshark does not show as iSNS at all: only off port 3205 (ESI/SCN ports
    // learned from registrations, where Wireshark follows just the first connection).
    const extra = [...a.keys()].filter((f) => !b.has(f));
    for (const frame of extra) t.true(malformed.has(frame) || notIsns.has(frame), `frame ${frame} is iSNS for us only`);
    if (extra.length) t.log(`frames decoded beyond Wireshark: ${extra.join(', ')}`);
    t.true(compared + malformed.size === b.size, 'every tshark frame is compared or left out as malformed');
    t.log(`${compared} frames equal${malformed.size ? `, ${malformed.size} frames tshark marks malformed left out` : ''}`);
  });
}
