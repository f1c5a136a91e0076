#!/usr/bin/env node
/**
 * isns-dissector command line. Data to stdout, diagnostics to stderr.
 * Exit: 0 inputs read; 1 an input could not be read (or `check` failed);
 * 2 usage error.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { safeText } from '../../dissector/core/field.js';
import { parseBitmapArg } from '../isns/bitmap.js';
import { analyze, type AnalyzeOptions, type AnalyzeResult } from '../analyze.js';
import { formatPortals, jsonChunks, type PortalFormat } from '../output/portals.js';
import { runPackets, PACKET_FIELDS_ERROR } from './packets.js';
import { runCheck } from './check.js';
import { youngGenerationCap } from './memory.js';

export const USAGE = `Usage: isns-dissector <command> [options] <capture>...

Commands:
  portals   discovered-portal records and IPsec triage findings (the main job)
  packets   per-PDU iSNS dissection (text tree, JSON, or tshark-compatible -e fields)
  check     compare portal records with a baseline, for CI

Captures: pcap (either byte order, µs or ns), pcapng, either gzip-compressed; "-" reads stdin.

portals options:
  --format table|json|ndjson|csv     output format (default table)
  --default-security-bitmap <n>      bitmap for portals iSNS gave none (decimal or 0x hex)
  --port <n>                         another TCP/UDP port to dissect as iSNS (repeatable)

packets options:
  --format text|json                 output format (default text)
  -e <field>                         tshark-compatible field output (repeatable): isns.* and frame.number
  --full                             decode past Wireshark's limits (multi-PDU messages, auth blocks)
  --port <n>

check options:
  --baseline <file.json>             the saved \`portals --format json\` to compare with (required)
  --update                           write the baseline instead of comparing
  --fail-on error|warning|never      finding severity that fails the check (default error)
  --junit <file>                     write a JUnit XML report
  --annotations                      print GitHub workflow annotations (default when GITHUB_ACTIONS=true)
  --default-security-bitmap <n>, --port <n>

Exit status: 0 inputs read (check: equal and nothing at --fail-on); 1 an input could not be read
(check: differences or failing findings); 2 usage error.
`;

export class UsageError extends Error {}

function fail(msg: string): never {
  throw new UsageError(msg);
}

const COMMON = {
  port: { type: 'string', multiple: true },
  'default-security-bitmap': { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  progress: { type: 'boolean' },
} as const;

function parse(argv: string[], extra: ParseArgsConfig['options']): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args: argv, options: { ...COMMON, ...extra }, allowPositionals: true, strict: true });
  } catch (e) {
    fail((e as Error).message.split('\n')[0]!);
  }
}

function ports(v: unknown): number[] {
  const out: number[] = [];
  for (const s of (v as string[] | undefined) ?? []) {
    if (!/^\d{1,5}$/.test(s) || +s < 1 || +s > 65535) fail(`--port: invalid port "${s}" (1-65535)`);
    out.push(+s);
  }
  return out;
}

function bitmapOpt(v: unknown): number | null {
  if (v === undefined) return null;
  const n = parseBitmapArg(String(v));
  if (n === null) fail(`--default-security-bitmap: invalid value "${v}" (decimal or 0x hex, 0..0xffffffff)`);
  return n;
}

/**
 * Per-chunk hooks of a CLI run: the young-generation cap (src/memory.ts), and
 * progress on stderr for a long run on a terminal (never when stderr is not a TTY).
 */
export function progressReporter(enabled: boolean): AnalyzeOptions['read'] & { done(): void } {
  const cap = youngGenerationCap();
  if (!enabled || !process.stderr.isTTY) return { onProgress: cap, done() {} };
  let last = 0;
  let shown = false;
  return {
    onProgress(bytes: number, packets: number) {
      cap();
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      process.stderr.write(`\r\x1b[K${(bytes / 1048576).toFixed(1)} MiB, ${packets} packets read`);
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

export function reportInputErrors(r: AnalyzeResult): void {
  for (const i of r.inputs) if (i.error) process.stderr.write(`isns-dissector: ${safeText(i.error)}\n`);
}

async function cmdPortals(argv: string[]): Promise<number> {
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
  if (format === 'json') {
    // Streamed portal by portal, honouring backpressure: a large result is never one huge string.
    let buf = '';
    for (const chunk of jsonChunks(r)) {
      buf += chunk;
      if (buf.length > 1 << 16) {
        await write(buf);
        buf = '';
      }
    }
    await write(buf);
  } else await write(formatPortals(r, format as PortalFormat));
  return r.failed ? 1 : 0;
}

/** Write to stdout, honouring backpressure; EPIPE (e.g. `| head`) ends quietly. */
export function write(s: string): Promise<void> {
  return new Promise((resolve) => {
    if (s.length === 0) return resolve();
    if (process.stdout.write(s)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'portals':
        return await cmdPortals(rest);
      case 'packets': {
        const { values, positionals } = parse(rest, { e: { type: 'string', short: 'e', multiple: true }, full: { type: 'boolean' } });
        if (values.help) {
          process.stdout.write(USAGE);
          return 0;
        }
        if (positionals.length === 0) fail('packets: no capture file given');
        const format = (values.format as string | undefined) ?? 'text';
        if (!['text', 'json'].includes(format)) fail(`--format: unknown format "${format}" (text, json)`);
        const progress = progressReporter(values.progress !== false);
        try {
          return await runPackets(positionals, {
            format: format as 'text' | 'json',
            fields: (values.e as string[] | undefined) ?? [],
            full: !!values.full,
            ports: ports(values.port),
            read: progress,
          });
        } catch (e) {
          if (e instanceof Error && e.name === PACKET_FIELDS_ERROR) fail(e.message);
          throw e;
        } finally {
          progress.done();
        }
      }
      case 'check': {
        const { values, positionals } = parse(rest, {
          baseline: { type: 'string' },
          update: { type: 'boolean' },
          'fail-on': { type: 'string' },
          junit: { type: 'string' },
          annotations: { type: 'boolean' },
        });
        if (values.help) {
          process.stdout.write(USAGE);
          return 0;
        }
        if (positionals.length === 0) fail('check: no capture file given');
        if (!values.baseline) fail('check: --baseline <file.json> is required');
        const failOn = (values['fail-on'] as string | undefined) ?? 'error';
        if (!['error', 'warning', 'never'].includes(failOn)) fail(`--fail-on: unknown level "${failOn}" (error, warning, never)`);
        return await runCheck(positionals, {
          baseline: values.baseline as string,
          update: !!values.update,
          failOn: failOn as 'error' | 'warning' | 'never',
          junit: values.junit as string | undefined,
          annotations: values.annotations === true || (values.annotations === undefined && process.env.GITHUB_ACTIONS === 'true'),
          ports: ports(values.port),
          defaultSecurityBitmap: bitmapOpt(values['default-security-bitmap']),
        });
      }
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      case '--version':
      case 'version':
        process.stdout.write('isns-dissector 0.1.0\n');
        return 0;
      default:
        fail(`unknown command "${cmd}" (portals, packets, check)`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`isns-dissector: ${safeText(e.message)}\nTry 'isns-dissector --help'.\n`);
      return 2;
    }
    throw e;
  }
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${(await import('node:fs')).realpathSync(process.argv[1])}`).href;
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`isns-dissector: internal error: ${safeText(e instanceof Error ? e.message : String(e))}\n`);
      process.exitCode = 1;
    },
  );
}
