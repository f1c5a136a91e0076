/**
 * Filters on records and findings, as tshark users expect them on the command
 * line (`--portal ADDR[:PORT]`, `--severity LEVEL`, `--code CODE`), generic
 * over the record type: `portals` uses them on portal records, and any command
 * whose records have an address, a port and findings can.
 *
 *  - a finding filter keeps findings at or above a severity and/or of the
 *    given codes; with one, a record is kept only if a finding of it is;
 *  - an endpoint filter keeps records whose address (and port, when given)
 *    match one of the `--portal` values; capture-level findings are kept only
 *    when they are about one of those addresses.
 */
import type { AnalyzeResult } from '../analyze.js';
import { severityAtLeast } from '../findings/registry.js';
import type { Severity } from '../types.js';

export interface FindingFilter {
  /** Keep findings at or above this severity. */
  severity?: Severity;
  /** Keep findings of these codes. */
  codes?: ReadonlySet<string>;
}

export interface EndpointFilter {
  /** IPv4 dotted or canonical (RFC 5952) IPv6 text. */
  address: string;
  port: number | null;
}

export interface RecordFilter {
  endpoints?: readonly EndpointFilter[];
  findings?: FindingFilter;
}

/** IPv6 text in its canonical form (lower case, zeros compressed) — the form records use. */
export function canonicalAddress(a: string): string {
  if (!a.includes(':')) return a;
  try {
    return new URL(`http://[${a}]/`).hostname.slice(1, -1);
  } catch {
    return a.toLowerCase();
  }
}

/** `10.0.0.1`, `10.0.0.1:3260`, `2001:db8::1`, `[2001:db8::1]:3260`, `[2001:db8::1]`; null if not an address. */
export function parseEndpoint(s: string): EndpointFilter | null {
  let addr = s;
  let port: string | null = null;
  const v6 = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(s);
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d+))?$/.exec(s);
  if (v6) [addr, port] = [v6[1]!, v6[2] ?? null];
  else if (v4) [addr, port] = [v4[1]!, v4[2] ?? null];
  else if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(':')) return null;
  if (port !== null && (+port < 0 || +port > 65535)) return null;
  if (v4 && v4[1]!.split('.').some((o) => +o > 255)) return null;
  const address = canonicalAddress(addr);
  if (address.includes(':') && !/^[0-9a-f:.]+$/.test(address)) return null;
  return { address, port: port === null ? null : +port };
}

export function endpointMatches(address: string, port: number | null, fs: readonly EndpointFilter[] | undefined): boolean {
  if (!fs || fs.length === 0) return true;
  const a = canonicalAddress(address);
  return fs.some((f) => f.address === a && (f.port === null || f.port === port));
}

const active = (ff: FindingFilter | undefined): boolean => !!ff && (ff.severity !== undefined || (ff.codes !== undefined && ff.codes.size > 0));

export function findingMatches(f: { code: string; severity: Severity }, ff: FindingFilter | undefined): boolean {
  if (!ff) return true;
  if (ff.severity !== undefined && !severityAtLeast(f.severity, ff.severity)) return false;
  if (ff.codes && ff.codes.size > 0 && !ff.codes.has(f.code)) return false;
  return true;
}

/** A capture-level finding is about one of the addresses (named in its subject or message). */
export function findingNames(f: { message: string; subject?: string }, fs: readonly EndpointFilter[] | undefined): boolean {
  if (!fs || fs.length === 0) return true;
  const text = `${f.subject ?? ''} ${f.message}`;
  return fs.some((e) => {
    const esc = e.address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(^|[^0-9A-Fa-f.:])\\[?${esc}\\]?($|[^0-9A-Fa-f.]|:(?![0-9A-Fa-f]*:))`, 'i').test(text);
  });
}

/**
 * Records kept by a filter, each with only its matching findings. `where`
 * gives a record's address and port. A record keeps every finding (and stays)
 * when no finding filter is active.
 */
export function filterRecords<F extends { code: string; severity: Severity }, R extends { findings: F[] }>(
  records: readonly R[],
  where: (r: R) => { address: string; port: number | null },
  f: RecordFilter,
): R[] {
  const out: R[] = [];
  for (const r of records) {
    const w = where(r);
    if (!endpointMatches(w.address, w.port, f.endpoints)) continue;
    if (!active(f.findings)) {
      out.push(r);
      continue;
    }
    const fs = r.findings.filter((x) => findingMatches(x, f.findings));
    if (fs.length) out.push({ ...r, findings: fs });
  }
  return out;
}

/** Capture-level findings kept by a filter. */
export function filterFindings<F extends { code: string; severity: Severity; message: string; subject?: string }>(fs: readonly F[], f: RecordFilter): F[] {
  return fs.filter((x) => findingMatches(x, f.findings) && findingNames(x, f.endpoints));
}

function filterActive(f: RecordFilter): boolean {
  return (f.endpoints !== undefined && f.endpoints.length > 0) || active(f.findings);
}

/** Where a portal record is, for filterRecords. */
export const portalEndpoint = (p: { address: string; socket: number | null }): { address: string; port: number | null } => ({ address: p.address, port: p.socket });

/** Where a logon record is (its portal), for filterRecords. */
const logonEndpoint = (l: { portal: { address: string; socket: number | null } }): { address: string; port: number | null } => portalEndpoint(l.portal);

/** The result with only the portal and logon records and the capture-level findings the filter keeps. */
export function filterResult(r: AnalyzeResult, f: RecordFilter): AnalyzeResult {
  if (!filterActive(f)) return r;
  return {
    ...r,
    portals: filterRecords(r.portals, portalEndpoint, f),
    ...(r.logons ? { logons: filterRecords(r.logons, logonEndpoint, f) } : {}),
    findings: filterFindings(r.findings, f),
  };
}
