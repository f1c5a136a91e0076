/**
 * Strings from a capture are data (issue 13, item 9):
 *  - CSV: every control character, C1 control, line/paragraph separator and
 *    bidi control is a \xNN / \uNNNN escape (a backslash is \\), so every
 *    physical line is one record and none starts with attacker text; the
 *    escapes decode back to the very strings;
 *  - JSON/NDJSON: DEL, C1, U+2028/2029 and bidi controls as \uXXXX; still
 *    valid JSON that parses back to the same strings;
 *  - `packets -e`: byte for byte what tshark 4.0 prints (it escapes exactly
 *    \b \t \n \f \r), on captures/crafted/crafted-escapes.pcap — live tshark
 *    when installed, else tshark's output committed next to the capture.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AnalyzeResult } from '../src/analyze.js';
import { csvCell, formatCsv, formatJson, formatNdjson } from '../src/output/portals.js';
import type { PortalRecord } from '../src/isns/portals/builder.js';
import { ESCAPE_STRINGS } from '../tools/gen-crafted.js';
import { CLI } from './helpers/cli.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CAP = join(ROOT, 'captures/crafted/crafted-escapes.pcap');
const haveTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** Every code point 1..0x9f, the separators and bidi controls, a workflow command after a newline, surrogate pairs. */
const NASTY = [
  Array.from({ length: 0x9f }, (_, i) => String.fromCharCode(i + 1)).join(''),
  'a\r\n::set-output name=x::pwned',
  'b\n::add-mask::secret\r::error::x',
  '\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069',
  'back\\slash \\x41 "quoted", comma',
  '=cmd|\' /C calc\'!A0',
  'emoji 😀 é',
];

function rec(i: number, s: string): PortalRecord {
  return {
    address: `192.0.2.${i + 1}`, socket: 3260, transport: 'tcp', discoveredBy: [], securityBitmap: null, securityBitmapSource: 'none',
    securityFlags: [], keySize: 0, key: null, symbolicName: s, portalIndex: null, esiInterval: null, esiPort: null,
    scnPort: null, isakmpPhase1: null, isakmpPhase2: null, entityId: s, iscsiNames: [{ name: s, nodeType: ['target'], pgTag: 1 }], state: 'registered',
    firstSeen: { file: s, frame: 1, time: '2026-11-23T19:51:20.123456Z' },
    lastSeen: { file: 'a.pcap', frame: 2, time: '2026-11-23T19:51:20.223456Z' },
    findings: [{ code: 'BITMAP_ABSENT', severity: 'info', message: s, frames: [1] }],
  };
}

const result: AnalyzeResult = {
  inputs: [{ file: NASTY[1]!, format: 'pcap', packets: 3, isnsPdus: 2, bytes: 100, error: NASTY[0]! }],
  portals: NASTY.map((s, i) => rec(i, s)),
  findings: [{ code: 'TCP_GAP', severity: 'warning', message: NASTY[3]!, file: NASTY[2]!, frames: [7, 9] }],
  failed: false,
};

/** What must never appear raw in CSV or JSON text. */
const RAW = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** Decode one CSV record by RFC 4180 (quotes), then the documented escapes. */
function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') cells.push(cell), (cell = '');
    else cell += c;
  }
  cells.push(cell);
  return cells.map((c) => c.replace(/\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4})/g, (_, e: string) => (e === '\\' ? '\\' : String.fromCharCode(parseInt(e.slice(1), 16)))));
}

test('CSV: no control character but the CRLF ending a record; every line one record; cells decode back', (t) => {
  const csv = formatCsv(result);
  t.false(/[\u0000-\u001f]/.test(csv.replace(/\r\n/g, '')), 'no raw C0 but record ends');
  t.false(RAW.test(csv));
  const lines = csv.split('\r\n');
  t.is(lines.pop(), '');
  t.is(lines.length, 1 + NASTY.length + 1, 'header, one line per portal, one input-error row');
  const head = lines[0]!.split(',');
  const col = (n: string): number => head.indexOf(n);
  NASTY.forEach((s, i) => {
    const cells = parseCsvLine(lines[i + 1]!);
    t.is(cells.length, head.length);
    t.is(cells[0], `192.0.2.${i + 1}`, 'each line starts with its portal');
    // A formula start is neutralised with a leading quote (the one non-reversible change, documented).
    const want = /^[=+\-@]/.test(s) ? `'${s}` : s;
    t.is(cells[col('symbolicName')], want);
    t.is(cells[col('entityId')], want);
    t.is(cells[col('firstSeenFile')], want);
  });
  const err = parseCsvLine(lines[lines.length - 1]!);
  t.is(err[col('state')], 'input-error');
  t.is(err[col('firstSeenFile')], NASTY[1]);
  t.is(err[col('firstSeenFrame')], '4');
  t.is(err[col('findings')], NASTY[0]);
  t.is(err[col('address')], '');
});

test('csvCell escapes, then neutralises and quotes', (t) => {
  t.is(csvCell('a\r\nb'), 'a\\x0d\\x0ab');
  t.is(csvCell('\t=1'), '\\x09=1', 'an escaped TAB is no formula start');
  t.is(csvCell('x\u202ey'), 'x\\u202ey');
  t.is(csvCell('c:\\dir'), 'c:\\\\dir');
  t.is(csvCell('=1,2'), '"\'=1,2"');
});

test('JSON and NDJSON: DEL, C1, separators and bidi controls escaped; parse back to the very strings', (t) => {
  const json = formatJson(result);
  t.false(RAW.test(json));
  t.true(json.includes('\\u202e') && json.includes('\\u2028') && json.includes('\\u0085') && json.includes('\\u009b') && json.includes('\\u007f'));
  const j = JSON.parse(json);
  t.deepEqual(j.portals, result.portals);
  t.deepEqual(j.findings, result.findings);
  t.deepEqual(j.inputs, result.inputs);
  const nd = formatNdjson(result);
  t.false(RAW.test(nd));
  const lines = nd.trimEnd().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, NASTY.length + 2);
  t.deepEqual(lines.slice(0, NASTY.length), result.portals);
  t.deepEqual(lines[NASTY.length], { type: 'finding', ...result.findings[0] });
  t.deepEqual(lines[NASTY.length + 1], { type: 'input', ...result.inputs[0] });
});

test('portals on crafted-escapes.pcap: csv/json/ndjson hold the generator\'s strings', (t) => {
  const text = (b: Uint8Array): string => new TextDecoder().decode(b.indexOf(0) >= 0 ? b.subarray(0, b.indexOf(0)) : b);
  const want = ESCAPE_STRINGS.map(text);
  const run = (f: string) => spawnSync(process.execPath, [CLI, 'portals', '--format', f, CAP], { maxBuffer: 16 << 20 }).stdout.toString();
  const j = JSON.parse(run('json'));
  t.deepEqual(j.portals.map((p: { symbolicName: string }) => p.symbolicName), want);
  t.deepEqual(run('ndjson').trimEnd().split('\n').map((l) => JSON.parse(l)).filter((x) => !x.type).map((p) => p.entityId), want);
  const csv = run('csv').split('\r\n').slice(1, -1).map(parseCsvLine);
  t.deepEqual(csv.map((c) => c[8]), want.map((s) => (/^[=+\-@]/.test(s) ? `'${s}` : s)));
  const table = spawnSync(process.execPath, [CLI, 'portals', CAP]).stdout.toString();
  t.false(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(table));
});

test('packets -e on crafted-escapes.pcap equals tshark 4.0 byte for byte (\\b \\t \\n \\f \\r escaped, nothing else)', (t) => {
  const fields = ['frame.number', 'isns.entity_identifier', 'isns.portal.symbolic_name', 'isns.iscsi_name'];
  let want: string;
  if (haveTshark) {
    want = spawnSync('tshark', ['-r', CAP, '-Y', 'isns', '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])], { maxBuffer: 16 << 20 }).stdout.toString('latin1');
  } else {
    t.log('tshark not installed: comparing with its output committed next to the capture');
    // The committed file holds every isns.* field; keep the columns asked for here.
    const all = readFileSync(join(ROOT, 'test/fixtures/tshark-G-fields-isns.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')[2]!);
    const idx = fields.map((f) => (f === 'frame.number' ? 0 : 1 + all.indexOf(f)));
    want = readFileSync(`${CAP}.tshark-fields.tsv`, 'latin1').split('\n').filter(Boolean).map((l) => { const c = l.split('\t'); return idx.map((i) => c[i]).join('\t'); }).join('\n') + '\n';
  }
  const ours = spawnSync(process.execPath, [CLI, 'packets', ...fields.flatMap((f) => ['-e', f]), CAP], { maxBuffer: 16 << 20 }).stdout.toString('latin1');
  t.is(ours, want);
  // What tshark does, seen on its output: byte b (0x01-0x1f) is in frame 2b-1 ("a" b "b"): 0x08 → \b,
  // 0x0c → \f, but 0x07, 0x0b and 0x1b stay raw, and so does a backslash.
  const line = (b: number): string => want.split('\n').find((l) => l.startsWith(`${2 * b - 1}\t`))!.split('\t')[2]!;
  t.is(line(0x08), 'a\\bb');
  t.is(line(0x0c), 'a\\fb');
  t.is(line(0x09), 'a\\tb');
  t.is(line(0x07), 'a\x07b');
  t.is(line(0x0b), 'a\x0bb');
  t.is(line(0x1b), 'a\x1bb');
});
