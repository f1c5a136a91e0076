/**
 * `--format json` (the contract's object, streamed portal by portal) and
 * `--format ndjson` (one line per portal, then one per capture-level finding).
 */
import type { AnalyzeResult } from '../analyze.js';

/** The contract's JSON object (key order as the contract shows it). */
export function portalsJson(r: AnalyzeResult): unknown {
  return {
    inputs: r.inputs.map((i) => ({ file: i.file, format: i.format, packets: i.packets, isnsPdus: i.isnsPdus, bytes: i.bytes, error: i.error })),
    portals: r.portals,
    findings: r.findings,
  };
}

export function formatJson(r: AnalyzeResult): string {
  return [...jsonChunks(r)].join('');
}

const indent = (s: string, by: string): string => s.replace(/\n/g, `\n${by}`);

/**
 * The same text as JSON.stringify(portalsJson(r), null, 2) + "\n", one portal
 * at a time, so a large result is written without building one huge string.
 */
export function* jsonChunks(r: AnalyzeResult): Generator<string> {
  const j = portalsJson(r) as { inputs: unknown[]; portals: unknown[]; findings: unknown[] };
  yield `{\n  "inputs": ${indent(JSON.stringify(j.inputs, null, 2), '  ')},\n  "portals": [`;
  for (let i = 0; i < j.portals.length; i++) yield `${i ? ',' : ''}\n    ${indent(JSON.stringify(j.portals[i], null, 2), '    ')}`;
  yield `${j.portals.length ? '\n  ' : ''}],\n  "findings": ${indent(JSON.stringify(j.findings, null, 2), '  ')}\n}\n`;
}

export function formatNdjson(r: AnalyzeResult): string {
  let s = '';
  for (const p of r.portals) s += JSON.stringify(p) + '\n';
  for (const f of r.findings) s += JSON.stringify({ type: 'finding', ...f }) + '\n';
  return s;
}
