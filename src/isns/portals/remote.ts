/**
 * The portal builder on a thread of its own (thread.ts), for large captures:
 * on a 2-core machine the portal walk then runs beside reading, reassembly
 * and message assembly instead of after them. The thread that reads the
 * capture sends each message event the builder reads (wire.ts) and goes on;
 * what must be known at once stays on it — the portals a response lists for
 * the first time (listings.ts's FirstListings: their iSCSI ports are followed
 * from the next packet on) and the ESI/SCN ports (binder.ts) — so the results
 * are those of the builder run in line (test/portal-thread.test.ts compares
 * both on every bundled capture). What discovery told each initiator is kept
 * with the records, on their thread, and comes back with them.
 */
import { deserialize } from 'node:v8';
import { inflateRawSync } from 'node:zlib';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { FramedPdu } from '../../flow/pdu.js';
import type { MessageEvent } from '../assembler.js';
import { FN } from '../../../dissector/isns/index.js';
import type { DiscoveryState } from '../../logons/discovery.js';
import { readsRequest, type PortalRecord, type PortalsResult, type SendTargetsListing } from './builder.js';
import { RING_BYTES, startPortalThread, takePortalThread } from './prestart.js';
import { BIG, BIG_TAKEN, CONFIG, EVENT, NAME, FINISH, R, SEND_TARGETS, SLEEP, Slots, UNANSWERED, W, WAITING, WRAP, eventSlots, putEvent, putText, restore, restoreBatch, textSlots, type PortableFindings, type RecordBatch } from './wire.js';

/** Records larger than this go through the port (see wire.ts). */
const BIG_SLOTS = RING_BYTES / 8 / 4;
/** The reader is woken once this much waits for it (it then takes it in one go). */
const WAKE_SLOTS = RING_BYTES / 8 / 8;
/** Strings numbered at once (files, addresses of the hosts messages went to); past it the numbering starts over. */
const MAX_NAMES = 1 << 16;
/** KiB of BIG records that may wait on the port at once. */
const BIG_WAITING_KIB = 8 * 1024;
/** Waiting this long for room in the ring means the builder's thread is stuck: an internal error. */
const STALL_MS = 30_000;

const UTF8 = new TextEncoder();
/** In place of a batch read (its bytes no longer held). */
const DROPPED: Sent = { value: null };

/** The last string of one kind (file names, addresses) RemotePortals numbered, and its number. */
class LastName {
  text: string | null = null;
  id = -1;
}

export class RemotePortals {
  private readonly ring: Slots;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly result: Promise<RemoteResult>;
  private pos = 0;
  /**
   * Strings the other side numbered (files, addresses), and the last file and the last addresses
   * asked for (an event asks for each in turn: one last string would always miss).
   */
  private names = new Map<string, number>();
  private readonly lastFile = new LastName();
  private readonly lastAddr = new LastName();
  /** (a response's request went the other way: its address apart) */
  private readonly lastReqAddr = new LastName();
  /** Where the record being written goes: the ring, or its own buffer (too large for the ring). */
  private cur: Slots;
  private closed = false;
  /** KiB of BIG records sent. */
  private bigSent = 0;
  /** Record batches as they came, not yet read. */
  private batches: Sent[] = [];
  /** Where batches go as they come (finish()'s onBatch), and the handing on of those that came so far. */
  private onBatch: ((records: PortalRecord[]) => Promise<void>) | null = null;
  private streamed: Promise<void> = Promise.resolve();
  /** Set when the thread stopped taking records: later calls fail at once. */
  private stuck: Error | null = null;

  /** `discovery`: keep what discovery told each initiator beside the records (PortalOptions.discovery), returned with them. */
  constructor(defaultSecurityBitmap: number | null, discovery = false) {
    // The thread the CLI started first thing (prestart.ts), else one of its own.
    const t = takePortalThread() ?? startPortalThread();
    this.ring = new Slots(t.ring);
    this.cur = this.ring;
    this.port = t.port;
    this.worker = t.worker;
    this.result = new Promise<RemoteResult>((resolve, reject) => {
      let ended = false;
      this.worker.on('message', (m: { batch?: unknown; end?: unknown; v?: boolean; error?: string }) => {
        if (m.error !== undefined) reject(new Error(`portal thread: ${m.error}`));
        else if (m.batch) this.take(sent(m.batch, m));
        else if (m.end) {
          const end = sent(m.end, m);
          // (the thread then ends by itself, maybe before the batches are all handed on)
          ended = true;
          // Once every batch streamed was handed on; the rest is read once the thread has ended (its heap is given back first).
          this.streamed
            .then(() => this.close())
            .then(() => resolve(this.unpack(end)), reject);
        }
      });
      // (also for the records still to be placed: a thread that failed, e.g. could not load, takes none)
      this.worker.once('error', (e) => reject((this.stuck ??= e)));
      this.worker.once('exit', (code) => {
        if (!this.closed && !ended) reject((this.stuck ??= new Error(`portal thread ended (exit code ${code}) before its result`)));
      });
    });
    // (awaited by finish(); a run that stops early never asks)
    this.result.catch(() => {});
    // What the thread's builder is made with: the first record.
    const at = this.place(4);
    this.ring.f[at] = CONFIG;
    this.ring.f[at + 1] = 4;
    this.ring.f[at + 2] = defaultSecurityBitmap ?? -1;
    this.ring.f[at + 3] = discovery ? 1 : 0;
    this.commit(at + 4);
  }

  /** Every assembled message, in capture order (the builder reads responses, ESI and SCN). */
  message(ev: MessageEvent): void {
    const m = ev.message;
    if (!m.isResponse && m.functionId !== FN.ESI && m.functionId !== FN.SCN) return;
    const req = m.isResponse && readsRequest(m) ? ev.request : undefined;
    // (numbered before the record is placed: a new name is a record of its own)
    this.room(6);
    const a = this.numbered(this.lastFile, ev.first.file);
    const b = this.numbered(this.lastFile, ev.last.file);
    const to = this.numbered(this.lastAddr, ev.last.dst.addr);
    const ra = req ? this.numbered(this.lastFile, req.first.file) : -1;
    const rb = req ? this.numbered(this.lastFile, req.last.file) : -1;
    const rto = req ? this.numbered(this.lastReqAddr, req.last.dst.addr) : -1;
    const n = 3 + eventSlots(ev) + (req ? eventSlots(req) : 0);
    const at = this.place(n);
    const s = this.cur;
    s.f[at] = EVENT;
    s.f[at + 1] = n;
    s.f[at + 2] = req ? 1 : 0;
    const o = putEvent(s, at + 3, ev, a, b, to);
    if (req) putEvent(s, o, req, ra, rb, rto);
    this.commit(at + n);
  }

  /** A request that got no response (only registrations and deregistrations take effect so). */
  unanswered(req: MessageEvent): void {
    const fid = req.message.functionId;
    if (fid !== FN.DevAttrReg && fid !== FN.DevDereg) return;
    this.room(3);
    const a = this.numbered(this.lastFile, req.first.file);
    const b = this.numbered(this.lastFile, req.last.file);
    const to = this.numbered(this.lastAddr, req.last.dst.addr);
    const n = 2 + eventSlots(req);
    const at = this.place(n);
    this.cur.f[at] = UNANSWERED;
    this.cur.f[at + 1] = n;
    putEvent(this.cur, at + 2, req, a, b, to);
    this.commit(at + n);
  }

  sendTargets(e: SendTargetsListing, pdu: FramedPdu): void {
    this.room(1);
    const file = this.numbered(this.lastFile, pdu.file);
    const addr = UTF8.encode(e.address);
    const name = e.targetName === null ? null : UTF8.encode(e.targetName);
    const initiator = e.initiator === undefined ? null : UTF8.encode(e.initiator);
    const n = 9 + textSlots(addr) + textSlots(name) + textSlots(initiator);
    const at = this.place(n);
    const f = this.cur.f;
    f[at] = SEND_TARGETS;
    f[at + 1] = n;
    f[at + 2] = e.port;
    f[at + 3] = e.tpgt === null ? -1 : e.tpgt;
    f[at + 4] = file;
    f[at + 5] = pdu.frame;
    f[at + 6] = pdu.ts.sec;
    f[at + 7] = pdu.ts.nsec;
    f[at + 8] = pdu.ts.digits;
    putText(this.cur, putText(this.cur, putText(this.cur, at + 9, addr), name), initiator);
    this.commit(at + n);
  }

  /**
   * The records, once every event before was applied. With `onBatch`, they are handed to it as
   * they come, in contract order, a batch at a time (each call awaited before the next; the
   * result's `portals` is then empty): none are held here, and the thread's last records are
   * still being made while the first are written.
   */
  finish(onBatch?: (records: PortalRecord[]) => Promise<void>): Promise<RemoteResult> {
    if (onBatch) {
      this.onBatch = onBatch;
      for (const b of this.batches.splice(0)) this.take(b);
    }
    const at = this.place(3);
    this.ring.f[at] = FINISH;
    this.ring.f[at + 1] = 3;
    this.ring.f[at + 2] = onBatch ? 1 : 0;
    this.commit(at + 3);
    Atomics.notify(this.ring.ctrl, W);
    return this.result;
  }

  /** Stop the thread (once its result is in, or in a run that ended early). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
    await this.worker.terminate();
  }

  /** A batch that came: handed on (after those before it) when finish() was given where to, else kept. */
  private take(b: Sent): void {
    const to = this.onBatch;
    if (!to) {
      this.batches.push(b);
      return;
    }
    this.streamed = this.streamed.then(() => to(recordsOf(b)));
    // (a failure to hand one on is the result's: see the end message)
    this.streamed.catch(() => {});
  }

  /** The records and findings the thread sent (records it sent in contract order), as its builder's finish() gives them. */
  private unpack(last: Sent): RemoteResult {
    const portals: PortalRecord[] = [];
    const batches = this.batches;
    this.batches = [];
    for (let i = 0; i < batches.length; i++) {
      for (const r of recordsOf(batches[i]!)) portals.push(r);
      batches[i] = DROPPED;
    }
    const end = valueOf(last) as { findings: PortableFindings; discovery: DiscoveryState | null };
    return { portals, findings: restore(end.findings), ...(end.discovery ? { discovery: end.discovery } : {}) };
  }

  /** Room for k more names (past MAX_NAMES both sides start over, before any number a record uses is given). */
  private room(k: number): void {
    if (this.names.size + k <= MAX_NAMES) return;
    this.names = new Map();
    this.lastFile.text = this.lastAddr.text = this.lastReqAddr.text = null;
    this.putName(-1, null);
  }

  /** x's number on the other side (name()); `last`: the string of its kind asked for last, kept with its number. */
  private numbered(last: LastName, x: string): number {
    if (x !== last.text) {
      last.id = this.name(x);
      last.text = x;
    }
    return last.id;
  }

  /** A string's number on the other side (sent the first time). */
  private name(x: string): number {
    let id = this.names.get(x);
    if (id === undefined) {
      id = this.names.size;
      this.names.set(x, id);
      this.putName(id, UTF8.encode(x));
    }
    return id;
  }

  private putName(id: number, b: Uint8Array | null): void {
    const n = 3 + textSlots(b);
    const at = this.place(n);
    this.cur.f[at] = NAME;
    this.cur.f[at + 1] = n;
    this.cur.f[at + 2] = id;
    putText(this.cur, at + 3, b);
    this.commit(at + n);
  }

  /** The slot a record of n slots starts at, in `cur`: the ring (waiting for room), or a buffer of its own. */
  private place(n: number): number {
    if (n > BIG_SLOTS) {
      this.cur = Slots.own(n);
      return 0;
    }
    this.cur = this.ring;
    return this.reserve(n);
  }

  /** n contiguous free slots of the ring (the reader's slot is never reached: equal positions mean empty). */
  private reserve(n: number): number {
    const { ctrl, f, size } = this.ring;
    // (set on the first wait: no clock read per record)
    let since = 0;
    let seen = -1;
    for (;;) {
      const r = Atomics.load(ctrl, R);
      const pos = this.pos;
      if (pos >= r) {
        if (size - pos - (r === 0 ? 1 : 0) >= n) return pos;
        // Not enough before the end: back to slot 0 (once the reader has left it, and room is there).
        if (r > 0 && r - 1 >= n) {
          f[pos] = WRAP;
          this.pos = 0;
          return 0;
        }
      } else if (r - pos - 1 >= n) return pos;
      // Full: wait until the reader has freed a good part of the ring (one wake, not one per record).
      if (r !== seen) [seen, since] = [r, Date.now()];
      Atomics.store(ctrl, WAITING, Math.max(n + 1, size >> 2));
      this.waitWhile(R, r, since);
      Atomics.store(ctrl, WAITING, 0);
    }
  }

  /**
   * Wait (the reader woken first) until ctrl[i] is no longer v, a second at most.
   * Nothing changed since `since` for STALL_MS: the thread is stuck, and this run fails.
   */
  private waitWhile(i: number, v: number, since: number): void {
    if (this.stuck) throw this.stuck;
    const ctrl = this.ring.ctrl;
    Atomics.notify(ctrl, W);
    if (Atomics.wait(ctrl, i, v, 1000) === 'timed-out' && Date.now() - since > STALL_MS) {
      throw (this.stuck = new Error(`portal thread: no progress for ${STALL_MS / 1000} s`));
    }
  }

  /** Wait until a BIG record of `kib` may be sent without more than BIG_WAITING_KIB waiting on the port. */
  private roomForBig(kib: number): void {
    let since = 0;
    let seen = -1;
    for (;;) {
      const taken = Atomics.load(this.ring.ctrl, BIG_TAKEN);
      if (this.bigSent - taken === 0 || this.bigSent - taken + kib <= BIG_WAITING_KIB) return;
      if (taken !== seen) [seen, since] = [taken, Date.now()];
      this.waitWhile(BIG_TAKEN, taken, since);
    }
  }

  /** The record written up to slot `end` is published (a BIG one sent through the port, its marker in the ring). */
  private commit(end: number): void {
    if (this.cur !== this.ring) {
      const own = this.cur;
      const kib = Math.ceil(own.buffer.byteLength / 1024);
      this.roomForBig(kib);
      this.port.postMessage(own.buffer, [own.buffer as ArrayBuffer]);
      this.bigSent += kib;
      const at = this.place(3);
      this.ring.f[at] = BIG;
      this.ring.f[at + 1] = 3;
      this.ring.f[at + 2] = kib;
      end = at + 3;
    }
    const { ctrl, size } = this.ring;
    this.pos = end === size ? 0 : end;
    Atomics.store(ctrl, W, this.pos);
    if (Atomics.load(ctrl, SLEEP) === 1 && (this.pos - Atomics.load(ctrl, R) + size) % size >= WAKE_SLOTS) Atomics.notify(ctrl, W);
  }
}

/** The records of a batch the thread sent. */
function recordsOf(b: Sent): PortalRecord[] {
  return restoreBatch(valueOf(b) as RecordBatch);
}

/**
 * What the thread sends (thread.ts's post): the value itself, cloned by the message (`v`), or
 * its bytes serialized and compressed.
 */
type Sent = { value: unknown } | { bytes: Uint8Array };

function sent(x: unknown, m: { v?: boolean }): Sent {
  return m.v === true ? { value: x } : { bytes: x as Uint8Array };
}

function valueOf(s: Sent): unknown {
  return 'value' in s ? s.value : deserialize(inflateRawSync(s.bytes));
}

/** What the thread's builder gives: its finish(), and its discovery facts when it kept them. */
export type RemoteResult = PortalsResult & { discovery?: DiscoveryState };

