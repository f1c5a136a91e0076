/**
 * iSNS message assembly above PDU framing, and request/response matching.
 *
 * A message is one or more PDUs with the same function id and transaction id
 * in one direction of one conversation: the First flag starts it, sequence ids
 * count up from 0, the Last flag ends it (RFC 4171 §5.2). Payloads are joined
 * in sequence order before attributes are parsed, so an attribute split across
 * PDUs is decoded (Wireshark does not do this). A response matches the pending
 * request with the same transaction id in the same conversation (ESI and SCN
 * are requests from the server, so either direction).
 *
 * Choices (each a MALFORMED_PDU finding naming function, transaction, frames):
 *  - a sequence id that skips ahead (a PDU missing): the message is still
 *    assembled from the PDUs that arrived, and parsed;
 *  - a sequence id already seen (a duplicate): that PDU is left out;
 *  - a PDU without First and no message in progress: its bytes cannot be
 *    placed and are dropped;
 *  - a new First before the Last, too many messages in progress
 *    (maxPending), or more than maxMessageBytes: the partial message is dropped;
 *  - at finish(), messages without their Last PDU are dropped.
 * UDP messages are assembled the same way (one PDU per datagram, RFC 4171
 * §2.9.2, but a message may still span datagrams). A heartbeat ignores the
 * flags and never expects a response.
 *
 * UNANSWERED_REQUEST (at finish): one finding per unanswered request, naming
 * function, transaction id, endpoints and frames — at most 20 per input file,
 * then one summary finding with the count (a capture cut short can leave
 * thousands). Requests evicted by maxPending count as unanswered.
 */
import { FLAG_FIRST, FLAG_LAST, functionName, hollowMessage, isResponse, knownFunction, parseIsnsMessage, type IsnsMessage, type IsnsPduResult } from '../../dissector/isns/index.js';
import { copyBytes } from '../../dissector/core/byteview.js';
import { finding, type Finding } from '../findings/registry.js';
import { Tally } from '../findings/tally.js';
import { PendingQueue } from './pending.js';
import type { FramedPdu } from '../flow/pdu.js';

export interface MessageEvent {
  message: IsnsMessage;
  pdus: FramedPdu[];
  first: FramedPdu;
  last: FramedPdu;
  /** For a response: the request it answers. */
  request?: MessageEvent;
}

export interface MessageLimits {
  /** Largest message assembled from several PDUs (bytes of payload). */
  maxMessageBytes?: number;
  /** Requests awaiting a response, and partial messages, kept at once. */
  maxPending?: number;
}

interface Partial {
  pdus: FramedPdu[];
  parts: Uint8Array[];
  /** Index of the first part the snaplen cut, or after which PDUs were lost, or -1. */
  cut: number;
  /** Bytes were lost in this direction while the message was in progress. */
  damaged?: boolean;
  bytes: number;
  fid: number;
  flags: number;
  xid: number;
  nextSeq: number;
}

const HEARTBEAT = 0x000e;
/** MALFORMED_PDU findings listed one by one per conversation. */
const MAX_MALFORMED = 20;
/** Unanswered requests listed one by one per input file. */
const MAX_LISTED = 20;

/** Requests awaiting a response that may keep pinning shared PDU buffers (see keepBytes). */
const PINNED_PENDING = 64;

/** A request kept while it waits, reduced to its payload (re-parsed when it is needed again). */
interface Slim {
  payload: Uint8Array;
  truncated: boolean;
}
const NO_BYTES = new Uint8Array(0);
/** Requests with more attributes than this wait slimmed from the start (see complete()). */
const LARGE_REQUEST_ATTRS = 256;

/**
 * Once many requests wait, each new one keeps only an owned copy of its
 * payload, not its parsed attributes nor its PDUs' bytes: a flood of
 * unanswered requests costs their size, not an object per attribute or a
 * pinned 64 KiB slab each. One per assembler.
 */
class SlimRequests {
  private readonly kept = new WeakMap<MessageEvent, Slim>();
  /** Whether any request was slimmed: until then every request taken is whole, with nothing to look up. */
  private any = false;

  slim(ev: MessageEvent, payload: Uint8Array): void {
    this.kept.set(ev, { payload: copyBytes(payload), truncated: ev.message.truncated === true });
    this.any = true;
    ev.message = hollowMessage(ev.message);
    ev.pdus = ev.pdus.map((p) => ({ ...p, bytes: NO_BYTES }));
    ev.first = ev.pdus[0]!;
    ev.last = ev.pdus[ev.pdus.length - 1]!;
  }

  /** A waiting request as it was parsed (its attributes again, for whoever takes it). */
  revive(ev: MessageEvent): MessageEvent {
    const s = this.any ? this.kept.get(ev) : undefined;
    if (s) {
      const m = ev.message;
      ev.message = parseIsnsMessage(m.functionId, m.flags, m.xid, s.payload, s.truncated);
      this.kept.delete(ev);
    }
    return ev;
  }
}

/** Key of a message in progress: conversation, sending side, function, transaction. */
function partialKey(p: FramedPdu, fid: number, xid: number): string {
  return `${p.conversation}|${p.src.addr}|${p.src.port}|${fid}|${xid}`;
}

/** Every frame that carried a byte of these PDUs, ascending, unique. */
function frameUnion(pdus: readonly FramedPdu[]): number[] {
  if (pdus.length === 1) return [...pdus[0]!.frames];
  return [...new Set(pdus.flatMap((x) => x.frames))].sort((a, b) => a - b);
}

export interface AssemblerEvents {
  /** Every assembled message, in order; a response carries the request it answers. */
  message(m: MessageEvent): void;
  /** A request that will get no response: the inputs ended, or it was no longer tracked (over maxPending). */
  unanswered?(req: MessageEvent): void;
  finding(f: Finding): void;
}

export class MessageAssembler {
  private readonly partial = new Map<string, Partial>();
  /** MALFORMED_PDU findings made per conversation, and those only counted. */
  private readonly malformedCount = new Map<string, { listed: number; more: Tally; file: string }>();
  /** Messages whose First PDU was lost with the capture's missing bytes: their later PDUs are dropped quietly. */
  private readonly orphans = new Set<string>();
  /** Requests awaiting a response, by conversation; beyond maxPending the oldest are no longer tracked. */
  private readonly pendingReq: PendingQueue<MessageEvent>;
  private readonly maxBytes: number;
  private readonly maxPending: number;
  private unansweredDropped = 0;
  private readonly slims = new SlimRequests();

  constructor(
    private readonly handlers: AssemblerEvents,
    limits: MessageLimits = {},
  ) {
    this.maxBytes = limits.maxMessageBytes ?? 1 << 20;
    this.maxPending = limits.maxPending ?? 100_000;
    this.pendingReq = new PendingQueue<MessageEvent>(this.maxPending, (req) => {
      this.unansweredDropped++;
      this.handlers.unanswered?.(this.slims.revive(req));
    });
  }

  /**
   * One MALFORMED_PDU per problem up to MAX_MALFORMED per conversation, then
   * they are only counted: one summary per conversation at the end (a capture
   * of malformed PDUs must not make a finding per attribute).
   */
  private malformed(p: FramedPdu, msg: string, frames: readonly number[] = p.frames): void {
    let c = this.malformedCount.get(p.conversation);
    if (c === undefined) {
      if (this.malformedCount.size >= this.maxPending) return;
      c = { listed: 0, more: new Tally(), file: p.file };
      this.malformedCount.set(p.conversation, c);
    }
    if (c.listed < MAX_MALFORMED) {
      c.listed++;
      this.handlers.finding(finding('MALFORMED_PDU', { conversation: p.conversation, text: msg }, [...frames], p.file));
    } else c.more.add(0, frames.length > 1 ? [frames[0]!, frames[frames.length - 1]!] : frames);
  }

  pdu(p: FramedPdu, r: IsnsPduResult): void {
    const h = r.header;
    if (p.resynced && this.partial.size > 0) this.damage(p);
    if (!h) {
      // A header the snaplen cut cannot be placed in a message; the flow stage reported the cut.
      if (r.truncated === 0) this.malformed(p, r.problems.join('; ') || 'PDU too short for an iSNS header');
      return;
    }
    const fname = functionName(h.functionId);
    for (const pr of r.problems) this.malformed(p, `${fname} (transaction ${h.xid}): ${pr}`);
    const first = (h.flags & FLAG_FIRST) !== 0;
    const last = (h.flags & FLAG_LAST) !== 0;
    // A heartbeat ignores the flags.
    if ((first && last) || h.functionId === HEARTBEAT) {
      // The key is made only when a message can be in progress: messages are nearly always single PDUs.
      if (this.partial.size > 0) {
        const key = partialKey(p, h.functionId, h.xid);
        if (this.partial.has(key)) this.dropPartial(key, 'a new message with the same transaction id started');
      }
      if (h.seq !== 0 && h.functionId !== HEARTBEAT) this.malformed(p, `${fname} (transaction ${h.xid}): single-PDU message with sequence id ${h.seq}, expected 0 (RFC 4171 §5.1.6)`);
      this.complete([p], [r.payload], h.functionId, h.flags, h.xid, r.truncated > 0 ? 0 : -1);
      return;
    }
    const key = partialKey(p, h.functionId, h.xid);
    let part = this.partial.get(key);
    if (first) {
      if (part) this.dropPartial(key, 'a new First PDU arrived before its Last PDU');
      if (h.seq !== 0) this.malformed(p, `${fname} (transaction ${h.xid}): first PDU has sequence id ${h.seq}, expected 0`);
      if (this.partial.size >= this.maxPending) this.dropPartial(this.partial.keys().next().value as string, 'too many partial messages');
      part = { pdus: [p], parts: [copyBytes(r.payload)], cut: r.truncated > 0 ? 0 : -1, bytes: r.payload.length, fid: h.functionId, flags: h.flags, xid: h.xid, nextSeq: h.seq + 1 };
      this.partial.set(key, part);
      return;
    }
    if (!part) {
      // After lost bytes, PDUs of a message whose start was lost: nothing to place them in, nothing malformed.
      if (p.resynced || this.orphans.has(key)) {
        if (last) this.orphans.delete(key);
        else if (this.orphans.size < this.maxPending) this.orphans.add(key);
        return;
      }
      this.malformed(p, `${fname} (transaction ${h.xid}): PDU with sequence id ${h.seq} without a First PDU (flags 0x${h.flags.toString(16).padStart(4, '0')}); its attributes cannot be decoded`);
      return;
    }
    if (h.seq < part.nextSeq) {
      this.malformed(p, `${fname} (transaction ${h.xid}): sequence id ${h.seq} arrived again (${part.nextSeq} was expected); the duplicate PDU is left out`, frameUnion([...part.pdus, p]));
      return;
    }
    if (h.seq !== part.nextSeq) {
      if (p.resynced || part.damaged) {
        // PDUs lost with the capture's missing bytes: the message is read up to the hole.
        if (part.cut < 0) part.cut = part.parts.length - 1;
      } else this.malformed(p, `${fname} (transaction ${h.xid}): sequence id ${h.seq} where ${part.nextSeq} was expected; the message is assembled from what arrived`, frameUnion([...part.pdus, p]));
    }
    part.nextSeq = h.seq + 1;
    if (part.bytes + r.payload.length > this.maxBytes) {
      this.dropPartial(key, `message exceeds ${this.maxBytes} bytes`);
      return;
    }
    part.pdus.push(p);
    if (r.truncated > 0 && part.cut < 0) part.cut = part.parts.length;
    part.parts.push(copyBytes(r.payload));
    part.bytes += r.payload.length;
    if (last) {
      this.partial.delete(key);
      this.complete(part.pdus, part.parts, part.fid, part.flags, part.xid, part.cut);
    }
  }

  /** Bytes were lost in a PDU's direction: messages in progress there may have lost PDUs. */
  private damage(p: FramedPdu): void {
    const prefix = `${p.conversation}|${p.src.addr}|${p.src.port}|`;
    for (const [k, part] of this.partial) if (k.startsWith(prefix)) part.damaged = true;
  }

  private dropPartial(key: string, why: string): void {
    const part = this.partial.get(key);
    if (!part) return;
    this.partial.delete(key);
    // A message that lost PDUs with the capture's missing bytes is not malformed (TCP_GAP says so).
    if (part.damaged) return;
    const p = part.pdus[0]!;
    this.malformed(p, `${functionName(part.fid)} (transaction ${part.xid}) dropped after ${part.pdus.length} PDU(s): ${why}`, frameUnion(part.pdus));
  }

  /** A whole message; `cut`: index of the first part the snaplen cut (-1 none): the parts after it cannot be placed. */
  private complete(pdus: FramedPdu[], parts: Uint8Array[], fid: number, flags: number, xid: number, cut: number): void {
    if (cut >= 0) parts = parts.slice(0, cut + 1);
    let payload: Uint8Array;
    if (parts.length === 1) payload = parts[0]!;
    else {
      payload = new Uint8Array(parts.reduce((s, x) => s + x.length, 0));
      let o = 0;
      for (const x of parts) {
        payload.set(x, o);
        o += x.length;
      }
    }
    const message = parseIsnsMessage(fid, flags, xid, payload, cut >= 0);
    const first = pdus[0]!;
    const last = pdus[pdus.length - 1]!;
    if (message.problems.length) {
      const frames = frameUnion(pdus);
      for (const pr of message.problems) this.malformed(last, `${message.name} (transaction ${xid}): ${pr}`, frames);
    }
    const ev: MessageEvent = { message, pdus, first, last };
    if (isResponse(fid)) {
      const req = this.pendingReq.take(first.conversation, (fid & 0x7fff) * 65536 + xid);
      if (req) ev.request = this.slims.revive(req);
    } else if (fid !== HEARTBEAT && knownFunction(fid)) {
      // (A request of an unknown function is not expected to be answered.)
      const match = fid * 65536 + xid;
      // A retransmitted request replaces the earlier copy.
      this.pendingReq.replace(first.conversation, match, ev);
    }
    this.handlers.message(ev);
    // A request answered at once (the common case) may keep pointing into the shared buffers its PDU
    // was cut from; once many are waiting, each new one is slimmed (after its handlers saw it whole).
    // A request of hundreds of attributes is slimmed at once: kept whole while it waits, its attribute
    // objects outlive young-generation collections and V8 then allocates every later attribute in the
    // old heap (pretenuring), where garbage piles up until a full collection (measured: 300 requests of
    // 7000 attributes peaked at 590 MiB RSS, 140 MiB slimmed at once).
    if (!isResponse(fid) && fid !== HEARTBEAT && knownFunction(fid) && (this.pendingReq.size > PINNED_PENDING || ev.message.count > LARGE_REQUEST_ATTRS)) this.slims.slim(ev, payload);
  }

  /** End of the inputs: unanswered requests and unfinished messages become findings. */
  finish(): void {
    // A message still in progress when the capture ends was cut off by the capture, not sent wrong:
    // it is dropped without a finding (a hole at the end of its stream is a TCP_GAP).
    this.partial.clear();
    // Each waiting request is handed on and dropped one at a time (re-parsed only then): what the
    // findings need is kept in a few numbers and strings, never the requests themselves.
    const byFile = new Map<string, { listed: Finding[]; more: number; frames: number[] }>();
    const waiting: (MessageEvent | null)[] = this.pendingReq.drain();
    for (let i = 0; i < waiting.length; i++) {
      const ev = waiting[i]!;
      waiting[i] = null; // revived below: the list must not keep every re-parsed request alive
      const file = ev.last.file;
      let f = byFile.get(file);
      if (!f) byFile.set(file, (f = { listed: [], more: 0, frames: [] }));
      if (f.listed.length < MAX_LISTED) {
        const m = ev.message;
        const facts = { request: m.name, xid: m.xid, from: `${ev.first.src.addr}:${ev.first.src.port}`, to: `${ev.first.dst.addr}:${ev.first.dst.port}` };
        f.listed.push(finding('UNANSWERED_REQUEST', facts, frameUnion(ev.pdus), file));
      } else {
        f.more++;
        if (f.frames.length < 100) f.frames.push(ev.last.frame);
      }
      this.handlers.unanswered?.(this.slims.revive(ev));
    }
    for (const [file, f] of byFile) {
      // One finding per request up to 20 per file, then one summary, so a huge capture stays readable.
      for (const x of f.listed) this.handlers.finding(x);
      if (f.more > 0) this.handlers.finding(finding('UNANSWERED_REQUEST', { more: f.more }, f.frames, file));
    }
    if (this.unansweredDropped > 0) {
      this.handlers.finding(finding('UNANSWERED_REQUEST', { untracked: this.unansweredDropped, max: this.maxPending }, []));
    }
    this.unansweredDropped = 0;
    for (const [conv, c] of this.malformedCount) {
      if (c.more.count === 0) continue;
      const text = `${c.more.count} more problems in this conversation's PDUs are not listed one by one (the first ${MAX_MALFORMED} are)`;
      this.handlers.finding(finding('MALFORMED_PDU', { conversation: conv, text }, c.more.sorted(), c.file));
    }
    this.malformedCount.clear();
  }
}
