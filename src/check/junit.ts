/**
 * JUnit XML for GitLab and Jenkins. Test names stay the same from run to run
 * (test history survives a nightly capture file's new name): one testcase per
 * input (`input 1`, ...: an input that could not be read is an <error>), per
 * portal (`address:socket/transport`) and per capture-level finding subject
 * (`CODE subject`, the baseline's key); the files are <property> elements,
 * never part of a name.
 */
import type { AnalyzeResult } from '../analyze.js';
import type { Finding } from '../findings/registry.js';
import { portalLabel } from '../output/table.js';
import type { CheckReport, FindingVerdict } from './compare.js';

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
  properties?: [string, string][];
  failure?: { message: string; type: string; body: string };
  /** The test could not run (an input that could not be read). */
  error?: { message: string; type: string; body: string };
  systemOut?: string;
}

function props(p: [string, string][] | undefined, pad: string): string[] {
  if (!p || p.length === 0) return [];
  return [`${pad}<properties>`, ...p.map(([k, v]) => `${pad}  <property name="${xmlText(k)}" value="${xmlText(v)}"/>`), `${pad}</properties>`];
}

export function junitXml(cases: JunitCase[], seconds: number, suiteProperties: [string, string][] = []): string {
  const failures = cases.filter((c) => c.failure && !c.error).length;
  const errors = cases.filter((c) => c.error).length;
  const t = seconds.toFixed(3);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="isns-dissector" tests="${cases.length}" failures="${failures}" errors="${errors}" time="${t}">`,
    `  <testsuite name="isns-dissector check" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="0" time="${t}">`,
    ...props(suiteProperties, '    '),
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${xmlText(c.classname)}" name="${xmlText(c.name)}" time="0"`;
    const body = [...props(c.properties, '      ')];
    const bad = c.error ? ['error', c.error] as const : c.failure ? ['failure', c.failure] as const : null;
    if (bad) body.push(`      <${bad[0]} message="${xmlText(bad[1].message)}" type="${xmlText(bad[1].type)}">${xmlText(bad[1].body)}</${bad[0]}>`);
    if (c.systemOut) body.push(`      <system-out>${xmlText(c.systemOut)}</system-out>`);
    if (body.length === 0) lines.push(`${open}/>`);
    else lines.push(`${open}>`, ...body, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return lines.join('\n') + '\n';
}

const fileProps = (files: Iterable<string>): [string, string][] => [...new Set(files)].map((f) => ['file', f] as [string, string]);
const line = (v: FindingVerdict): string => `${v.known ? 'known' : 'new'} ${v.finding.severity} ${v.finding.code}: ${v.finding.message}`;
const subjectName = (f: Finding): string => `${f.code}${f.subject ? ` ${f.subject}` : ''}`;

/** The testcases of a check. */
export function junitCases(c: CheckReport, r: AnalyzeResult): JunitCase[] {
  const cases: JunitCase[] = [];
  for (const i of c.inputs) {
    const base: JunitCase = { classname: 'isns-dissector.inputs', name: `input ${i.index}`, properties: [['file', i.file]] };
    if (i.unreadable) base.error = { message: 'the input could not be read', type: 'input-error', body: i.error ?? '' };
    else if (i.error) base.systemOut = `read in part: ${i.error}`;
    cases.push(base);
  }
  const records = new Map(r.portals.map((p) => [portalLabel(p), p]));
  const byPortal = new Map<string, FindingVerdict[]>();
  for (const v of c.findings) {
    if (v.portal === null || !v.failing) continue;
    let a = byPortal.get(v.portal);
    if (!a) byPortal.set(v.portal, (a = []));
    a.push(v);
  }
  const unread = c.inputs.some((i) => i.unreadable);
  for (const d of c.diffs) {
    const bad = byPortal.get(d.label) ?? [];
    const p = records.get(d.label);
    const cs: JunitCase = { classname: 'isns-dissector.portals', name: d.label, ...(p ? { properties: fileProps([p.firstSeen.file, p.lastSeen.file]) } : {}) };
    if (d.kind !== 'equal' || bad.length) {
      const message = d.kind !== 'equal' ? `portal ${d.kind}${d.kind === 'removed' && unread ? ' (an input could not be read)' : ''}` : `${bad.length} finding(s) at or above ${c.failOn}`;
      cs.failure = { message, type: d.kind !== 'equal' ? d.kind : 'finding', body: [...d.changes, ...bad.map(line)].join('\n') };
    }
    cases.push(cs);
  }
  // Capture-level findings: one testcase per (code, subject), present or gone.
  const groups = new Map<string, FindingVerdict[]>();
  for (const v of c.findings) {
    if (v.portal !== null) continue;
    const k = subjectName(v.finding);
    let a = groups.get(k);
    if (!a) groups.set(k, (a = []));
    a.push(v);
  }
  for (const [name, vs] of groups) {
    const bad = vs.filter((v) => v.failing);
    const cs: JunitCase = { classname: 'isns-dissector.capture', name, properties: fileProps(vs.flatMap((v) => (v.finding.file ? [v.finding.file] : []))) };
    const all = vs.map((v) => `${v.finding.file ?? ''}${v.finding.frames.length ? ` frames ${v.finding.frames.join(',')}` : ''}: ${line(v)}`).join('\n');
    if (bad.length) cs.failure = { message: `${bad[0]!.finding.severity} ${bad[0]!.finding.code}${bad.length > 1 ? ` (${bad.length} times)` : ''}`, type: bad[0]!.finding.code, body: all };
    else cs.systemOut = all;
    cases.push(cs);
  }
  for (const g of c.gone) {
    if (g.portal !== null) continue;
    const name = `${g.finding.code}${g.finding.subject ? ` ${g.finding.subject}` : ''}`;
    if (!groups.has(name)) cases.push({ classname: 'isns-dissector.capture', name, systemOut: 'in the baseline, no longer seen' });
  }
  return cases;
}
