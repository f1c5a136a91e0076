/**
 * The options tshark users expect (issue 15): filters (--portal, --severity,
 * --code), -o/--output, -q/--quiet, --no-progress, -v/--version from
 * package.json; CSV's stdin file name; table widths with wide characters; a
 * cut gzip input as TRUNCATED_CAPTURE; TRUNCATED_CAPTURE naming its file once.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatTable } from '../src/output/table.js';
import { displayWidth, truncateWidth } from '../src/output/width.js';
import { parseEndpoint } from '../src/output/filters.js';
import { stableConversation, stableSubject } from '../src/findings/subject.js';
import type { AnalyzeResult } from '../src/analyze.js';
import type { PortalRecord } from '../src/isns/portals/builder.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SAMPLE = join(ROOT, 'captures/crafted/sample.pcapng');
const EDGE = join(ROOT, 'captures/crafted/crafted-edge.pcapng');
const run = (args: string[], input?: Uint8Array | string) => spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', maxBuffer: 64 << 20 });
const json = (args: string[]) => JSON.parse(run(['portals', '--format', 'json', ...args]).stdout.toString());
const dir = tempDir('opts-');

test('-v, --version and `portals -v` print the version from package.json', (t) => {
  const v = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  for (const args of [['-v'], ['--version'], ['version'], ['portals', '-v'], ['check', '--version']]) {
    const r = run(args);
    t.is(r.status, 0, args.join(' '));
    t.is(r.stdout.toString(), `isns-dissector ${v}\n`);
  }
  t.false(readFileSync(join(ROOT, 'src/cli/main.ts'), 'utf8').includes(`'isns-dissector ${v}`), 'the version is not written twice');
});

test('--portal ADDR[:PORT] keeps those portals (IPv6 in any spelling) and the capture findings about that address', (t) => {
  const all = json([SAMPLE]);
  const one = json(['--portal', '192.0.2.10', SAMPLE]);
  t.deepEqual(one.portals.map((p: { address: string }) => p.address), ['192.0.2.10']);
  t.deepEqual(one.inputs, all.inputs);
  t.deepEqual(json(['--portal', '192.0.2.10:3261', SAMPLE]).portals, []);
  t.is(json(['--portal', '[2001:DB8:0::20]:3260', SAMPLE]).portals[0].address, '2001:db8::20');
  t.is(json(['--portal', '2001:db8::20', '--portal', '192.0.2.11', SAMPLE]).portals.length, 2);
  // The unanswered request was sent to 10.0.0.1 (the iSNS server): kept for it, dropped for a portal.
  t.is(json(['--portal', '10.0.0.1', SAMPLE]).findings.length, all.findings.length);
  t.is(json(['--portal', '192.0.2.10', SAMPLE]).findings.length, 0);
  t.is(run(['portals', '--portal', 'nonsense', SAMPLE]).status, 2);
  t.regex(run(['portals', '--portal', '10.0.0.1:99999', SAMPLE]).stderr.toString(), /--portal: invalid address "10\.0\.0\.1:99999"/);
  t.deepEqual(parseEndpoint('[::ffff:1.2.3.4]:5'), { address: '::ffff:102:304', port: 5 });
});

test('--severity and --code (repeatable, or comma-separated) keep matching findings and the records that have them', (t) => {
  const err = json(['--severity', 'error', SAMPLE]);
  t.true(err.portals.length > 0);
  for (const p of err.portals) t.true(p.findings.length > 0 && p.findings.every((f: { severity: string }) => f.severity === 'error'));
  t.deepEqual(err.findings, [], 'the unanswered request is a warning');
  const warn = json(['--severity', 'warning', SAMPLE]);
  t.true(warn.findings.length > 0);
  const codes = json(['--code', 'BITMAP_CONFLICT', '--code', 'unanswered_request', SAMPLE]);
  t.deepEqual(codes.portals.map((p: { address: string }) => p.address), ['192.0.2.10']);
  t.deepEqual(codes.findings.map((f: { code: string }) => f.code), ['UNANSWERED_REQUEST']);
  t.is(json(['--code', 'BITMAP_CONFLICT,IPSEC_MODE_WITHOUT_IKE', SAMPLE]).portals.length, 2);
  const bad = run(['portals', '--code', 'NO_SUCH_CODE', SAMPLE]);
  t.is(bad.status, 2);
  t.regex(bad.stderr.toString(), /--code: unknown finding code "NO_SUCH_CODE"/);
  t.is(run(['portals', '--severity', 'fatal', SAMPLE]).status, 2);
  // Filters apply to every format.
  const csv = run(['portals', '--format', 'csv', '--severity', 'error', SAMPLE]).stdout.toString().trim().split('\r\n');
  t.is(csv.length - 1, err.portals.length);
});

test('-o FILE writes the output there (directories created), stdout stays empty; -q and --no-progress are accepted', (t) => {
  const o = join(dir, 'new', 'sub', 'portals.json');
  const r = run(['portals', '--format', 'json', '-o', o, SAMPLE]);
  t.is(r.status, 0);
  t.is(r.stdout.toString(), '');
  t.deepEqual(JSON.parse(readFileSync(o, 'utf8')), json([SAMPLE]));
  const o2 = join(dir, 'packets.tsv');
  t.is(run(['packets', '-e', 'frame.number', '--output', o2, SAMPLE]).stdout.toString(), '');
  t.is(readFileSync(o2, 'utf8'), run(['packets', '-e', 'frame.number', SAMPLE]).stdout.toString());
  for (const f of ['-q', '--quiet', '--no-progress']) t.is(run(['portals', f, SAMPLE]).status, 0, f);
  // -q keeps the reason for exit 1 on stderr.
  const missing = run(['portals', '-q', join(dir, 'missing.pcap')]);
  t.is(missing.status, 1);
  t.regex(missing.stderr.toString(), /missing\.pcap: cannot read/);
  if (spawnSync('script', ['--version']).status !== 0) return t.log('script(1) not installed: the terminal case was not run');
  const big = join(dir, 'big.pcapng');
  const one = readFileSync(SAMPLE);
  writeFileSync(big, Buffer.concat(Array.from({ length: 1000 }, () => one)));
  for (const f of ['--no-progress', '-q']) {
    const tty = spawnSync('script', ['-q', '-c', `${process.execPath} ${CLI} portals ${f} --format csv ${big} > /dev/null`, '/dev/null']);
    t.false(tty.stdout.toString().includes('packets read'), `${f}: no progress on a terminal`);
  }
});

test('CSV: stdin\'s file column is "-", not the formula-guarded "\'-"', (t) => {
  const csv = run(['portals', '--format', 'csv', '-'], readFileSync(SAMPLE)).stdout.toString();
  const rows = csv.trim().split('\r\n').map((l) => l.split(','));
  const col = rows[0]!.indexOf('firstSeenFile');
  t.true(rows.length > 1);
  for (const r of rows.slice(1)) t.is(r[col], '-');
});

test('table columns are aligned by display width: CJK and emoji take 2 columns, combining marks 0', (t) => {
  t.is(displayWidth('abc'), 3);
  t.is(displayWidth('日本語'), 6);
  t.is(displayWidth('ｉｑｎ'), 6, 'fullwidth forms');
  t.is(displayWidth('e\u0301'), 1, 'e + combining acute');
  t.is(displayWidth('👍🏽'), 2, 'emoji with a skin tone modifier');
  t.is(displayWidth('👨‍👩‍👧'), 2, 'a ZWJ family');
  t.is(displayWidth('한국'), 4);
  t.is(truncateWidth('日本語日本語', 7), '日本語…');
  const p = (address: string, name: string): PortalRecord => ({
    address, socket: 3260, transport: 'tcp', securityBitmap: 1, securityBitmapSource: 'isns', securityFlags: [], keySize: 0, key: null,
    symbolicName: null, portalIndex: null, esiInterval: null, esiPort: null, scnPort: null, isakmpPhase1: null, isakmpPhase2: null,
    entityId: null, iscsiNames: [{ name, nodeType: ['target'], pgTag: 1 }], state: 'registered', discoveredBy: ['isns'],
    firstSeen: { file: 'x', frame: 1, time: '' }, lastSeen: { file: 'x', frame: 1, time: '' }, findings: [],
  });
  const r: AnalyzeResult = { inputs: [], portals: [p('10.0.0.1', 'iqn.2026-11.jp:日本語ターゲット'), p('10.0.0.2', 'iqn.2026-11.lab:plain'), p('10.0.0.3', 'iqn.2026-11.e\u0301te:👍🏽')], findings: [], failed: false };
  const lines = formatTable(r).split('\n').slice(0, 4);
  const stateCol = lines.map((l) => displayWidth(l.slice(0, l.indexOf(l.includes('STATE') ? 'STATE' : 'registered'))));
  t.is(new Set(stateCol).size, 1, lines.join('\n'));
});

test('a cut gzip input is a TRUNCATED_CAPTURE (exit 0, what was read kept), naming its file once', (t) => {
  const gz = gzipSync(readFileSync(SAMPLE));
  const cut = join(dir, 'cut.pcapng.gz');
  writeFileSync(cut, gz.subarray(0, 700));
  const r = run(['portals', '--format', 'json', cut]);
  t.is(r.status, 0, r.stderr.toString());
  const j = JSON.parse(r.stdout.toString());
  t.is(j.inputs[0].error, null);
  t.true(j.portals.length > 0, 'the portals read before the cut are kept');
  const tr = j.findings.find((f: { code: string }) => f.code === 'TRUNCATED_CAPTURE');
  t.truthy(tr);
  t.is(tr.file, cut);
  t.false(tr.message.includes(cut), 'the message does not repeat the path');
  const table = run(['portals', cut]).stdout.toString();
  t.false(table.includes('(read error)'));
  const line = table.split('\n').find((l) => l.includes('TRUNCATED_CAPTURE'))!;
  t.is(line.split(cut).length - 1, 1, line);
  // Cut after the last record (only the gzip trailer missing): said as such, no frame named.
  const trailer = run(['portals', '--format', 'json', '-'], gz.subarray(0, gz.length - 4));
  t.is(trailer.status, 0);
  const t2 = JSON.parse(trailer.stdout.toString()).findings.find((f: { code: string }) => f.code === 'TRUNCATED_CAPTURE');
  t.regex(t2.message, /the gzip stream ends early, after frame 26 /); // sample.pcapng has 26 frames (tshark -r counts 26)
  t.deepEqual(t2.frames, []);
  // A cut plain pcap too: the path once.
  const pc = JSON.parse(run(['portals', '--format', 'json', join(ROOT, 'captures/crafted/crafted-truncated.pcap')]).stdout.toString());
  t.regex(pc.findings[0].message, /^frame 6: byte offset 522: the file ends inside a record/);
});

test('stable subjects: no ephemeral port, transaction id or frame', (t) => {
  t.is(stableConversation('tcp 10.0.0.1:3205 10.45.0.100:55321'), 'tcp 10.0.0.1:3205 10.45.0.100');
  t.is(stableConversation('udp 10.0.0.9:40000 10.0.0.1:3205'), 'udp 10.0.0.9 10.0.0.1:3205');
  t.is(stableConversation('tcp 2001:db8::1:3205 2001:db8::2:49152'), 'tcp 2001:db8::1:3205 2001:db8::2');
  t.is(stableSubject({ request: 'DevAttrQry', xid: 7, from: '192.0.2.200:40002', to: '10.0.0.1:3205' }), 'DevAttrQry 192.0.2.200 -> 10.0.0.1:3205');
  t.is(stableSubject({ response: 'DevAttrQryRsp', frame: 10, request: 'DevAttrQry (frame 9)', status: '2 Message Format Error' }), 'DevAttrQryRsp status 2 Message Format Error');
  t.is(stableSubject({ linktype: 147, iface: 1 }), 'link type 147');
  t.is(stableSubject({ text: 'frame 6: byte offset 522: ...' }), '');
  t.is(stableSubject({ more: 12 }), '(more)');
  const j = json([EDGE]);
  t.true(j.findings.every((f: Record<string, unknown>) => !('subject' in f)), 'the subject is not part of the JSON');
});

test('a finding whose frames lie in two inputs has a filter per file', (t) => {
  const a = join(dir, 'a.pcapng');
  const b = join(dir, 'b.pcapng');
  writeFileSync(a, readFileSync(SAMPLE));
  writeFileSync(b, readFileSync(SAMPLE));
  const j = json([a, b]);
  const dereg = j.portals.find((p: { address: string }) => p.address === '192.0.2.12').findings.find((f: { code: string }) => f.code === 'PORTAL_DEREGISTERED');
  t.deepEqual(dereg.frames, [23, 23]);
  t.is(dereg.filter, 'frame.number in {23}');
  t.deepEqual(dereg.filters, { [a]: 'frame.number in {23}', [b]: 'frame.number in {23}' });
  const single = json([SAMPLE]).portals.flatMap((p: { findings: object[] }) => p.findings);
  t.false(single.some((f: object) => 'filters' in f), 'one input: no filters map');
});

test('the CLI runs itself with its V8 options when the inputs need them (relaunched): same output, exit status passed on', (t) => {
  const a = run(['portals', '--format', 'json', SAMPLE]);
  const b = spawnSync(process.execPath, [CLI, 'portals', '--format', 'json', SAMPLE], { env: { ...process.env, ISNS_DISSECTOR_V8: 'keep' } });
  t.is(a.status, 0);
  t.is(a.stdout.toString(), b.stdout.toString());
  t.is(run(['portals', join(dir, 'no-such.pcap')]).status, 1);
  t.is(run(['portals', '--format', 'xml', SAMPLE]).status, 2);
  // standard input (size unknown: the relaunched process reads it)
  const c = spawnSync(process.execPath, [CLI, 'portals', '--format', 'json', '-'], { input: readFileSync(SAMPLE) });
  t.is(c.status, 0);
  t.is(JSON.parse(c.stdout.toString()).portals.length, JSON.parse(a.stdout.toString()).portals.length);
});

test('the relaunched process starts without NODE_EXTRA_CA_CERTS (Node reads that bundle at start; the CLI opens no TLS)', async (t) => {
  const { childEnv } = await import('../src/cli/launch.js');
  t.deepEqual(childEnv({ A: '1', NODE_EXTRA_CA_CERTS: '/x.pem', NODE_OPTIONS: '--x' }), { A: '1', NODE_OPTIONS: '--x' });
  const env = { B: '2' };
  t.is(childEnv(env), env);
  // Node warns at start about a bundle it cannot load: once from the launcher, not again from the process it starts.
  const r = spawnSync(process.execPath, [CLI, 'portals', '--format', 'json', '-'], { input: readFileSync(SAMPLE), env: { ...process.env, ISNS_DISSECTOR_V8: '', NODE_EXTRA_CA_CERTS: join(dir, 'no-such-ca.pem') } });
  t.is(r.status, 0);
  t.is(r.stderr.toString().split('Ignoring extra certs from').length - 1, 1, r.stderr.toString());
  t.true(JSON.parse(r.stdout.toString()).portals.length > 0);
});

test('V8 options only for large or unknown-size inputs', async (t) => {
  const { needsV8Options, V8_OPTIONS_FROM_BYTES } = await import('../src/cli/launch.js');
  t.false(await needsV8Options(['portals', SAMPLE]));
  t.true(await needsV8Options(['portals', '-']));
  t.true(await needsV8Options(['portals', 'x.pcap.gz']));
  const big = join(dir, 'big.pcap');
  writeFileSync(big, Buffer.alloc(0));
  truncateSync(big, V8_OPTIONS_FROM_BYTES);
  t.true(await needsV8Options(['portals', '--format', 'json', big]));
  t.false(await needsV8Options(['portals', join(dir, 'missing.pcap')]));
});
