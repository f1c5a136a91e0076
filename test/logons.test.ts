/**
 * `logons` (and `portals`) against ground truth: the crafted story captures
 * (captures/crafted/logon-*.truth.json and the sample, written by their
 * generators from what they encoded) record for record, and the recorded
 * strongSwan / tgt captures (captures/ike, captures/iscsi), whose truths say
 * what the scenario configured and what is on the wire: their fields are
 * mapped here to the logon record's fields. Where a recorded truth says
 * something the contract's shape cannot express, the claim is skipped with a
 * comment.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyze } from '../src/analyze.js';
import type { LogonRecord } from '../src/logons/types.js';
import { checkIkeRecording, checkIscsiRecording } from './helpers/recorded.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CRAFTED = join(ROOT, 'captures/crafted');

const withCodes = (ls: readonly LogonRecord[]): unknown[] => ls.map(({ findings, ...rest }) => ({ ...rest, findingCodes: findings.map((f) => f.code) }));

const stories = readdirSync(CRAFTED).filter((f) => /^(logon-.*|sample)\.truth\.json$/.test(f)).sort();

for (const tf of stories) {
  test(`story ${tf}: logon records and finding codes are the generator's`, async (t) => {
    const truth = JSON.parse(readFileSync(join(CRAFTED, tf), 'utf8'));
    const r = await analyze(truth.files.map((f: string) => join(CRAFTED, f)));
    t.deepEqual(withCodes(r.logons ?? []), truth.logons);
  });
}

test('every story of issue 14 is there (a-g) and the sample tells a failed logon', (t) => {
  t.deepEqual(stories, ['logon-aggressive.truth.json', 'logon-ikev2.truth.json', 'logon-ipsec-ok.truth.json', 'logon-nat-t.truth.json', 'logon-plaintext.truth.json', 'logon-refused.truth.json', 'logon-sendtargets-chap.truth.json', 'sample.truth.json']);
  const sample = JSON.parse(readFileSync(join(CRAFTED, 'sample.truth.json'), 'utf8'));
  t.true(sample.logons.some((l: { outcome: string }) => l.outcome === 'failed'));
});

// ------------------------------------------------------------------ recorded IKE and iSCSI captures

const IKE_DIR = join(ROOT, 'captures/ike');
for (const tf of readdirSync(IKE_DIR).filter((f) => f.endsWith('.truth.json')).sort()) {
  test(`recorded ${tf}: the logon record says what the recording scenario did`, (t) => checkIkeRecording(t, IKE_DIR, tf));
}

const ISCSI_DIR = join(ROOT, 'captures/iscsi');
for (const tf of readdirSync(ISCSI_DIR).filter((f) => f.endsWith('.truth.json')).sort()) {
  test(`recorded ${tf}: the logon record and portals say what the recording scenario did`, (t) => checkIscsiRecording(t, ISCSI_DIR, tf));
}

test('a SendTargets-only portal takes --default-security-bitmap as Windows applies DefaultSecurityBitmap, and so does its logon record', async (t) => {
  const r = await analyze([join(ISCSI_DIR, 'iscsi-sendtargets.pcap')], { defaultSecurityBitmap: 0x07 });
  t.is(r.portals[0]!.securityBitmap, 0x07);
  t.is(r.portals[0]!.securityBitmapSource, 'default');
  const l = r.logons![0]!;
  t.is(l.securityBitmap, 0x07);
  t.is(l.securityBitmapSource, 'default');
  // The default bitmap sets IKE/IPsec and the discovery login went in the clear.
  t.deepEqual(l.findings.map((f) => f.code), ['IPSEC_REQUIRED_BUT_PLAINTEXT']);
  t.is(l.outcome, 'failed');
});

// ------------------------------------------------------------------ CLI

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SAMPLE = join(CRAFTED, 'sample.pcapng');

test('logons --format json: the contract keys, in order; equal to the library result', async (t) => {
  const r = run(['logons', '--format', 'json', SAMPLE]);
  t.is(r.status, 0);
  const j = JSON.parse(r.stdout);
  t.deepEqual(Object.keys(j), ['inputs', 'logons', 'findings']);
  t.deepEqual(Object.keys(j.inputs[0]), ['file', 'format', 'packets', 'isnsPdus', 'bytes', 'error']);
  t.deepEqual(Object.keys(j.logons[0]), ['initiator', 'portal', 'discoveredBy', 'securityBitmap', 'securityBitmapSource', 'ike', 'esp', 'connections', 'outcome', 'findings']);
  t.deepEqual(Object.keys(j.logons[0].ike), ['version', 'phase1', 'phase2', 'notifications']);
  const lib = await analyze([SAMPLE]);
  t.deepEqual(j.logons, JSON.parse(JSON.stringify(lib.logons)));
  t.deepEqual(j.findings, JSON.parse(JSON.stringify(lib.findings)));
});

test('logons --format ndjson, csv and table', (t) => {
  const file = join(CRAFTED, 'logon-sendtargets-chap.pcap');
  const nd = run(['logons', '--format', 'ndjson', file]).stdout.trim().split('\n').map((x) => JSON.parse(x));
  t.is(nd.length, 2); // two records, no capture-level finding
  t.deepEqual(nd.map((x) => x.portal.socket), [3260, 3261]);
  const csv = run(['logons', '--format', 'csv', file]).stdout.split('\r\n');
  t.true(csv[0]!.startsWith('initiator,portalAddress,portalSocket,discoveredBy,'));
  t.is(csv.filter((x) => x.length > 0).length, 3);
  t.regex(csv[1]!, /,failed,ISCSI_LOGIN_FAILED$/);
  const table = run(['logons', file]).stdout;
  t.regex(table, /^INITIATOR +PORTAL/);
  t.regex(table, /10\.90\.6\.20:3260 +sendtargets/);
  t.regex(table, /error {4}ISCSI_LOGIN_FAILED {2}10\.90\.6\.10 -> 10\.90\.6\.20:3260: .*0x0201.*Authentication failure.*ISDSC_AUTHENTICATION_FAILURE \(0xEFFF0009\)/);
});

test('portals --format csv carries discoveredBy', (t) => {
  const csv = run(['portals', '--format', 'csv', join(ISCSI_DIR, 'iscsi-sendtargets.pcap')]).stdout.split('\r\n');
  const head = csv[0]!.split(',');
  t.is(csv[1]!.split(',')[head.indexOf('discoveredBy')], 'sendtargets');
});

test('logons --iscsi-port follows a port off 3260; bad options exit 2', (t) => {
  const nl = join(ISCSI_DIR, 'iscsi-no-listener.pcap');
  t.deepEqual(JSON.parse(run(['logons', '--format', 'json', nl]).stdout).logons, []);
  const j = JSON.parse(run(['logons', '--format', 'json', '--iscsi-port', '3261', nl]).stdout);
  t.is(j.logons[0].connections[0].tcp, 'refused');
  t.is(run(['logons', '--iscsi-port', '70000', nl]).status, 2);
  t.is(run(['logons', '--format', 'xml', nl]).status, 2);
  t.is(run(['logons']).status, 2);
});

test('logons takes the shared options: -o, --portal, --code/--severity; each logon finding carries its display filter', (t) => {
  const dir = tempDir('logons-');
  const out = join(dir, 'sub', 'l.json');
  const r = run(['logons', '--format', 'json', '-o', out, SAMPLE]);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, '');
  const j = JSON.parse(readFileSync(out, 'utf8'));
  // The sample's truth: aggressive mode refused with AUTHENTICATION-FAILED in frame 26 (tools/gen-crafted.ts).
  const notify = j.logons[0].findings.find((f: { code: string }) => f.code === 'IKE_ERROR_NOTIFY');
  t.is(notify.filter, 'frame.number in {26}');
  const file = join(CRAFTED, 'logon-sendtargets-chap.pcap');
  const only = JSON.parse(run(['logons', '--format', 'json', '--portal', '10.90.6.21:3261', file]).stdout).logons;
  t.deepEqual(only.map((l: { portal: { socket: number } }) => l.portal.socket), [3261]);
  const none = JSON.parse(run(['logons', '--format', 'json', '--code', 'IKE_NO_RESPONSE', file]).stdout).logons;
  t.deepEqual(none, []);
  const failed = JSON.parse(run(['logons', '--format', 'json', '--severity', 'error', file]).stdout).logons;
  t.true(failed.length >= 1 && failed.every((l: { findings: { severity: string }[] }) => l.findings.every((f) => f.severity === 'error')));
  t.is(run(['logons', '--code', 'NO_SUCH_CODE', file]).status, 2);
});

test('annotate comments the frames logon findings name (one input)', (t) => {
  const dir = tempDir('logons-');
  const out = join(dir, 'a.pcapng');
  t.is(run(['annotate', '-q', SAMPLE, '-o', out]).status, 0);
  // Read back by the reader (tshark reads it too in annotate.test.ts): frame 26 holds the refused aggressive mode.
  const back = spawnSync(process.execPath, [CLI, 'packets', '--protocol', 'isakmp', '--format', 'json', out], { encoding: 'utf8' });
  t.is(back.status, 0);
  const bytes = readFileSync(out);
  t.true(bytes.includes(Buffer.from('IKE_ERROR_NOTIFY (error) 192.0.2.200 -> 192.0.2.10:3260: the responder sent AUTHENTICATION-FAILED')));
});
