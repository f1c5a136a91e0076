/**
 * The command line as users and scripts run it: exit codes, stdin, usage
 * errors, formats, and the field table against tshark's own field list.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, resolve } from 'node:path';
import { isns } from '../dissector/isns/index.js';
import { CLI, CLI_MODULES } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SAMPLE = join(ROOT, 'captures/crafted/sample.pcapng');
const run = (args: string[], input?: Uint8Array | string) => spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', maxBuffer: 64 << 20 });

test('the isns.* field table equals the committed tshark -G fields snapshot (abbrev, type, base, mask)', (t) => {
  const TYPES: Record<string, string> = { FT_UINT8: 'uint8', FT_UINT16: 'uint16', FT_UINT24: 'uint24', FT_UINT32: 'uint32', FT_UINT64: 'uint64', FT_BOOLEAN: 'boolean', FT_IPv6: 'ipv6', FT_STRING: 'string', FT_BYTES: 'bytes', FT_NONE: 'none' };
  const snap = readFileSync(join(ROOT, 'test/fixtures/tshark-G-fields-isns.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const ours = isns.fields.filter((f) => f.abbrev.startsWith('isns.'));
  t.is(ours.length, snap.length);
  for (const [, name, abbrev, ft, , base, mask] of snap) {
    const d = ours.find((f) => f.abbrev === abbrev);
    t.truthy(d, `${abbrev} missing`);
    if (!d) continue;
    t.is(d.name, name, abbrev);
    t.is(d.type as string, TYPES[ft!], abbrev);
    if (base === 'BASE_HEX') t.is(d.base, 'hex', abbrev);
    if (base === 'BASE_DEC') t.is(d.base, 'dec', abbrev);
    if (ft === 'FT_BOOLEAN') {
      t.is(d.bitmask, Number(mask), abbrev);
      t.is(d.bitWidth, Number(base), abbrev);
    }
  }
  t.false(isns.fields.some((f) => !f.abbrev.startsWith('isns.') && !f.abbrev.startsWith('isnsx.')), 'our own fields live under isnsx.*');
});

test('portals: exit 0 on a capture, JSON has the contract keys', (t) => {
  const r = run(['portals', '--format', 'json', SAMPLE]);
  t.is(r.status, 0);
  const j = JSON.parse(r.stdout.toString());
  t.deepEqual(Object.keys(j), ['inputs', 'portals', 'findings']);
  t.deepEqual(Object.keys(j.inputs[0]), ['file', 'format', 'packets', 'isnsPdus', 'bytes', 'error']);
  t.is(j.inputs[0].format, 'pcapng');
  t.deepEqual(Object.keys(j.portals[0]), ['address', 'socket', 'transport', 'securityBitmap', 'securityBitmapSource', 'securityFlags', 'keySize', 'key', 'symbolicName', 'portalIndex', 'esiInterval', 'esiPort', 'scnPort', 'isakmpPhase1', 'isakmpPhase2', 'entityId', 'iscsiNames', 'state', 'discoveredBy', 'firstSeen', 'lastSeen', 'findings']);
});

test('"-" reads stdin; gzip is recognised by magic, not name', (t) => {
  const bytes = readFileSync(SAMPLE);
  const a = run(['portals', '--format', 'json', '-'], bytes);
  t.is(a.status, 0);
  const dir = tempDir('cli-');
  const gz = join(dir, 'capture.txt');
  writeFileSync(gz, gzipSync(bytes));
  const b = run(['portals', '--format', 'json', gz]);
  t.is(b.status, 0);
  const ja = JSON.parse(a.stdout.toString());
  const jb = JSON.parse(b.stdout.toString());
  t.deepEqual(ja.portals.map((p: { address: string }) => p.address), jb.portals.map((p: { address: string }) => p.address));
  t.is(jb.inputs[0].format, 'pcapng.gz');
});


test('unreadable inputs: exit 1 with a one-line error naming the file; other inputs still reported', (t) => {
  const dir = tempDir('cli-');
  const empty = join(dir, 'empty.pcap');
  writeFileSync(empty, '');
  const junk = join(dir, 'junk.bin');
  writeFileSync(junk, 'this is not a capture at all');
  const r = run(['portals', '--format', 'json', empty, junk, join(dir, 'missing.pcap'), SAMPLE]);
  t.is(r.status, 1);
  const err = r.stderr.toString().trim().split('\n');
  t.is(err.length, 3);
  t.regex(err[0]!, /empty\.pcap: byte offset 0: empty input/);
  t.regex(err[1]!, /junk\.bin: byte offset 0: not a pcap or pcapng capture/);
  t.regex(err[2]!, /missing\.pcap: cannot read: no such file/);
  const j = JSON.parse(r.stdout.toString());
  t.is(j.inputs.length, 4);
  t.true(j.portals.length > 0, 'the good capture is still reported');
});

test('stdin with nothing on it: exit 1, clear message', (t) => {
  const r = run(['portals', '-']);
  t.is(r.status, 1);
  t.regex(r.stderr.toString(), /-: byte offset 0: empty input/);
});

test('usage errors exit 2 with the reason', (t) => {
  t.is(run(['portals']).status, 2);
  t.is(run(['portals', '--nope', SAMPLE]).status, 2);
  t.is(run(['portals', '--format', 'xml', SAMPLE]).status, 2);
  t.is(run(['portals', '--default-security-bitmap', 'zz', SAMPLE]).status, 2);
  t.is(run(['frobnicate']).status, 2);
  const e = run(['packets', '-e', 'isns.no_such_field', SAMPLE]);
  t.is(e.status, 2);
  t.regex(e.stderr.toString(), /unknown field "isns\.no_such_field"/);
});

test('--default-security-bitmap accepts decimal and 0x hex', (t) => {
  // open-isns sends no bitmaps: every registered portal takes the default.
  const OPEN = join(ROOT, 'captures/open-isns-basic.pcap');
  for (const v of ['7', '0x7']) {
    const j = JSON.parse(run(['portals', '--format', 'json', '--default-security-bitmap', v, OPEN]).stdout.toString());
    t.true(j.portals.length > 0);
    for (const p of j.portals) {
      t.is(p.securityBitmap, 7);
      t.is(p.securityBitmapSource, 'default');
    }
  }
});

test('a rejected portal keeps the bitmap it tried to register and never takes the default (no initiator discovers it)', (t) => {
  const j = JSON.parse(run(['portals', '--format', 'json', '--default-security-bitmap', '7', SAMPLE]).stdout.toString());
  const rogue = j.portals.find((p: { address: string }) => p.address === '203.0.113.7');
  t.is(rogue.state, 'rejected');
  t.is(rogue.securityBitmap, 0x37); // the rogue DevAttrReg (tools/gen-crafted.ts) carries 0x37
  t.is(rogue.securityBitmapSource, 'isns');
  t.false(rogue.findings.some((f: { code: string }) => f.code === 'DEFAULT_BITMAP_APPLIED' || f.code === 'BITMAP_ABSENT'));
});

test('packets: text tree and JSON per PDU', (t) => {
  const txt = run(['packets', SAMPLE]).stdout.toString();
  t.regex(txt, /Function ID: DevAttrReg \(1\)/);
  t.regex(txt, /Portal Security Bitmap: 0x00000037/);
  t.regex(txt, /\.\.\.\. \.\.\.\. \.\.\.\. \.\.\.\. \.\.\.\. \.\.\.\. \.\.\.\. \.\.\.1 = Bitmap: valid/i);
  const lines = run(['packets', '--format', 'json', SAMPLE]).stdout.toString().trim().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, 11);
  const reg = lines[0];
  t.deepEqual(reg.frames, [4, 5], 'the registration was reassembled from two segments');
  t.is(reg.frame, 5);
  t.is(reg.message.function, 'DevAttrReg');
  const roles = reg.message.attributes.map((a: { role: string }) => a.role);
  t.is(roles[0], 'source');
  t.is(roles[1], 'key');
  t.is(roles[2], 'delimiter');
  t.true(roles.slice(3).every((r: string) => r === 'operating'));
});

test('a closed stdout (| head) ends quietly', (t) => {
  const r = spawnSync('bash', ['-c', `node ${CLI} packets ${SAMPLE} | head -1`]);
  t.is(r.status, 0);
  t.is(r.stderr.toString(), '');
});

test('--full decodes what Wireshark leaves "Not Decoded Yet" (ISAKMP phase-1/2, certificates) under isnsx.*', (t) => {
  const sample = readFileSync(join(ROOT, 'captures/crafted/sample.truth.json'), 'utf8');
  const truth = JSON.parse(sample);
  const p10 = truth.portals.find((p: { address: string }) => p.address === '192.0.2.10');
  const p20 = truth.portals.find((p: { address: string }) => p.address === '2001:db8::20');
  const out = run(['packets', '--full', '-e', 'frame.number', '-e', 'isnsx.portal_isakmp_phase1', '-e', 'isnsx.portal_isakmp_phase2', '-e', 'isnsx.portal_certificate', '-e', 'isnsx.certificate_length', SAMPLE]).stdout.toString().split('\n');
  const reg = out.find((l) => l.startsWith('5\t'))!;
  t.deepEqual(reg.split('\t'), ['5', p10.isakmpPhase1, p10.isakmpPhase2, p20.key, String(p20.keySize)]);
  // Without --full, as Wireshark: not decoded, and the isnsx.* names are unknown.
  t.is(run(['packets', '-e', 'isnsx.portal_isakmp_phase1', SAMPLE]).status, 2);
  const ws = run(['packets', '-e', 'frame.number', '-e', 'isns.not_decoded_yet', SAMPLE]).stdout.toString().split('\n').find((l) => l.startsWith('5\t'))!;
  t.is(ws, '5\t1,1,1');
});

test('progress goes to stderr only on a terminal, and is cleared', (t) => {
  const big = join(tempDir('cli-'), 'big.pcapng');
  // ~3.5 MiB of pcapng sections: several 1 MiB reads, so progress is reported at least once.
  const one = readFileSync(SAMPLE);
  writeFileSync(big, Buffer.concat(Array.from({ length: 1000 }, () => one)));
  const piped = run(['portals', '--format', 'csv', big]);
  t.is(piped.stderr.toString(), '', 'nothing on a pipe');
  if (spawnSync('script', ['--version']).status !== 0) return t.log('script(1) not installed: the terminal case was not run');
  const tty = spawnSync('script', ['-q', '-c', `${process.execPath} ${CLI} portals --format csv ${big} > /dev/null`, '/dev/null']);
  const out = tty.stdout.toString();
  t.regex(out, /\r\x1b\[K[\d.]+ MiB, \d+ packets read/);
  t.true(out.endsWith('\r\x1b[K'), 'the progress line is cleared at the end');
});

test('portal findings have exactly the contract keys and a display filter; capture findings add the file', (t) => {
  const j = JSON.parse(run(['portals', '--format', 'json', SAMPLE]).stdout.toString());
  for (const p of j.portals) for (const f of p.findings) t.deepEqual(Object.keys(f), ['code', 'severity', 'message', 'frames', 'filter']);
  for (const f of j.findings) t.deepEqual(Object.keys(f), ['code', 'severity', 'message', 'file', 'frames', 'filter']);
  t.true(j.findings.length > 0);
  const conflict = j.portals.find((p: { address: string }) => p.address === '192.0.2.10').findings.find((f: { code: string }) => f.code === 'BITMAP_CONFLICT');
  t.is(conflict.filter, 'frame.number in {5 11}');
  const absent = j.portals.flatMap((p: { findings: { code: string; filter: unknown }[] }) => p.findings).find((f: { code: string }) => f.code === 'BITMAP_ABSENT');
  if (absent) t.is(absent.filter, null, 'a finding naming no frame has a null filter');
  for (const f of j.findings) t.is(f.filter, `frame.number in {${[...new Set(f.frames as number[])].sort((a, b) => a - b).join(' ')}}`);
});

test('the bin (the bundle of dist/src) and dist/src/cli/main.js print the same: every command and format on the sample, usage and an unreadable input', (t) => {
  t.not(CLI, CLI_MODULES);
  const cmds = [
    ['portals', SAMPLE],
    ...['json', 'ndjson', 'csv', 'junit'].map((f) => ['portals', '--format', f, SAMPLE]),
    ['logons', '--format', 'json', SAMPLE],
    ['packets', '--full', SAMPLE],
    ['packets', '-e', 'frame.number', '-e', 'isns.functionid', '-e', 'isns.portal.ip_address', SAMPLE],
    ['check', SAMPLE],
    ['--help'],
    ['--version'],
    ['portals', '--bogus', SAMPLE],
    ['portals', join(ROOT, 'no-such-capture.pcap')],
  ];
  for (const args of cmds) {
    const a = spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 64 << 20 });
    const b = spawnSync(process.execPath, [CLI_MODULES, ...args], { maxBuffer: 64 << 20 });
    t.is(a.status, b.status, args.join(' '));
    t.is(a.stdout.toString(), b.stdout.toString(), args.join(' '));
    t.is(a.stderr.toString(), b.stderr.toString(), args.join(' '));
  }
  const dir = tempDir('cli-');
  const [x, y] = [CLI, CLI_MODULES].map((cli, i) => {
    const out = join(dir, `annotated${i}.pcapng`);
    t.is(spawnSync(process.execPath, [cli, 'annotate', '-o', out, SAMPLE]).status, 0);
    return readFileSync(out);
  });
  t.true(x!.equals(y!), 'annotate');
});
