/**
 * `portals` and `logons`: the records of the inputs and their findings, kept
 * by the record filters (--portal, --severity, --code) and written in the
 * format asked for, streamed with backpressure to stdout or `-o FILE`.
 */
import { analyze, type AnalyzeResult } from '../analyze.js';
import { filterResult } from '../output/filters.js';
import type { PortalFormat } from '../output/portals.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors } from './io.js';
import { FILTER_OPTIONS, filterOptions, outputOptions } from './options.js';
import { writeAll } from './sink.js';
import { USAGE } from './usage.js';

const FORMATS: readonly PortalFormat[] = ['table', 'json', 'ndjson', 'csv'];

/** Run `cmd`; `chunks` gives the output text of a (filtered) result in a format. */
export async function cmdRecords(argv: string[], cmd: 'portals' | 'logons', chunks: (r: AnalyzeResult, f: PortalFormat) => Iterable<string>): Promise<number> {
  const { values, positionals } = parse(argv, { ...FILTER_OPTIONS, ...(cmd === 'logons' ? { 'iscsi-port': { type: 'string', multiple: true } } : {}) });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = (values.format as PortalFormat | undefined) ?? 'table';
  if (!FORMATS.includes(format)) fail(`--format: unknown format "${format}" (${FORMATS.join(', ')})`);
  const filter = filterOptions(values);
  const out = outputOptions(values);
  if (positionals.length === 0) fail(`${cmd}: no capture file given`);
  const iscsiPorts = ports(values['iscsi-port'], '--iscsi-port');
  const progress = progressReporter(out.progress);
  const r = await analyze(positionals, {
    ports: ports(values.port),
    iscsiPorts,
    defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    read: progress,
    // (portals: no logon records to build)
    logons: cmd === 'logons',
  });
  progress.done();
  reportInputErrors(r);
  // Streamed record by record, honouring backpressure: a large result is never one huge string.
  await writeAll(out.output, chunks(filterResult(r, filter), format));
  return r.failed ? 1 : 0;
}
