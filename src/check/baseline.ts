/**
 * The CI baseline: what `check --update` writes and `check` compares with.
 * Each portal record without its frames and times, with its findings as
 * (code, severity, subject) — no message, no frame — and the capture-level
 * findings as (code, severity, subject). A subject (findings/subject.ts) names
 * what a finding is about in words that stay the same between two recordings
 * of the same network: no frame numbers, transaction ids, times, file names or
 * ephemeral ports. So two recordings of the same network give the same bytes.
 *
 * Older baselines (a saved `portals --format json`, or one with finding
 * messages) are read too: a finding there without a subject matches any
 * finding of its code.
 */
import { safeText } from '../../dissector/core/field.js';
import type { Finding } from '../findings/registry.js';
import type { PortalRecord } from '../isns/portals/builder.js';
import { safeJson } from '../output/json.js';
import { sortPortals } from '../output/order.js';
import type { Severity } from '../types.js';

/** A finding as the baseline keeps it. `subject` absent (older baselines): any subject. */
export interface BaselineFinding {
  code: string;
  severity?: Severity;
  subject?: string;
}

/** The parts of a record that are compared (no frames, times or counts). */
export type BaselinePortal = Omit<PortalRecord, 'firstSeen' | 'lastSeen' | 'findings' | 'state' | 'securityBitmapSource' | 'discoveredBy'> & {
  state: string;
  securityBitmapSource: string;
  findings: BaselineFinding[];
};

export interface Baseline {
  portals: BaselinePortal[];
  /** Capture-level findings. */
  findings: BaselineFinding[];
}

export class BaselineError extends Error {}

export type PortalKey = Pick<PortalRecord, 'address' | 'socket' | 'transport'>;

export const portalKey = (p: PortalKey): string => `${p.address}|${p.socket}|${p.transport}`;

function type(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

const SEVERITIES = new Set(['info', 'warning', 'error']);

function findingsOf(v: unknown, where: string, file: string): BaselineFinding[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new BaselineError(`${file}: ${where}: expected an array of {code, severity, subject}, found ${type(v)}`);
  return v.map((x, i) => {
    const f = x as Record<string, unknown>;
    if (type(x) !== 'object' || typeof f.code !== 'string') throw new BaselineError(`${file}: ${where}[${i}]: expected an object with a "code" string`);
    if (f.severity !== undefined && !SEVERITIES.has(f.severity as string)) throw new BaselineError(`${file}: ${where}[${i}].severity: expected "error", "warning" or "info"`);
    if (f.subject !== undefined && typeof f.subject !== 'string') throw new BaselineError(`${file}: ${where}[${i}].subject: expected a string`);
    return { code: f.code, ...(f.severity !== undefined ? { severity: f.severity as Severity } : {}), ...(f.subject !== undefined ? { subject: f.subject as string } : {}) };
  });
}

/** Validate a baseline's shape; say precisely what is wrong. */
export function parseBaseline(text: string, file: string): Baseline {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch (e) {
    throw new BaselineError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (type(j) !== 'object') throw new BaselineError(`${file}: expected an object with a "portals" array, found ${type(j)}`);
  const ps = (j as { portals?: unknown }).portals;
  if (!Array.isArray(ps)) throw new BaselineError(`${file}: "portals": expected an array, found ${type(ps)}`);
  const need = (i: number, p: Record<string, unknown>, f: string, ok: (v: unknown) => boolean, what: string): void => {
    if (!ok(p[f])) throw new BaselineError(`${file}: portals[${i}].${f}: expected ${what}, found ${type(p[f])}${typeof p[f] === 'string' ? ` "${safeText(String(p[f]))}"` : ''}`);
  };
  const str = (v: unknown): boolean => typeof v === 'string';
  const strOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
  const int = (v: unknown): boolean => Number.isInteger(v);
  const intOrNull = (v: unknown): boolean => v === null || Number.isInteger(v);
  const seen = new Set<string>();
  const portals = ps.map((x, i): BaselinePortal => {
    if (type(x) !== 'object') throw new BaselineError(`${file}: portals[${i}]: expected an object, found ${type(x)}`);
    const p = x as Record<string, unknown>;
    need(i, p, 'address', str, 'a string');
    need(i, p, 'socket', (v) => int(v) && (v as number) >= 0 && (v as number) <= 65535, 'a port number');
    need(i, p, 'transport', (v) => v === 'tcp' || v === 'udp', '"tcp" or "udp"');
    need(i, p, 'securityBitmap', (v) => v === null || (int(v) && (v as number) >= 0 && (v as number) <= 0xffffffff), 'a number or null');
    need(i, p, 'state', (v) => v === 'registered' || v === 'rejected' || v === 'deregistered' || v === 'queried', 'a state');
    need(i, p, 'securityFlags', (v) => v === undefined || (Array.isArray(v) && v.every(str)), 'an array of strings');
    for (const f of ['key', 'symbolicName', 'isakmpPhase1', 'isakmpPhase2', 'entityId']) need(i, p, f, (v) => v === undefined || strOrNull(v), 'a string or null');
    for (const f of ['portalIndex', 'esiInterval', 'esiPort', 'scnPort']) need(i, p, f, (v) => v === undefined || intOrNull(v), 'a number or null');
    need(i, p, 'iscsiNames', (v) => v === undefined || (Array.isArray(v) && v.every((n) => type(n) === 'object' && str((n as { name: unknown }).name))), 'an array of {name, nodeType, pgTag}');
    const k = portalKey(p as unknown as PortalKey);
    if (seen.has(k)) throw new BaselineError(`${file}: portals[${i}]: ${p.address}:${p.socket}/${p.transport} appears twice`);
    seen.add(k);
    return {
      address: p.address as string,
      socket: p.socket as number,
      transport: p.transport as 'tcp' | 'udp',
      securityBitmap: p.securityBitmap as number | null,
      securityBitmapSource: (p.securityBitmapSource as string) ?? 'isns',
      securityFlags: (p.securityFlags as string[]) ?? [],
      keySize: (p.keySize as number) ?? 0,
      key: (p.key as string | null) ?? null,
      symbolicName: (p.symbolicName as string | null) ?? null,
      portalIndex: (p.portalIndex as number | null) ?? null,
      esiInterval: (p.esiInterval as number | null) ?? null,
      esiPort: (p.esiPort as number | null) ?? null,
      scnPort: (p.scnPort as number | null) ?? null,
      isakmpPhase1: (p.isakmpPhase1 as string | null) ?? null,
      isakmpPhase2: (p.isakmpPhase2 as string | null) ?? null,
      entityId: (p.entityId as string | null) ?? null,
      iscsiNames: ((p.iscsiNames as BaselinePortal['iscsiNames']) ?? []).map((n) => ({ name: n.name, nodeType: Array.isArray(n.nodeType) ? n.nodeType : [], pgTag: n.pgTag })),
      state: p.state as string,
      findings: findingsOf(p.findings, `portals[${i}].findings`, file),
    };
  });
  return { portals, findings: findingsOf((j as { findings?: unknown }).findings, 'findings', file) };
}

const cmpStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A finding's baseline form; each (code, subject) once, sorted. */
export function baselineFindings(fs: readonly Finding[], alwaysSubject: boolean): BaselineFinding[] {
  const by = new Map<string, BaselineFinding>();
  for (const f of fs) {
    const subject = f.subject ?? '';
    const k = `${f.code}\u0000${subject}`;
    if (!by.has(k)) by.set(k, { code: f.code, severity: f.severity, ...(subject || alwaysSubject ? { subject } : {}) });
  }
  return [...by.values()].sort((a, b) => cmpStr(a.code, b.code) || cmpStr(a.subject ?? '', b.subject ?? ''));
}

/** A record's baseline form. */
export function baselinePortal(p: PortalRecord): BaselinePortal {
  const { firstSeen: _f, lastSeen: _l, findings, ...rest } = p;
  void _f;
  void _l;
  return { ...rest, iscsiNames: [...p.iscsiNames].sort((a, b) => cmpStr(a.name, b.name)), findings: baselineFindings(findings, false) };
}

/** The baseline of a run: stably ordered, nothing that changes between two recordings of the same network. */
export function makeBaseline(r: { portals: readonly PortalRecord[]; findings: readonly Finding[] }): Baseline {
  return { portals: sortPortals(r.portals.map(baselinePortal)), findings: baselineFindings(r.findings, true) };
}

/** The baseline file's text. */
export function baselineText(r: { portals: readonly PortalRecord[]; findings: readonly Finding[] }): string {
  return safeJson(makeBaseline(r), 2) + '\n';
}

/**
 * The line (1-based) where each element of the top-level array `key` starts in
 * a JSON text: where a GitHub annotation about that baseline entry points.
 */
export function elementLines(text: string, key: string): number[] {
  const out: number[] = [];
  let depth = 0;
  let line = 1;
  let inStr = false;
  let esc = false;
  let start = 0;
  let lastKey: string | null = null;
  let inside = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inStr) {
      if (esc) esc = false;
      else if (c === 92) esc = true;
      else if (c === 34) {
        inStr = false;
        if (depth === 1) lastKey = text.slice(start + 1, i);
      }
      continue;
    }
    if (c === 34) {
      inStr = true;
      start = i;
    } else if (c === 123 || c === 91) {
      if (inside && depth === 2 && c === 123) out.push(line);
      if (depth === 1 && c === 91 && lastKey === key) inside = true;
      depth++;
    } else if (c === 125 || c === 93) {
      depth--;
      if (depth === 1) inside = false;
    }
  }
  return out;
}
