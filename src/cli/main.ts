#!/usr/bin/env node
/**
 * isns-dissector command line. Data to stdout, diagnostics to stderr.
 * Exit: 0 inputs read; 1 an input could not be read (or `check` failed);
 * 2 usage error.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { knownSize } from '../capture/input.js';
import { prestartPortalThread, startsEarly } from '../isns/portals/prestart.js';
import { safeText } from '../../dissector/core/field.js';
import { Exit } from './args.js';
import { launch } from './launch.js';
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

/** Run the command line: its exit status set, an internal error (a bug) reported on one line. */
export async function run(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (e) {
    process.stderr.write(`isns-dissector: internal error: ${safeText(e instanceof Error ? e.message : String(e))}\n`);
    process.exitCode = 1;
  }
}

// Run as a script (`node dist/src/cli/main.js ...`; the package's bin is bin.ts).
const isMain = process.argv[1] && import.meta.url === new URL(`file://${realpathSync(process.argv[1])}`).href;
if (isMain) await launch(fileURLToPath(import.meta.url), run);
