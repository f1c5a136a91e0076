/**
 * Discovered-portal records: the binding from iSNS messages to one record per
 * portal (address, port, transport) — what a Windows initiator would build as
 * ISCSI_DiscoveredTargetPortal2 — plus the context a support engineer needs.
 *
 * Message kinds and their effect (request/response pairing is the
 * assembler's: a response carries its request, and a request never answered
 * arrives through unanswered()):
 *  - DevAttrReg: applied when its response says whether it was accepted
 *    (an unanswered one counts as accepted); a rejected one only notes the
 *    portals it named, and the error;
 *  - DevDereg: applied when accepted (or unanswered): its portals, entities
 *    and portal indexes are deregistered, its nodes removed;
 *  - DevAttrQryRsp, DevGetNextRsp, ESI/ESIRsp: portals as the server lists them;
 *  - SCN: the object-removed bit deregisters what it names; other SCNs list
 *    objects like a query response;
 *  - any other non-zero status: ISNS_ERROR_STATUS.
 * The walk over a message's objects is walk.ts; the store is store.ts; the
 * record and its findings are record.ts and findings/portal-rules.ts.
 */
import { FN, ROLE_KEY, ROLE_OPERATING, functionName, portAt, statusText, tagAt, uintAt, valueAt, type AttrTable, type IsnsMessage } from '../../../dissector/isns/index.js';
import { finding, type Finding, type FindingFacts } from '../../findings/registry.js';
import { MAX_ERROR_FRAMES } from '../../findings/portal-rules.js';
import { sortPortals } from '../../output/order.js';
import type { MessageEvent } from '../assembler.js';
import type { FramedPdu } from '../../flow/pdu.js';
import { recordOf, type DiscoveredBy, type PortalRecord } from './record.js';
import type { DiscoveryStore } from '../../logons/discovery.js';
import { Listings, removedAt, type ListedPortal } from './listings.js';
export type { ListedPortal } from './listings.js';
import { PortalStore, seenLast, type PortalState } from './store.js';
import { walkMessage, type Walked } from './walk.js';

export type { PortalRecord, PortalNode, DiscoveredBy } from './record.js';

export interface PortalOptions {
  /** Like Windows' DefaultSecurityBitmap: for portals no iSNS message gave a bitmap. */
  readonly defaultSecurityBitmap?: number | null;
  /** Every TCP or UDP portal a server message (a response, an SCN) lists, with the host it went to. */
  readonly onListed?: (l: ListedPortal) => void;
  /**
   * What discovery told each initiator (for logons): the TCP portals server messages listed
   * to it, and those SendTargets answers listed (sendTargets() with an initiator).
   */
  readonly discovery?: DiscoveryStore;
}

/** A portal a SendTargets answer listed (RFC 7143 TargetAddress), with the target and its portal group tag. */
export interface SendTargetsListing {
  address: string;
  port: number;
  tpgt: number | null;
  targetName: string | null;
  /** The host the answer went to (a discovery fact with PortalOptions.discovery). */
  initiator?: string;
}

/** How a portal was discovered: bits of DISCOVERED_BY's order. */
const BY_ISNS = 1;
const BY_SENDTARGETS = 2;

/** Per portal: distinct (function, status) error findings. */
const MAX_ERROR_KINDS = 10;
/** Capture-level ISNS_ERROR_STATUS findings (no portal concerned). */
const MAX_CAPTURE_ERRORS = 1000;

/** Whether the builder reads a response's request (MessageEvent.request): registrations, deregistrations, refusals. */
export function readsRequest(m: IsnsMessage): boolean {
  const base = m.functionId & 0x7fff;
  return base === FN.DevAttrReg || base === FN.DevDereg || (m.status !== null && m.status !== 0);
}

export interface PortalsResult {
  portals: PortalRecord[];
  findings: Finding[];
}

export class PortalBuilder {
  private readonly store = new PortalStore();
  private readonly captureFindings: Finding[] = [];

  /** Who was told about which portal (with onListed). */
  private readonly listings: Listings | null;

  constructor(private readonly opts: PortalOptions = {}) {
    const { onListed, discovery } = opts;
    this.listings =
      onListed || discovery
        ? new Listings((l) => {
            onListed?.(l);
            if (discovery && l.transport === 'tcp') discovery.add(l.initiator, l.address, l.socket, 'isns');
          })
        : null;
  }

  /**
   * Every assembled iSNS message, in capture order. Registrations and
   * deregistrations take effect with their response (or through unanswered()).
   */
  message(ev: MessageEvent): void {
    this.apply(ev);
  }

  private apply(ev: MessageEvent): void {
    const m = ev.message;
    const fid = m.functionId;
    if (!m.isResponse) {
      if (fid === FN.ESI) walkMessage(this.store, m, ev, 'queried', null);
      else if (fid === FN.SCN) this.scn(ev);
      return;
    }
    const base = fid & 0x7fff;
    // (Only where readsRequest says: the portal thread is sent a request only then.)
    const request = readsRequest(m) ? ev.request : undefined;
    const req = request && request.message.functionId === base ? request : undefined;
    const failed = m.status !== null && m.status !== 0;
    if (base === FN.DevAttrReg) {
      if (req) this.registration(req, ev);
      else if (failed) this.errorStatus(ev, null, []);
      else this.listed(walkMessage(this.store, m, ev, 'registered', null), ev);
      return;
    }
    if (base === FN.DevDereg) {
      if (req) this.deregistration(req, ev);
      else if (failed) this.errorStatus(ev, null, []);
      return;
    }
    if (failed) {
      // "No Such Entry" ends every DevGetNext walk (RFC 4171 §5.6.5.3): not an error.
      if (!(base === FN.DevGetNext && m.status === 9)) this.errorStatus(ev, request ?? null, []);
      return;
    }
    if (base === FN.DevAttrQry || base === FN.DevGetNext) this.listed(walkMessage(this.store, m, ev, 'queried', null), ev);
    else if (base === FN.ESI) walkMessage(this.store, m, ev, 'queried', null);
  }

  /** A request that got no response (the assembler says so at the end, or when it stops waiting). */
  unanswered(req: MessageEvent): void {
    const fid = req.message.functionId;
    if (fid === FN.DevAttrReg) this.registration(req, null);
    else if (fid === FN.DevDereg) this.deregistration(req, null);
  }

  // ---------------------------------------------------------------- message kinds

  private registration(req: MessageEvent, rsp: MessageEvent | null): void {
    const status = rsp?.message.status ?? null;
    if (status !== null && status !== 0) {
      const w = walkMessage(this.store, req.message, req, 'rejected', rsp);
      this.errorStatus(rsp!, req, w.portals, w.count);
      return;
    }
    // The entity the registration is for: key EID, else operating EID, else the response's.
    let eid = firstEid(this.store, req.message, ROLE_KEY) ?? null;
    if (!eid && rsp) eid = firstEid(this.store, rsp.message, ROLE_KEY) ?? firstEid(this.store, rsp.message, ROLE_OPERATING) ?? null;
    walkMessage(this.store, req.message, req, 'registered', rsp, eid);
    if (rsp) this.listed(walkMessage(this.store, rsp.message, rsp, 'registered', null, eid), rsp);
  }

  private deregistration(req: MessageEvent, rsp: MessageEvent | null): void {
    const status = rsp?.message.status ?? null;
    const targets = this.deregTargets(req.message);
    if (status !== null && status !== 0) {
      this.errorStatus(rsp!, req, targets);
      return;
    }
    const at = rsp ?? req;
    for (const p of targets) this.deregister(p, at);
    // Node deregistration removes the node from every portal it was reachable through.
    const m = req.message;
    for (let i = 0; i < m.count; i++) {
      if (m.roleAt(i) === ROLE_OPERATING && tagAt(m, i) === 32) {
        const n = this.store.text(m, i);
        if (n !== null) this.store.dropNode(n);
      }
    }
  }

  /** The portals a deregistration names: by entity, by address and port, by portal index. */
  private deregTargets(m: IsnsMessage): PortalState[] {
    // Key and operating attributes in order: an address is named with the port that follows it among them.
    const at: number[] = [];
    for (let i = 0; i < m.count; i++) {
      const r = m.roleAt(i);
      if (r === ROLE_OPERATING || r === ROLE_KEY) at.push(i);
    }
    const out = new Set<PortalState>();
    for (let k = 0; k < at.length; k++) {
      const p = this.named(m, at[k]!, k + 1 < at.length ? at[k + 1]! : -1);
      if (p.skip) k++;
      for (const x of p.portals) out.add(x);
    }
    return [...out];
  }

  /** The portals attribute i names (an entity, a portal address + port (attribute j), a portal index). */
  private named(m: AttrTable, i: number, j: number): { portals: Iterable<PortalState>; skip: boolean } {
    const tag = tagAt(m, i);
    if (tag === 1) {
      const eid = this.store.text(m, i);
      const e = eid !== null ? this.store.entities.get(eid) : undefined;
      return { portals: e ? [...e.portals].map((k) => this.store.get(k)!) : [], skip: false };
    }
    if (tag === 16 && j >= 0 && tagAt(m, j) === 17) {
      const w = portAt(m, j);
      const p = w >= 0 ? this.store.find(valueAt(m, i), w & 0xffff, (w & 0x10000) !== 0) : undefined;
      return { portals: p ? [p] : [], skip: true };
    }
    if (tag === 22) {
      const idx = uintAt(m, i);
      const p = idx !== null ? this.store.byPortalIndex(idx) : undefined;
      return { portals: p ? [p] : [], skip: false };
    }
    return { portals: [], skip: false };
  }

  private deregister(p: PortalState, ev: MessageEvent): void {
    p.life = 'deregistered';
    if (p.deregFrames.length < 20) {
      p.deregFrames.push(ev.last.frame);
      p.deregFiles.push(ev.last.file);
    }
    seenLast(p, ev.last);
  }

  /** SCN: destination, timestamp, then [SCN bitmap, affected object(s)]... */
  private scn(ev: MessageEvent): void {
    const m = ev.message;
    let removed = false;
    for (let i = 0; i < m.count; i++) {
      const r = removedAt(m, i);
      if (r !== null) {
        removed = r;
        continue;
      }
      if (!removed) continue;
      const p = this.named(m, i, i + 1 < m.count ? i + 1 : -1);
      if (p.skip) i++;
      for (const x of p.portals) this.deregister(x, ev);
    }
    if (!removed) this.listed(walkMessage(this.store, m, ev, 'queried', null), ev);
  }

  /**
   * A refusal (an error status) of the first `count` portals of `portals`. Seen before, it is only
   * counted: no object is made for a refusal repeated a million times.
   */
  private errorStatus(rsp: MessageEvent, req: MessageEvent | null, portals: readonly PortalState[], count = portals.length): void {
    const m = rsp.message;
    const file = rsp.last.file;
    if (count === 0) {
      if (this.captureFindings.length >= MAX_CAPTURE_ERRORS) return;
      this.captureFindings.push(finding('ISNS_ERROR_STATUS', errorFacts(rsp, req), errorFrames(rsp, req), file));
      return;
    }
    // One finding per portal, function and status: a portal refused a thousand times gets one
    // explanation (the first refusal's) with the count and the frames of the first refusals.
    // The key is a number (function id and 32-bit status, exact): no string per refusal.
    const key = m.functionId * 2 ** 32 + (m.status ?? 0);
    let fresh: PortalState[] | null = null;
    for (let k = 0; k < count; k++) {
      const p = portals[k]!;
      const seenErr = p.errors.get(key);
      if (!seenErr) {
        (fresh ??= []).push(p);
        continue;
      }
      seenErr.count++;
      if (req) addErrorFrame(seenErr, req.last.frame, file);
      addErrorFrame(seenErr, rsp.last.frame, file);
    }
    if (fresh === null) return;
    const base = m.functionId & 0x7fff;
    const effect =
      base === FN.DevAttrReg
        ? 'the server did not register it, so initiators that discover targets through iSNS will not see it (or will see stale attributes)'
        : base === FN.DevDereg
          ? 'the server did not deregister it: initiators may still discover it'
          : 'the request had no effect';
    const facts = errorFacts(rsp, req);
    for (const p of fresh) {
      if (p.errors.size >= MAX_ERROR_KINDS) continue;
      const frames = errorFrames(rsp, req);
      p.errors.set(key, { facts: { ...facts, portal: `${p.address}:${p.socket}/${p.transport}`, others: count - 1, effect }, frames, files: frames.map(() => file), file, count: 1 });
    }
  }

  /**
   * Portals a server message listed to a client (a response, an SCN): discovered by iSNS. A
   * registration only discovers what its response lists; an ESI response comes from the entity.
   * Who was told about them: listings.ts.
   */
  private listed(w: Walked, ev: MessageEvent): void {
    for (let i = 0; i < w.count; i++) w.portals[i]!.discovered |= BY_ISNS;
    this.listings?.listed(ev.last.dst.addr, w.portals, w.count);
  }

  /**
   * A portal a SendTargets answer listed (RFC 7143 TargetAddress): created or extended like a
   * queried portal, the target tied to it by its portal group tag (an iSNS tie is kept).
   */
  sendTargets(e: SendTargetsListing, pdu: FramedPdu): void {
    if (e.initiator !== undefined) this.opts.discovery?.add(e.initiator, e.address, e.port, 'sendtargets');
    const p = this.store.touch(e.address, e.port, false, pdu, pdu, 'queried', null);
    p.discovered |= BY_SENDTARGETS;
    if (e.targetName !== null && e.tpgt !== null) {
      if (!p.pg.has(e.targetName)) p.pg.set(e.targetName, e.tpgt);
      // SendTargets lists targets (RFC 7143 §13.3).
      if (!this.store.nodeTypes.has(e.targetName)) this.store.nodeTypes.set(e.targetName, 1);
    }
  }

  // ---------------------------------------------------------------- results

  /** The records, in contract order, and the capture-level findings this binder made. */
  finish(): PortalsResult {
    return { portals: [...this.records()], findings: this.captureFindings };
  }

  /**
   * Make the records of up to `n` portals and drop them: nothing changes. The portal thread calls
   * it while it waits for events (thread.ts), so that the code that makes the records has run, and
   * been compiled, before the run's end, where every record is made while the output waits.
   */
  rehearse(n: number): void {
    let k = 0;
    for (const p of this.store.portals.values()) {
      if (k++ >= n) return;
      recordOf(p, this.store, this.opts.defaultSecurityBitmap ?? null);
    }
  }

  /** The records one at a time, in contract order. */
  *records(): Generator<PortalRecord> {
    // (A portal's record has its address, socket and transport, whose keys are distinct: sorting the states sorts the records.)
    for (const p of sortPortals([...this.store.portals.values()])) {
      const bits = p.discovered;
      const by: DiscoveredBy[] = [];
      if (bits & BY_ISNS) by.push('isns');
      if (bits & BY_SENDTARGETS) by.push('sendtargets');
      yield recordOf(p, this.store, this.opts.defaultSecurityBitmap ?? null, by);
    }
  }

  /** The capture-level findings made so far. */
  findings(): Finding[] {
    return this.captureFindings;
  }
}

function firstEid(store: PortalStore, m: IsnsMessage, role: typeof ROLE_KEY | typeof ROLE_OPERATING): string | undefined {
  for (let i = 0; i < m.count; i++)
    if (m.roleAt(i) === role && tagAt(m, i) === 1) {
      const t = store.text(m, i);
      if (t) return t;
    }
  return undefined;
}

/** The facts of a refusal's finding (made only when it is new). */
function errorFacts(rsp: MessageEvent, req: MessageEvent | null): FindingFacts<'ISNS_ERROR_STATUS'> {
  const m = rsp.message;
  return {
    response: functionName(m.functionId),
    frame: rsp.last.frame,
    request: req ? `${functionName(req.message.functionId)} (frame ${req.last.frame})` : `a ${functionName(m.functionId & 0x7fff)} request not in the capture`,
    status: statusText(m.status ?? 0),
  };
}

/** A refusal's frames: its request's (when in the capture), then its own. */
function errorFrames(rsp: MessageEvent, req: MessageEvent | null): number[] {
  return req ? [req.last.frame, rsp.last.frame] : [rsp.last.frame];
}

/** A repeated refusal's frame, kept while fewer than MAX_ERROR_FRAMES are (once per frame and file). */
function addErrorFrame(e: { frames: number[]; files: string[] }, frame: number, file: string): void {
  const n = e.frames.length;
  if (n >= MAX_ERROR_FRAMES) return;
  for (let i = 0; i < n; i++) if (e.frames[i] === frame && e.files[i] === file) return;
  e.frames.push(frame);
  e.files.push(file);
}
