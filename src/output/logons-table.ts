/**
 * `logons --format table`: one aligned line per logon record (initiator,
 * portal, discovery, bitmap, IKE, ESP, TCP and login, outcome, finding codes),
 * then every finding explained with the frames to open. Strings from the
 * capture are data: never written raw to a terminal.
 */
import { safeText } from '../../dissector/core/field.js';
import type { AnalyzeResult } from '../analyze.js';
import { hex32, securityShortNames } from '../isns/bitmap.js';
import type { LogonConnection, LogonRecord } from '../logons/types.js';
import { joinChunks, lineChunks } from './json.js';
import { alignedLines, bySeverity, findingLine, findingsSection } from './table.js';

function logonPortalLabel(l: Pick<LogonRecord, 'portal'>): string {
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
  return joinChunks(logonsTableChunks(r));
}

/** The table's lines, each with its newline, in order. */
export function* logonsTableChunks(r: AnalyzeResult): Generator<string> {
  yield* lineChunks(logonsTableLines(r));
}

function* logonsTableLines(r: AnalyzeResult): Generator<string> {
  const logons = r.logons ?? [];
  const head = ['INITIATOR', 'PORTAL', 'DISCOVERED', 'BITMAP', 'IKE', 'ESP', 'TCP/LOGIN', 'OUTCOME', 'FINDINGS'];
  const rows = logons.map((l) => {
    const codes = [...new Set(l.findings.map((f) => f.code))].join(',') || '-';
    return [l.initiator, logonPortalLabel(l), l.discoveredBy.join(',') || '-', bitmapText(l), ikeText(l), espText(l), connectionsText(l), l.outcome, codes].map((c) => safeText(c));
  });
  yield* alignedLines(head, rows);
  if (logons.length === 0) yield '(no IKE, ESP or iSCSI connection attempt between an initiator and a portal in the inputs)';
  if (logons.some((l) => l.securityBitmapSource === 'default')) yield '* bitmap from --default-security-bitmap';
  if (logons.some((l) => l.portal.socket === null)) yield ':- only IKE/ESP between the hosts: no discovered portal or TCP connection names a port';
  yield* findingsSection(explained(r));
  yield '';
  yield r.inputs.map((i) => `${safeText(i.file)}: ${i.packets} packets${i.error ? ' (read error)' : ''}`).join('; ');
}

/** Findings explained: each record's, then the capture-level ones. */
function* explained(r: AnalyzeResult): Generator<string> {
  for (const l of r.logons ?? []) {
    const where = `${l.initiator} -> ${logonPortalLabel(l)}`;
    for (const f of bySeverity(l.findings)) yield findingLine(f, where);
  }
  for (const f of bySeverity(r.findings)) yield findingLine(f, f.file ?? 'capture');
}
