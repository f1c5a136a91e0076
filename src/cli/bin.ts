#!/usr/bin/env node
/**
 * The package's bin (bundled as dist/bin/isns-dissector.js, tools/bundle.ts):
 * first whether this process runs the command or starts again with the V8
 * options it needs (launch.ts), and only then the command line's modules
 * (main.ts), so that a process that starts again loads next to nothing.
 */
import { fileURLToPath } from 'node:url';
import { launch } from './launch.js';

await launch(fileURLToPath(import.meta.url), async (argv) => (await import('./main.js')).run(argv));
