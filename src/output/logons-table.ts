/**
 * `logons --format table`: one aligned line per logon record (initiator,
 * portal, discovery, bitmap, IKE, ESP, TCP and login, outcome, finding codes),
 * then every finding explained with the frames to open. Strings from the
 * capture are data: never written raw to a terminal.
 */
import { safeText } from '../../dissector/core/field.js';
import type { AnalyzeResult } from '../analyze.js';
import type { Finding } from '../findings/registry.js';
import { hex32, securityShortNames } from '../isns/bitmap.js';
import type { LogonConnection, LogonRecord } from '../logons/types.js';

const SEV: Record<string, number> = { error: 0, warning: 1, info: 2 };

function pad(s: string, n: number): string {
  const len = [...s].length;
  return len >= n ? s : s + ' '.repeat(n - len);
}

export function logonPortalLabel(l: Pick<LogonRecord, 'portal'>): string {
  const a = l.portal.address.includes(':') ? `[${l.portal.address}]` : l.portal.address;
  return l.portal.socket === null ? `${a}:-` : `${a}:${l.portal.socket}`;
}

function ikeText(l: LogonRecord): string {
  const i = l.ike;
  if (!i) return '-';
  const p1 = i.phase1 ? `${i.phase1.exchange} ${i.phase1.outcome} (${i.phase1.messages})` : 'no phase 1 seen';
  const p2 = i.phase2 ? `, QM ${i.phase2.outcome} (${i.phase2.messages})` : '';
  return `v${i.version} ${p1}${p2}`;
}

function espText(l: LogonRecord): string {
  const e = l.esp;
  if (!e) return '-';
  return `${e.packets} pkt${e.packets === 1 ? '' : 's'}, ${e.spis.length} SPI${e.spis.length === 1 ? '' : 's'}${e.udpEncapsulated ? ', UDP' : ''}`;
}

function connText(c: LogonConnection): string {
  const l = c.login;
  if (!l) return c.tcp;
  const st = l.statusClass !== null && l.statusDetail !== null && l.outcome === 'failed' ? ` 0x${((l.statusClass << 8) | l.statusDetail).toString(16).padStart(4, '0')}` : '';
  const kind = l.sessionType === 'Discovery' ? 'discovery' : 'login';
  return `${kind} ${l.outcome}${st}`;
}

function connectionsText(l: LogonRecord): string {
  const cs = l.connections;
  if (cs.length === 0) return '-';
  const last = connText(cs[cs.length - 1]!);
  return cs.length === 1 ? last : `${cs.length} conns, last: ${last}`;
}

function bitmapText(l: LogonRecord): string {
  if (l.securityBitmap === null) return '-';
  const names = securityShortNames(l.securityBitmap).join(',') || 'none';
  return `${hex32(l.securityBitmap)}${l.securityBitmapSource === 'default' ? '*' : ''} ${names}`;
}

export function formatLogonsTable(r: AnalyzeResult): string {
  const logons = r.logons ?? [];
  const out: string[] = [];
  const head = ['INITIATOR', 'PORTAL', 'DISCOVERED', 'BITMAP', 'IKE', 'ESP', 'TCP/LOGIN', 'OUTCOME', 'FINDINGS'];
  const rows = logons.map((l) => {
    const codes = [...new Set(l.findings.map((f) => f.code))].join(',') || '-';
    return [l.initiator, logonPortalLabel(l), l.discoveredBy.join(',') || '-', bitmapText(l), ikeText(l), espText(l), connectionsText(l), l.outcome, codes].map((c) => safeText(c));
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((x) => [...x[i]!].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  out.push(line(head));
  for (const x of rows) out.push(line(x));
  if (logons.length === 0) out.push('(no IKE, ESP or iSCSI connection attempt between an initiator and a portal in the inputs)');
  if (logons.some((l) => l.securityBitmapSource === 'default')) out.push('* bitmap from --default-security-bitmap');
  if (logons.some((l) => l.portal.socket === null)) out.push(':- only IKE/ESP between the hosts: no discovered portal or TCP connection names a port');

  const explained: string[] = [];
  for (const l of logons) {
    const where = `${l.initiator} -> ${logonPortalLabel(l)}`;
    for (const f of [...l.findings].sort((a, b) => SEV[a.severity]! - SEV[b.severity]!)) explained.push(findingLine(f, where));
  }
  for (const f of [...r.findings].sort((a, b) => SEV[a.severity]! - SEV[b.severity]!)) explained.push(findingLine(f, f.file ?? 'capture'));
  if (explained.length) {
    out.push('');
    out.push('Findings:');
    out.push(...explained);
  }
  out.push('');
  out.push(r.inputs.map((i) => `${safeText(i.file)}: ${i.packets} packets${i.error ? ' (read error)' : ''}`).join('; '));
  return out.join('\n') + '\n';
}

function findingLine(f: Finding, where: string): string {
  const frames = f.frames.length ? ` [frame${f.frames.length > 1 ? 's' : ''} ${f.frames.join(', ')}]` : '';
  return safeText(`${pad(f.severity, 8)} ${f.code}  ${where}: ${f.message}${frames}`);
}
