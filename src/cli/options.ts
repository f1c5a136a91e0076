/**
 * Command-line options every command can share, as parseArgs configs and
 * their checked values: the output options (`-o/--output FILE`, `-q/--quiet`,
 * `--no-progress`) and the record filters (`--portal ADDR[:PORT]`,
 * `--severity LEVEL`, `--code CODE`, repeatable) of output/filters.ts.
 */
import { FINDINGS, type FindingCode } from '../findings/registry.js';
import { parseEndpoint, type EndpointFilter, type RecordFilter } from '../output/filters.js';
import type { Severity } from '../types.js';
import { fail } from './io.js';

export const FILTER_OPTIONS = {
  portal: { type: 'string', multiple: true },
  severity: { type: 'string' },
  code: { type: 'string', multiple: true },
} as const;

type Values = Record<string, unknown>;

/** The --portal/--severity/--code values, checked (a usage error names what is wrong). */
export function filterOptions(values: Values): RecordFilter {
  const endpoints: EndpointFilter[] = [];
  for (const s of (values.portal as string[] | undefined) ?? []) {
    const e = parseEndpoint(s);
    if (!e) fail(`--portal: invalid address "${s}" (ADDR or ADDR:PORT, IPv6 as [ADDR]:PORT)`);
    endpoints.push(e);
  }
  const sev = values.severity as string | undefined;
  if (sev !== undefined && !['error', 'warning', 'info'].includes(sev)) fail(`--severity: unknown level "${sev}" (error, warning, info)`);
  const codes = new Set<string>();
  for (const c of (values.code as string[] | undefined) ?? []) {
    for (const one of c.split(',')) {
      const u = one.trim().toUpperCase();
      if (!FINDINGS.has(u as FindingCode)) fail(`--code: unknown finding code "${one}" (see the Findings table: ${[...FINDINGS.keys()].slice(0, 4).join(', ')}, ...)`);
      codes.add(u);
    }
  }
  return {
    ...(endpoints.length ? { endpoints } : {}),
    ...(sev !== undefined || codes.size ? { findings: { ...(sev !== undefined ? { severity: sev as Severity } : {}), ...(codes.size ? { codes } : {}) } } : {}),
  };
}

export interface OutputOptions {
  /** -o/--output FILE: data there instead of stdout. */
  output?: string;
  /** -q/--quiet: no progress, no summary lines; only errors on stderr. */
  quiet: boolean;
  /** Progress on a terminal's stderr (off with --no-progress or -q). */
  progress: boolean;
}

export function outputOptions(values: Values): OutputOptions {
  const out = values.output as string | undefined;
  if (out === '') fail('-o/--output: empty file name');
  const quiet = values.quiet === true;
  return { ...(out !== undefined && out !== '-' ? { output: out } : {}), quiet, progress: !quiet && values['no-progress'] !== true && values.progress !== false };
}
