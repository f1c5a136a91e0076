/**
 * `--format table`: an aligned table for people, then every finding
 * explained. Strings from the capture are data: never written raw to a
 * terminal.
 */
import { safeText } from '../../dissector/core/field.js';
import type { AnalyzeResult } from '../analyze.js';
import type { Finding } from '../findings/registry.js';
import { hex32, securityShortNames } from '../isns/bitmap.js';
import type { PortalRecord } from '../isns/portals/builder.js';

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
