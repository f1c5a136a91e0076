/**
 * `check`: CI regression checks — the I/O around src/check/ (baseline,
 * compare, junit, annotations): read the baseline, analyze, print the
 * readable diff, write the JUnit file and the GitHub annotations, or
 * (`--update`) write the baseline.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { safeText } from '../../dissector/core/field.js';
import { analyze } from '../analyze.js';
import { annotationLines } from '../check/annotations.js';
import { BaselineError, baselineText, elementLines, parseBaseline, type Baseline } from '../check/baseline.js';
import { compareWithBaseline, reportLines, type FailOn } from '../check/compare.js';
import { junitCases, junitXml } from '../check/junit.js';
import { portalLabel } from '../output/table.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, reportInputErrors } from './io.js';
import { outputOptions } from './options.js';
import { ensureDir, syncFile, writeAll } from './sink.js';
import { USAGE } from './usage.js';

export interface CheckCliOptions {
  baseline: string;
  update: boolean;
  /** With --update: write the baseline even when an input was read only in part. */
  allowPartial?: boolean;
  failOn: FailOn;
  failOnKnown?: boolean;
  junit?: string | undefined;
  annotations: boolean;
  ports: number[];
  defaultSecurityBitmap: number | null;
  output?: string;
  quiet?: boolean;
}

const err = (s: string): void => void process.stderr.write(`isns-dissector: ${safeText(s)}\n`);

/** The baseline's path as the repository knows it (GitHub annotations want repository-relative paths). */
function repoPath(file: string): string {
  const ws = process.env.GITHUB_WORKSPACE;
  const abs = isAbsolute(file) ? file : null;
  if (abs && ws) {
    const r = relative(ws, abs);
    if (!r.startsWith('..') && !isAbsolute(r)) return r;
  }
  return file.replace(/^\.\//, '');
}

export async function runCheck(files: string[], o: CheckCliOptions): Promise<number> {
  const t0 = Date.now();
  let base: Baseline | null = null;
  let baseTextRaw = '';
  if (!o.update) {
    try {
      baseTextRaw = readFileSync(o.baseline, 'utf8');
    } catch (e) {
      err(`check: cannot read baseline ${o.baseline}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return 2;
    }
    try {
      base = parseBaseline(baseTextRaw, o.baseline);
    } catch (e) {
      if (e instanceof BaselineError) {
        err(`check: invalid baseline: ${e.message}`);
        return 2;
      }
      throw e;
    }
  }
  const r = await analyze(files, { ports: o.ports, defaultSecurityBitmap: o.defaultSecurityBitmap, logons: false });
  reportInputErrors(r);
  if (o.update) {
    if (r.failed) {
      err('check: an input could not be read; the baseline was not written');
      return 1;
    }
    // A read that stopped part-way would make a baseline missing whatever came after: never silently.
    const partial = r.inputs.filter((i) => i.error).map((i) => i.file);
    if (partial.length && !o.allowPartial) {
      err(`check: ${partial.join(', ')} could not be read to the end (partial read); the baseline was not written (--allow-partial writes it from what was read)`);
      return 1;
    }
    if (partial.length) err(`check: warning: baseline written from a partial read of ${partial.join(', ')}`);
    const file = syncFile(o.baseline);
    file.write(baselineText(r));
    file.close();
    if (!o.quiet) process.stdout.write(`check: baseline ${safeText(o.baseline)} written (${r.portals.length} portals, ${r.findings.length} capture-level findings)\n`);
    return 0;
  }
  const report = compareWithBaseline(r, base!, { failOn: o.failOn, failOnKnown: o.failOnKnown === true });
  const lines = reportLines(report).map(safeText);
  await writeAll(o.output, [(o.quiet ? lines.slice(-1) : lines).join('\n') + '\n']);
  if (o.annotations) {
    const at = new Map<string, number>();
    const starts = elementLines(baseTextRaw, 'portals');
    base!.portals.forEach((p, i) => starts[i] !== undefined && at.set(portalLabel(p), starts[i]!));
    const ann = annotationLines(report, repoPath(o.baseline), at);
    if (ann.length) process.stdout.write(ann.join('\n') + '\n');
  }
  if (o.junit) {
    ensureDir(o.junit);
    writeFileSync(o.junit, junitXml(junitCases(report, r), (Date.now() - t0) / 1000, [['baseline', o.baseline], ...r.inputs.map((i) => ['input', i.file] as [string, string])]));
  }
  return report.pass ? 0 : 1;
}

export async function cmdCheck(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, {
    baseline: { type: 'string' },
    update: { type: 'boolean' },
    'allow-partial': { type: 'boolean' },
    'fail-on': { type: 'string' },
    'fail-on-known': { type: 'boolean' },
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
  if (!['error', 'warning', 'info', 'never'].includes(failOn)) fail(`--fail-on: unknown level "${failOn}" (error, warning, info, never)`);
  const out = outputOptions(values);
  return await runCheck(positionals, {
    baseline: values.baseline as string,
    update: !!values.update,
    allowPartial: !!values['allow-partial'],
    failOn: failOn as FailOn,
    failOnKnown: !!values['fail-on-known'],
    junit: values.junit as string | undefined,
    annotations: values.annotations === true || (values.annotations === undefined && process.env.GITHUB_ACTIONS === 'true'),
    ports: ports(values.port),
    defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    ...(out.output !== undefined ? { output: out.output } : {}),
    quiet: out.quiet,
  });
}
