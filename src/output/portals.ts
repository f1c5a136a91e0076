/**
 * Output formats of `portals`: table (for people), json (the contract's
 * object), ndjson and csv — each also as a sequence of chunks, so the CLI
 * writes a large result with backpressure instead of building one string.
 */
import type { AnalyzeResult } from '../analyze.js';
import type { PortalRecord } from '../isns/portals/builder.js';
import { csvLines, csvStream } from './csv.js';
import { contractJsonStream, joinChunks, jsonChunks, lineChunks, ndjsonLines, ndjsonStream, type RecordStream } from './json.js';
import { tableLines } from './table.js';

export type PortalFormat = 'table' | 'json' | 'ndjson' | 'csv';

export { portalsJson, jsonChunks, ndjsonLines, formatJson, formatNdjson, safeJson } from './json.js';
export { formatCsv, csvCell, csvLines } from './csv.js';
export { formatTable, tableLines, portalLabel } from './table.js';

export function formatPortals(r: AnalyzeResult, f: PortalFormat): string {
  return joinChunks(portalChunks(r, f));
}

/** The output text in pieces (concatenated, they are formatPortals(r, f)). */
export function* portalChunks(r: AnalyzeResult, f: PortalFormat): Generator<string> {
  switch (f) {
    case 'json':
      return yield* jsonChunks(r);
    case 'ndjson':
      return yield* ndjsonLines(r);
    case 'csv':
      return yield* csvLines(r);
    default:
      return yield* lineChunks(tableLines(r));
  }
}

/** A format's text as records come (portalChunks' text when written whole); null for the table, whose widths need every record. */
export function portalStream(f: PortalFormat): RecordStream<PortalRecord> | null {
  switch (f) {
    case 'json':
      return contractJsonStream('portals');
    case 'ndjson':
      return ndjsonStream();
    case 'csv':
      return csvStream();
    default:
      return null;
  }
}
