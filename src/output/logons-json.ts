/**
 * `logons --format json` (the contract's object, streamed record by record)
 * and `--format ndjson` (one line per logon record, then one per
 * capture-level finding): the portal outputs' writers (json.ts, escaped alike)
 * over the logon records.
 */
import type { AnalyzeResult } from '../analyze.js';
import { contractJsonChunks, joinChunks, recordLines } from './json.js';

/** The text of safeJson({inputs, logons, findings}, 2) + "\n", one record at a time. */
export function logonsJsonChunks(r: AnalyzeResult): Generator<string> {
  return contractJsonChunks(r, 'logons', r.logons ?? []);
}

export function formatLogonsJson(r: AnalyzeResult): string {
  return joinChunks(logonsJsonChunks(r));
}

export function logonsNdjsonLines(r: AnalyzeResult): Generator<string> {
  return recordLines(r.logons ?? [], r.findings);
}

export function formatLogonsNdjson(r: AnalyzeResult): string {
  return joinChunks(logonsNdjsonLines(r));
}
