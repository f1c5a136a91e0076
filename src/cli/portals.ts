/** `portals`: discovered-portal records and findings, in the format asked for. */
import { analyze } from '../analyze.js';
import { portalChunks, type PortalFormat } from '../output/portals.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors, write } from './io.js';
import { USAGE } from './usage.js';

export async function cmdPortals(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {});
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'ndjson', 'csv'].includes(format)) fail(`--format: unknown format "${format}" (table, json, ndjson, csv)`);
  if (positionals.length === 0) fail('portals: no capture file given');
  const progress = progressReporter(values.progress !== false);
  const r = await analyze(positionals, {
    ports: ports(values.port),
    defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    read: progress,
  });
  progress.done();
  reportInputErrors(r);
  // Streamed record by record, honouring backpressure: a large result is never one huge string.
  let buf = '';
  for (const chunk of portalChunks(r, format as PortalFormat)) {
    buf += chunk;
    if (buf.length > 1 << 16) {
      await write(buf);
      buf = '';
    }
  }
  await write(buf);
  return r.failed ? 1 : 0;
}
