/**
 * `check`: CI regression checks. Compare this run's portal records with a
 * baseline (a saved `portals --format json`), keyed by (address, socket,
 * transport); report portals added, removed and changed field by field; fail
 * on findings at or above --fail-on. Frame numbers, times and counts are never
 * compared. Optionally write JUnit XML and GitHub workflow annotations.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { safeText } from '../../dissector/core/field.js';
import { hex32, securityShortNames } from '../isns/bitmap.js';
import { severityAtLeast, type Finding } from '../findings/registry.js';
import { portalsJson, portalLabel, safeJson } from '../output/portals.js';
import type { PortalRecord } from '../isns/portals/builder.js';
import { analyze, type AnalyzeResult } from '../analyze.js';
import { youngGenerationCap } from './memory.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail } from './io.js';
import { USAGE } from './usage.js';
import type { Severity } from '../types.js';

export interface CheckOptions {
  baseline: string;
  update: boolean;
  /** With --update: write the baseline even when an input was read only in part. */
  allowPartial?: boolean;
  failOn: 'error' | 'warning' | 'never';
  junit?: string | undefined;
  annotations: boolean;
  ports: number[];
  defaultSecurityBitmap: number | null;
}

/** The parts of a record that are compared (no frames, times or counts). */
export type BaselinePortal = Omit<PortalRecord, 'firstSeen' | 'lastSeen' | 'findings' | 'state' | 'securityBitmapSource' | 'discoveredBy'> & {
  state: string;
  securityBitmapSource: string;
  findings: { code: string; severity?: string }[];
};

export class BaselineError extends Error {}

const key = (p: { address: string; socket: number; transport: string }): string => `${p.address}|${p.socket}|${p.transport}`;

function type(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Validate a baseline's shape; say precisely what is wrong. */
export function parseBaseline(text: string, file: string): BaselinePortal[] {
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
  return ps.map((x, i) => {
    if (type(x) !== 'object') throw new BaselineError(`${file}: portals[${i}]: expected an object, found ${type(x)}`);
    const p = x as Record<string, unknown>;
    need(i, p, 'address', str, 'a string');
    need(i, p, 'socket', (v) => int(v) && (v as number) >= 0 && (v as number) <= 65535, 'a port number');
    need(i, p, 'transport', (v) => v === 'tcp' || v === 'udp', '"tcp" or "udp"');
    need(i, p, 'securityBitmap', (v) => v === null || (int(v) && (v as number) >= 0 && (v as number) <= 0xffffffff), 'a number or null');
    need(i, p, 'state', (v) => v === 'registered' || v === 'rejected' || v === 'deregistered' || v === 'queried', 'a state');
    for (const f of ['securityFlags']) need(i, p, f, (v) => v === undefined || (Array.isArray(v) && v.every(str)), 'an array of strings');
    for (const f of ['key', 'symbolicName', 'isakmpPhase1', 'isakmpPhase2', 'entityId']) need(i, p, f, (v) => v === undefined || strOrNull(v), 'a string or null');
    for (const f of ['portalIndex', 'esiInterval', 'esiPort', 'scnPort']) need(i, p, f, (v) => v === undefined || intOrNull(v), 'a number or null');
    need(i, p, 'iscsiNames', (v) => v === undefined || (Array.isArray(v) && v.every((n) => type(n) === 'object' && str((n as { name: unknown }).name))), 'an array of {name, nodeType, pgTag}');
    need(i, p, 'findings', (v) => v === undefined || (Array.isArray(v) && v.every((f) => type(f) === 'object' && str((f as { code: unknown }).code))), 'an array of {code, ...}');
    const k = key(p as { address: string; socket: number; transport: string });
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
      findings: ((p.findings as { code: string }[]) ?? []).map((f) => ({ code: f.code })),
    };
  });
}

// ------------------------------------------------------------------ diff

export interface PortalDiff {
  label: string;
  kind: 'added' | 'removed' | 'changed' | 'equal';
  changes: string[];
}

const show = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v));

export function diffPortals(base: BaselinePortal[], cur: BaselinePortal[]): PortalDiff[] {
  const b = new Map(base.map((p) => [key(p), p]));
  const c = new Map(cur.map((p) => [key(p), p]));
  const out: PortalDiff[] = [];
  const all = [...new Set([...b.keys(), ...c.keys()])];
  const byKey = (k: string): BaselinePortal => (c.get(k) ?? b.get(k))!;
  all.sort((x, y) => {
    const px = byKey(x);
    const py = byKey(y);
    return cmpPortal(px, py);
  });
  for (const k of all) {
    const was = b.get(k);
    const now = c.get(k);
    const label = portalLabel(byKey(k));
    if (!was) {
      out.push({ label, kind: 'added', changes: [`added: state ${now!.state}, securityBitmap ${now!.securityBitmap === null ? 'null' : hex32(now!.securityBitmap)}`] });
      continue;
    }
    if (!now) {
      out.push({ label, kind: 'removed', changes: [`removed (was ${was.state}, securityBitmap ${was.securityBitmap === null ? 'null' : hex32(was.securityBitmap)})`] });
      continue;
    }
    const ch: string[] = [];
    if (was.securityBitmap !== now.securityBitmap) {
      const f = (v: number | null): string => (v === null ? 'null' : hex32(v));
      ch.push(`securityBitmap ${f(was.securityBitmap)} -> ${f(now.securityBitmap)}`);
      const a = new Set(was.securityBitmap === null ? [] : securityShortNames(was.securityBitmap));
      const z = new Set(now.securityBitmap === null ? [] : securityShortNames(now.securityBitmap));
      const gained = [...z].filter((x) => !a.has(x));
      const lost = [...a].filter((x) => !z.has(x));
      if (gained.length) ch.push(`flags gained: ${gained.join(', ')}`);
      if (lost.length) ch.push(`flags lost: ${lost.join(', ')}`);
    }
    for (const f of ['securityBitmapSource', 'state', 'entityId', 'symbolicName', 'portalIndex', 'esiInterval', 'esiPort', 'scnPort', 'keySize', 'key', 'isakmpPhase1', 'isakmpPhase2'] as const) {
      if (was[f] !== now[f]) ch.push(`${f} ${show(was[f])} -> ${show(now[f])}`);
    }
    const wn = new Map(was.iscsiNames.map((n) => [n.name, n]));
    const nn = new Map(now.iscsiNames.map((n) => [n.name, n]));
    for (const [name, n] of nn) {
      const o = wn.get(name);
      if (!o) ch.push(`node gained: ${name} (pgTag ${n.pgTag})`);
      else {
        if (o.pgTag !== n.pgTag) ch.push(`node ${name}: pgTag ${o.pgTag} -> ${n.pgTag}`);
        if (o.nodeType.join('+') !== n.nodeType.join('+')) ch.push(`node ${name}: nodeType ${o.nodeType.join('+') || '-'} -> ${n.nodeType.join('+') || '-'}`);
      }
    }
    for (const name of wn.keys()) if (!nn.has(name)) ch.push(`node lost: ${name}`);
    const wc = new Set(was.findings.map((f) => f.code));
    const nc = new Set(now.findings.map((f) => f.code));
    const fg = [...nc].filter((x) => !wc.has(x)).sort();
    const fl = [...wc].filter((x) => !nc.has(x)).sort();
    if (fg.length) ch.push(`findings gained: ${fg.join(', ')}`);
    if (fl.length) ch.push(`findings lost: ${fl.join(', ')}`);
    out.push({ label, kind: ch.length ? 'changed' : 'equal', changes: ch });
  }
  return out;
}

function ipOrder(a: string): [number, bigint] {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (m) return [0, BigInt(((+m[1]! << 24) >>> 0) + (+m[2]! << 16) + (+m[3]! << 8) + +m[4]!)];
  const [h, t] = a.includes('::') ? a.split('::') : [a, undefined];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const g = [...hs, ...new Array(Math.max(0, t === undefined ? 0 : 8 - hs.length - ts.length)).fill('0'), ...ts];
  let v = 0n;
  for (const x of g) v = (v << 16n) + BigInt(parseInt(x, 16) || 0);
  return [1, v];
}

function cmpPortal(a: { address: string; socket: number; transport: string }, b: { address: string; socket: number; transport: string }): number {
  const [fa, va] = ipOrder(a.address);
  const [fb, vb] = ipOrder(b.address);
  if (fa !== fb) return fa - fb;
  if (va !== vb) return va < vb ? -1 : 1;
  if (a.socket !== b.socket) return a.socket - b.socket;
  return a.transport < b.transport ? -1 : a.transport > b.transport ? 1 : 0;
}

function toBaseline(p: PortalRecord): BaselinePortal {
  return { ...p, findings: p.findings.map((f) => ({ code: f.code, severity: f.severity })) };
}

// ------------------------------------------------------------------ baseline writing

/** The baseline file: the contract's JSON, stably ordered, without frame numbers or times. */
export function baselineText(r: AnalyzeResult): string {
  const j = portalsJson(r) as { portals: PortalRecord[]; findings: Finding[] };
  const portals = [...j.portals].sort(cmpPortal).map((p) => {
    const { firstSeen: _f, lastSeen: _l, findings, ...rest } = p;
    void _f;
    void _l;
    return {
      ...rest,
      iscsiNames: [...p.iscsiNames].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
      findings: [...findings].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : 1)).map((f) => ({ code: f.code, severity: f.severity, message: f.message })),
    };
  });
  const findings = [...j.findings].map((f) => ({ code: f.code, severity: f.severity, message: f.message })).sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : 1));
  return safeJson({ portals, findings }, 2) + '\n';
}

// ------------------------------------------------------------------ JUnit and annotations

/** Text safe inside XML: escaped, and characters XML 1.0 forbids removed. */
export function xmlText(s: string): string {
  return s
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export interface JunitCase {
  classname: string;
  name: string;
  failure?: { message: string; type: string; body: string };
}

export function junitXml(cases: JunitCase[], seconds: number): string {
  const failures = cases.filter((c) => c.failure).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="isns-dissector" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="isns-dissector check" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds.toFixed(3)}">`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${xmlText(c.classname)}" name="${xmlText(c.name)}" time="0"`;
    if (!c.failure) lines.push(`${open}/>`);
    else {
      lines.push(`${open}>`);
      lines.push(`      <failure message="${xmlText(c.failure.message)}" type="${xmlText(c.failure.type)}">${xmlText(c.failure.body)}</failure>`);
      lines.push('    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

/** GitHub workflow command escaping: data (% CR LF) and properties (also : and ,). */
export function ghData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
export function ghProperty(s: string): string {
  return ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
export function annotation(level: 'error' | 'warning' | 'notice', title: string, message: string): string {
  // Capture strings are data: control characters are shown as escapes before GitHub's own escaping.
  const clean = (s: string): string => safeText(s.replace(/\r?\n/g, '\n')).replace(/\\x0a/g, '\n');
  return `::${level} title=${ghProperty(clean(title))}::${ghData(clean(message))}`;
}

// ------------------------------------------------------------------ the command

export async function runCheck(files: string[], o: CheckOptions): Promise<number> {
  const t0 = Date.now();
  let base: BaselinePortal[] | null = null;
  if (!o.update) {
    let text: string;
    try {
      text = readFileSync(o.baseline, 'utf8');
    } catch (e) {
      process.stderr.write(`isns-dissector: check: cannot read baseline ${safeText(o.baseline)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return 2;
    }
    try {
      base = parseBaseline(text, o.baseline);
    } catch (e) {
      if (e instanceof BaselineError) {
        process.stderr.write(`isns-dissector: check: invalid baseline: ${safeText(e.message)}\n`);
        return 2;
      }
      throw e;
    }
  }
  const r = await analyze(files, { ports: o.ports, defaultSecurityBitmap: o.defaultSecurityBitmap, read: { onProgress: youngGenerationCap() } });
  for (const i of r.inputs) if (i.error) process.stderr.write(`isns-dissector: ${safeText(i.error)}\n`);
  if (o.update) {
    if (r.failed) {
      process.stderr.write('isns-dissector: check: an input could not be read; the baseline was not written\n');
      return 1;
    }
    // A read that stopped part-way would make a baseline missing whatever came after: never silently.
    const partial = r.inputs.filter((i) => i.error).map((i) => safeText(i.file));
    if (partial.length && !o.allowPartial) {
      process.stderr.write(`isns-dissector: check: ${partial.join(', ')} could not be read to the end (partial read); the baseline was not written (--allow-partial writes it from what was read)\n`);
      return 1;
    }
    if (partial.length) process.stderr.write(`isns-dissector: check: warning: baseline written from a partial read of ${partial.join(', ')}\n`);
    const tmp = `${o.baseline}.tmp-${process.pid}`;
    writeFileSync(tmp, baselineText(r));
    renameSync(tmp, o.baseline);
    process.stdout.write(`check: baseline ${safeText(o.baseline)} written (${r.portals.length} portals, ${r.findings.length} capture-level findings)\n`);
    return 0;
  }
  const diffs = diffPortals(base!, r.portals.map(toBaseline));
  const failSev: Severity | null = o.failOn === 'never' ? null : o.failOn;
  const failing = (f: { severity: Severity }): boolean => failSev !== null && severityAtLeast(f.severity, failSev);
  const out: string[] = [];
  const ann: string[] = [];
  const cases: JunitCase[] = [];
  let nFailFindings = 0;
  const current = new Map(r.portals.map((p) => [portalLabel(p), p]));
  for (const d of diffs) {
    const p = current.get(d.label);
    const bad = p ? p.findings.filter(failing) : [];
    nFailFindings += bad.length;
    const lines = [...d.changes, ...bad.map((f) => `${f.severity} ${f.code}: ${f.message}`)];
    if (d.kind !== 'equal' || bad.length) {
      out.push(`${d.kind === 'equal' ? 'FINDINGS' : d.kind.toUpperCase()} ${d.label}`);
      for (const l of lines) out.push(`    ${l}`);
      for (const c of d.changes) ann.push(annotation('error', `portal ${d.label} ${d.kind}`, c));
      for (const f of bad) ann.push(annotation(f.severity === 'error' ? 'error' : 'warning', `${f.code} ${d.label}`, f.message));
    }
    cases.push({
      classname: 'portals',
      name: d.label,
      ...(d.kind !== 'equal' || bad.length ? { failure: { message: d.kind !== 'equal' ? `portal ${d.kind}` : `${bad.length} finding(s) at or above ${o.failOn}`, type: d.kind !== 'equal' ? d.kind : 'finding', body: lines.join('\n') } } : {}),
    });
  }
  const counts = new Map<string, number>();
  for (const f of r.findings) {
    const n = (counts.get(f.code) ?? 0) + 1;
    counts.set(f.code, n);
    const bad = failing(f);
    const where = `${f.file ?? 'capture'}${f.frames.length ? ` frames ${f.frames.join(',')}` : ''}`;
    if (bad) {
      nFailFindings++;
      out.push(`FINDING ${f.code} (${f.severity}) ${where}`);
      out.push(`    ${f.message}`);
      ann.push(annotation(f.severity === 'error' ? 'error' : 'warning', `${f.code} ${f.file ?? ''}`.trim(), f.message));
    }
    cases.push({ classname: 'capture', name: `${f.code} #${n} ${f.file ?? ''}`.trim(), ...(bad ? { failure: { message: `${f.severity} ${f.code}`, type: f.code, body: `${where}: ${f.message}` } } : {}) });
  }
  const added = diffs.filter((d) => d.kind === 'added').length;
  const removed = diffs.filter((d) => d.kind === 'removed').length;
  const changed = diffs.filter((d) => d.kind === 'changed').length;
  const pass = added + removed + changed === 0 && nFailFindings === 0 && !r.failed;
  out.push(`check: ${pass ? 'PASS' : 'FAIL'}: ${changed} changed, ${added} added, ${removed} removed, ${diffs.length - added - removed - changed} equal; ${nFailFindings} finding(s) at or above ${o.failOn}${r.failed ? '; an input could not be read' : ''}`);
  process.stdout.write(out.map(safeText).join('\n') + '\n');
  if (o.annotations && ann.length) process.stdout.write(ann.join('\n') + '\n');
  if (o.junit) writeFileSync(o.junit, junitXml(cases, (Date.now() - t0) / 1000));
  return pass ? 0 : 1;
}
export async function cmdCheck(rest: string[]): Promise<number> {
    const { values, positionals } = parse(rest, {
      baseline: { type: 'string' },
      update: { type: 'boolean' },
      'allow-partial': { type: 'boolean' },
      'fail-on': { type: 'string' },
      junit: { type: 'string' },
      annotations: { type: 'boolean' },
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (positionals.length === 0) fail('check: no capture file given');
    if (!values.baseline) fail('check: --baseline <file.json> is required');
    const failOn = (values['fail-on'] as string | undefined) ?? 'error';
    if (!['error', 'warning', 'never'].includes(failOn)) fail(`--fail-on: unknown level "${failOn}" (error, warning, never)`);
    return await runCheck(positionals, {
      baseline: values.baseline as string,
      update: !!values.update,
      allowPartial: !!values['allow-partial'],
      failOn: failOn as 'error' | 'warning' | 'never',
      junit: values.junit as string | undefined,
      annotations: values.annotations === true || (values.annotations === undefined && process.env.GITHUB_ACTIONS === 'true'),
      ports: ports(values.port),
      defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    });
}
