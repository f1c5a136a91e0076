/**
 * A run compared with a baseline, as data: the portal diff, every finding
 * marked known (the baseline has its code and subject, for its portal or at
 * capture level) or new, and failing or not; the baseline's findings no
 * longer seen; the inputs that could not be read.
 *
 * Fails (pass false) on: a portal added, removed or changed; a new finding at
 * or above `failOn`; with `failOnKnown`, any finding at or above `failOn`; an
 * input that could not be read.
 */
import type { AnalyzeResult } from '../analyze.js';
import { severityAtLeast, type Finding } from '../findings/registry.js';
import { portalLabel } from '../output/table.js';
import type { Severity } from '../types.js';
import { baselinePortal, portalKey, type Baseline, type BaselineFinding } from './baseline.js';
import { diffPortals, type PortalDiff } from './diff.js';

export type FailOn = Severity | 'never';

export interface CheckOptions {
  /** Finding severity that fails the check (default error). */
  failOn?: FailOn;
  /** Fail on findings the baseline already has, too. */
  failOnKnown?: boolean;
}

export interface FindingVerdict {
  finding: Finding;
  /** The portal's label, null for a capture-level finding. */
  portal: string | null;
  /** The baseline has it (same code and subject, same portal or capture level). */
  known: boolean;
  failing: boolean;
}

export interface InputVerdict {
  /** 1-based position on the command line. */
  index: number;
  file: string;
  error: string | null;
  /** Not read at all (as opposed to read in part). */
  unreadable: boolean;
}

export interface CheckReport {
  pass: boolean;
  failOn: FailOn;
  failOnKnown: boolean;
  diffs: PortalDiff[];
  findings: FindingVerdict[];
  /** Baseline findings no finding of this run matches. */
  gone: { portal: string | null; finding: BaselineFinding }[];
  inputs: InputVerdict[];
  counts: { added: number; removed: number; changed: number; equal: number; failing: number; newFailing: number; known: number };
}

const matches = (b: BaselineFinding, f: Finding): boolean => b.code === f.code && (b.subject === undefined || b.subject === (f.subject ?? ''));

/** Compare an analysis with a baseline. */
export function compareWithBaseline(r: AnalyzeResult, base: Baseline, o: CheckOptions = {}): CheckReport {
  const failOn = o.failOn ?? 'error';
  const failOnKnown = o.failOnKnown === true;
  const diffs = diffPortals(base.portals, r.portals.map(baselinePortal));
  const basePortals = new Map(base.portals.map((p) => [portalKey(p), p]));
  const findings: FindingVerdict[] = [];
  const used = new Set<BaselineFinding>();
  const judge = (f: Finding, portal: string | null, known: BaselineFinding[]): void => {
    const hit = known.filter((b) => matches(b, f));
    for (const b of hit) used.add(b);
    const atLevel = failOn !== 'never' && severityAtLeast(f.severity, failOn);
    findings.push({ finding: f, portal, known: hit.length > 0, failing: atLevel && (hit.length === 0 || failOnKnown) });
  };
  for (const p of r.portals) {
    const bp = basePortals.get(portalKey(p));
    for (const f of p.findings) judge(f, portalLabel(p), bp ? bp.findings : []);
  }
  for (const f of r.findings) judge(f, null, base.findings);
  const gone: CheckReport['gone'] = [];
  const current = new Set(r.portals.map(portalKey));
  for (const p of base.portals) {
    if (!current.has(portalKey(p))) continue; // a removed portal is reported as such
    for (const b of p.findings) if (!used.has(b)) gone.push({ portal: portalLabel(p), finding: b });
  }
  for (const b of base.findings) if (!used.has(b)) gone.push({ portal: null, finding: b });
  const inputs = r.inputs.map((i, k) => ({ index: k + 1, file: i.file, error: i.error, unreadable: i.error !== null && (i.format === null || i.packets === 0) }));
  const count = (k: PortalDiff['kind']): number => diffs.filter((d) => d.kind === k).length;
  const counts = {
    added: count('added'),
    removed: count('removed'),
    changed: count('changed'),
    equal: count('equal'),
    failing: findings.filter((f) => f.failing).length,
    newFailing: findings.filter((f) => f.failing && !f.known).length,
    known: findings.filter((f) => f.known).length,
  };
  const pass = counts.added + counts.removed + counts.changed === 0 && counts.failing === 0 && !r.failed && !inputs.some((i) => i.unreadable);
  return { pass, failOn, failOnKnown, diffs, findings, gone, inputs, counts };
}

const where = (f: Finding): string => `${f.file ?? ''}${f.frames.length ? `${f.file ? ' ' : ''}frames ${f.frames.join(',')}` : ''}`;

/** The readable diff `check` prints (lines, not yet made terminal-safe). */
export function reportLines(c: CheckReport): string[] {
  const out: string[] = [];
  for (const i of c.inputs) if (i.unreadable) out.push(`INPUT ERROR ${i.error}`);
  const byPortal = new Map<string, FindingVerdict[]>();
  for (const v of c.findings) {
    if (v.portal === null || !v.failing) continue;
    let a = byPortal.get(v.portal);
    if (!a) byPortal.set(v.portal, (a = []));
    a.push(v);
  }
  const tag = (v: FindingVerdict): string => (v.known ? 'known' : 'new');
  for (const d of c.diffs) {
    const bad = byPortal.get(d.label) ?? [];
    if (d.kind === 'equal' && bad.length === 0) continue;
    out.push(`${d.kind === 'equal' ? 'FINDINGS' : d.kind.toUpperCase()} ${d.label}`);
    for (const l of d.changes) out.push(`    ${l}`);
    for (const v of bad) out.push(`    ${tag(v)} ${v.finding.severity} ${v.finding.code}: ${v.finding.message}`);
  }
  for (const v of c.findings) {
    if (v.portal !== null || !v.failing) continue;
    const w = where(v.finding);
    out.push(`FINDING ${v.finding.code} (${v.finding.severity}, ${tag(v)})${w ? ` ${w}` : ''}`);
    out.push(`    ${v.finding.message}`);
  }
  for (const g of c.gone) out.push(`GONE ${g.finding.code}${g.finding.subject ? ` ${g.finding.subject}` : ''} (${g.portal ?? 'capture'}): in the baseline, no longer seen`);
  const k = c.counts;
  const level = c.failOn === 'never' ? 'never' : c.failOn;
  out.push(
    `check: ${c.pass ? 'PASS' : 'FAIL'}: ${k.changed} changed, ${k.added} added, ${k.removed} removed, ${k.equal} equal; ` +
      `${k.newFailing} new finding(s) at or above ${level}${c.failOnKnown ? `, ${k.failing - k.newFailing} known ones (--fail-on-known)` : ''}; ${k.known} known finding(s) in the baseline` +
      `${c.inputs.some((i) => i.unreadable) ? '; an input could not be read' : ''}`,
  );
  return out;
}
