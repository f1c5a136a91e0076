/**
 * `logons --format csv`: a header row and one row per logon record, lists
 * joined by ";", cells neutralised like the portals CSV (csvCell).
 */
import type { AnalyzeResult } from '../analyze.js';
import { hex32 } from '../isns/bitmap.js';
import type { LogonRecord } from '../logons/types.js';
import { csvRow } from './csv.js';
import { joinChunks } from './json.js';

const LOGON_CSV_COLUMNS = [
  'initiator', 'portalAddress', 'portalSocket', 'discoveredBy', 'securityBitmap', 'securityBitmapSource',
  'ikeVersion', 'ikePhase1Exchange', 'ikePhase1Outcome', 'ikePhase1Messages', 'ikePhase1Frames',
  'ikePhase2Outcome', 'ikePhase2Messages', 'ikePhase2Frames', 'ikeNotifications',
  'espSpis', 'espPackets', 'espUdpEncapsulated',
  'connections', 'tcp', 'sessionTypes', 'initiatorNames', 'targetNames', 'authMethods', 'loginOutcomes', 'loginStatuses',
  'outcome', 'findings',
] as const;

function row(l: LogonRecord): unknown[] {
  const ike = l.ike;
  const logins = l.connections.map((c) => c.login);
  const each = (f: (x: NonNullable<(typeof logins)[number]>) => string | null): string => logins.map((x) => (x ? (f(x) ?? '') : '-')).join(';');
  return [
    l.initiator, l.portal.address, l.portal.socket, l.discoveredBy.join(';'),
    l.securityBitmap === null ? '' : hex32(l.securityBitmap), l.securityBitmapSource,
    ike?.version, ike?.phase1?.exchange, ike?.phase1?.outcome, ike?.phase1?.messages, ike?.phase1?.frames.join(';'),
    ike?.phase2?.outcome, ike?.phase2?.messages, ike?.phase2?.frames.join(';'),
    ike?.notifications.map((n) => `${n.name}(${n.type})@${n.frame}`).join(';'),
    l.esp?.spis.join(';'), l.esp?.packets, l.esp ? String(l.esp.udpEncapsulated) : '',
    l.connections.length, l.connections.map((c) => c.tcp).join(';'),
    each((x) => x.sessionType), each((x) => x.initiatorName), each((x) => x.targetName), each((x) => x.authMethod), each((x) => x.outcome),
    each((x) => (x.statusClass === null || x.statusDetail === null ? null : `0x${((x.statusClass << 8) | x.statusDetail).toString(16).padStart(4, '0')} ${x.status}`)),
    l.outcome, [...new Set(l.findings.map((f) => f.code))].join(';'),
  ];
}

/** The CSV's records, each with its CRLF. */
export function* logonsCsvLines(r: AnalyzeResult): Generator<string> {
  yield csvRow(LOGON_CSV_COLUMNS);
  for (const l of r.logons ?? []) yield csvRow(row(l));
}

export function formatLogonsCsv(r: AnalyzeResult): string {
  return joinChunks(logonsCsvLines(r));
}
