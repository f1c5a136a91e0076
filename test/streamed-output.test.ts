/**
 * `portals` in json, ndjson and csv writes its records as they come
 * (analyze's onPortals: from the portal thread a batch at a time, while the
 * thread still makes the last ones). The text must be the format's text of
 * the whole result, whatever the batches: compared here with portalChunks of
 * the result analyze returns in line (the path the golden and tshark tests
 * check), with and without filters, and through the CLI with the thread.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, type AnalyzeOptions } from '../src/analyze.js';
import { generate } from '../bench/gen.js';
import { analyzeStreamed } from '../src/cli/records.js';
import { filterResult, type RecordFilter } from '../src/output/filters.js';
import { formatPortals, portalStream, type PortalFormat } from '../src/output/portals.js';
import { captureFiles } from './helpers/captures.js';
import { ROOT } from './helpers/isns-encode.js';
import { tempDir } from './helpers/tmp.js';
import { CLI } from './helpers/cli.js';

const FORMATS: PortalFormat[] = ['json', 'ndjson', 'csv'];

/** The text cmdRecords streams (analyzeStreamed: head once the inputs are read, each batch filtered, the tail), and how many batches came. */
async function streamedText(file: string, f: PortalFormat, filter: RecordFilter, opts: AnalyzeOptions): Promise<{ text: string; batches: number }> {
  let text = '';
  let puts = 0;
  const put = async (chunks: Iterable<string>): Promise<void> => {
    puts++;
    for (const c of chunks) text += c;
  };
  const r = await analyzeStreamed([file], { ...opts, logons: false }, portalStream(f)!, filter, { put });
  if (r.portals.length !== 0) throw new Error('streamed records also in the result');
  // (one put for the head, one per batch, one for the tail)
  return { text, batches: puts - 2 };
}

const FILTERS: RecordFilter[] = [{}, { findings: { severity: 'warning' } }, { endpoints: [{ address: '10.0.0.10', port: null }] }];

test.serial('every bundled capture, every streamed format, with and without filters, in line and on the thread: the text of the whole result', async (t) => {
  let compared = 0;
  for (const file of captureFiles(join(ROOT, 'captures'))) {
    const whole = await analyze(file, { logons: false, portalThread: false });
    for (const f of FORMATS) {
      for (const filter of FILTERS) {
        const want = formatPortals(filterResult(whole, filter), f);
        for (const portalThread of [false, true]) {
          const got = await streamedText(file, f, filter, { portalThread });
          t.is(got.text, want, `${file} ${f} ${JSON.stringify(filter)} thread ${portalThread}`);
          compared++;
        }
      }
    }
  }
  t.true(compared > 1000, `${compared} texts compared`);
});

test.serial('a dense generated capture through the CLI (the thread sends many batches): stdout and -o FILE are the whole result\'s text', async (t) => {
  const file = join(tempDir('streamed-'), 'dense.pcapng');
  const stats = generate('dense', file, 8 << 20, true, 11);
  const whole = await analyze(file, { logons: false, portalThread: false });
  t.true(whole.portals.length === stats.portals && stats.portals > 16 * 10, `${whole.portals.length} records: more than ten batches`);
  const { batches } = await streamedText(file, 'json', {}, { portalThread: true });
  t.true(batches > 10, `${batches} batches`);
  const env = { ...process.env, ISNS_DISSECTOR_THREAD: 'on' };
  for (const f of FORMATS) {
    const out = spawnSync(process.execPath, [CLI, 'portals', '--format', f, file], { env, maxBuffer: 1 << 28 });
    t.is(out.status, 0, out.stderr.toString());
    t.is(out.stdout.toString(), formatPortals(whole, f), f);
    const o = join(file, '..', `out.${f}`);
    const w = spawnSync(process.execPath, [CLI, 'portals', '--format', f, '--severity', 'info', '-o', o, file], { env });
    t.is(w.status, 0, w.stderr.toString());
    t.is(readFileSync(o, 'utf8'), formatPortals(filterResult(whole, { findings: { severity: 'info' } }), f), `${f} -o`);
  }
});
