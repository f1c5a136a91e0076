/**
 * The README's Findings table documents every code of the registry, with the
 * registry's severity, and nothing the registry lacks (codes are API: a code
 * added without its row, or a row left after a code is gone, fails here).
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FINDINGS } from '../src/findings/registry.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

test('every finding code has its README row with the registry severity, and every row a code', (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Findings'), readme.indexOf('\n## ', readme.indexOf('\n## Findings') + 5));
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| ([A-Z][A-Z0-9_]+) \| [^|]+ \| (error|warning|info) \|/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  t.true(rows.size > 20, `${rows.size} rows found`);
  for (const [code, spec] of FINDINGS) t.is(rows.get(code), spec.severity, code);
  for (const code of rows.keys()) t.true(FINDINGS.has(code as never), `README row ${code} has no registry entry`);
});
