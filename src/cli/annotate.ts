/**
 * `annotate <capture>... -o out.pcapng`: the captures as one pcapng file
 * with a packet comment on every frame a finding names (src/annotate/).
 * Standard input ("-") is spooled to a temporary file first: it is read twice.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { safeText } from '../../dissector/core/field.js';
import { annotate, type ReplayableInput } from '../annotate/annotate.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors } from './io.js';
import { FILTER_OPTIONS, filterOptions, outputOptions } from './options.js';
import { binaryFile } from './sink.js';
import { USAGE } from './usage.js';

export async function cmdAnnotate(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { ...FILTER_OPTIONS });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (positionals.length === 0) fail('annotate: no capture file given');
  const out = outputOptions(values);
  if (out.output === undefined) fail('annotate: -o/--output <file.pcapng> is required');
  if (values.format !== undefined) fail('annotate: --format does not apply (the output is pcapng)');
  const filter = filterOptions(values);
  let spool: string | null = null;
  const inputs: ReplayableInput[] = [];
  for (const p of positionals) {
    if (p !== '-') {
      inputs.push(p);
      continue;
    }
    if (spool === null) {
      spool = mkdtempSync(join(tmpdir(), 'isns-annotate-'));
      await pipeline(process.stdin, createWriteStream(join(spool, 'stdin')));
    }
    inputs.push({ name: '-', data: join(spool, 'stdin') });
  }
  const file = binaryFile(out.output);
  const progress = progressReporter(out.progress);
  try {
    const r = await annotate(inputs, (b) => file.write(b), {
      ports: ports(values.port),
      defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
      read: progress,
      filter,
    });
    progress.done();
    file.close();
    reportInputErrors(r.analysis);
    if (!out.quiet) {
      process.stderr.write(`annotate: ${safeText(out.output)}: ${r.sections} section(s), ${r.comments} comment(s) on ${r.framesAnnotated} frame(s)\n`);
    }
    return r.analysis.failed ? 1 : 0;
  } catch (e) {
    file.abort();
    throw e;
  } finally {
    if (spool) rmSync(spool, { recursive: true, force: true });
  }
}
