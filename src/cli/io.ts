/**
 * The CLI's edges: usage errors, stdout with backpressure (EPIPE ends
 * quietly), input errors on stderr, progress on a terminal.
 */
import { safeText } from '../../dissector/core/field.js';
import type { AnalyzeOptions, AnalyzeResult } from '../analyze.js';

export class UsageError extends Error {}

export function fail(msg: string): never {
  throw new UsageError(msg);
}

/** Progress on stderr for a long run on a terminal (never when stderr is not a TTY). */
export function progressReporter(enabled: boolean): AnalyzeOptions['read'] & { done(): void } {
  if (!enabled || !process.stderr.isTTY) return { done() {} };
  let last = 0;
  let shown = false;
  return {
    onProgress(bytes: number, packets: number) {
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

/** Write to stdout, honouring backpressure; EPIPE (e.g. `| head`) ends quietly. */
export function write(s: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (s.length === 0) return resolve();
    if (process.stdout.write(s)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}
