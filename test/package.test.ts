/**
 * The package as users get it: `npm pack`, installed offline into a fresh
 * project (the tarball and pcap-parser's own, packed from node_modules: no
 * registry access), then
 *  - the README's library examples run as written, as ESM and as CommonJS
 *    (require() of this ES module, Node >= 20.19);
 *  - TypeScript with `moduleResolution: node` (node10, TypeScript 6 when it
 *    can be installed) finds `isns-dissector` and `isns-dissector/dissector`,
 *    and the exported types (IsnsPduResult, the check functions) check;
 *  - the README's CI snippets run as written from the tarball (GitHub
 *    Actions and GitLab CI lines), and the check snippet from this checkout;
 *  - the tarball holds no source map, generator or stale file, and a LICENSE.
 */
import test from 'ava';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SAMPLE = join(ROOT, 'captures/crafted/sample.pcapng');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const work = tempDir('pkg-');
const sh = (cmd: string, cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> =>
  spawnSync('sh', ['-c', cmd], { cwd, encoding: 'utf8', env: { ...process.env, GITHUB_ACTIONS: '', npm_config_update_notifier: 'false', npm_config_fund: 'false', ...env }, maxBuffer: 64 << 20 });

/** The fenced block that follows `<!-- marker -->` in the README. */
function block(marker: string): string {
  const i = README.indexOf(`<!-- ${marker} -->`);
  if (i < 0) throw new Error(`README has no <!-- ${marker} --> block`);
  const m = /```[a-z]*\n([\s\S]*?)```/.exec(README.slice(i));
  return m![1]!;
}

let packed: { tgz: string; dep: string; files: string[] } | null = null;
function pack(): { tgz: string; dep: string; files: string[] } {
  if (packed) return packed;
  const dest = join(work, 'packs');
  mkdirSync(dest, { recursive: true });
  // --ignore-scripts: the tests' own build is what is packed (prepack would clean dist/ under the other tests).
  const r = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const j = JSON.parse(r.stdout)[0] as { filename: string; files: { path: string }[] };
  const d = spawnSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest, join(ROOT, 'node_modules/pcap-parser')], { encoding: 'utf8' });
  if (d.status !== 0) throw new Error(d.stderr);
  packed = { tgz: join(dest, j.filename), dep: join(dest, JSON.parse(d.stdout)[0].filename), files: j.files.map((f) => f.path) };
  return packed;
}

/** A fresh project with the tarball installed offline. */
function project(name: string, type: 'module' | 'commonjs'): string {
  const { tgz, dep } = pack();
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type }));
  const r = sh(`npm install --offline --no-audit --no-fund "${tgz}" "${dep}"`, dir);
  if (r.status !== 0) throw new Error(`npm install --offline failed:\n${r.stderr}`);
  copyFileSync(SAMPLE, join(dir, 'capture.pcapng'));
  return dir;
}

test('npm pack: no source maps, generators or stale files; LICENSE, schema and every entry point present', (t) => {
  const { files } = pack();
  t.deepEqual(files.filter((f) => f.endsWith('.map')), []);
  t.deepEqual(files.filter((f) => /^dist\/(tools|test|bench)\/|craft|gen-crafted|generator/.test(f)), []);
  for (const f of ['LICENSE', 'README.md', 'package.json', 'schema/portals.schema.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/dissector/index.js', 'dist/src/cli/main.js', 'dist/bin/isns-dissector.js', 'dist/bin/thread.js']) t.true(files.includes(f), f);
  // every shipped .js comes from a source file in the tree (no stale output of a deleted module);
  // dist/bin is the bundle of those (tools/bundle.ts), made anew by every build
  const stale = files.filter((f) => f.endsWith('.js') && !f.startsWith('dist/bin/')).filter((f) => !existsSync(join(ROOT, f.replace(/^dist\//, '').replace(/\.js$/, '.ts'))));
  t.deepEqual(stale, []);
  t.regex(readFileSync(join(ROOT, 'LICENSE'), 'utf8'), /^MIT License/);
  t.is(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license, 'MIT');
});

test('the README\'s library examples run from the installed tarball, as ESM and as CommonJS', (t) => {
  const esm = project('esm-app', 'module');
  writeFileSync(join(esm, 'example.mjs'), block('example: example.mjs'));
  const a = sh('node example.mjs', esm);
  t.is(a.status, 0, a.stderr);
  t.regex(a.stdout, /^6 portals, 1 capture-level findings$/m);
  t.regex(a.stdout, /^192\.0\.2\.10 3260 BITMAP_CONFLICT frame\.number in \{5 11\}$/m);
  t.regex(a.stdout, /^26 packets from capture\.pcapng$/m); // sample.pcapng: 26 frames (tshark -r)
  t.regex(a.stdout, /^aborted: AbortError$/m);
  t.false(a.stderr.includes('ExperimentalWarning'));
  const cjs = project('cjs-app', 'commonjs');
  writeFileSync(join(cjs, 'example.cjs'), block('example: example.cjs'));
  const b = sh('node example.cjs', cjs);
  t.is(b.status, 0, b.stderr);
  t.is(b.stdout, `isns-dissector ${PKG.version}: 6 portals\n`);
  const d = sh(`node -e "const d = require('isns-dissector/dissector'); console.log(typeof d.createRegistry)"`, cjs);
  t.is(d.stdout, 'function\n', d.stderr);
});

test('TypeScript with moduleResolution node (node10) finds isns-dissector/dissector and the exported types', (t) => {
  const dir = project('ts-node10', 'commonjs');
  const ts = sh('npm install --prefer-offline --no-audit --no-fund --no-save typescript@6', dir);
  if (ts.status !== 0) {
    t.log(`TypeScript 6 could not be installed (no npm cache or registry): skipped\n${ts.stderr.slice(0, 300)}`);
    return t.pass();
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'commonjs', moduleResolution: 'node', ignoreDeprecations: '6.0', strict: true, noEmit: true, types: [], lib: ['es2022'], skipLibCheck: true }, files: ['index.ts'] }));
  writeFileSync(join(dir, 'index.ts'), [
    "import { analyze, compareWithBaseline, junitXml, makeBaseline, type IsnsPduResult, type CheckReport } from 'isns-dissector';",
    "import { createRegistry, ByteView } from 'isns-dissector/dissector';",
    'const seen: IsnsPduResult[] = [];',
    'void createRegistry; void ByteView;',
    "export async function f(): Promise<CheckReport> { const r = await analyze('capture.pcapng', { onIsnsPdu: (_p, x) => seen.push(x) }); junitXml([], 0); return compareWithBaseline(r, makeBaseline(r)); }",
  ].join('\n'));
  const c = sh('node node_modules/typescript/bin/tsc -p tsconfig.json', dir);
  t.is(c.status, 0, c.stdout + c.stderr);
});

test('the README\'s CI snippets run as written: from the packed tarball (GitHub Actions, GitLab CI) and from a checkout', (t) => {
  const { tgz, dep } = pack();
  for (const ci of ['github', 'gitlab']) {
    const dir = join(work, `ci-${ci}`);
    mkdirSync(join(dir, 'vendor'), { recursive: true });
    mkdirSync(join(dir, 'captures'), { recursive: true });
    copyFileSync(tgz, join(dir, 'vendor', `isns-dissector-${PKG.version}.tgz`));
    copyFileSync(SAMPLE, join(dir, 'captures', 'nightly.pcapng'));
    const lines = block(`ci-snippet: ${ci}`).split('\n').map((l) => /^\s*- (?:run: )?((?:npm|npx) .*)$/.exec(l)?.[1]).filter((l): l is string => !!l);
    t.true(lines.length >= 2, lines.join('\n'));
    t.false(lines.some((l) => /--yes/.test(l)), 'never npx --yes');
    // The install line, the README's baseline refresh (a repository commits its baseline once), the rest.
    const refresh = block('ci-snippet: refresh').trim();
    const order = [lines[0]!, refresh, ...lines.slice(1)];
    t.regex(order[0]!, /^npm install /);
    for (const l of order) {
      // Offline here: the install line also gets pcap-parser's tarball (CI installs it from the registry).
      const cmd = l.startsWith('npm install') ? `${l} "${dep}"` : l;
      const r = sh(cmd, dir, { npm_config_offline: 'true' });
      t.is(r.status, 0, `${ci}: ${cmd}\n${r.stdout}\n${r.stderr}`);
    }
    t.true(existsSync(join(dir, 'baselines', 'isns.json')), 'the refresh line wrote the baseline');
    t.regex(readFileSync(join(dir, 'out', 'isns-junit.xml'), 'utf8'), /<testsuites name="isns-dissector" tests="\d+" failures="0" errors="0"/);
  }
  // From a checkout (after `npm ci`): the same command with npx --no finds the checkout's own bin.
  const b = join(work, 'checkout-baseline.json');
  const check = /npx --no isns-dissector check .*/.exec(block('ci-snippet: github'))![0];
  const r = sh(check.replace('captures/nightly.pcapng', SAMPLE).replace('baselines/isns.json', b).replace(/--junit \S+/, '--update'), ROOT);
  t.is(r.status, 0, r.stderr);
  t.true(existsSync(b));
});

test('a checkout whose npx link predates the bundle (bin dist/src/cli/main.js) still runs after a fresh build', (t) => {
  // npx installs a checkout into its cache on the first `npx --no isns-dissector` and links the bin
  // package.json names then; it keeps that link when the bin changes. CI's fresh clone at the
  // same path ran the old link to a freshly built dist/src/cli/main.js: "Permission denied".
  const co = join(work, 'old-checkout');
  const env = { npm_config_cache: join(work, 'npm-cache'), npm_config_offline: 'true', npm_config_ignore_scripts: 'true' };
  mkdirSync(co, { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(co, 'node_modules'));
  const pkg = readFileSync(join(ROOT, 'package.json'), 'utf8');
  writeFileSync(join(co, 'package.json'), JSON.stringify({ ...JSON.parse(pkg), bin: { 'isns-dissector': 'dist/src/cli/main.js' } }, null, 2));
  cpSync(join(ROOT, 'dist'), join(co, 'dist'), { recursive: true });
  const cmd = `npx --no isns-dissector portals "${SAMPLE}"`;
  const first = sh(cmd, co, env);
  t.is(first.status, 0, first.stderr);
  // a fresh clone at the same path: this build's dist and package.json, npx's cache as it was
  rmSync(join(co, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(co, 'dist'), { recursive: true });
  writeFileSync(join(co, 'package.json'), pkg);
  t.not(statSync(join(co, 'dist/src/cli/main.js')).mode & 0o111, 0, 'the build leaves dist/src/cli/main.js executable');
  const again = sh(cmd, co, env);
  t.is(again.status, 0, again.stderr);
  t.is(again.stdout, first.stdout);
  t.regex(again.stdout, /sample\.pcapng: 26 packets, 11 iSNS PDUs/); // tshark -r: 26 frames
});
