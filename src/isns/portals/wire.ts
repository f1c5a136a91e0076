/**
 * What the portal builder's thread is sent (remote.ts → thread.ts): records in
 * a ring over a SharedArrayBuffer, one writer (the thread reading the
 * capture) and one reader (the builder's thread), with no copy but the
 * record's own and no message per record.
 *
 * The ring is an array of 8-byte slots after a small control block. A record
 * is [type, slots, ...fields] in slots, byte strings packed into whole slots;
 * a record never wraps (WRAP sends the reader back to slot 0). The writer
 * publishes its position after each record and wakes the reader only when it
 * sleeps with a good part of the ring waiting (a wake per record would cost a
 * system call per message); it sleeps itself only when the ring is full. A
 * record too large for the ring goes through a MessagePort instead, which the
 * reader takes synchronously when it meets the BIG record in its place, so
 * order holds.
 *
 * Only what the builder reads of a message event crosses: the message's
 * function, flags, transaction, payload, truncation, status and attribute
 * table (tableMessage makes the same message of them, with no second parse),
 * file, frame and time of its first and last PDU, and the address its last
 * PDU went to (file names and addresses as numbers, NAME records).
 */
import { tableMessage, type IsnsMessage, type MessageTable } from '../../../dissector/isns/index.js';
import { RING_CTRL_BYTES } from './prestart.js';
import { keepHidden, type Located } from '../../findings/locate.js';
import type { Finding } from '../../findings/registry.js';
import type { FramedPdu } from '../../flow/pdu.js';
import type { MessageEvent } from '../assembler.js';
import type { PortalRecord } from './record.js';

/** Record types. */
export const EVENT = 1;
export const UNANSWERED = 2;
export const SEND_TARGETS = 3;
/** A string the other side numbers from now on (a file name, an address); with id -1: forget every number. */
export const NAME = 4;
export const FINISH = 5;
export const WRAP = 6;
export const BIG = 7;
/** What the builder is made with (the first record): default security bitmap (-1: none), whether discovery facts are kept (1). */
export const CONFIG = 8;

/** Control block (Int32 indexes): write and read positions (slots), reader asleep, room the writer waits for (slots; 0: none). */
export const W = 0;
export const R = 1;
export const SLEEP = 2;
export const WAITING = 3;
/** KiB of BIG records the reader has taken (the writer keeps what waits on the port bounded). */
export const BIG_TAKEN = 4;

/** The ring's slots and byte view over one buffer (shared, or a BIG record's own). */
export class Slots {
  readonly ctrl: Int32Array;
  readonly f: Float64Array;
  /** The slots as 32-bit integers (two a slot): an event's attribute offsets. */
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly size: number;

  constructor(readonly buffer: SharedArrayBuffer | ArrayBuffer, ctrl = true) {
    const at = ctrl ? RING_CTRL_BYTES : 0;
    this.ctrl = new Int32Array(buffer, 0, ctrl ? RING_CTRL_BYTES / 4 : 0);
    this.f = new Float64Array(buffer, at);
    this.i32 = new Int32Array(buffer, at);
    this.u8 = new Uint8Array(buffer, at);
    this.size = this.f.length;
  }

  static own(slots: number): Slots {
    return new Slots(new ArrayBuffer(slots * 8), false);
  }
}

/** Slots taken by n bytes. */
function slotsOf(n: number): number {
  return (n + 7) >>> 3;
}

/**
 * An event: [fid, flags, xid, truncated, payload bytes, first PDU (5), last PDU (5),
 * status (-1: none), attribute count, keysFrom, keysTo, opFrom, opClean,
 * the last PDU's destination (name number), payload skew, lowTags], the
 * attribute offsets as 32-bit integers (two a slot: no conversion to and from
 * a double each, and half the room), payload.
 *
 * The payload starts `skew` bytes into its first slot: as far into a word as
 * it starts in its own buffer. A copy into shared memory goes word by word
 * only when source and destination are aligned alike, byte by byte otherwise
 * (V8's relaxed memcpy), and a one-PDU message's payload starts 12 bytes into
 * a PDU kept at a word boundary (flow/slab.ts).
 */
const EVENT_HEAD = 24;

/** Bytes into a word that a payload starts at in its own buffer (backing stores start at a word boundary). */
function skewOf(b: Uint8Array): number {
  return b.byteOffset & 7;
}

/** Slots taken by n attribute offsets (4 bytes each). */
function offsetSlots(n: number): number {
  return slotsOf(4 * n);
}

/** Slots an event takes. */
export function eventSlots(ev: MessageEvent): number {
  const b = ev.message.payload;
  return EVENT_HEAD + offsetSlots(ev.message.count) + slotsOf(skewOf(b) + b.length);
}

/**
 * Write an event at slot `at`; returns the slot after it. `first`, `last`: the
 * name numbers of its first and last PDU's files; `to`: of the last PDU's destination.
 */
export function putEvent(s: Slots, at: number, ev: MessageEvent, first: number, last: number, to: number): number {
  const f = s.f;
  const m = ev.message;
  const b = m.payload;
  const n = m.count;
  f[at] = m.functionId;
  f[at + 1] = m.flags;
  f[at + 2] = m.xid;
  f[at + 3] = m.truncated ? 1 : 0;
  f[at + 4] = b.length;
  putPdu(f, at + 5, ev.first, first);
  putPdu(f, at + 10, ev.last, last);
  f[at + 15] = m.status ?? -1;
  f[at + 16] = n;
  f[at + 17] = m.keysFrom;
  f[at + 18] = m.keysTo;
  f[at + 19] = m.opFrom;
  f[at + 20] = m.opClean ? 1 : 0;
  f[at + 21] = to;
  const skew = skewOf(b);
  f[at + 22] = skew;
  f[at + 23] = m.lowTags;
  const offsets = m.offsets;
  const i32 = s.i32;
  const from = (at + EVENT_HEAD) * 2;
  for (let i = 0; i < n; i++) i32[from + i] = offsets[i]!;
  const o = at + EVENT_HEAD + offsetSlots(n);
  s.u8.set(b, o * 8 + skew);
  return o + slotsOf(skew + b.length);
}

function putPdu(f: Float64Array, at: number, p: FramedPdu, file: number): void {
  f[at] = file;
  f[at + 1] = p.frame;
  f[at + 2] = p.ts.sec;
  f[at + 3] = p.ts.nsec;
  f[at + 4] = p.ts.digits;
}

/**
 * A slot's number as the other side had it: an integer that fits 32 bits is
 * made one again (a Float64Array gives doubles, and V8 would box each in a
 * heap number and widen the fields and arrays it goes to).
 */
function num(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

/** What the builder reads of a PDU (its file, frame and time; no destination), as a PDU of its own. */
export function pduAt(f: Float64Array, at: number, names: readonly string[]): FramedPdu {
  const p = readPdu();
  fillPdu(p, f, at, names);
  return p as unknown as FramedPdu;
}

/** A PDU as the builder reads it, filled in again for each event (see EventReader). */
interface ReadPdu {
  file: string;
  frame: number;
  ts: { sec: number; nsec: number; digits: number };
  dst: { addr: string; port: number };
}

const readPdu = (): ReadPdu => ({ file: '', frame: 0, ts: { sec: 0, nsec: 0, digits: 0 }, dst: { addr: '', port: 0 } });

function fillPdu(p: ReadPdu, f: Float64Array, at: number, names: readonly string[]): void {
  p.file = names[f[at]!]!;
  p.frame = num(f[at + 1]!);
  p.ts.sec = num(f[at + 2]!);
  p.ts.nsec = num(f[at + 3]!);
  p.ts.digits = num(f[at + 4]!);
}

const NO_PDUS: FramedPdu[] = [];

/** A MessageEvent as EventReader fills it in (its PDUs ReadPdus; request part of the shape from the start, never deleted). */
interface ReadEvent {
  message: IsnsMessage;
  pdus: FramedPdu[];
  first: ReadPdu;
  last: ReadPdu;
  request: MessageEvent | undefined;
}

const readEvent = (): ReadEvent => ({ message: null as unknown as IsnsMessage, pdus: NO_PDUS, first: readPdu(), last: readPdu(), request: undefined });

/** The attribute table of a message as EventReader fills it in again (its offsets arrays reused, by length). */
type ReadTable = { -readonly [K in keyof MessageTable]: MessageTable[K] };

const readTable = (): ReadTable => ({ status: null, offsets: [], keysFrom: 0, keysTo: 0, opFrom: 0, opClean: true, lowTags: 0 });

/** Attribute counts up to this take an offsets array kept for their length (more: a new array per message). */
const KEPT_LENGTHS = 64;

/**
 * Reads the message events of the ring into two event objects it keeps and
 * fills in again, each with its two PDUs, its message and that message's
 * attribute table (a record's event and the request that came with it): the
 * builder reads an event during the call it is given in, and keeps numbers
 * and strings of it, never the event, its PDUs or its message (builder.ts,
 * walk.ts, store.ts), so an event read costs only its payload's view (and
 * an offsets array for a message of more than KEPT_LENGTHS attributes).
 * What an event gives is valid until the next read into its object (and its
 * payload, a view of the ring, until its slots are released).
 */
export class EventReader {
  /** The slot after the event last read. */
  end = 0;
  private readonly events: ReadEvent[] = [readEvent(), readEvent()];
  private readonly tables: ReadTable[] = [readTable(), readTable()];
  /** Per event object, an offsets array per attribute count (a message's offsets are as long as it has attributes). */
  private readonly offsetsByCount: number[][][] = [[], []];

  /** The event written at slot `at`, into object k (0: a record's event, 1: its request); `end` is set to the slot after it. */
  read(s: Slots, at: number, names: readonly string[], k: 0 | 1): MessageEvent {
    const f = s.f;
    const e = this.events[k]!;
    const len = f[at + 4]!;
    fillPdu(e.first, f, at + 5, names);
    fillPdu(e.last, f, at + 10, names);
    e.last.dst.addr = names[f[at + 21]!]!;
    const n = f[at + 16]! | 0;
    const kept = this.offsetsByCount[k]!;
    const offsets = n <= KEPT_LENGTHS ? (kept[n] ??= new Array<number>(n).fill(0)) : new Array<number>(n);
    const i32 = s.i32;
    const from = (at + EVENT_HEAD) * 2;
    for (let i = 0; i < n; i++) offsets[i] = i32[from + i]!;
    const skew = f[at + 22]! | 0;
    const o = (at + EVENT_HEAD + offsetSlots(n)) * 8 + skew;
    const status = f[at + 15]!;
    const t = this.tables[k]!;
    t.status = status < 0 ? null : num(status);
    t.offsets = offsets;
    t.keysFrom = f[at + 17]! | 0;
    t.keysTo = f[at + 18]! | 0;
    t.opFrom = f[at + 19]! | 0;
    t.opClean = f[at + 20] === 1;
    t.lowTags = f[at + 23]! | 0;
    // (the message object too is this event object's own, made again for each event: e.message is null only before the first)
    e.message = tableMessage(f[at]! | 0, f[at + 1]! | 0, f[at + 2]! | 0, s.u8.subarray(o, o + len), t, f[at + 3] === 1, e.message ?? undefined);
    e.request = undefined;
    this.end = at + EVENT_HEAD + offsetSlots(n) + slotsOf(skew + len);
    return e as unknown as MessageEvent;
  }
}

/** A string as [byte length (-1: null)] then its UTF-8 bytes; returns the slot after it. */
export function putText(s: Slots, at: number, bytes: Uint8Array | null): number {
  if (bytes === null) {
    s.f[at] = -1;
    return at + 1;
  }
  s.f[at] = bytes.length;
  s.u8.set(bytes, (at + 1) * 8);
  return at + 1 + slotsOf(bytes.length);
}

export function textSlots(bytes: Uint8Array | null): number {
  return 1 + (bytes === null ? 0 : slotsOf(bytes.length));
}

const DECODER = new TextDecoder();

export function getText(s: Slots, at: number): { text: string | null; end: number } {
  const n = s.f[at]!;
  if (n < 0) return { text: null, end: at + 1 };
  const o = (at + 1) * 8;
  return { text: DECODER.decode(s.u8.subarray(o, o + n)), end: at + 1 + slotsOf(n) };
}

/** What a finding may keep hidden (findings/locate.ts: non-enumerable, so a structured clone leaves it out). */
type Hidden = Pick<Located, 'subject' | 'frameFiles' | 'file'>;

/** Findings as they cross to the other thread: the findings, and beside each what it keeps hidden. */
export interface PortableFindings {
  findings: Finding[];
  hidden: Hidden[];
}

export function portable(findings: Finding[]): PortableFindings {
  return { findings, hidden: findings.map((f) => ({ subject: f.subject, frameFiles: f.frameFiles, file: f.file })) };
}

/** The findings, with what they kept hidden hidden again (keepHidden: a file the clone has stays as it is). */
export function restore(x: PortableFindings): Finding[] {
  x.findings.forEach((f, i) => keepHidden({ frames: f.frames, ...x.hidden[i] }, f));
  return x.findings;
}

/** A batch of records as they cross (each record's findings portable). */
export interface RecordBatch {
  records: PortalRecord[];
  findings: PortableFindings[];
}

export function recordBatch(records: PortalRecord[]): RecordBatch {
  return { records, findings: records.map((r) => portable(r.findings)) };
}

export function restoreBatch(b: RecordBatch): PortalRecord[] {
  b.records.forEach((r, i) => (r.findings = restore(b.findings[i]!)));
  return b.records;
}
