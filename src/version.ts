/** The package's version, read from its package.json (written once, there). */
import { readFileSync } from 'node:fs';

function read(): string {
  // dist/src/version.js -> ../../package.json: the package root, in a checkout and once installed.
  for (const rel of ['../../package.json', '../package.json']) {
    try {
      const j = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (j.name === 'isns-dissector' && typeof j.version === 'string') return j.version;
    } catch {
      // try the next place
    }
  }
  return '0.0.0-unknown';
}

export const VERSION: string = read();
