/** `logons`: the logon story of every initiator that tried a target portal, in the format asked for (records.ts). */
import type { AnalyzeResult } from '../analyze.js';
import { logonsCsvLines } from '../output/logons-csv.js';
import { logonsJsonChunks, logonsNdjsonLines } from '../output/logons-json.js';
import { logonsTableChunks } from '../output/logons-table.js';
import type { PortalFormat } from '../output/portals.js';
import { cmdRecords } from './records.js';

function logonChunks(r: AnalyzeResult, format: PortalFormat): Generator<string> {
  if (format === 'json') return logonsJsonChunks(r);
  if (format === 'ndjson') return logonsNdjsonLines(r);
  if (format === 'csv') return logonsCsvLines(r);
  return logonsTableChunks(r);
}

export function cmdLogons(argv: string[]): Promise<number> {
  return cmdRecords(argv, 'logons', logonChunks);
}
