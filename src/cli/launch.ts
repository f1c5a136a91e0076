/**
 * The start of a CLI run, before the command's modules: whether this process
 * runs it, or starts again with the V8 options it needs. It imports Node's
 * modules and capture/size.ts only, so that a process that starts again has
 * loaded next to nothing first (bin.ts).
 */
import { pathBytes } from '../capture/size.js';

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
  let bytes = 0;
  for (const a of argv) {
    const n = pathBytes(a);
    if (n === null) return true;
    bytes += n;
  }
  return bytes >= V8_OPTIONS_FROM_BYTES;
}

/**
 * The environment of the process run again: this one's, without
 * NODE_EXTRA_CA_CERTS. Node reads and parses that CA bundle when it starts,
 * before any script (on a machine that sets it to the system bundle: ~50 of
 * the ~75 ms of a `node -e 0`, 83% of its instructions); the CLI opens no TLS
 * connection, and this process has paid for the bundle once already.
 */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  if (env.NODE_EXTRA_CA_CERTS === undefined) return env;
  const { NODE_EXTRA_CA_CERTS: _, ...rest } = env;
  return rest;
}

/**
 * Run `script` again as `node V8_OPTIONS script ...` when started without them
 * and the inputs need them (one extra process start, which a small capture
 * does not pay: ~50 ms, the sample capture from standard input 0.17 s against
 * 0.12 s with ISNS_DISSECTOR_V8=keep, medians of 8; ~60 ms more before the
 * process started again went without NODE_EXTRA_CA_CERTS); the exit status and
 * a fatal signal are passed on.
 * Null: this process runs the command. ISNS_DISSECTOR_V8=keep runs with
 * whatever the process was given.
 */
export async function relaunch(argv: string[], script: string): Promise<number | null> {
  if (process.env.ISNS_DISSECTOR_V8 === 'keep' || V8_OPTIONS.every((o) => process.execArgv.includes(o))) return null;
  if (!needsV8Options(argv)) return null;
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, ...V8_OPTIONS, script, ...argv], { stdio: 'inherit', env: childEnv() });
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

/** A CLI process's start: run again with V8_OPTIONS (relaunch), or `run` the command line here. */
export async function launch(script: string, run: (argv: string[]) => Promise<void>): Promise<void> {
  const argv = process.argv.slice(2);
  const relaunched = await relaunch(argv, script);
  if (relaunched !== null) process.exitCode = relaunched;
  else await run(argv);
}
