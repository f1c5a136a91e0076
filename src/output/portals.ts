/**
 * Output formats of `portals`: table (for people), json (the contract's
 * object), ndjson and csv.
 */
import type { AnalyzeResult } from '../analyze.js';
import { formatCsv } from './csv.js';
import { formatJson, formatNdjson } from './json.js';
import { formatTable } from './table.js';

export type PortalFormat = 'table' | 'json' | 'ndjson' | 'csv';

export { portalsJson, jsonChunks, formatJson, formatNdjson } from './json.js';
export { formatCsv, csvCell } from './csv.js';
export { formatTable, portalLabel } from './table.js';

export function formatPortals(r: AnalyzeResult, f: PortalFormat): string {
  switch (f) {
    case 'json':
      return formatJson(r);
    case 'ndjson':
      return formatNdjson(r);
    case 'csv':
      return formatCsv(r);
    default:
      return formatTable(r);
  }
}
