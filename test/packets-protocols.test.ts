/**
 * `packets -e` for the IKE/ESP/UDP-encapsulation and iSCSI fields equals
 * tshark 4.0 on every frame tshark decodes, for every capture that has
 * tshark's output committed next to it (NAME.tshark-{isakmp,esp,udpencap,
 * iscsi}.tsv: captures/tshark-goldens.sh and the crafting tools write them),
 * through the whole pipeline (reader, reassembly, framing with each
 * connection's digests, ICMP-quoted datagrams) — against live tshark when it
 * is installed, else against the committed output.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { captureFiles } from './helpers/captures.js';
import { CLI } from './helpers/cli.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const fieldsOf = (p: string): string[] => readFileSync(join(ROOT, `test/fixtures/tshark-G-fields-${p}.tsv`), 'utf8').trim().split('\n').map((l) => l.split('\t')[2]!);
const F = { isakmp: fieldsOf('isakmp'), esp: fieldsOf('esp'), udpencap: fieldsOf('udpencap'), iscsi: fieldsOf('iscsi') };

/** The golden files and what they hold: the protocols of their columns and tshark's display filter. */
function goldens(cap: string): { file: string; fields: string[]; filter: string }[] {
  const out: { file: string; fields: string[]; filter: string }[] = [];
  for (const p of ['isakmp', 'esp', 'udpencap', 'iscsi'] as const) {
    const file = `${cap}.tshark-${p}.tsv`;
    if (!existsSync(file)) continue;
    const cols = readFileSync(file, 'utf8').split('\n')[0]!.split('\t').length;
    // The crafted IKE captures' files hold all three IPsec protocols (tools/craft-ike.ts).
    if (p === 'isakmp' && cols === 1 + F.isakmp.length + F.esp.length + F.udpencap.length) out.push({ file, fields: [...F.isakmp, ...F.esp, ...F.udpencap], filter: 'isakmp || esp || udpencap' });
    else out.push({ file, fields: F[p], filter: p });
  }
  return out;
}

const lines = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));

for (const cap of captureFiles(join(ROOT, 'captures'), false)) {
  for (const g of goldens(cap)) {
    const name = `${cap.slice(ROOT.length + 1)} (${g.filter})`;
    test(`packets -e equals tshark: ${name}`, (t) => {
      const args = ['-e', 'frame.number', ...g.fields.flatMap((f) => ['-e', f])];
      const cli = (): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [CLI, 'packets', ...args, cap], { maxBuffer: 1 << 28 });
      let run = cli();
      // In CI (3 times in about 8 full runs, always this test, never reproduced in ~3,000 runs here) CLI
      // processes failed before reading anything, for a second or more in a row: Node's module loader
      // said a module of dist/ lacked an export it has (dist/ was not rewritten: same times). That is
      // not what this test checks: such a run is logged and run again, up to 4 times a second apart;
      // the output must still equal tshark's.
      for (let k = 0; k < 4 && run.status !== 0 && /does not provide an export named/.test(run.stderr.toString()); k++) {
        t.log(`the CLI could not load its modules (try ${k + 1}), run again: ${run.stderr.toString().slice(0, 300)}`);
        // What the module named looks like on disk now (for the next one to look into this).
        const m = /module '\.\/([\w.-]+)' does not provide an export named '(\w+)'/.exec(run.stderr.toString());
        if (m) t.log(spawnSync('sh', ['-c', `find "${join(ROOT, 'dist')}" -name "${m[1]}" -exec ls -l --time-style=full-iso {} \\; -exec grep -c "export .*\\b${m[2]}\\b" {} \\;`]).stdout.toString());
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
        run = cli();
      }
      const ours = lines(run.stdout.toString());
      const theirs = haveTshark
        ? lines(spawnSync('tshark', ['-r', cap, '-Y', g.filter, '-T', 'fields', '-E', 'occurrence=a', ...args], { maxBuffer: 1 << 28 }).stdout.toString())
        : lines(readFileSync(g.file, 'utf8'));
      if (!haveTshark) t.log('tshark not installed: comparing with the committed output');
      t.true(theirs.length > 0 || ours.length === 0);
      // (how the CLI ended, should its output differ)
      t.deepEqual(ours, theirs, `exit status ${run.status}, signal ${run.signal}, stderr: ${run.stderr.toString().slice(0, 500)}${run.error ? `, error: ${run.error.message}` : ''}`);
      t.log(`${theirs.length} frames × ${g.fields.length + 1} columns equal`);
    });
  }
}
