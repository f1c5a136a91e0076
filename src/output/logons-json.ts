/**
 * `logons --format json` (the contract's object, streamed record by record)
 * and `--format ndjson` (one line per logon record, then one per
 * capture-level finding).
 */
import type { AnalyzeResult } from '../analyze.js';

const indent = (s: string, by: string): string => s.replace(/\n/g, `\n${by}`);

/**
 * The same text as JSON.stringify({inputs, logons, findings}, null, 2) + "\n",
 * one record at a time, so a large result is never one huge string.
 */
export function* logonsJsonChunks(r: AnalyzeResult): Generator<string> {
  const inputs = r.inputs.map((i) => ({ file: i.file, format: i.format, packets: i.packets, isnsPdus: i.isnsPdus, bytes: i.bytes, error: i.error }));
  const logons = r.logons ?? [];
  yield `{\n  "inputs": ${indent(JSON.stringify(inputs, null, 2), '  ')},\n  "logons": [`;
  for (let i = 0; i < logons.length; i++) yield `${i ? ',' : ''}\n    ${indent(JSON.stringify(logons[i], null, 2), '    ')}`;
  yield `${logons.length ? '\n  ' : ''}],\n  "findings": ${indent(JSON.stringify(r.findings, null, 2), '  ')}\n}\n`;
}

export function formatLogonsJson(r: AnalyzeResult): string {
  return [...logonsJsonChunks(r)].join('');
}

export function formatLogonsNdjson(r: AnalyzeResult): string {
  let s = '';
  for (const l of r.logons ?? []) s += JSON.stringify(l) + '\n';
  for (const f of r.findings) s += JSON.stringify({ type: 'finding', ...f }) + '\n';
  return s;
}
