/**
 * `check` as CI runs it: --update then check passes on a capture with error
 * findings (known ones do not fail; --fail-on-known makes them); a new
 * finding fails; the baseline holds nothing that changes between two
 * recordings; added, removed and changed portals; missing and malformed
 * baselines; missing directories created; JUnit XML (stable names, files as
 * properties, an unreadable input as <error>); annotations (file/line, the
 * 10 most severe and a notice).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { annotation, ghData, ghProperty } from '../src/check/annotations.js';
import { elementLines } from '../src/check/baseline.js';
import { junitXml, xmlText } from '../src/check/junit.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SAMPLE = join(ROOT, 'captures/crafted/sample.pcapng');
const TIMELINE = [join(ROOT, 'captures/crafted/timeline-a.pcap'), join(ROOT, 'captures/crafted/timeline-b.pcap')];
const HOSTILE = join(ROOT, 'captures/crafted/crafted-hostile.pcap');
const GAP = join(ROOT, 'captures/crafted/damaged-lost-segment.pcap');
const dir = tempDir('check-');
const run = (args: string[], env: Record<string, string> = {}, cwd = ROOT) => spawnSync(process.execPath, [CLI, 'check', ...args], { cwd, env: { ...process.env, GITHUB_ACTIONS: '', ...env } });
let n = 0;
const tmp = (name: string): string => join(dir, `${n++}-${name}`);

test('--update then check on a capture with error findings: exit 0 (they are known); --fail-on-known fails on them', (t) => {
  const b = tmp('sample.json');
  const u = run(['--update', '--baseline', b, SAMPLE]);
  t.is(u.status, 0, u.stderr.toString());
  const j = JSON.parse(readFileSync(b, 'utf8'));
  t.is(j.portals.length, 6);
  t.false('firstSeen' in j.portals[0], 'frames and times are not part of the baseline');
  const d = run(['--baseline', b, SAMPLE]);
  t.is(d.status, 0, d.stdout.toString());
  t.regex(d.stdout.toString(), /check: PASS: 0 changed, 0 added, 0 removed, 6 equal; 0 new finding\(s\) at or above error; \d+ known finding\(s\) in the baseline/);
  const k = run(['--baseline', b, '--fail-on-known', SAMPLE]);
  t.is(k.status, 1);
  t.regex(k.stdout.toString(), /FINDINGS 192\.0\.2\.10:3260\/tcp\n {4}known error BITMAP_CONFLICT/);
  t.is(run(['--baseline', b, '--fail-on-known', '--fail-on', 'never', SAMPLE]).status, 0);
  // The timeline has only info findings: passes at warning, also with --fail-on-known.
  const tb = tmp('timeline.json');
  t.is(run(['--update', '--baseline', tb, ...TIMELINE]).status, 0);
  t.is(run(['--baseline', tb, '--fail-on', 'warning', '--fail-on-known', ...TIMELINE]).status, 0);
  // Writing twice gives the same bytes (stable order).
  const b2 = tmp('sample2.json');
  run(['--update', '--baseline', b2, SAMPLE]);
  t.is(readFileSync(b2, 'utf8'), readFileSync(b, 'utf8'));
});

test('the baseline holds findings as code, severity, subject: no frames, messages, file names or ephemeral ports', (t) => {
  for (const cap of [SAMPLE, GAP]) {
    // Two recordings of the same network under different names give the same baseline.
    const c1 = tmp('nightly-2026-11-01.pcapng');
    const c2 = tmp('nightly-2026-11-02.pcapng');
    copyFileSync(cap, c1);
    copyFileSync(cap, c2);
    const b1 = tmp('b1.json');
    const b2 = tmp('b2.json');
    run(['--update', '--baseline', b1, c1]);
    run(['--update', '--baseline', b2, c2]);
    const text = readFileSync(b1, 'utf8');
    t.is(text, readFileSync(b2, 'utf8'));
    t.false(/frame|nightly|"message"|"frames"|"file"/.test(text), text);
    const j = JSON.parse(text);
    for (const f of [...j.findings, ...j.portals.flatMap((p: { findings: unknown[] }) => p.findings)]) {
      t.true(Object.keys(f).every((k) => ['code', 'severity', 'subject'].includes(k)), JSON.stringify(f));
    }
    for (const f of j.findings) t.is(typeof f.subject, 'string');
  }
  const j = JSON.parse(readFileSync(join(dir, (n - 2) + '-b1.json'), 'utf8'));
  // damaged-lost-segment: the client's ephemeral port 55321 is not in the TCP_GAP subject.
  const gap = j.findings.find((f: { code: string }) => f.code === 'TCP_GAP');
  t.is(gap.subject, 'tcp 10.0.0.1:3205 10.45.0.100 from 10.45.0.100');
  t.false(readFileSync(join(dir, (n - 2) + '-b1.json'), 'utf8').includes('55321'));
});

test('a finding the baseline does not have fails at --fail-on; one it has no longer seen is reported, not failed', (t) => {
  const b = tmp('base.json');
  run(['--update', '--baseline', b, SAMPLE]);
  const j = JSON.parse(readFileSync(b, 'utf8'));
  const p10 = j.portals.find((p: { address: string }) => p.address === '192.0.2.10');
  p10.findings = p10.findings.filter((f: { code: string }) => f.code !== 'BITMAP_CONFLICT');
  j.findings = j.findings.filter((f: { code: string }) => f.code !== 'UNANSWERED_REQUEST');
  j.findings.push({ code: 'TCP_GAP', severity: 'warning', subject: 'tcp 10.9.9.9:3205 10.9.9.8 from 10.9.9.8' });
  writeFileSync(b, JSON.stringify(j, null, 2));
  const r = run(['--baseline', b, SAMPLE]);
  t.is(r.status, 1);
  const out = r.stdout.toString();
  t.regex(out, /FINDINGS 192\.0\.2\.10:3260\/tcp\n {4}new error BITMAP_CONFLICT: 2 different security bitmaps/);
  t.regex(out, /GONE TCP_GAP tcp 10\.9\.9\.9:3205 10\.9\.9\.8 from 10\.9\.9\.8 \(capture\): in the baseline, no longer seen/);
  t.regex(out, /check: FAIL: 0 changed, 0 added, 0 removed, 6 equal; 1 new finding\(s\) at or above error/);
  t.false(out.includes('UNANSWERED_REQUEST'), 'a new warning does not fail at --fail-on error');
  const w = run(['--baseline', b, '--fail-on', 'warning', SAMPLE]).stdout.toString();
  t.regex(w, /FINDING UNANSWERED_REQUEST \(warning, new\)/);
  t.is(run(['--baseline', b, '--fail-on', 'never', SAMPLE]).status, 0);
});

test('an older baseline (a saved portals --format json, with messages and frames) is still read: findings match by code', (t) => {
  const b = tmp('portals.json');
  writeFileSync(b, spawnSync(process.execPath, [CLI, 'portals', '--format', 'json', SAMPLE]).stdout);
  const r = run(['--baseline', b, SAMPLE]);
  t.is(r.status, 0, r.stdout.toString());
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
  writeFileSync(bad, JSON.stringify({ portals: [], findings: [{ code: 'X', severity: 'fatal' }] }));
  t.regex(run(['--baseline', bad, SAMPLE]).stderr.toString(), /findings\[0\]\.severity: expected "error", "warning" or "info"/);
  writeFileSync(bad, JSON.stringify([1, 2]));
  t.regex(run(['--baseline', bad, SAMPLE]).stderr.toString(), /expected an object with a "portals" array, found array/);
  t.is(spawnSync(process.execPath, [CLI, 'check', SAMPLE]).status, 2, '--baseline is required');
});

test('--update --baseline and --junit into directories that do not exist yet: created, no ENOENT', (t) => {
  const base = join(dir, 'fresh', 'baselines', 'isns.json');
  const u = run(['--update', '--baseline', base, SAMPLE]);
  t.is(u.status, 0, u.stderr.toString());
  t.true(existsSync(base));
  const junit = join(dir, 'fresh', 'out', 'deeper', 'j.xml');
  const r = run(['--baseline', base, '--junit', junit, SAMPLE]);
  t.is(r.status, 0, r.stderr.toString());
  t.regex(readFileSync(junit, 'utf8'), /<testsuites /);
  t.false(r.stderr.toString().includes('internal error'));
});

test('JUnit XML: stable testcase names (no file names), files as properties, an unreadable input is an <error>', (t) => {
  const b = tmp('hostile.json');
  run(['--update', '--baseline', b, HOSTILE]);
  const j = JSON.parse(readFileSync(b, 'utf8'));
  j.portals[0].symbolicName = 'old\u0001name]]><script>"\'&';
  writeFileSync(b, JSON.stringify(j));
  const x = tmp('junit.xml');
  const missing = join(dir, 'no-such-capture.pcap');
  const r = run(['--baseline', b, '--junit', x, SAMPLE, HOSTILE, missing]);
  t.is(r.status, 1);
  const xml = readFileSync(x, 'utf8');
  t.false(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(xml), 'no XML-illegal characters');
  t.false(xml.includes('<script>'));
  const names = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((m) => `${m[1]}/${m[2]}`);
  t.is(new Set(names).size, names.length, 'testcase names are unique');
  t.true(names.includes('isns-dissector.portals/10.6.0.1:3260/tcp'));
  t.true(names.includes('isns-dissector.inputs/input 3'));
  t.true(names.some((s) => /^isns-dissector\.capture\/UNANSWERED_REQUEST DevAttrQry 192\.0\.2\.200 -&gt; 10\.0\.0\.1:3205$/.test(s)), names.join('\n'));
  t.false(names.some((s) => /pcap|sample|hostile/.test(s)), 'no file name in a testcase name');
  t.regex(xml, /<property name="file" value="[^"]*crafted-hostile\.pcap"\/>/);
  t.regex(xml, /errors="1"/);
  t.regex(xml, /<testcase classname="isns-dissector\.inputs" name="input 3" time="0">\n {6}<properties>\n.*no-such-capture\.pcap.*\n {6}<\/properties>\n {6}<error message="the input could not be read" type="input-error">[^<]*no-such-capture\.pcap: cannot read: no such file or directory<\/error>/);
  if (spawnSync('xmllint', ['--version']).status === 0) {
    const v = spawnSync('xmllint', ['--noout', x]);
    t.is(v.status, 0, v.stderr.toString());
  } else t.log('xmllint not installed: well-formedness checked by the regexes above only');
});

test('xmlText escapes markup and removes XML-illegal characters; junitXml counts failures and errors', (t) => {
  t.is(xmlText('a<b>&"\'\u0000\u0007\ufffe\ud800z'), 'a&lt;b&gt;&amp;&quot;&apos;z');
  const x = junitXml(
    [
      { classname: 'c', name: 'n1' },
      { classname: 'c', name: 'n2', failure: { message: 'm', type: 't', body: ']]>' } },
      { classname: 'c', name: 'n3', error: { message: 'e', type: 'input-error', body: 'x' }, properties: [['file', 'a&b']] },
    ],
    1.5,
  );
  t.regex(x, /<testsuite name="isns-dissector check" tests="3" failures="1" errors="1" skipped="0" time="1\.500">/);
  t.regex(x, /<failure message="m" type="t">\]\]&gt;<\/failure>/);
  t.regex(x, /<property name="file" value="a&amp;b"\/>/);
});

test('GitHub annotations: escaped, pointing at the baseline entry; the 10 most severe, then one notice', (t) => {
  t.is(ghData('50% done\r\nnext'), '50%25 done%0D%0Anext');
  t.is(ghProperty('a:b,c%'), 'a%3Ab%2Cc%25');
  t.is(annotation('error', 'BITMAP: x,y', 'line1\nline2 100%'), '::error title=BITMAP%3A x%2Cy::line1%0Aline2 100%25');
  t.is(annotation('warning', 't', 'esc\u001b[31m'), '::warning title=t::esc\\x1b[31m');
  t.is(annotation('error', 't', 'm', { file: 'baselines/isns.json', line: 12 }), '::error file=baselines/isns.json,line=12,title=t::m');
  t.deepEqual(elementLines('{\n  "portals": [\n    {\n      "a": "[{"\n    },\n    {}\n  ],\n  "findings": [{}]\n}', 'portals'), [3, 6]);
  const work = tempDir('ann-');
  const b = join(work, 'baselines', 'isns.json');
  run(['--update', '--baseline', b, SAMPLE]);
  const j = JSON.parse(readFileSync(b, 'utf8'));
  const p10 = j.portals.find((p: { address: string }) => p.address === '192.0.2.10');
  p10.securityBitmap = 0x47;
  p10.findings = [];
  for (let i = 0; i < 12; i++) j.portals.push({ ...p10, address: `203.0.113.${100 + i}` });
  writeFileSync(b, JSON.stringify(j, null, 2));
  const on = run(['--baseline', 'baselines/isns.json', SAMPLE], { GITHUB_ACTIONS: 'true' }, work).stdout.toString();
  const ann = on.split('\n').filter((l) => l.startsWith('::'));
  t.is(ann.length, 11, on);
  t.true(ann.slice(0, 10).every((l) => l.startsWith('::error file=baselines/isns.json,line=')), ann.join('\n'));
  t.regex(ann[0]!, /title=portal 203\.0\.113\.100%3A3260\/tcp removed::/);
  t.regex(ann[10]!, /^::notice title=isns-dissector check::4 more problems not annotated \(GitHub shows 10 annotations per step\)/);
  const line = readFileSync(b, 'utf8').split('\n').findIndex((l) => l.includes('"203.0.113.100"')) + 1;
  t.true(ann[0]!.includes(`line=${line - 1},`), `${ann[0]}: the portal's object opens the line before its address (line ${line})`);
  // With everything known, nothing is annotated.
  const b2 = tmp('ann.json');
  run(['--update', '--baseline', b2, SAMPLE]);
  t.false(run(['--baseline', b2, SAMPLE], { GITHUB_ACTIONS: 'true' }).stdout.toString().includes('::'));
  const k = run(['--baseline', b2, '--fail-on-known', SAMPLE], { GITHUB_ACTIONS: 'true' }).stdout.toString();
  t.regex(k, /^::error file=[^,]*ann\.json,line=\d+,title=BITMAP_CONFLICT 192\.0\.2\.10%3A3260\/tcp::/m);
  t.false(run(['--baseline', b2, '--fail-on-known', SAMPLE]).stdout.toString().includes('::error'));
  t.true(run(['--baseline', b2, '--fail-on-known', '--annotations', SAMPLE]).stdout.toString().includes('::error'));
});

test('-q prints only the verdict line; -o writes the report to a file', (t) => {
  const b = tmp('q.json');
  t.is(run(['--update', '-q', '--baseline', b, SAMPLE]).stdout.toString(), '');
  const q = run(['-q', '--baseline', b, '--fail-on-known', SAMPLE]).stdout.toString();
  t.regex(q, /^check: FAIL: [^\n]*\n$/);
  const o = join(dir, 'reports', 'check.txt');
  const r = run(['-o', o, '--baseline', b, '--fail-on-known', SAMPLE]);
  t.is(r.stdout.toString(), '');
  t.regex(readFileSync(o, 'utf8'), /known error BITMAP_CONFLICT[\s\S]*check: FAIL/);
});
