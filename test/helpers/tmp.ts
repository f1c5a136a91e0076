/**
 * Temporary directories for tests, removed when the process that made them
 * exits. Tests made them with mkdtempSync and never removed them: every
 * `npm test` left 58 directories in the OS temp dir.
 *
 * Removal is a process 'exit' listener, not an ava hook: this module is
 * imported by helpers that code outside ava may load too (spawned children,
 * scripts), where ava's `test` cannot be loaded. AVA 7 runs each test
 * file in a worker thread; a worker's `process` emits 'exit' for its own
 * thread when the thread ends by itself, by process.exit() (what ava does
 * after an uncaught exception or unhandled rejection) or by an uncaught
 * exception. Not removed: what is left when the thread is terminated from
 * outside (ava's timeout, Ctrl-C) or the process is killed by a signal.
 *
 * ISNS_TEST_KEEP_TMP=1 keeps the directories, for looking at a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs: string[] = [];
let listening = false;

/** Removes every directory made here; sync, as 'exit' listeners must be. One failure does not keep the rest. */
function removeAll(): void {
  for (const dir of dirs.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Nothing to report to at exit; the directory stays, as it did before.
    }
  }
}

/** A fresh directory `<tmpdir>/<prefix>XXXXXX` (mkdtempSync), removed with its contents when this process or thread exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.env.ISNS_TEST_KEEP_TMP) return dir;
  if (!listening) process.on('exit', removeAll);
  listening = true;
  dirs.push(dir);
  return dir;
}
