/**
 * `--format csv`: a header row and one row per portal, lists joined by ";".
 * A cell that would start a spreadsheet formula is neutralised.
 */
import type { AnalyzeResult } from '../analyze.js';
import { hex32 } from '../isns/bitmap.js';

const CSV_COLUMNS = [
  'address', 'socket', 'transport', 'securityBitmap', 'securityBitmapSource', 'securityFlags', 'keySize', 'key',
  'symbolicName', 'portalIndex', 'esiInterval', 'esiPort', 'scnPort', 'isakmpPhase1', 'isakmpPhase2', 'entityId',
  'iscsiNames', 'state', 'discoveredBy', 'firstSeenFile', 'firstSeenFrame', 'firstSeenTime', 'lastSeenFile', 'lastSeenFrame',
  'lastSeenTime', 'findings',
] as const;

/** One CSV cell: quoted when needed; a leading = + - @ (or TAB/CR) is neutralised with a quote char. */
export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  if (/[",\r\n]/.test(s) || s !== s.trim()) s = '"' + s.replace(/"/g, '""') + '"';
  return s;
}

export function formatCsv(r: AnalyzeResult): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const p of r.portals) {
    const cells: unknown[] = [
      p.address, p.socket, p.transport, p.securityBitmap === null ? '' : hex32(p.securityBitmap), p.securityBitmapSource,
      p.securityFlags.join(';'), p.keySize, p.key, p.symbolicName, p.portalIndex, p.esiInterval, p.esiPort, p.scnPort,
      p.isakmpPhase1, p.isakmpPhase2, p.entityId,
      p.iscsiNames.map((n) => `${n.name}(${n.nodeType.join('+') || '?'};pgt=${n.pgTag})`).join(';'),
      p.state, p.discoveredBy.join(';'), p.firstSeen.file, p.firstSeen.frame, p.firstSeen.time, p.lastSeen.file, p.lastSeen.frame, p.lastSeen.time,
      [...new Set(p.findings.map((f) => f.code))].join(';'),
    ];
    rows.push(cells.map(csvCell).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}
