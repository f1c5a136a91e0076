/**
 * Output formats with hostile strings: no raw control character reaches the
 * terminal, CSV cells cannot start a formula, JSON/NDJSON round-trip.
 */
import test from 'ava';
import { csvCell, formatCsv, formatJson, formatNdjson, formatTable } from '../src/output/portals.js';
import type { AnalyzeResult } from '../src/analyze.js';
import type { PortalRecord } from '../src/isns/portals/builder.js';

function rec(over: Partial<PortalRecord>): PortalRecord {
  return {
    address: '192.0.2.10', socket: 3260, transport: 'tcp', securityBitmap: 0x37, securityBitmapSource: 'isns',
    securityFlags: [], keySize: 0, key: null, symbolicName: null, portalIndex: null, esiInterval: null, esiPort: null,
    scnPort: null, isakmpPhase1: null, isakmpPhase2: null, entityId: 'e1', iscsiNames: [], state: 'registered', discoveredBy: [],
    firstSeen: { file: 'a.pcap', frame: 1, time: '2026-11-23T19:51:20.123456Z' },
    lastSeen: { file: 'a.pcap', frame: 2, time: '2026-11-23T19:51:20.223456Z' },
    findings: [], ...over,
  };
}

const hostile = 'iqn.evil\x1b[31mRED\x07\r\n\u202eLTR';
const result: AnalyzeResult = {
  inputs: [{ file: 'a.pcap', format: 'pcap', packets: 3, isnsPdus: 2, bytes: 100, error: null }],
  portals: [
    rec({ symbolicName: '=cmd|" /C calc"!A0', entityId: '@SUM(1)', iscsiNames: [{ name: hostile, nodeType: ['target'], pgTag: 1 }] }),
    rec({ address: '2001:db8::1', securityBitmap: 0x3e, findings: [{ code: 'BITMAP_NOT_VALID', severity: 'warning', message: `VALID clear for ${hostile}`, frames: [4] }] }),
  ],
  findings: [{ code: 'TCP_GAP', severity: 'warning', message: 'gap \x1b]0;title\x07', file: 'a.pcap', frames: [7, 9] }],
  failed: false,
};

test('csvCell neutralises formula starts and quotes separators', (t) => {
  t.is(csvCell('=1+2'), "'=1+2");
  t.is(csvCell('+1'), "'+1");
  t.is(csvCell('-1'), "'-1");
  t.is(csvCell('@x'), "'@x");
  t.is(csvCell('a,b'), '"a,b"');
  t.is(csvCell('say "hi"'), '"say ""hi"""');
  t.is(csvCell(null), '');
  t.is(csvCell(3260), '3260');
});

test('CSV: one header row and one row per portal; no cell starts a formula', (t) => {
  const csv = formatCsv(result);
  const lines = csv.trimEnd().split('\r\n');
  t.is(lines[0]!.split(',')[0], 'address');
  // Embedded newlines are quoted, so count rows by parsing quotes.
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let q = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i]!;
    if (q) {
      if (c === '"' && csv[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') q = false;
      else cell += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && csv[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += c;
  }
  t.is(rows.length, 3);
  for (const r of rows) for (const c of r) t.false(/^[=+\-@]/.test(c), c);
  t.is(rows[1]![8], `'=cmd|" /C calc"!A0`);
});

test('table: no raw control characters; finding explained with frames', (t) => {
  const s = formatTable(result);
  t.false(/[\x00-\x08\x0b-\x1f\x7f\u202e]/.test(s), 'no control chars except \\n');
  t.true(s.includes('BITMAP_NOT_VALID'));
  t.true(s.includes('[frame 4]'));
  t.true(s.includes('[frames 7, 9]'));
  t.true(s.includes('[2001:db8::1]:3260/tcp'));
  t.true(s.includes('0x00000037'));
  t.true(s.includes('VALID,IKE,MAIN,PFS,TRANSPORT'));
});

test('json and ndjson round-trip the records', (t) => {
  const j = JSON.parse(formatJson(result));
  t.deepEqual(Object.keys(j), ['inputs', 'portals', 'findings']);
  t.is(j.portals[0].iscsiNames[0].name, hostile);
  const lines = formatNdjson(result).trimEnd().split('\n').map((l) => JSON.parse(l));
  t.is(lines.length, 4);
  t.is(lines[2].type, 'finding');
  t.is(lines[2].code, 'TCP_GAP');
  t.deepEqual(lines[3], { type: 'input', ...result.inputs[0] });
  t.is(lines[1].address, '2001:db8::1');
});

test('streamed JSON is byte for byte JSON.stringify(…, null, 2), with U+202E as \\u202e', async (t) => {
  const { jsonChunks, portalsJson } = await import('../src/output/portals.js');
  const whole = (r: AnalyzeResult): string => JSON.stringify(portalsJson(r), null, 2).replace(/\u202e/g, '\\u202e') + '\n';
  t.is([...jsonChunks(result)].join(''), whole(result));
  const empty: AnalyzeResult = { ...result, portals: [], findings: [] };
  t.is([...jsonChunks(empty)].join(''), whole(empty));
});
