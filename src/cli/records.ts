/**
 * `portals` and `logons`: the records of the inputs and their findings, kept
 * by the record filters (--portal, --severity, --code) and written in the
 * format asked for, streamed with backpressure to stdout or `-o FILE`.
 */
import { analyze, type AnalyzeOptions, type AnalyzeResult, type InputReport } from '../analyze.js';
import type { PortalRecord } from '../isns/portals/builder.js';
import type { RecordStream } from '../output/json.js';
import { filterRecords, filterResult, portalEndpoint, type RecordFilter } from '../output/filters.js';
import type { PortalFormat } from '../output/portals.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors } from './io.js';
import { FILTER_OPTIONS, filterOptions, outputOptions } from './options.js';
import { withSink, writeAll, type Put } from './sink.js';
import { USAGE } from './usage.js';

const FORMATS: readonly PortalFormat[] = ['table', 'json', 'ndjson', 'csv'];

/**
 * Run `cmd`; `chunks` gives the output text of a (filtered) result in a format; `stream`, when it
 * has the format, the same text written as the portal records come (analyze's onPortals).
 */
export async function cmdRecords(
  argv: string[],
  cmd: 'portals' | 'logons',
  chunks: (r: AnalyzeResult, f: PortalFormat) => Iterable<string>,
  stream?: (f: PortalFormat) => RecordStream<PortalRecord> | null,
): Promise<number> {
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
  const opts: AnalyzeOptions = {
    ports: ports(values.port),
    iscsiPorts,
    defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    read: progress,
    // (portals: no logon records to build)
    logons: cmd === 'logons',
  };
  const s = stream?.(format) ?? null;
  if (s) return streamed(positionals, opts, s, filter, out.output, () => progress.done());
  const r = await analyze(positionals, opts);
  progress.done();
  reportInputErrors(r);
  // Streamed record by record, honouring backpressure: a large result is never one huge string.
  await writeAll(out.output, chunks(filterResult(r, filter), format));
  return r.failed ? 1 : 0;
}

/** Where analyzeStreamed's text goes. */
export interface StreamedOutput {
  /** Write text (awaited before more is made). */
  put: Put;
  /** Before the first text. */
  begin?(): void;
  /** Once the inputs are analysed, before the tail. */
  end?(r: AnalyzeResult): void;
}

/**
 * analyze() with the output written as the records come, in format `s`: the head once the inputs
 * are read, each batch of records as it is made (filtered), the tail (capture-level findings) at
 * the end. The text is what cmdRecords writes of the whole result.
 */
export async function analyzeStreamed(files: string[], opts: AnalyzeOptions, s: RecordStream<PortalRecord>, filter: RecordFilter, out: StreamedOutput): Promise<AnalyzeResult> {
  let begun = false;
  const head = (inputs: readonly InputReport[]): Promise<void> => {
    begun = true;
    out.begin?.();
    return out.put(s.head(inputs));
  };
  const r = await analyze(files, {
    ...opts,
    onPortals: async (batch, inputs) => {
      if (!begun) await head(inputs);
      await out.put(s.records(filterRecords(batch, portalEndpoint, filter)));
    },
  });
  if (!begun) await head(r.inputs);
  out.end?.(r);
  await out.put(s.tail(filterResult(r, filter)));
  return r;
}

/** analyzeStreamed to stdout or `-o FILE` (a partly written file is removed on error). */
async function streamed(files: string[], opts: AnalyzeOptions, s: RecordStream<PortalRecord>, filter: RecordFilter, output: string | undefined, begin: () => void): Promise<number> {
  const r = await withSink(output, (put) => analyzeStreamed(files, opts, s, filter, { put, begin, end: reportInputErrors }));
  return r.failed ? 1 : 0;
}
