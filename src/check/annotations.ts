/**
 * GitHub workflow annotations (`::error`/`::warning`) for a check. GitHub
 * shows at most 10 error annotations (and 10 warnings) of a step: the 10 most
 * severe are printed, then one `::notice` says how many more the check output
 * lists. A portal that changed or was removed points at its entry in the
 * baseline (`file=...,line=...`), so the annotation lands on the line to fix
 * or refresh.
 */
import { safeText } from '../../dissector/core/field.js';
import type { CheckReport } from './compare.js';

/** GitHub workflow command escaping: data (% CR LF) and properties (also : and ,). */
export function ghData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
export function ghProperty(s: string): string {
  return ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export interface AnnotationWhere {
  file?: string;
  line?: number;
}

export function annotation(level: 'error' | 'warning' | 'notice', title: string, message: string, at: AnnotationWhere = {}): string {
  // Capture strings are data: control characters are shown as escapes before GitHub's own escaping.
  const clean = (s: string): string => safeText(s.replace(/\r?\n/g, '\n')).replace(/\\x0a/g, '\n');
  const props = [...(at.file !== undefined ? [`file=${ghProperty(clean(at.file))}`] : []), ...(at.line !== undefined ? [`line=${at.line}`] : []), `title=${ghProperty(clean(title))}`];
  return `::${level} ${props.join(',')}::${ghData(clean(message))}`;
}

/** How many annotations GitHub shows per step and level. */
export const GITHUB_MAX_ANNOTATIONS = 10;

interface Ann {
  rank: number;
  level: 'error' | 'warning';
  title: string;
  message: string;
  at: AnnotationWhere;
}

/**
 * The annotation lines of a check: the most severe first (an unreadable input,
 * portals removed, changed, added, new error findings, known ones under
 * --fail-on-known, then warnings), at most `max`, and a notice for the rest.
 * `baseline` is the baseline's path as the repository knows it; `lines` the
 * line of each baseline portal entry (by portal label).
 */
export function annotationLines(c: CheckReport, baseline: string | null, lines: ReadonlyMap<string, number> = new Map(), max = GITHUB_MAX_ANNOTATIONS): string[] {
  const out: Ann[] = [];
  for (const i of c.inputs) if (i.unreadable) out.push({ rank: 0, level: 'error', title: `input ${i.index} could not be read`, message: i.error ?? '', at: {} });
  const kindRank = { removed: 1, changed: 2, added: 3, equal: 9 } as const;
  for (const d of c.diffs) {
    if (d.kind === 'equal') continue;
    const line = lines.get(d.label);
    const at: AnnotationWhere = baseline === null ? {} : { file: baseline, ...(line !== undefined && d.kind !== 'added' ? { line } : {}) };
    out.push({ rank: kindRank[d.kind], level: 'error', title: `portal ${d.label} ${d.kind}`, message: d.changes.join('\n'), at });
  }
  for (const v of c.findings) {
    if (!v.failing) continue;
    const f = v.finding;
    const err = f.severity === 'error';
    const line = v.portal !== null ? lines.get(v.portal) : undefined;
    const at: AnnotationWhere = baseline !== null && line !== undefined ? { file: baseline, line } : {};
    out.push({ rank: (err ? 4 : 6) + (v.known ? 1 : 0), level: err ? 'error' : 'warning', title: `${f.code} ${v.portal ?? f.file ?? ''}`.trim(), message: f.message, at });
  }
  // A stable sort: same rank keeps the report's (portal) order.
  const sorted = out.map((a, i) => [a, i] as const).sort((x, y) => x[0].rank - y[0].rank || x[1] - y[1]).map((x) => x[0]);
  const shown = sorted.slice(0, max).map((a) => annotation(a.level, a.title, a.message, a.at));
  if (sorted.length > max) {
    const rest = sorted.length - max;
    shown.push(annotation('notice', 'isns-dissector check', `${rest} more problem${rest === 1 ? '' : 's'} not annotated (GitHub shows ${max} annotations per step): the check's output lists every one`));
  }
  return shown;
}
