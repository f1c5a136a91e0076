/**
 * `--format table`: an aligned table for people, then every finding
 * explained. Strings from the capture are data: never written raw to a
 * terminal. Produced line by line (tableLines): no array as large as the
 * data is ever spread into call arguments, and no one huge string is built.
 */
import { safeText } from '../../dissector/core/field.js';
import type { AnalyzeResult } from '../analyze.js';
import type { Finding } from '../findings/registry.js';
import { hex32, securityShortNames } from '../isns/bitmap.js';
import type { PortalRecord } from '../isns/portals/builder.js';
import { joinChunks, lineChunks } from './json.js';
import { displayWidth, padWidth, truncateWidth } from './width.js';

export function portalLabel(p: Pick<PortalRecord, 'address' | 'socket' | 'transport'>): string {
  const a = p.address.includes(':') ? `[${p.address}]` : p.address;
  return `${a}:${p.socket}/${p.transport}`;
}

const SEV_ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

/** Findings, most severe first (stable: same severity keeps its order). */
export function bySeverity<F extends Finding>(fs: readonly F[]): F[] {
  return [...fs].sort((a, b) => SEV_ORDER[a.severity]! - SEV_ORDER[b.severity]!);
}

/**
 * A header and rows as aligned lines: every column but the last padded to its
 * widest cell (terminal columns, width.ts), two spaces apart, no trailing blanks.
 * The cells must already be terminal-safe.
 */
export function* alignedLines(head: readonly string[], rows: readonly string[][]): Generator<string> {
  // Column widths: a loop, not Math.max(...rows) (a spread of 130 000 rows overflows the stack).
  const widths = head.map((h) => h.length);
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const w = displayWidth(row[i]!);
      if (w > widths[i]!) widths[i] = w;
    }
  }
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : padWidth(c, widths[i]!))).join('  ').trimEnd();
  yield line(head);
  for (const row of rows) yield line(row);
}

/** A blank line and "Findings:", then the lines — nothing at all when there are none. */
export function* findingsSection(lines: Iterable<string>): Generator<string> {
  let first = true;
  for (const l of lines) {
    if (first) {
      first = false;
      yield '';
      yield 'Findings:';
    }
    yield l;
  }
}

/** One finding explained: severity, code, where, message, its frames (terminal-safe). */
export function findingLine(f: Finding, where: string): string {
  const frames = f.frames.length ? ` [frame${f.frames.length > 1 ? 's' : ''} ${f.frames.join(', ')}]` : '';
  return safeText(`${padWidth(f.severity, 8)} ${f.code}  ${where}: ${f.message}${frames}`);
}

export function formatTable(r: AnalyzeResult): string {
  return joinChunks(lineChunks(tableLines(r)));
}

/** The table's lines (without their newlines), in order. */
export function* tableLines(r: AnalyzeResult): Generator<string> {
  const head = ['PORTAL', 'BITMAP', 'FLAGS', 'NODES', 'STATE', 'FINDINGS'];
  const rows = r.portals.map((p) => {
    const bm = p.securityBitmap === null ? '-' : hex32(p.securityBitmap) + (p.securityBitmapSource === 'default' ? '*' : '');
    const flags = p.securityBitmap === null ? '-' : securityShortNames(p.securityBitmap).join(',') || '(none)';
    const nodes = p.iscsiNames.length ? p.iscsiNames.map((n) => n.name).join(', ') : '-';
    const codes = [...new Set(p.findings.filter((f) => f.severity !== 'info').map((f) => f.code))];
    const info = p.findings.filter((f) => f.severity === 'info').length;
    const fc = codes.join(',') + (info ? `${codes.length ? ' ' : ''}(+${info} info)` : '');
    return [portalLabel(p), bm, flags, truncateWidth(nodes, 60), p.state, fc || '-'].map((c) => safeText(c));
  });
  yield* alignedLines(head, rows);
  if (r.portals.length === 0) yield '(no portals found in the iSNS traffic)';
  if (r.portals.some((p) => p.securityBitmapSource === 'default')) yield '* bitmap from --default-security-bitmap';
  yield* findingsSection(explained(r));
  yield '';
  yield r.inputs.map((i) => `${safeText(i.file)}: ${i.packets} packets, ${i.isnsPdus} iSNS PDUs${i.error ? ' (read error)' : ''}`).join('; ');
}

/** Findings explained: portal ones, then capture-level ones, then the count of portals without a bitmap. */
function* explained(r: AnalyzeResult): Generator<string> {
  for (const p of r.portals) {
    for (const f of bySeverity(p.findings)) {
      if (f.severity === 'info' && (f.code === 'BITMAP_ABSENT' || f.code === 'DEFAULT_BITMAP_APPLIED')) continue;
      yield findingLine(f, portalLabel(p));
    }
  }
  for (const f of bySeverity(r.findings)) yield findingLine(f, f.file ?? 'capture');
  const absent = r.portals.filter((p) => p.findings.some((f) => f.code === 'BITMAP_ABSENT')).length;
  if (absent) yield `info     BITMAP_ABSENT  ${absent} portal(s) got no security bitmap from iSNS; a Windows initiator uses its DefaultSecurityBitmap registry value for them (see --default-security-bitmap)`;
}
