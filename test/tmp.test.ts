/**
 * test/helpers/tmp.ts removes the directories it made when the process or
 * thread that made them exits (the suite left 58 in the temp dir per run
 * before). Checked from outside, in a child node process: the directory was
 * made and written to, and is gone once the child has ended — in the main
 * thread and in a worker thread (how ava 7 runs each test file), ending by
 * itself, by process.exit() and by an uncaught exception.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const HELPER = new URL('./helpers/tmp.js', import.meta.url).href;

type End = 'return' | 'exit' | 'throw';

/** Module text that makes a directory with a file in it, prints its path, then ends as told. */
function body(end: End): string {
  return [
    "import { writeFileSync, writeSync } from 'node:fs';",
    `import { tempDir } from ${JSON.stringify(HELPER)};`,
    "const dir = tempDir('tmp-test-');",
    "writeFileSync(dir + '/file', 'x');",
    "writeSync(1, dir + '\\n');",
    end === 'exit' ? 'process.exit(3);' : end === 'throw' ? "throw new Error('thrown on purpose');" : '',
  ].join('\n');
}

/** Run body(end) in a child node's main thread or in a worker thread of it; the directory it printed, its (or its worker's) status and stderr. */
function child(where: 'main' | 'worker', end: End, env: Record<string, string> = {}): { dir: string; status: number | null; stderr: string } {
  const code = where === 'main'
    ? body(end)
    : [
        "import { Worker } from 'node:worker_threads';",
        `const w = new Worker(new URL(${JSON.stringify(`data:text/javascript,${encodeURIComponent(body(end))}`)}));`,
        // The child's status is the worker's; its uncaught exception comes to the 'error' event.
        "w.on('error', (e) => process.stderr.write(e.message)).on('exit', (code) => { process.exitCode = code; });",
      ].join('\n');
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env: { ...process.env, ISNS_TEST_KEEP_TMP: '', ...env } });
  return { dir: r.stdout.trim(), status: r.status, stderr: r.stderr };
}

for (const where of ['main', 'worker'] as const) {
  for (const [end, status] of [['return', 0], ['exit', 3], ['throw', 1]] as const) {
    test(`a temp dir made in the ${where} thread is gone when it ends by ${end === 'return' ? 'itself' : end === 'exit' ? 'process.exit()' : 'an uncaught exception'}`, (t) => {
      const r = child(where, end);
      t.teardown(() => r.dir && rmSync(r.dir, { recursive: true, force: true }));
      t.regex(r.dir, /\/tmp-test-[^/]+$/, r.stderr);
      t.is(r.status, status, r.stderr);
      if (end === 'throw') t.regex(r.stderr, /thrown on purpose/);
      t.false(existsSync(r.dir), `${r.dir} left behind`);
    });
  }
}

test('ISNS_TEST_KEEP_TMP=1 keeps the directory (and shows the child does leave one when nothing removes it)', (t) => {
  const r = child('main', 'return', { ISNS_TEST_KEEP_TMP: '1' });
  t.teardown(() => r.dir && rmSync(r.dir, { recursive: true, force: true }));
  t.is(r.status, 0, r.stderr);
  t.true(existsSync(`${r.dir}/file`));
});
