/** `logons`: the logon story of every initiator that tried a target portal, in the format asked for. */
import { analyze } from '../analyze.js';
import { formatLogonsCsv } from '../output/logons-csv.js';
import { formatLogonsNdjson, logonsJsonChunks } from '../output/logons-json.js';
import { formatLogonsTable } from '../output/logons-table.js';
import { bitmapOpt, parse, ports } from './args.js';
import { fail, progressReporter, reportInputErrors, write } from './io.js';
import { USAGE } from './usage.js';

export async function cmdLogons(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { 'iscsi-port': { type: 'string', multiple: true } });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'ndjson', 'csv'].includes(format)) fail(`--format: unknown format "${format}" (table, json, ndjson, csv)`);
  if (positionals.length === 0) fail('logons: no capture file given');
  const iscsiPorts: number[] = [];
  for (const v of (values['iscsi-port'] as string[] | undefined) ?? []) {
    if (!/^\d{1,5}$/.test(v) || +v < 1 || +v > 65535) fail(`--iscsi-port: invalid port "${v}" (1-65535)`);
    iscsiPorts.push(+v);
  }
  const progress = progressReporter(values.progress !== false);
  const r = await analyze(positionals, {
    ports: ports(values.port),
    iscsiPorts,
    defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
    read: progress,
  });
  progress.done();
  reportInputErrors(r);
  if (format === 'json') {
    // Streamed record by record, honouring backpressure.
    let buf = '';
    for (const chunk of logonsJsonChunks(r)) {
      buf += chunk;
      if (buf.length > 1 << 16) {
        await write(buf);
        buf = '';
      }
    }
    await write(buf);
  } else if (format === 'ndjson') await write(formatLogonsNdjson(r));
  else if (format === 'csv') await write(formatLogonsCsv(r));
  else await write(formatLogonsTable(r));
  return r.failed ? 1 : 0;
}
