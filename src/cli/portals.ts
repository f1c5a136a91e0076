/** `portals`: discovered-portal records and findings, in the format asked for. */
import { analyze, type AnalyzeResult } from '../analyze.js';
import { filterActive, filterFindings, filterRecords, type RecordFilter } from '../output/filters.js';
import { portalChunks, type PortalFormat } from '../output/portals.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors } from './io.js';
import { FILTER_OPTIONS, filterOptions, outputOptions } from './options.js';
import { openSink } from './sink.js';
import { USAGE } from './usage.js';

/** The result with only the portals and findings the filter keeps. */
export function filterPortals(r: AnalyzeResult, f: RecordFilter): AnalyzeResult {
  if (!filterActive(f)) return r;
  return { ...r, portals: filterRecords(r.portals, (p) => ({ address: p.address, port: p.socket }), f), findings: filterFindings(r.findings, f) };
}

export async function cmdPortals(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...FILTER_OPTIONS });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'ndjson', 'csv'].includes(format)) fail(`--format: unknown format "${format}" (table, json, ndjson, csv)`);
  const filter = filterOptions(values);
  const out = outputOptions(values);
  if (positionals.length === 0) fail('portals: no capture file given');
  const progress = progressReporter(out.progress);
  const r = await analyze(positionals, {
    ports: ports(values.port),
    defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    read: progress,
  });
  progress.done();
  reportInputErrors(r);
  // Streamed record by record, honouring backpressure: a large result is never one huge string.
  const sink = openSink(out.output);
  try {
    for (const chunk of portalChunks(filterPortals(r, filter), format as PortalFormat)) await sink.write(chunk);
    await sink.close();
  } catch (e) {
    sink.abort();
    throw e;
  }
  return r.failed ? 1 : 0;
}
