/**
 * The portal builder's thread (see remote.ts): takes the records of the ring
 * in order and applies them to one PortalBuilder, then sends its result.
 * Each message is made again from its bytes and attribute table
 * (tableMessage), its payload a view of the ring (which stays in place until
 * the record is done with: the builder keeps copies, never views).
 */
import { serialize } from 'node:v8';
import { deflateRawSync } from 'node:zlib';
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { DiscoveryStore } from '../../logons/discovery.js';
import { PortalBuilder, type PortalRecord } from './builder.js';
import { BIG, BIG_TAKEN, CONFIG, EVENT, NAME, FINISH, R, SEND_TARGETS, SLEEP, Slots, UNANSWERED, W, WAITING, WRAP, EventReader, getText, pduAt, portable, recordBatch } from './wire.js';

const { ring: buffer, port } = workerData as { ring: SharedArrayBuffer; port: MessagePort };
const ring = new Slots(buffer);
/** Made by the first record (CONFIG): the thread may be started before its run's options are known (prestart.ts). */
let discovery = null as DiscoveryStore | null;
let builder: PortalBuilder = null as unknown as PortalBuilder;
/** Strings by the number the writer gave them (NAME records). */
let names: string[] = [];
const events = new EventReader();

/** Apply the record at slot `at` of `s`; false at FINISH. */
function record(s: Slots, at: number): boolean {
  const f = s.f;
  switch (f[at]) {
    case EVENT: {
      const ev = events.read(s, at + 3, names, 0);
      if (f[at + 2] === 1) ev.request = events.read(s, events.end, names, 1);
      builder.message(ev);
      return true;
    }
    case UNANSWERED:
      builder.unanswered(events.read(s, at + 2, names, 0));
      return true;
    case SEND_TARGETS: {
      const address = getText(s, at + 9);
      const name = getText(s, address.end);
      const initiator = getText(s, name.end).text;
      const tpgt = f[at + 3]!;
      const e = { address: address.text!, port: f[at + 2]! | 0, tpgt: tpgt < 0 ? null : tpgt | 0, targetName: name.text, ...(initiator !== null ? { initiator } : {}) };
      builder.sendTargets(e, pduAt(f, at + 4, names));
      return true;
    }
    case NAME: {
      const id = f[at + 2]! | 0;
      if (id < 0) names = [];
      else names[id] = getText(s, at + 3).text!;
      return true;
    }
    case BIG:
      return record(takeBig(f[at + 2]!), 0);
    case CONFIG: {
      const bitmap = f[at + 2]!;
      discovery = f[at + 3] === 1 ? new DiscoveryStore() : null;
      builder = new PortalBuilder({ defaultSecurityBitmap: bitmap < 0 ? null : bitmap, ...(discovery ? { discovery } : {}) });
      return true;
    }
    case FINISH:
      streamed = f[at + 2] === 1;
      return false;
    default:
      throw new Error(`record type ${f[at]} at slot ${at}`);
  }
}

/** The record a BIG marker announces (`kib` KiB), taken from the port and acknowledged to the writer. */
function takeBig(kib: number): Slots {
  const m = receiveMessageOnPort(port);
  Atomics.add(ring.ctrl, BIG_TAKEN, kib);
  Atomics.notify(ring.ctrl, BIG_TAKEN);
  if (!m) throw new Error('a record announced on the port is not there');
  return new Slots(m.message as ArrayBuffer, false);
}

/**
 * Rehearsals of the records (PortalBuilder.rehearse): while this thread has caught up with the
 * events, at most REHEARSALS times, each after REHEARSE_EVERY more records applied, the records
 * of REHEARSE_PORTALS portals are made and dropped. The run's end makes every record once, each
 * portal's in turn, while the output waits: run for the first time there, that code was
 * interpreted and compiled then (dense 256 MiB pcapng: the thread's end ~160 ms made cold,
 * ~130 ms rehearsed). Only time this thread would have slept is used, and a capture too small
 * to wait that long is never rehearsed.
 */
const REHEARSE_EVERY = 50_000;
const REHEARSALS = 4;
const REHEARSE_PORTALS = 256;
let applied = 0;
let rehearsed = 0;

function run(): void {
  const { ctrl, f, size } = ring;
  let r = 0;
  for (;;) {
    const w = Atomics.load(ctrl, W);
    if (r === w) {
      if (applied >= REHEARSE_EVERY && rehearsed < REHEARSALS && failure === null) {
        try {
          builder.rehearse(REHEARSE_PORTALS);
          rehearsed++;
        } catch {
          rehearsed = REHEARSALS; // (no output depends on a rehearsal: the real records report their own failure)
        }
        applied = 0;
        continue;
      }
      // Caught up: sleep until the writer has a good part of the ring for us (or ends).
      Atomics.store(ctrl, SLEEP, 1);
      if (Atomics.load(ctrl, W) === w) Atomics.wait(ctrl, W, w, 200);
      Atomics.store(ctrl, SLEEP, 0);
      continue;
    }
    if (f[r] === WRAP) r = 0;
    let more = f[r] !== FINISH;
    // After a failure, records are still taken (the writer never waits on this thread), not applied.
    if (failure === null) {
      try {
        applied++;
        more = record(ring, r);
      } catch (e) {
        failure = e instanceof Error ? (e.stack ?? e.message) : String(e);
      }
    } else if (f[r] === BIG) takeBig(f[r + 2]!);
    r += f[r + 1]!;
    if (r === size) r = 0;
    Atomics.store(ctrl, R, r);
    // The writer waits for this much room (WAITING): woken once it is there.
    const need = Atomics.load(ctrl, WAITING);
    if (need > 0) {
      const w2 = Atomics.load(ctrl, W);
      if ((r > w2 ? r - w2 : size - w2 + r) - 1 >= need) Atomics.notify(ctrl, R);
    }
    if (!more) return;
  }
}

/**
 * Records go across in small batches. When the other side writes each batch out as it comes
 * (FINISH says so: streamed), a batch is the message itself (`v`), cloned by postMessage. When it
 * keeps them until this thread has ended (its heap and this one's then never add up), each is
 * serialized and compressed, its bytes moved (not copied), so what waits meanwhile is a few MiB
 * (findings repeat much of their text). Not v8.serialize() for the streamed batches: its
 * serializer keeps every object it wrote alive until the serializer itself is collected, so
 * each young-generation collection of the records' end copied ~1 MB of written records
 * (measured: 930 KB survivors a collection against 200 KB, the records' end 0.7 of its time).
 * The kept batches are still serialized: compressing them needs their bytes.
 */
const BATCH = 16;

/** The other side writes each batch out as it comes (set by FINISH). */
let streamed = false;

/** Post a value: itself when streamed (`v`), else serialized and compressed, its buffer transferred when it is its own. */
function post(kind: 'batch' | 'end', value: unknown): void {
  if (streamed) {
    parentPort!.postMessage({ [kind]: value, v: true });
    return;
  }
  const s = serialize(value);
  const b = deflateRawSync(s, { level: 1 });
  const own = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
  parentPort!.postMessage({ [kind]: b }, own ? [b.buffer as ArrayBuffer] : []);
}

/** The first failure applying a record (reported at the end, in place of the records). */
let failure: string | null = null;

try {
  run();
  if (failure !== null) throw new Error(failure);
  let batch: PortalRecord[] = [];
  // In contract order: the other side may write each batch out as it comes (remote.ts).
  for (const r of builder.records()) {
    batch.push(r);
    if (batch.length === BATCH) {
      post('batch', recordBatch(batch));
      batch = [];
    }
  }
  post('batch', recordBatch(batch));
  post('end', { findings: portable(builder.findings()), discovery: discovery ? discovery.state() : null });
} catch (e) {
  parentPort!.postMessage({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
}
port.close();
