/**
 * `npm run build`'s second step: the command line as the package's bin runs
 * it, bundled from tsc's output (dist/src) into dist/bin with esbuild.
 *
 *   dist/bin/isns-dissector.js   the bin (dist/src/cli/bin.js: the launcher, then main.js's chunk)
 *   dist/bin/thread.js           the portal builder's thread (prestart.ts starts ./thread.js
 *                                beside the code that starts it, here as in dist/src)
 *   dist/bin/chunk-*.js          code shared by the two, and each command's own (loaded when it runs)
 *
 * Why: a run loads its modules before its first packet, and Node resolving,
 * reading and compiling ~240 small ES modules costs more than the code in them
 * (`portals` on the bundled sample capture: 150-160 ms in all from dist/src,
 * 110 ms from dist/bin; on the dense 256 MiB pcapng, where both threads load
 * their modules, 0.96 of the time in interleaved pairs; README, Performance).
 * The library (`import 'isns-dissector'`) stays the tsc modules of dist/src;
 * the bundle is made from the same JavaScript, not from the TypeScript again,
 * so the two run one translation. pcap-parser (a dependency) stays outside.
 */
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const out = join(ROOT, 'dist/bin');
// (chunk names change with their content: an earlier build's would stay beside this one's)
rmSync(out, { recursive: true, force: true });

await build({
  entryPoints: { 'isns-dissector': join(ROOT, 'dist/src/cli/bin.js'), thread: join(ROOT, 'dist/src/isns/portals/thread.js') },
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['pcap-parser'],
  chunkNames: 'chunk-[hash]',
  logLevel: 'warning',
});
chmodSync(join(out, 'isns-dissector.js'), 0o755);
// The bin before this bundle, still a whole command line: npx keeps the bin link it made on a
// checkout's first `npx --no isns-dissector` (in ~/.npm/_npx, keyed by the checkout's path) and
// does not follow package.json's bin when it changes, so an existing checkout, or a fresh clone
// at the same path, still runs this file: it must stay executable (test/package.test.ts).
chmodSync(join(ROOT, 'dist/src/cli/main.js'), 0o755);
