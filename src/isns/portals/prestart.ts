/**
 * The portal builder's thread started before anything else of a run: the
 * CLI starts it first thing for an input it knows is large (cli/main.ts), so
 * that the thread's start (Node's worker bootstrap and the builder's modules,
 * ~130 ms on a busy machine) overlaps the main thread's own module loading
 * instead of following it; the next RemotePortals takes it (remote.ts).
 * Until then it is unreferenced: a run that never takes it ends as if it
 * had not been started. This module imports nothing of the pipeline, so
 * starting the thread costs only Node's worker module.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';

/** Inputs from this many bytes on get the portal thread by default (a thread costs ~40 ms to start; analyze.ts). */
export const PORTAL_THREAD_FROM_BYTES = 64 * 2 ** 20;

/**
 * Whether a run's portal thread starts before the choice (analyze.ts; the CLI then starts it first
 * thing): its inputs are known to be large (`bytes`: null when not known), and
 * ISNS_DISSECTOR_THREAD is not off.
 */
export function startsEarly(bytes: number | null): boolean {
  return process.env.ISNS_DISSECTOR_THREAD !== 'off' && bytes !== null && bytes >= PORTAL_THREAD_FROM_BYTES;
}

/**
 * Ring size: ~16,000 typical messages. The builder's thread takes ~150 ms to
 * start and runs cold for a while after, when the reading thread fills the
 * ring faster than it is emptied. Measured on the dense 256 MiB pcapng
 * (interleaved pairs of whole runs against 2 MiB): 4 MiB 0.981 (8 pairs),
 * 8 MiB 0.974 (12) and 0.980 (10), at ~6 MiB more peak RSS (115 -> 121; the
 * dense pcap 112 -> 120, the mixed 1 GiB unchanged: built in line). Two
 * rounds earlier, with the builder slower than now, 4 and 8 MiB measured
 * 1.01 and 0.99.
 */
export const RING_BYTES = 1 << 23;
/** The ring's control block before its slots (wire.ts's Slots). */
export const RING_CTRL_BYTES = 64;

/** A started thread: its ring's buffer, the worker, and this side of its port. */
export interface PortalThread {
  readonly ring: SharedArrayBuffer;
  readonly worker: Worker;
  readonly port: MessagePort;
}

/**
 * Start a thread (referenced: the caller uses it). Its module missing (a broken install) fails here:
 * a worker that cannot load says so only in an event, which the reading thread, waiting for room in
 * the ring, would not see before it gave up on the thread (remote.ts).
 */
export function startPortalThread(): PortalThread {
  const url = new URL('./thread.js', import.meta.url);
  if (!existsSync(url)) throw new Error(`portal thread: ${fileURLToPath(url)} is missing`);
  const ring = new SharedArrayBuffer(RING_CTRL_BYTES + RING_BYTES);
  const ch = new MessageChannel();
  const worker = new Worker(url, { workerData: { ring, port: ch.port2 }, transferList: [ch.port2] });
  return { ring, worker, port: ch.port1 };
}

let started: PortalThread | null = null;
/** The started thread ended before it was taken (a failure its taker would not hear of). */
let ended = false;

/** Start a thread for the next RemotePortals to take (once: a second call does nothing). */
export function prestartPortalThread(): void {
  if (started) return;
  let t: PortalThread;
  try {
    t = started = startPortalThread();
  } catch {
    // (the run's own start says what failed)
    return;
  }
  ended = false;
  t.worker.unref();
  // (an error of a thread nobody took must not end the process: its taker starts its own instead)
  t.worker.on('error', () => {});
  t.worker.once('exit', () => {
    if (started === t) ended = true;
  });
}

/** The thread prestartPortalThread started, referenced again; null when none waits (or it ended). */
export function takePortalThread(): PortalThread | null {
  const t = started;
  started = null;
  if (!t || ended) return null;
  t.worker.ref();
  return t;
}
