/**
 * The command line the tests run: the package's bin (package.json), which is
 * what `npx isns-dissector` runs — the bundle tools/bundle.ts makes of dist/src.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('../../..', import.meta.url).pathname);

export const CLI: string = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['isns-dissector']!);
/** The same command line as tsc's modules (`node dist/src/cli/main.js`, README Install). */
export const CLI_MODULES: string = join(ROOT, 'dist/src/cli/main.js');
