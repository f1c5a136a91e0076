/**
 * Output formats of `portals`: table (for people), json (the contract's
 * object), ndjson and csv. Strings from the capture are data: never written
 * raw to a terminal, never a spreadsheet formula.
 */
import { safeText } from '../../dissector/core/field.js';
import { hex32, securityShortNames } from '../isns/bitmap.js';
import type { Finding } from '../findings/registry.js';
import type { PortalRecord } from '../isns/portals/builder.js';
import type { AnalyzeResult } from '../analyze.js';

export type PortalFormat = 'table' | 'json' | 'ndjson' | 'csv';

/** The contract's JSON object (key order as the contract shows it). */
export function portalsJson(r: AnalyzeResult): unknown {
  return {
    inputs: r.inputs.map((i) => ({ file: i.file, format: i.format, packets: i.packets, isnsPdus: i.isnsPdus, bytes: i.bytes, error: i.error })),
    portals: r.portals,
    findings: r.findings,
  };
}

export function formatJson(r: AnalyzeResult): string {
  return [...jsonChunks(r)].join('');
}

const indent = (s: string, by: string): string => s.replace(/\n/g, `\n${by}`);

/**
 * The same text as JSON.stringify(portalsJson(r), null, 2) + "\n", one portal
 * at a time, so a large result is written without building one huge string.
 */
export function* jsonChunks(r: AnalyzeResult): Generator<string> {
  const j = portalsJson(r) as { inputs: unknown[]; portals: unknown[]; findings: unknown[] };
  yield `{\n  "inputs": ${indent(JSON.stringify(j.inputs, null, 2), '  ')},\n  "portals": [`;
  for (let i = 0; i < j.portals.length; i++) yield `${i ? ',' : ''}\n    ${indent(JSON.stringify(j.portals[i], null, 2), '    ')}`;
  yield `${j.portals.length ? '\n  ' : ''}],\n  "findings": ${indent(JSON.stringify(j.findings, null, 2), '  ')}\n}\n`;
}

export function formatNdjson(r: AnalyzeResult): string {
  let s = '';
  for (const p of r.portals) s += JSON.stringify(p) + '\n';
  for (const f of r.findings) s += JSON.stringify({ type: 'finding', ...f }) + '\n';
  return s;
}

// ---------------------------------------------------------------- CSV

const CSV_COLUMNS = [
  'address', 'socket', 'transport', 'securityBitmap', 'securityBitmapSource', 'securityFlags', 'keySize', 'key',
  'symbolicName', 'portalIndex', 'esiInterval', 'esiPort', 'scnPort', 'isakmpPhase1', 'isakmpPhase2', 'entityId',
  'iscsiNames', 'state', 'firstSeenFile', 'firstSeenFrame', 'firstSeenTime', 'lastSeenFile', 'lastSeenFrame',
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
      p.state, p.firstSeen.file, p.firstSeen.frame, p.firstSeen.time, p.lastSeen.file, p.lastSeen.frame, p.lastSeen.time,
      [...new Set(p.findings.map((f) => f.code))].join(';'),
    ];
    rows.push(cells.map(csvCell).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}

// ---------------------------------------------------------------- table

export function portalLabel(p: Pick<PortalRecord, 'address' | 'socket' | 'transport'>): string {
  const a = p.address.includes(':') ? `[${p.address}]` : p.address;
  return `${a}:${p.socket}/${p.transport}`;
}

function pad(s: string, n: number): string {
  // Width by code points (the strings are already terminal-safe).
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
}

function truncate(s: string, n: number): string {
  const cp = [...s];
  return cp.length <= n ? s : cp.slice(0, n - 1).join('') + '…';
}

const SEV_ORDER: Record<string, number> = { error: 0, warning: 1, info: 2 };

export function formatTable(r: AnalyzeResult): string {
  const out: string[] = [];
  const head = ['PORTAL', 'BITMAP', 'FLAGS', 'NODES', 'STATE', 'FINDINGS'];
  const rows = r.portals.map((p) => {
    const bm = p.securityBitmap === null ? '-' : hex32(p.securityBitmap) + (p.securityBitmapSource === 'default' ? '*' : '');
    const flags = p.securityBitmap === null ? '-' : securityShortNames(p.securityBitmap).join(',') || '(none)';
    const nodes = p.iscsiNames.length ? p.iscsiNames.map((n) => n.name).join(', ') : '-';
    const codes = [...new Set(p.findings.filter((f) => f.severity !== 'info').map((f) => f.code))];
    const info = p.findings.filter((f) => f.severity === 'info').length;
    const fc = codes.join(',') + (info ? `${codes.length ? ' ' : ''}(+${info} info)` : '');
    return [portalLabel(p), bm, flags, truncate(nodes, 60), p.state, fc || '-'].map((c) => safeText(c));
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => [...r[i]!].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  out.push(line(head));
  for (const row of rows) out.push(line(row));
  if (r.portals.length === 0) out.push('(no portals found in the iSNS traffic)');
  if (r.portals.some((p) => p.securityBitmapSource === 'default')) out.push('* bitmap from --default-security-bitmap');

  // Findings explained: portal ones, then capture-level ones.
  const explained: string[] = [];
  for (const p of r.portals) {
    const fs = [...p.findings].sort((a, b) => SEV_ORDER[a.severity]! - SEV_ORDER[b.severity]!);
    for (const f of fs) {
      if (f.severity === 'info' && (f.code === 'BITMAP_ABSENT' || f.code === 'DEFAULT_BITMAP_APPLIED')) continue;
      explained.push(findingLine(f, portalLabel(p)));
    }
  }
  for (const f of [...r.findings].sort((a, b) => SEV_ORDER[a.severity]! - SEV_ORDER[b.severity]!)) explained.push(findingLine(f, f.file ?? 'capture'));
  const absent = r.portals.filter((p) => p.findings.some((f) => f.code === 'BITMAP_ABSENT')).length;
  if (absent) explained.push(`info     BITMAP_ABSENT  ${absent} portal(s) got no security bitmap from iSNS; a Windows initiator uses its DefaultSecurityBitmap registry value for them (see --default-security-bitmap)`);
  if (explained.length) {
    out.push('');
    out.push('Findings:');
    out.push(...explained);
  }
  const errs = r.inputs.filter((i) => i.error);
  out.push('');
  out.push(
    r.inputs
      .map((i) => `${safeText(i.file)}: ${i.packets} packets, ${i.isnsPdus} iSNS PDUs${i.error ? ' (read error)' : ''}`)
      .join('; '),
  );
  void errs;
  return out.join('\n') + '\n';
}

function findingLine(f: Finding, where: string): string {
  const frames = f.frames.length ? ` [frame${f.frames.length > 1 ? 's' : ''} ${f.frames.join(', ')}]` : '';
  return safeText(`${pad(f.severity, 8)} ${f.code}  ${where}: ${f.message}${frames}`);
}

export function formatPortals(r: AnalyzeResult, f: PortalFormat): string {
  switch (f) {
    case 'json':
      return formatJson(r);
    case 'ndjson':
      return formatNdjson(r);
    case 'csv':
      return formatCsv(r);
    default:
      return formatTable(r);
  }
}
