/**
 * Outputs at the sizes that broke (issue 13, item 4): `table` over 150 000
 * portals and 150 000 capture-level findings threw "Maximum call stack size
 * exceeded" (Math.max(...rows), push(...explained)). Every format is produced
 * in chunks, so no argument spread and no single huge string is needed.
 */
import test from 'ava';
import type { AnalyzeResult } from '../src/analyze.js';
import { formatTable, portalChunks, tableLines } from '../src/output/portals.js';
import type { PortalRecord } from '../src/isns/portals/builder.js';
import type { Finding } from '../src/findings/registry.js';

const N = 150_000;

function big(): AnalyzeResult {
  const portals: PortalRecord[] = [];
  const findings: Finding[] = [];
  for (let i = 0; i < N; i++) {
    portals.push({
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, socket: 3260, transport: 'tcp', discoveredBy: [], securityBitmap: 0x37, securityBitmapSource: 'isns',
      securityFlags: [], keySize: 0, key: null, symbolicName: null, portalIndex: null, esiInterval: null, esiPort: null, scnPort: null,
      isakmpPhase1: null, isakmpPhase2: null, entityId: null, iscsiNames: [], state: 'registered',
      firstSeen: { file: 'a.pcap', frame: i + 1, time: 't' }, lastSeen: { file: 'a.pcap', frame: i + 1, time: 't' },
      findings: [{ code: 'BITMAP_NOT_VALID', severity: 'warning', message: 'm', frames: [i + 1] }],
    });
    findings.push({ code: 'MALFORMED_PDU', severity: 'warning', message: `stream ${i} ends inside a PDU`, file: 'a.pcap', frames: [i + 1] });
  }
  // One long cell at the end: the widest row decides the column width.
  portals[N - 1]!.address = '10.255.255.255';
  return { inputs: [{ file: 'a.pcap', format: 'pcap', packets: N, isnsPdus: N, bytes: 1, error: null }], portals, findings, failed: false };
}

test(`table over ${N} portals and ${N} capture findings does not throw; every row and finding is there, aligned`, (t) => {
  const r = big();
  const lines = [...tableLines(r)];
  t.is(lines.filter((l) => /^10\.\S+:3260\/tcp /.test(l)).length, N);
  t.is(lines.filter((l) => l.includes('MALFORMED_PDU')).length, N);
  t.is(lines.filter((l) => l.includes('BITMAP_NOT_VALID  10.')).length, N);
  // Columns aligned on the widest address: "10.255.255.255:3260/tcp" is 23 characters, then 2 spaces.
  const header = lines[0]!;
  t.is(header.indexOf('BITMAP'), 25);
  t.is(lines[1]!.indexOf('0x00000037'), 25);
  t.notThrows(() => formatTable(r));
});

test('each format in chunks concatenates to one text; no chunk is data-sized', (t) => {
  const r = big();
  for (const f of ['json', 'ndjson', 'csv', 'table'] as const) {
    let total = 0;
    let largest = 0;
    let chunks = 0;
    for (const c of portalChunks(r, f)) {
      total += c.length;
      largest = Math.max(largest, c.length);
      chunks++;
    }
    t.true(chunks > N, `${f}: ${chunks} chunks`);
    t.true(largest < 4096, `${f}: largest chunk ${largest} characters`);
    t.true(total > N * 20, f);
  }
});
