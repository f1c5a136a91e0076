/** Options shared by the commands, parsed strictly (an unknown option is a usage error). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseBitmapArg } from '../isns/bitmap.js';
import { VERSION } from '../version.js';
import { fail } from './io.js';

export const COMMON = {
  port: { type: 'string', multiple: true },
  'default-security-bitmap': { type: 'string' },
  format: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  progress: { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  output: { type: 'string', short: 'o' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Thrown to end a command early with an exit status (after --version printed the version). */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

export function parse(argv: string[], extra: ParseArgsConfig['options']): ReturnType<typeof parseArgs> {
  let r: ReturnType<typeof parseArgs>;
  try {
    r = parseArgs({ args: argv, options: { ...COMMON, ...extra }, allowPositionals: true, strict: true });
  } catch (e) {
    fail((e as Error).message.split('\n')[0]!);
  }
  if (r.values.version) {
    process.stdout.write(`isns-dissector ${VERSION}\n`);
    throw new Exit(0);
  }
  return r;
}

export function ports(v: unknown, option = '--port'): number[] {
  const out: number[] = [];
  for (const s of (v as string[] | undefined) ?? []) {
    if (!/^\d{1,5}$/.test(s) || +s < 1 || +s > 65535) fail(`${option}: invalid port "${s}" (1-65535)`);
    out.push(+s);
  }
  return out;
}

export function bitmapOpt(v: unknown): number | null {
  if (v === undefined) return null;
  const n = parseBitmapArg(String(v));
  if (n === null) fail(`--default-security-bitmap: invalid value "${v}" (decimal or 0x hex, 0..0xffffffff)`);
  return n;
}
