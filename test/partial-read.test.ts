/**
 * A read that stops mid-file (issue 13, item 11) is in every output, not only
 * on stderr and in json `inputs`: ndjson ends with a `{"type":"input", ...}`
 * line per input, csv with an `input-error` row; `check --update` refuses to
 * write a baseline from it unless --allow-partial.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { concat, ethUdp, PcapngWriter } from '../tools/craft.js';
import { DELIM, pdu, tAddr, tPort, tStr } from '../tools/craft-isns.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('partial-');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 16 << 20, env: { ...process.env, GITHUB_ACTIONS: '' } });

// Two registrations over UDP, then a block claiming 0xFFFFFFF0 bytes.
const reg = (a: string, xid: number): Uint8Array => ethUdp('10.0.0.1', '10.0.0.2', 3205, 3205, pdu(1, xid, concat([tStr(32, 'iqn.x'), tStr(1, 'e'), DELIM, tStr(1, 'e'), tAddr(16, a), tPort(17, 3260)])));
const good = new PcapngWriter().section().iface({ linktype: 1 }).packet(0, 1n, reg('192.0.2.10', 1)).packet(0, 2n, reg('192.0.2.11', 2)).bytes();
const bad = Buffer.alloc(12);
bad.writeUInt32LE(6, 0);
bad.writeUInt32LE(0xfffffff0, 4);
const CAP = join(dir, 'midfile.pcapng');
writeFileSync(CAP, concat([good, bad]));
const ERROR = `${CAP}: frame 3: byte offset ${good.length + 4}: block of type 0x6 claims 4294967280 bytes, more than the 16777216 accepted`;

test('json: the error in inputs; stderr: one line naming file, frame and byte offset; the portals read before it are printed', (t) => {
  const r = run(['portals', '--format', 'json', CAP]);
  const j = JSON.parse(r.stdout.toString());
  t.is(j.inputs[0].error, ERROR);
  t.is(j.portals.length, 2);
  t.deepEqual(r.stderr.toString().trim().split('\n'), [`isns-dissector: ${ERROR}`]);
});

test('ndjson: portal lines, then one {"type":"input"} line per input with the error (null for a clean input)', (t) => {
  const clean = join(dir, 'clean.pcapng');
  writeFileSync(clean, good);
  const lines = run(['portals', '--format', 'ndjson', CAP, clean]).stdout.toString().trimEnd().split('\n').map((l) => JSON.parse(l));
  t.is(lines.filter((l) => l.type === undefined).length, 2, 'the same two portals in both inputs');
  const inputs = lines.filter((l) => l.type === 'input');
  t.deepEqual(inputs, [
    { type: 'input', file: CAP, format: 'pcapng', packets: 2, isnsPdus: 2, bytes: good.length + 12, error: ERROR },
    { type: 'input', file: clean, format: 'pcapng', packets: 2, isnsPdus: 2, bytes: good.length, error: null },
  ]);
  t.deepEqual(lines.slice(-2), inputs, 'input lines come last');
});

test('csv: a last row with state input-error naming file, frame and the message', (t) => {
  const lines = run(['portals', '--format', 'csv', CAP]).stdout.toString().split('\r\n');
  t.is(lines.pop(), '');
  t.is(lines.length, 1 + 2 + 1);
  const head = lines[0]!.split(',');
  const row = lines[3]!;
  // RFC 4180 cells (the message has a comma, so it is quoted).
  const cells = [...row.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, head.length).map((m) => m[1]!.replace(/^"|"$/g, '').replace(/""/g, '"'));
  t.is(cells[head.indexOf('address')], '');
  t.is(cells[head.indexOf('state')], 'input-error');
  t.is(cells[head.indexOf('firstSeenFile')], CAP);
  t.is(cells[head.indexOf('firstSeenFrame')], '3');
  t.is(cells[head.indexOf('findings')], ERROR);
});

test('check --update refuses a partial read (exit 1, nothing written) unless --allow-partial', (t) => {
  const b = join(dir, 'baseline.json');
  const r = run(['check', '--update', '--baseline', b, CAP]);
  t.is(r.status, 1);
  t.false(existsSync(b));
  t.regex(r.stderr.toString(), /could not be read to the end \(partial read\); the baseline was not written \(--allow-partial writes it/);
  const a = run(['check', '--update', '--allow-partial', '--baseline', b, CAP]);
  t.is(a.status, 0);
  t.is(JSON.parse(readFileSync(b, 'utf8')).portals.length, 2);
  t.regex(a.stderr.toString(), /warning: baseline written from a partial read of /);
});
