/**
 * `--format csv`: a header row, one row per portal (lists joined by ";"),
 * then one row per input that could not be read to its end.
 *
 * Strings from the capture are data, never commands:
 *  - control characters (C0 including CR, LF and TAB, DEL, C1), the line and
 *    paragraph separators U+2028/U+2029 and the bidi controls are written as
 *    \xNN / \uNNNN escapes, as the table shows them, and a backslash as \\ —
 *    so every physical line of the CSV is one record (a quoted newline could
 *    otherwise start a line with attacker text, e.g. a `::set-output` workflow
 *    command once the CSV reaches a CI log), and the escapes decode back
 *    unambiguously;
 *  - a cell that would start a spreadsheet formula (= + - @) is prefixed with '.
 *
 * A read that stopped early (a broken block mid-file, a cut gzip stream...)
 * adds a last row per such input with `state` "input-error", the address
 * columns empty, `firstSeenFile` the input, `firstSeenFrame` the frame where
 * reading stopped and `findings` the one-line error message.
 */
import type { AnalyzeResult } from '../analyze.js';
import { hex32 } from '../isns/bitmap.js';
import type { PortalRecord } from '../isns/portals/builder.js';
import { joinChunks, streamChunks, type RecordStream } from './json.js';

const CSV_COLUMNS = [
  'address', 'socket', 'transport', 'securityBitmap', 'securityBitmapSource', 'securityFlags', 'keySize', 'key',
  'symbolicName', 'portalIndex', 'esiInterval', 'esiPort', 'scnPort', 'isakmpPhase1', 'isakmpPhase2', 'entityId',
  'iscsiNames', 'state', 'discoveredBy', 'firstSeenFile', 'firstSeenFrame', 'firstSeenTime', 'lastSeenFile', 'lastSeenFrame',
  'lastSeenTime', 'findings',
] as const;

const COL = new Map<string, number>(CSV_COLUMNS.map((c, i) => [c, i]));

/** Backslash, C0, DEL, C1, line/paragraph separators, bidi controls. */
const ESCAPE = /[\\\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeCell(s: string): string {
  ESCAPE.lastIndex = 0;
  if (!ESCAPE.test(s)) return s;
  return s.replace(ESCAPE, (c) => {
    if (c === '\\') return '\\\\';
    const cp = c.charCodeAt(0);
    return cp < 0x100 ? '\\x' + cp.toString(16).padStart(2, '0') : '\\u' + cp.toString(16).padStart(4, '0');
  });
}

/** One CSV cell: control characters escaped; a leading = + - @ neutralised with '; quoted when needed. */
export function csvCell(v: unknown): string {
  let s = escapeCell(v === null || v === undefined ? '' : String(v));
  // (a lone "-", stdin's name, is no formula)
  if (/^[=+\-@]/.test(s) && s !== '-') s = "'" + s;
  if (/[",]/.test(s) || s !== s.trim()) s = '"' + s.replace(/"/g, '""') + '"';
  return s;
}

/** One CSV record (its cells neutralised by csvCell) with its CRLF. */
export function csvRow(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

/** The CSV's records, each with its CRLF. */
export function csvLines(r: AnalyzeResult): Generator<string> {
  return streamChunks(csvStream(), r, r.portals);
}

/** csvLines as records come. */
export function csvStream(): RecordStream<PortalRecord> {
  return { head: () => [csvRow(CSV_COLUMNS)], records: csvRows, tail: inputErrorRows };
}

function* csvRows(portals: readonly PortalRecord[]): Generator<string> {
  for (const p of portals) {
    const cells: unknown[] = [
      p.address, p.socket, p.transport, p.securityBitmap === null ? '' : hex32(p.securityBitmap), p.securityBitmapSource,
      p.securityFlags.join(';'), p.keySize, p.key, p.symbolicName, p.portalIndex, p.esiInterval, p.esiPort, p.scnPort,
      p.isakmpPhase1, p.isakmpPhase2, p.entityId,
      p.iscsiNames.map((n) => `${n.name}(${n.nodeType.join('+') || '?'};pgt=${n.pgTag})`).join(';'),
      p.state, p.discoveredBy.join(';'), p.firstSeen.file, p.firstSeen.frame, p.firstSeen.time, p.lastSeen.file, p.lastSeen.frame, p.lastSeen.time,
      [...new Set(p.findings.map((f) => f.code))].join(';'),
    ];
    yield csvRow(cells);
  }
}

function* inputErrorRows(r: Pick<AnalyzeResult, 'inputs'>): Generator<string> {
  for (const i of r.inputs) {
    if (!i.error) continue;
    const cells: unknown[] = new Array(CSV_COLUMNS.length).fill('');
    cells[COL.get('state')!] = 'input-error';
    cells[COL.get('firstSeenFile')!] = i.file;
    if (i.format !== null) cells[COL.get('firstSeenFrame')!] = i.packets + 1;
    cells[COL.get('findings')!] = i.error;
    yield csvRow(cells);
  }
}

export function formatCsv(r: AnalyzeResult): string {
  return joinChunks(csvLines(r));
}
