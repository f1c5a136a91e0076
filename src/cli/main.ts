#!/usr/bin/env node
/**
 * isns-dissector command line. Data to stdout, diagnostics to stderr.
 * Exit: 0 inputs read; 1 an input could not be read (or `check` failed);
 * 2 usage error.
 */
import { realpathSync } from 'node:fs';
import { knownSize } from '../capture/input.js';
import { prestartPortalThread, startsEarly } from '../isns/portals/prestart.js';
import { safeText } from '../../dissector/core/field.js';
import { Exit } from './args.js';
import { UsageError, fail } from './io.js';
import { USAGE } from './usage.js';
import { VERSION } from '../version.js';

export { USAGE } from './usage.js';

export async function main(argv: string[]): Promise<number> {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const [cmd, ...rest] = argv;
  // An input known to be large gets the portal builder's thread (analyze.ts): started now, it gets
  // going while this thread loads the command's modules (prestart.ts).
  if ((cmd === 'portals' || cmd === 'logons' || cmd === 'check') && startsEarly(knownSize(rest))) prestartPortalThread();
  try {
    // Each command's modules are loaded when it runs (start-up is part of every short run).
    switch (cmd) {
      case 'portals':
        return await (await import('./portals.js')).cmdPortals(rest);
      case 'packets':
        return await (await import('./packets.js')).cmdPackets(rest);
      case 'check':
        return await (await import('./check.js')).cmdCheck(rest);
      case 'logons':
        return await (await import('./logons.js')).cmdLogons(rest);
      case 'annotate':
        return await (await import('./annotate.js')).cmdAnnotate(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      case '--version':
      case '-v':
      case 'version':
        process.stdout.write(`isns-dissector ${VERSION}\n`);
        return 0;
      default:
        fail(`unknown command "${cmd}" (portals, logons, packets, check, annotate)`);
    }
  } catch (e) {
    if (e instanceof Exit) return e.code;
    if (e instanceof UsageError) {
      process.stderr.write(`isns-dissector: ${safeText(e.message)}\nTry 'isns-dissector --help'.\n`);
      return 2;
    }
    throw e;
  }
}

/**
 * V8 options of every CLI run, given to the process on its command line (the
 * supported way: V8 reads its heap settings at start-up). A young generation
 * of at most 2 × 4 MiB, without allocation-site pretenuring: measured by
 * `npm run bench` (README, Performance), a default young generation grows to
 * 2 × 16 MiB and pretenuring then moves short-lived PDU and attribute objects
 * to the old heap, where their garbage set the peak RSS (mixed 1 GiB: 160 →
 * 106 MiB; dense 256 MiB pcapng: 148 → 122 MiB, at 10% more time there).
 * Without parallel scavenges: a dense capture keeps both cores busy (the
 * reading thread and the portal builder's), where the helper tasks of ~500
 * young-generation collections only add their own work (interleaved pairs of
 * runs: 0.95-0.97 of the time on the dense pcapng and pcap, the same on the
 * mixed capture, which one thread reads).
 */
export const V8_OPTIONS = ['--max-semi-space-size=4', '--no-allocation-site-pretenuring', '--no-parallel-scavenge'];

/** Inputs from this many bytes on are read with V8_OPTIONS (below it the heap never grows past them). */
export const V8_OPTIONS_FROM_BYTES = 64 * 2 ** 20;

/**
 * Whether a run needs V8_OPTIONS: files of V8_OPTIONS_FROM_BYTES or more in
 * all, or an input whose size is not known beforehand (standard input, gzip).
 * Every argument that names a regular file counts; an option value or a
 * command name that happens to name one only makes the answer yes sooner.
 */
export function needsV8Options(argv: string[]): boolean {
  const bytes = knownSize(argv);
  return bytes === null || bytes >= V8_OPTIONS_FROM_BYTES;
}

/**
 * Run again as `node V8_OPTIONS main.js ...` when started without them and
 * the inputs need them (one extra process start, ~70 ms, which a small
 * capture does not pay); the exit status and a fatal signal are passed on.
 * ISNS_DISSECTOR_V8=keep runs with whatever the process was given.
 */
async function relaunch(argv: string[]): Promise<number | null> {
  if (process.env.ISNS_DISSECTOR_V8 === 'keep' || V8_OPTIONS.every((o) => process.execArgv.includes(o))) return null;
  if (!needsV8Options(argv)) return null;
  const { spawn } = await import('node:child_process');
  const { fileURLToPath } = await import('node:url');
  const child = spawn(process.execPath, [...process.execArgv, ...V8_OPTIONS, fileURLToPath(import.meta.url), ...argv], { stdio: 'inherit' });
  // The terminal sends SIGINT/SIGTERM to both processes: the child ends and says how.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
  return new Promise((resolve) => {
    child.on('error', () => resolve(null));
    child.on('exit', (code, signal) => {
      if (signal) {
        process.removeAllListeners(signal);
        process.kill(process.pid, signal);
      }
      resolve(code ?? 1);
    });
  });
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${realpathSync(process.argv[1])}`).href;
const relaunched = isMain ? await relaunch(process.argv.slice(2)) : null;
if (relaunched !== null) process.exitCode = relaunched;
else if (isMain) {
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
