/**
 * The layout's rules, checked: no import cycles among src/ and dissector/
 * modules, no shipped source file over 400 lines, and the npm package ships
 * neither capture generators nor test helpers.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('no import cycles among src/ and dissector/ modules', (t) => {
  const r = spawnSync('python3', [join(ROOT, 'tools/import-cycles.py')], { encoding: 'utf8' });
  if (r.error) return t.pass('python3 not available: skipped');
  t.is(r.status, 0, r.stdout);
  t.regex(r.stdout, / 0 cycle\(s\)/);
});

test('no shipped source file is over 400 lines', (t) => {
  const long = [...tsFiles(join(ROOT, 'src')), ...tsFiles(join(ROOT, 'dissector'))]
    .map((f) => ({ f: f.slice(ROOT.length + 1), n: readFileSync(f, 'utf8').replace(/\n$/, '').split('\n').length }))
    .filter((x) => x.n > 400);
  t.deepEqual(long, []);
});

test('npm pack ships no generator, test helper or benchmark', (t) => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  t.is(r.status, 0, r.stderr);
  const files: string[] = JSON.parse(r.stdout)[0].files.map((x: { path: string }) => x.path);
  t.true(files.includes('dist/src/cli/main.js'));
  t.true(files.includes('dist/dissector/index.js'));
  t.deepEqual(files.filter((p) => /^dist\/(tools|test|bench)\/|craft|gen-crafted/.test(p)), []);
});
