/** `logons`: the logon story of every initiator that tried a target portal, in the format asked for. */
import { analyze, type AnalyzeResult } from '../analyze.js';
import { filterActive, filterFindings, filterRecords, type RecordFilter } from '../output/filters.js';
import { formatLogonsCsv } from '../output/logons-csv.js';
import { formatLogonsNdjson, logonsJsonChunks } from '../output/logons-json.js';
import { formatLogonsTable } from '../output/logons-table.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors } from './io.js';
import { FILTER_OPTIONS, filterOptions, outputOptions } from './options.js';
import { openSink } from './sink.js';
import { USAGE } from './usage.js';

/** The result with only the logon records (by portal, by their findings) and the findings the filter keeps. */
export function filterLogons(r: AnalyzeResult, f: RecordFilter): AnalyzeResult {
  if (!filterActive(f)) return r;
  return { ...r, logons: filterRecords(r.logons ?? [], (l) => ({ address: l.portal.address, port: l.portal.socket }), f), findings: filterFindings(r.findings, f) };
}

function* chunks(r: AnalyzeResult, format: string): Generator<string> {
  if (format === 'json') yield* logonsJsonChunks(r);
  else if (format === 'ndjson') yield formatLogonsNdjson(r);
  else if (format === 'csv') yield formatLogonsCsv(r);
  else yield formatLogonsTable(r);
}

export async function cmdLogons(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { 'iscsi-port': { type: 'string', multiple: true }, ...FILTER_OPTIONS });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'ndjson', 'csv'].includes(format)) fail(`--format: unknown format "${format}" (table, json, ndjson, csv)`);
  const filter = filterOptions(values);
  const out = outputOptions(values);
  if (positionals.length === 0) fail('logons: no capture file given');
  const iscsiPorts: number[] = [];
  for (const v of (values['iscsi-port'] as string[] | undefined) ?? []) {
    if (!/^\d{1,5}$/.test(v) || +v < 1 || +v > 65535) fail(`--iscsi-port: invalid port "${v}" (1-65535)`);
    iscsiPorts.push(+v);
  }
  const progress = progressReporter(out.progress);
  const r = await analyze(positionals, {
    ports: ports(values.port),
    iscsiPorts,
    defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    read: progress,
  });
  progress.done();
  reportInputErrors(r);
  // Streamed record by record (json), honouring backpressure; to stdout or -o.
  const sink = openSink(out.output);
  try {
    for (const c of chunks(filterLogons(r, filter), format)) await sink.write(c);
    await sink.close();
  } catch (e) {
    sink.abort();
    throw e;
  }
  return r.failed ? 1 : 0;
}
