/**
 * `check` as CI runs it: equal, added, removed, changed; failing findings
 * under each --fail-on; missing and malformed baselines; --update round trip;
 * JUnit XML (well-formed with hostile strings); annotation escaping.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { annotation, ghData, ghProperty, junitXml, xmlText } from '../src/cli/check.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CLI = join(ROOT, 'dist/src/cli/main.js');
const SAMPLE = join(ROOT, 'captures/crafted/sample.pcapng');
const TIMELINE = [join(ROOT, 'captures/crafted/timeline-a.pcap'), join(ROOT, 'captures/crafted/timeline-b.pcap')];
const HOSTILE = join(ROOT, 'captures/crafted/crafted-hostile.pcap');
const dir = mkdtempSync(join(tmpdir(), 'check-'));
const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, 'check', ...args], { env: { ...process.env, GITHUB_ACTIONS: '', ...env } });
let n = 0;
const tmp = (name: string): string => join(dir, `${n++}-${name}`);

test('--update then check: equal; exit follows --fail-on for the findings present', (t) => {
  const b = tmp('sample.json');
  const u = run(['--update', '--baseline', b, SAMPLE]);
  t.is(u.status, 0);
  const j = JSON.parse(readFileSync(b, 'utf8'));
  t.is(j.portals.length, 6);
  t.false('firstSeen' in j.portals[0], 'frames and times are not part of the baseline');
  // The sample has error-severity findings: default --fail-on error fails, never passes.
  const d = run(['--baseline', b, SAMPLE]);
  t.is(d.status, 1);
  t.regex(d.stdout.toString(), /check: FAIL: 0 changed, 0 added, 0 removed, 6 equal; \d+ finding\(s\) at or above error/);
  t.is(run(['--baseline', b, '--fail-on', 'never', SAMPLE]).status, 0);
  // The timeline has only info findings: passes at warning.
  const tb = tmp('timeline.json');
  t.is(run(['--update', '--baseline', tb, ...TIMELINE]).status, 0);
  t.is(run(['--baseline', tb, '--fail-on', 'warning', ...TIMELINE]).status, 0);
  // Writing twice gives the same bytes (stable order).
  const b2 = tmp('sample2.json');
  run(['--update', '--baseline', b2, SAMPLE]);
  t.is(readFileSync(b2, 'utf8'), readFileSync(b, 'utf8'));
});

test('changed, added and removed portals are reported field by field', (t) => {
  const b = tmp('base.json');
  run(['--update', '--baseline', b, SAMPLE]);
  const j = JSON.parse(readFileSync(b, 'utf8'));
  const p10 = j.portals.find((p: { address: string }) => p.address === '192.0.2.10');
  p10.securityBitmap = 0x47;
  p10.iscsiNames = [{ name: 'iqn.2026-11.lab:gone', nodeType: ['target'], pgTag: 1 }];
  p10.state = 'queried';
  j.portals = j.portals.filter((p: { address: string }) => p.address !== '198.51.100.5');
  j.portals.push({ ...p10, address: '192.0.2.99', iscsiNames: [] });
  writeFileSync(b, JSON.stringify(j));
  const r = run(['--baseline', b, '--fail-on', 'never', SAMPLE]);
  t.is(r.status, 1);
  const out = r.stdout.toString();
  t.regex(out, /CHANGED 192\.0\.2\.10:3260\/tcp\n {4}securityBitmap 0x00000047 -> 0x0000003b/);
  t.regex(out, /flags gained: AGGR, PFS, TRANSPORT/);
  t.regex(out, /flags lost: MAIN, TUNNEL/);
  t.regex(out, /state "queried" -> "registered"/);
  t.regex(out, /node gained: iqn\.2026-11\.lab:array9\.t1 \(pgTag 1\)/);
  t.regex(out, /node lost: iqn\.2026-11\.lab:gone/);
  t.regex(out, /ADDED 198\.51\.100\.5:3260\/udp/);
  t.regex(out, /REMOVED 192\.0\.2\.99:3260\/tcp/);
  t.regex(out, /check: FAIL: 1 changed, 1 added, 1 removed/);
});

test('a missing or invalid baseline is a usage error (exit 2), never a silent pass', (t) => {
  const m = run(['--baseline', join(dir, 'nope.json'), SAMPLE]);
  t.is(m.status, 2);
  t.regex(m.stderr.toString(), /cannot read baseline .*nope\.json: ENOENT/);
  const bad = tmp('bad.json');
  writeFileSync(bad, '{"portals": [');
  t.regex(run(['--baseline', bad, SAMPLE]).stderr.toString(), /not valid JSON/);
  writeFileSync(bad, JSON.stringify({ portals: [{ address: '10.0.0.1', socket: '3260', transport: 'tcp', securityBitmap: null, state: 'registered' }] }));
  const s = run(['--baseline', bad, SAMPLE]);
  t.is(s.status, 2);
  t.regex(s.stderr.toString(), /portals\[0\]\.socket: expected a port number, found string "3260"/);
  writeFileSync(bad, JSON.stringify([1, 2]));
  t.regex(run(['--baseline', bad, SAMPLE]).stderr.toString(), /expected an object with a "portals" array, found array/);
  t.is(spawnSync(process.execPath, [CLI, 'check', SAMPLE]).status, 2, '--baseline is required');
});

test('JUnit XML is well-formed with hostile strings from a crafted capture, one testcase per portal and capture finding', (t) => {
  const b = tmp('hostile.json');
  run(['--update', '--baseline', b, HOSTILE]);
  const j = JSON.parse(readFileSync(b, 'utf8'));
  j.portals[0].symbolicName = 'old\u0001name]]><script>"\'&';
  writeFileSync(b, JSON.stringify(j));
  const x = tmp('junit.xml');
  const r = run(['--baseline', b, '--junit', x, SAMPLE, HOSTILE]);
  t.is(r.status, 1);
  const xml = readFileSync(x, 'utf8');
  t.false(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml), 'no XML-illegal characters');
  t.false(xml.includes('<script>'));
  const names = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => `${m[1]}/${m[2]}`);
  t.is(new Set(names).size, names.length, 'testcase names are unique');
  t.true(names.includes('portals/10.6.0.1:3260/tcp'));
  t.true(names.some((s) => s.startsWith('capture/UNANSWERED_REQUEST #1')));
  if (spawnSync('xmllint', ['--version']).status === 0) {
    const v = spawnSync('xmllint', ['--noout', x]);
    t.is(v.status, 0, v.stderr.toString());
  } else t.log('xmllint not installed: well-formedness checked by the regexes above only');
});

test('xmlText escapes markup and removes XML-illegal characters; junitXml counts failures', (t) => {
  t.is(xmlText('a<b>&"\'\u0000\u0007\ufffe\ud800z'), 'a&lt;b&gt;&amp;&quot;&apos;z');
  const x = junitXml([{ classname: 'c', name: 'n1' }, { classname: 'c', name: 'n2', failure: { message: 'm', type: 't', body: ']]>' } }], 1.5);
  t.regex(x, /<testsuite name="isns-dissector check" tests="2" failures="1" errors="0" skipped="0" time="1\.500">/);
  t.regex(x, /<failure message="m" type="t">\]\]&gt;<\/failure>/);
});

test('GitHub annotations are escaped by the workflow-command rules', (t) => {
  t.is(ghData('50% done\r\nnext'), '50%25 done%0D%0Anext');
  t.is(ghProperty('a:b,c%'), 'a%3Ab%2Cc%25');
  t.is(annotation('error', 'BITMAP: x,y', 'line1\nline2 100%'), '::error title=BITMAP%3A x%2Cy::line1%0Aline2 100%25');
  t.is(annotation('warning', 't', 'esc\u001b[31m'), '::warning title=t::esc\\x1b[31m');
  const b = tmp('ann.json');
  run(['--update', '--baseline', b, SAMPLE]);
  const on = run(['--baseline', b, SAMPLE], { GITHUB_ACTIONS: 'true' }).stdout.toString();
  t.regex(on, /^::error title=BITMAP_CONFLICT 192\.0\.2\.10%3A3260\/tcp::/m);
  const off = run(['--baseline', b, SAMPLE]).stdout.toString();
  t.false(off.includes('::error'));
  t.true(run(['--baseline', b, '--annotations', SAMPLE]).stdout.toString().includes('::error'));
});
