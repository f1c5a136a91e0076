/**
 * Discovered-portal records: the binding layer from iSNS messages to one
 * record per portal (address, port, transport) — what a Windows initiator
 * would build as ISCSI_DiscoveredTargetPortal2 — plus the context a support
 * engineer needs and the findings that explain an IPsec logon failure.
 *
 * Consumes decoded attributes (by tag and decoded value); never re-reads bytes.
 */
import { copyBytes, formatIpv6 } from '../../../dissector/core/byteview.js';
import { ipv4Bits, ipv4Of, type IsnsAttr, type IsnsMessage } from '../../../dissector/isns/index.js';
import type { MessageEvent } from '../assembler.js';
import { PendingQueue } from '../pending.js';
import { describeBitmap, hex32, RESERVED_BITS, securityFlagNames } from '../bitmap.js';
import { finding, type Finding } from '../../findings/registry.js';
import type { SeenAt, Timestamp } from '../../types.js';

// ------------------------------------------------------------------ output shape (contract)

export interface PortalNode {
  name: string;
  nodeType: string[];
  pgTag: number;
}

export interface PortalRecord {
  address: string;
  socket: number;
  transport: 'tcp' | 'udp';
  securityBitmap: number | null;
  securityBitmapSource: 'isns' | 'default' | 'none';
  securityFlags: string[];
  keySize: number;
  key: string | null;
  symbolicName: string | null;
  portalIndex: number | null;
  esiInterval: number | null;
  esiPort: number | null;
  scnPort: number | null;
  isakmpPhase1: string | null;
  isakmpPhase2: string | null;
  entityId: string | null;
  iscsiNames: PortalNode[];
  state: 'registered' | 'rejected' | 'deregistered' | 'queried';
  firstSeen: SeenAt;
  lastSeen: SeenAt;
  findings: Finding[];
}

export interface PortalOptions {
  /** Like Windows' DefaultSecurityBitmap: for portals no iSNS message gave a bitmap. */
  readonly defaultSecurityBitmap?: number | null;
}

// ------------------------------------------------------------------ function IDs

const F = {
  DevAttrReg: 0x0001,
  DevAttrQry: 0x0002,
  DevGetNext: 0x0003,
  DevDereg: 0x0004,
  SCN: 0x0008,
  ESI: 0x000d,
} as const;
const RSP = 0x8000;

const FUNCTION_NAMES = new Map<number, string>([
  [0x0001, 'DevAttrReg'], [0x0002, 'DevAttrQry'], [0x0003, 'DevGetNext'], [0x0004, 'DevDereg'],
  [0x0005, 'SCNReg'], [0x0006, 'SCNDereg'], [0x0007, 'SCNEvent'], [0x0008, 'SCN'], [0x0009, 'DDReg'],
  [0x000a, 'DDDereg'], [0x000b, 'DDSReg'], [0x000c, 'DDSDereg'], [0x000d, 'ESI'], [0x000e, 'Heartbeat'],
  [0x0011, 'RqstDomId'], [0x0012, 'RlseDomId'], [0x0013, 'GetDomId'],
]);

export function fnName(fid: number): string {
  const base = FUNCTION_NAMES.get(fid & 0x7fff);
  if (!base) return `function 0x${fid.toString(16).padStart(4, '0')}`;
  return fid & RSP ? `${base}Rsp` : base;
}

const STATUS = [
  'Successful', 'Unknown Error', 'Message Format Error', 'Invalid Registration', 'RESERVED', 'Invalid Query',
  'Source Unknown', 'Source Absent', 'Source Unauthorized', 'No Such Entry', 'Version Not Supported',
  'Internal Error', 'Busy', 'Option Not Understood', 'Invalid Update', 'Message (FUNCTION_ID) Not Supported',
  'SCN Event Rejected', 'SCN Registration Rejected', 'Attribute Not Implemented', 'FC_DOMAIN_ID Not Available',
  'FC_DOMAIN_ID Not Allocated', 'ESI Not Available', 'Invalid Deregistration', 'Registration Feature Not Supported',
];

export function statusText(code: number): string {
  return `${code} ${STATUS[code] ?? 'Reserved'}`;
}

// ------------------------------------------------------------------ helpers

/** Record address text: IPv4 when IPv4-mapped or IPv4-compatible, else RFC 5952. */
export function portalAddress(raw: Uint8Array): string | null {
  if (raw.length !== 16) return null;
  // IPv4-compatible (::a.b.c.d, open-isns) counts as IPv4 when the upper half of the IPv4
  // part is non-zero (so ::1 and ::, and ::0.0.x.y, stay IPv6 as inet_ntop shows them).
  return ipv4Of(raw) ?? formatIpv6(raw, 0);
}

function isoTime(ts: Timestamp): string {
  const d = new Date(ts.sec * 1000);
  // A crafted or corrupt timestamp can be outside what ISO 8601 / Date can show.
  if (!Number.isFinite(d.getTime()) || d.getUTCFullYear() > 9999 || d.getUTCFullYear() < 0) return `invalid time (${ts.sec} s since 1970)`;
  const base = d.toISOString().slice(0, 19);
  const digits = Math.max(0, Math.min(9, ts.digits));
  if (digits === 0) return `${base}Z`;
  const frac = String(ts.nsec).padStart(9, '0').slice(0, digits);
  return `${base}.${frac}Z`;
}

export { isoTime };

/** Where a record was seen; the time text is made once, when the record is output. */
interface Seen {
  file: string;
  frame: number;
  /** The frame's time as numbers (a Timestamp): no reference to the packet's own object. */
  sec: number;
  nsec: number;
  digits: number;
}

function seen(ev: MessageEvent, which: 'first' | 'last' = 'last'): Seen {
  const p = which === 'first' ? ev.first : ev.last;
  return { file: p.file, frame: p.frame, sec: p.ts.sec, nsec: p.ts.nsec, digits: p.ts.digits };
}

/** Update a kept Seen in place (a new object per update would end up as old-heap garbage). */
function setSeen(s0: Seen, ev: MessageEvent): void {
  const l = ev.last;
  s0.file = l.file;
  s0.frame = l.frame;
  s0.sec = l.ts.sec;
  s0.nsec = l.ts.nsec;
  s0.digits = l.ts.digits;
}

function seenAt(s: Seen): SeenAt {
  return { file: s.file, frame: s.frame, time: isoTime(s) };
}

function uintOf(a: IsnsAttr): number | null {
  const v = a.value;
  if (v.kind === 'uint') return v.value;
  if (v.kind === 'bitmap') return v.value;
  if (v.kind === 'port') return v.port;
  return null;
}

function textOf(a: IsnsAttr): string | null {
  return a.value.kind === 'string' ? a.value.text : null;
}

/** Hex text of kept value bytes (null for none or empty). */
function hexText(b: Uint8Array | null): string | null {
  if (b === null || b.length === 0) return null;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** `kept` when it holds the same bytes as `raw`, else an owned copy of `raw` (null when empty). */
function keepValue(kept: Uint8Array | null, raw: Uint8Array): Uint8Array | null {
  if (raw.length === 0) return null;
  if (kept !== null && kept.length === raw.length) {
    let i = 0;
    while (i < raw.length && kept[i] === raw[i]) i++;
    if (i === raw.length) return kept;
  }
  return copyBytes(raw);
}

function portOf(a: IsnsAttr): { port: number; udp: boolean } | null {
  if (a.value.kind === 'port') return { port: a.value.port, udp: a.value.udp };
  if (a.raw.length === 4) {
    const v = ((a.raw[0]! << 24) >>> 0) + (a.raw[1]! << 16) + (a.raw[2]! << 8) + a.raw[3]!;
    return { port: v & 0xffff, udp: (v & 0x10000) !== 0 };
  }
  return null;
}

function nodeTypeNames(t: number | null): string[] {
  if (t === null) return [];
  const out: string[] = [];
  if (t & 1) out.push('target');
  if (t & 2) out.push('initiator');
  if (t & 4) out.push('control');
  return out;
}

function portalKey(address: string, port: number, udp: boolean): string {
  return `${address}|${port}|${udp ? 'udp' : 'tcp'}`;
}

// ------------------------------------------------------------------ state

/** Where a value came from (kept small: no reference to the message itself). */
interface Origin {
  fid: number;
  frame: number;
  file: string;
}

function origin(ev: MessageEvent): Origin {
  return { fid: ev.message.functionId, frame: ev.last.frame, file: ev.last.file };
}

interface BitmapSeen {
  value: number;
  from: Origin;
}

/** Registrations/deregistrations awaiting their response; beyond it the oldest are applied as unanswered. */
const MAX_PENDING = 100_000;

/** Per portal: distinct (function, status) error findings, and frames listed in each. */
const MAX_ERROR_KINDS = 10;
const MAX_ERROR_FRAMES = 20;

/** Distinct bitmaps kept per portal for BITMAP_CONFLICT (bounded). */
const MAX_DISTINCT_BITMAPS = 16;

interface BitmapValue {
  first: Origin;
  lastFrame: number;
  count: number;
}

interface PortalState {
  key: string;
  address: string;
  socket: number;
  transport: 'tcp' | 'udp';
  bitmap: BitmapSeen | null;
  /** Every distinct bitmap seen (in order of first appearance), for BITMAP_CONFLICT. */
  bitmaps: Map<number, BitmapValue>;
  symbolicName: string | null;
  portalIndex: number | null;
  esiInterval: number | null;
  esiPort: number | null;
  scnPort: number | null;
  /** Kept as owned bytes, compared byte for byte on each registration; hex text made for the record. */
  isakmpPhase1: Uint8Array | null;
  isakmpPhase2: Uint8Array | null;
  cert: Uint8Array | null;
  entityId: string | null;
  /** Explicit portal-group bindings: node name → PGT (null = NULL PGT, no access). */
  pg: Map<string, number | null>;
  /** Lifecycle: last registration-class event. */
  life: 'registered' | 'deregistered' | null;
  rejected: number;
  firstSeen: Seen;
  lastSeen: Seen;
  /** ISNS_ERROR_STATUS findings, one per response function and status, with how often each came back. */
  errors: Map<string, { finding: Finding; count: number }>;
  deregFrames: number[];
}

interface EntityState {
  portals: Set<string>;
  /** Nodes registered under the entity. */
  nodes: Set<string>;
}

/** Walk result: the portals (and nodes) a message's attributes talk about. */
interface Walked {
  portals: PortalState[];
  nodes: string[];
  entities: string[];
}

export interface PortalsResult {
  portals: PortalRecord[];
  findings: Finding[];
}

export class PortalBuilder {
  private readonly portals = new Map<string, PortalState>();
  /**
   * IPv4 portals by address (ipv4Bits), so the portal a message names is found
   * without making its address text and key: the per-attribute common case.
   */
  private readonly byV4 = new Map<number, PortalState[]>();
  private readonly entities = new Map<string, EntityState>();
  private readonly nodeTypes = new Map<string, number>();
  private readonly byIndex = new Map<number, string>();
  private readonly captureFindings: Finding[] = [];
  /** Requests whose effect depends on their response (registrations, deregistrations). */
  private readonly pending = new PendingQueue<MessageEvent>(MAX_PENDING, (req) => this.unanswered(req));

  constructor(private readonly opts: PortalOptions = {}) {}

  /** Feed every assembled iSNS message, in capture order. */
  message(ev: MessageEvent): void {
    const m = ev.message;
    const fid = m.functionId;
    if (!m.isResponse) {
      if (fid === F.DevAttrReg || fid === F.DevDereg) {
        this.pending.add(ev.first.conversation, 0, ev);
        return;
      }
      if (fid === F.ESI) this.walk(m, ev, 'queried', null);
      else if (fid === F.SCN) this.scn(ev);
      return;
    }
    const req = ev.request && this.pending.remove(ev.request.first.conversation, ev.request) ? ev.request : undefined;
    const base = fid & 0x7fff;
    const failed = m.status !== null && m.status !== 0;
    if (base === F.DevAttrReg) {
      if (req) this.registration(req, ev);
      else if (failed) this.errorStatus(ev, null, []);
      else this.walk(m, ev, 'registered', null);
      return;
    }
    if (base === F.DevDereg) {
      if (req) this.deregistration(req, ev);
      else if (failed) this.errorStatus(ev, null, []);
      return;
    }
    if (failed) {
      // "No Such Entry" ends every DevGetNext walk (RFC 4171 §5.6.5.3): not an error.
      if (!(base === F.DevGetNext && m.status === 9)) this.errorStatus(ev, ev.request ?? null, []);
      return;
    }
    if (base === F.DevAttrQry || base === F.DevGetNext || base === F.ESI) this.walk(m, ev, 'queried', null);
  }

  // ---------------------------------------------------------------- message kinds

  private registration(req: MessageEvent, rsp: MessageEvent | null): void {
    const status = rsp?.message.status ?? null;
    if (status !== null && status !== 0) {
      const w = this.walk(req.message, req, 'rejected', rsp);
      this.errorStatus(rsp!, req, w.portals);
      return;
    }
    // The entity the registration is for: key EID, else operating EID, else the response's.
    let eid = firstEid(req.message, 'key') ?? null;
    if (!eid && rsp) eid = firstEid(rsp.message, 'key') ?? firstEid(rsp.message, 'operating') ?? null;
    const w = this.walk(req.message, req, 'registered', rsp, eid);
    if (rsp) {
      const w2 = this.walk(rsp.message, rsp, 'registered', null, eid);
      w.portals.push(...w2.portals);
      w.nodes.push(...w2.nodes);
    }
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
    for (const a of req.message.attrs) {
      if (a.role === 'operating' && a.tag === 32) {
        const n = textOf(a);
        if (n === null) continue;
        for (const e of this.entities.values()) e.nodes.delete(n);
        for (const p of this.portals.values()) if (p.pg.has(n)) p.pg.delete(n);
      }
    }
  }

  private deregTargets(m: IsnsMessage): PortalState[] {
    const out = new Set<PortalState>();
    const ops = m.attrs.filter((a) => a.role === 'operating' || a.role === 'key');
    for (let i = 0; i < ops.length; i++) {
      const a = ops[i]!;
      if (a.tag === 1) {
        const eid = textOf(a);
        const e = eid !== null ? this.entities.get(eid) : undefined;
        if (e) for (const k of e.portals) out.add(this.portals.get(k)!);
      } else if (a.tag === 16 && ops[i + 1]?.tag === 17) {
        const port = portOf(ops[i + 1]!);
        const p = port ? this.findPortal(a.raw, port.port, port.udp) : undefined;
        if (p) out.add(p);
        i++;
      } else if (a.tag === 22) {
        const idx = uintOf(a);
        const k = idx !== null ? this.byIndex.get(idx) : undefined;
        if (k) out.add(this.portals.get(k)!);
      }
    }
    return [...out];
  }

  private deregister(p: PortalState, ev: MessageEvent): void {
    p.life = 'deregistered';
    if (p.deregFrames.length < 20) p.deregFrames.push(ev.last.frame);
    setSeen(p.lastSeen, ev);
  }

  private scn(ev: MessageEvent): void {
    const m = ev.message;
    // SCN: destination, timestamp, then [SCN bitmap, affected object(s)]...
    let removed = false;
    const ops = m.attrs;
    for (let i = 0; i < ops.length; i++) {
      const a = ops[i]!;
      if (a.tag === 35 || a.tag === 75) {
        const v = uintOf(a);
        removed = v !== null && (v & 0x10) !== 0;
        continue;
      }
      if (!removed) continue;
      if (a.tag === 16 && ops[i + 1]?.tag === 17) {
        const port = portOf(ops[i + 1]!);
        const p = port ? this.findPortal(a.raw, port.port, port.udp) : undefined;
        if (p) this.deregister(p, ev);
        i++;
      } else if (a.tag === 1) {
        const eid = textOf(a);
        const e = eid !== null ? this.entities.get(eid) : undefined;
        if (e) for (const k of e.portals) this.deregister(this.portals.get(k)!, ev);
      } else if (a.tag === 22) {
        const idx = uintOf(a);
        const k = idx !== null ? this.byIndex.get(idx) : undefined;
        if (k) this.deregister(this.portals.get(k)!, ev);
      }
    }
    if (!removed) this.walk(m, ev, 'queried', null);
  }

  private errorStatus(rsp: MessageEvent, req: MessageEvent | null, portals: PortalState[]): void {
    const m = rsp.message;
    const reqName = req ? `${fnName(req.message.functionId)} (frame ${req.last.frame})` : `a ${fnName(m.functionId & 0x7fff)} request not in the capture`;
    const frames = req ? [req.last.frame, rsp.last.frame] : [rsp.last.frame];
    const st = statusText(m.status ?? 0);
    if (portals.length === 0) {
      if (this.captureFindings.length >= 1000) return;
      this.captureFindings.push(
        finding('ISNS_ERROR_STATUS', `${fnName(m.functionId)} (frame ${rsp.last.frame}) answered ${reqName} with status ${st}`, frames, rsp.last.file),
      );
      return;
    }
    // One finding per portal, function and status: a portal refused a thousand times gets one
    // explanation (the first refusal's) with the count and the frames of the first refusals.
    const key = `${m.functionId}|${m.status}`;
    const fresh: PortalState[] = [];
    for (const p of portals) {
      const seenErr = p.errors.get(key);
      if (!seenErr) {
        fresh.push(p);
        continue;
      }
      seenErr.count++;
      for (const f of frames) if (seenErr.finding.frames.length < MAX_ERROR_FRAMES && !seenErr.finding.frames.includes(f)) seenErr.finding.frames.push(f);
    }
    if (fresh.length === 0) return;
    const names = portals.map((p) => `${p.address}:${p.socket}/${p.transport}`).join(', ');
    const effect =
      (m.functionId & 0x7fff) === F.DevAttrReg
        ? 'the server did not register it, so initiators that discover targets through iSNS will not see it (or will see stale attributes)'
        : (m.functionId & 0x7fff) === F.DevDereg
          ? 'the server did not deregister it: initiators may still discover it'
          : 'the request had no effect';
    for (const p of fresh) {
      if (p.errors.size >= MAX_ERROR_KINDS) continue;
      const f = finding(
        'ISNS_ERROR_STATUS',
        `${fnName(m.functionId)} (frame ${rsp.last.frame}) answered ${reqName} naming ${names} with status ${st}: ${effect}`,
        [...frames],
        rsp.last.file,
      );
      p.errors.set(key, { finding: f, count: 1 });
    }
  }

  // ---------------------------------------------------------------- the attribute walk

  /**
   * Walk the operating attributes (and, for responses, the key) of a message:
   * find every portal (16 followed by 17) and apply the attributes that follow
   * it until the next object starts; track entities, nodes and portal groups.
   */
  private walk(
    m: IsnsMessage,
    ev: MessageEvent,
    how: 'registered' | 'rejected' | 'queried',
    rsp: MessageEvent | null,
    eidHint: string | null = null,
  ): Walked {
    const out: Walked = { portals: [], nodes: [], entities: [] };
    // ESI/SCN/ESIRsp have no delimiter: all their TLVs are "operating" for our purposes.
    const base = m.functionId & 0x7fff;
    const keysToo = m.isResponse && base === F.DevGetNext;
    const esi = base === F.ESI;
    const walked = (a: IsnsAttr): boolean => a.role === 'operating' || (keysToo && a.role === 'key') || (esi && a.role !== 'delimiter');
    const attrs = m.attrs.every(walked) ? m.attrs : m.attrs.filter(walked);
    let entity: string | null = eidHint;
    let portal: PortalState | null = null;
    let node: string | null = null;
    let nodeTypeSeen = false;
    /** PGT context after a portal or a node: 51 followed by 48s (portal) or 49/50 pairs (node). */
    let pgt: { value: number | null; owner: 'portal' | 'node' } | null = null;
    /** A Portal Group object (48, 49, 50, 51, 52 in any order). */
    let pgObj: { name?: string; addr?: string; port?: { port: number; udp: boolean }; pgt?: number | null; frames: MessageEvent } | null = null;
    let pendingPgAddr: string | null = null;
    const lastEv = rsp ?? ev;
    const record = how !== 'rejected';

    const flushPg = (): void => {
      if (pgObj && pgObj.name !== undefined && pgObj.addr && pgObj.port && pgObj.pgt !== undefined) {
        const p = this.touch(pgObj.addr, pgObj.port.port, pgObj.port.udp, ev, lastEv, how, entity);
        if (record) p.pg.set(pgObj.name, pgObj.pgt);
      }
      pgObj = null;
    };

    for (let i = 0; i < attrs.length; i++) {
      const a = attrs[i]!;
      switch (a.tag) {
        case 1: {
          flushPg();
          entity = textOf(a) || entity;
          if (entity) out.entities.push(entity);
          portal = null;
          node = null;
          pgt = null;
          break;
        }
        case 16: {
          const next = attrs[i + 1];
          if (next?.tag !== 17) break;
          flushPg();
          const port = portOf(next);
          i++;
          if (!port) {
            portal = null;
            break;
          }
          portal = this.touchRaw(a.raw, port.port, port.udp, ev, lastEv, how, entity);
          if (!portal) break;
          out.portals.push(portal);
          node = null;
          pgt = null;
          break;
        }
        case 18:
        case 19:
        case 20:
        case 22:
        case 23:
        case 27:
        case 28:
        case 29:
        case 31:
          if (portal && record) this.portalAttr(portal, a, ev, m, how === 'queried' ? 'queried' : 'registered');
          break;
        case 32: {
          flushPg();
          node = textOf(a);
          nodeTypeSeen = false;
          portal = null;
          pgt = null;
          if (node !== null) {
            out.nodes.push(node);
            if (entity && record && how === 'registered') this.entity(entity).nodes.add(node);
          }
          break;
        }
        case 33:
          if (node !== null && !nodeTypeSeen) {
            const t = uintOf(a);
            if (t !== null && record) this.nodeTypes.set(node, t);
            nodeTypeSeen = true;
          }
          break;
        case 51: {
          const v = a.raw.length === 0 ? null : (uintOf(a) ?? 0) & 0xffff;
          if (pgObj) {
            pgObj.pgt = v;
          } else if (portal) pgt = { value: v, owner: 'portal' };
          else if (node !== null) pgt = { value: v, owner: 'node' };
          else pgObj = { pgt: v, frames: ev };
          break;
        }
        case 48: {
          const name = textOf(a);
          if (pgt && pgt.owner === 'portal' && portal && name !== null) {
            if (record) portal.pg.set(name, pgt.value);
          } else {
            flushPg();
            portal = null;
            pgt = null;
            pgObj = { frames: ev };
            if (name !== null) pgObj.name = name;
          }
          break;
        }
        case 49: {
          const addr = portalAddress(a.raw);
          if (pgt && pgt.owner === 'node') pendingPgAddr = addr;
          else if (pgObj) {
            if (addr) pgObj.addr = addr;
          } else {
            pgObj = { frames: ev };
            if (addr) pgObj.addr = addr;
          }
          break;
        }
        case 50: {
          const port = portOf(a);
          if (pgt && pgt.owner === 'node' && pendingPgAddr && port && node !== null) {
            const p = this.touch(pendingPgAddr, port.port, port.udp, ev, lastEv, how, entity);
            if (record) p.pg.set(node, pgt.value);
            pendingPgAddr = null;
          } else if (pgObj && port) pgObj.port = port;
          break;
        }
        case 52:
          break;
        default:
          // Any other object key ends the current object.
          if (a.tag === 64 || a.tag === 96 || a.tag === 2065 || a.tag === 2049) {
            flushPg();
            portal = null;
            node = null;
            pgt = null;
          }
      }
    }
    flushPg();
    return out;
  }

  /** The known IPv4 portal at address `bits` (ipv4Bits) and this port. */
  private findV4(bits: number, socket: number, udp: boolean): PortalState | undefined {
    const list = this.byV4.get(bits);
    if (!list) return undefined;
    const t = udp ? 'udp' : 'tcp';
    for (const p of list) if (p.socket === socket && p.transport === t) return p;
    return undefined;
  }

  /** The known portal that 16 address bytes and a port name (an IPv4 one found without making text). */
  private findPortal(raw: Uint8Array, socket: number, udp: boolean): PortalState | undefined {
    if (raw.length !== 16) return undefined;
    const bits = ipv4Bits(raw);
    if (bits !== null) return this.findV4(bits, socket, udp);
    return this.portals.get(portalKey(formatIpv6(raw, 0), socket, udp));
  }

  private entity(eid: string): EntityState {
    let e = this.entities.get(eid);
    if (!e) {
      e = { portals: new Set(), nodes: new Set() };
      this.entities.set(eid, e);
    }
    return e;
  }

  /** touch() for an address given as its 16 bytes; null when they are not an address. */
  private touchRaw(
    raw: Uint8Array,
    socket: number,
    udp: boolean,
    ev: MessageEvent,
    lastEv: MessageEvent,
    how: 'registered' | 'rejected' | 'queried',
    entity: string | null,
  ): PortalState | null {
    const known = this.findPortal(raw, socket, udp);
    const address = known ? known.address : portalAddress(raw);
    return address === null ? null : this.touch(address, socket, udp, ev, lastEv, how, entity, known);
  }

  /** The portal a message names, created on first sight, with what the message tells of it. */
  private touch(
    address: string,
    socket: number,
    udp: boolean,
    ev: MessageEvent,
    lastEv: MessageEvent,
    how: 'registered' | 'rejected' | 'queried',
    entity: string | null,
    known: PortalState | undefined = this.portals.get(portalKey(address, socket, udp)),
  ): PortalState {
    let p = known;
    if (!p) {
      p = {
        key: portalKey(address, socket, udp),
        address,
        socket,
        transport: udp ? 'udp' : 'tcp',
        bitmap: null,
        bitmaps: new Map(),
        symbolicName: null,
        portalIndex: null,
        esiInterval: null,
        esiPort: null,
        scnPort: null,
        isakmpPhase1: null,
        isakmpPhase2: null,
        cert: null,
        entityId: null,
        pg: new Map(),
        life: null,
        rejected: 0,
        firstSeen: seen(ev, 'first'),
        lastSeen: seen(lastEv),
        errors: new Map(),
        deregFrames: [],
      };
      this.portals.set(p.key, p);
      const bits = ipv4Num(address);
      if (bits !== null) {
        const list = this.byV4.get(bits | 0);
        if (list) list.push(p);
        else this.byV4.set(bits | 0, [p]);
      }
    } else setSeen(p.lastSeen, lastEv);
    if (how === 'rejected') p.rejected++;
    else if (how === 'registered') p.life = 'registered';
    if (entity && how !== 'rejected' && p.entityId !== entity) {
      if (p.entityId) this.entities.get(p.entityId)?.portals.delete(p.key);
      p.entityId = entity;
      this.entity(entity).portals.add(p.key);
    }
    return p;
  }

  private portalAttr(p: PortalState, a: IsnsAttr, ev: MessageEvent, m: IsnsMessage, _how: string): void {
    switch (a.tag) {
      case 18:
        p.symbolicName = textOf(a) ?? p.symbolicName;
        break;
      case 19:
        p.esiInterval = uintOf(a) ?? p.esiInterval;
        break;
      case 20:
        p.esiPort = portOf(a)?.port ?? p.esiPort;
        break;
      case 22: {
        const idx = uintOf(a);
        if (idx !== null) {
          p.portalIndex = idx;
          this.byIndex.set(idx, p.key);
        }
        break;
      }
      case 23:
        p.scnPort = portOf(a)?.port ?? p.scnPort;
        break;
      case 27: {
        if (a.raw.length !== 4) break;
        const v = ((a.raw[0]! << 24) >>> 0) + (a.raw[1]! << 16) + (a.raw[2]! << 8) + a.raw[3]!;
        // Updated in place: a portal registered a million times makes no garbage for the old heap.
        const last = ev.last;
        if (p.bitmap) {
          p.bitmap.value = v;
          p.bitmap.from.fid = ev.message.functionId;
          p.bitmap.from.frame = last.frame;
          p.bitmap.from.file = last.file;
        } else p.bitmap = { value: v, from: origin(ev) };
        const seenV = p.bitmaps.get(v);
        if (seenV) {
          seenV.count++;
          seenV.lastFrame = last.frame;
        } else if (p.bitmaps.size < MAX_DISTINCT_BITMAPS) p.bitmaps.set(v, { first: origin(ev), lastFrame: last.frame, count: 1 });
        void m;
        break;
      }
      case 28:
        p.isakmpPhase1 = keepValue(p.isakmpPhase1, a.raw);
        break;
      case 29:
        p.isakmpPhase2 = keepValue(p.isakmpPhase2, a.raw);
        break;
      case 31:
        p.cert = keepValue(p.cert, a.raw);
        break;
    }
  }

  /** A registration or deregistration whose response is not in the capture (or no longer awaited). */
  private unanswered(req: MessageEvent): void {
    if (req.message.functionId === F.DevAttrReg) this.registration(req, null);
    else this.deregistration(req, null);
  }

  // ---------------------------------------------------------------- results

  finish(): PortalsResult {
    for (const req of this.pending.drain()) this.unanswered(req);
    const records: PortalRecord[] = [];
    for (const p of this.portals.values()) records.push(this.record(p));
    return { portals: sortPortals(records), findings: this.captureFindings };
  }

  private record(p: PortalState): PortalRecord {
    const findings = [...p.errors.values()].map(({ finding: f, count }) =>
      count === 1 ? f : { ...f, message: `${f.message}. The same status came back ${count} times in all${f.frames.length >= MAX_ERROR_FRAMES ? ` (the frames of the first ones are listed)` : ''}` },
    );
    if (p.bitmaps.size > 1) {
      const parts = [...p.bitmaps].map(
        ([v, s]) => `${describeBitmap(v)} from ${fnName(s.first.fid)} (frame ${s.first.frame}${s.count > 1 ? `, ${s.count} times, last frame ${s.lastFrame}` : ''})`,
      );
      findings.push(
        finding(
          'BITMAP_CONFLICT',
          `${p.bitmaps.size} different security bitmaps for this portal: ${parts.join('; ')}. The last one seen is reported; initiators use whichever they saw, so IPsec settings can differ between initiators and from the target's own configuration`,
          [...p.bitmaps.values()].map((s) => s.first.frame),
          p.bitmap!.from.file,
        ),
      );
    }
    const frameOf = p.bitmap ? [p.bitmap.from.frame] : [];
    let bitmap: number | null = p.bitmap ? p.bitmap.value : null;
    let source: PortalRecord['securityBitmapSource'] = p.bitmap ? 'isns' : 'none';
    const def = this.opts.defaultSecurityBitmap;
    if (bitmap === null && def !== undefined && def !== null) {
      bitmap = def >>> 0;
      source = 'default';
      findings.push(
        finding(
          'DEFAULT_BITMAP_APPLIED',
          `no iSNS message gave this portal a security bitmap; the default ${describeBitmap(bitmap)} applies, as Windows applies its DefaultSecurityBitmap registry value`,
          [],
        ),
      );
    } else if (bitmap === null) {
      findings.push(
        finding(
          'BITMAP_ABSENT',
          'no iSNS message gave this portal a security bitmap and no default was given: a Windows initiator falls back to its DefaultSecurityBitmap registry value (absent: no IPsec)',
          [],
        ),
      );
    }
    if (bitmap !== null) findings.push(...bitmapFindings(bitmap, source === 'default' ? [] : frameOf, source));
    if (p.life === 'deregistered') {
      findings.push(
        finding(
          'PORTAL_DEREGISTERED',
          `the portal was deregistered (frame ${p.deregFrames.join(', ')}): initiators that query iSNS after that no longer discover it`,
          p.deregFrames.slice(),
        ),
      );
    }
    const state: PortalRecord['state'] =
      p.life === 'deregistered' ? 'deregistered' : p.life === 'registered' ? 'registered' : p.rejected > 0 ? 'rejected' : 'queried';
    return {
      address: p.address,
      socket: p.socket,
      transport: p.transport,
      securityBitmap: bitmap,
      securityBitmapSource: source,
      securityFlags: bitmap === null ? [] : securityFlagNames(bitmap),
      keySize: p.cert ? p.cert.length : 0,
      key: hexText(p.cert),
      symbolicName: p.symbolicName,
      portalIndex: p.portalIndex,
      esiInterval: p.esiInterval,
      esiPort: p.esiPort,
      scnPort: p.scnPort,
      isakmpPhase1: hexText(p.isakmpPhase1),
      isakmpPhase2: hexText(p.isakmpPhase2),
      entityId: p.entityId,
      iscsiNames: this.nodesOf(p),
      state,
      firstSeen: seenAt(p.firstSeen),
      lastSeen: seenAt(p.lastSeen),
      // The contract's portal findings: code, severity, message, frames (the file is the record's own).
      findings: findings.map((f) => ({ code: f.code, severity: f.severity, message: f.message, frames: f.frames })),
    };
  }

  private nodesOf(p: PortalState): PortalNode[] {
    const out = new Map<string, number>();
    for (const [name, tag] of p.pg) if (tag !== null) out.set(name, tag);
    // RFC 4171 §6.5.4: a node and a portal of the same entity registered without an
    // explicit PGT are tied by the default PGT 1.
    if (p.entityId) {
      const e = this.entities.get(p.entityId);
      if (e) for (const n of e.nodes) if (!p.pg.has(n) && !out.has(n)) out.set(n, 1);
    }
    return [...out]
      .map(([name, pgTag]) => ({ name, nodeType: nodeTypeNames(this.nodeTypes.get(name) ?? null), pgTag }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function firstEid(m: IsnsMessage, role: 'key' | 'operating'): string | undefined {
  for (const a of m.attrs) if (a.role === role && a.tag === 1) {
    const t = textOf(a);
    if (t) return t;
  }
  return undefined;
}

/** The bitmap checks of the contract, with messages for a support engineer. */
export function bitmapFindings(v: number, frames: number[], source: 'isns' | 'default' | 'none'): Finding[] {
  const out: Finding[] = [];
  const from = source === 'default' ? 'the default bitmap' : 'the bitmap';
  if ((v & RESERVED_BITS) >>> 0 !== 0) {
    out.push(
      finding(
        'UNKNOWN_BITMAP_BITS',
        `${from} ${hex32(v)} sets reserved bits ${hex32((v & RESERVED_BITS) >>> 0)}: only 0x01-0x40 are defined (RFC 4171 §6.3.9). A value like 0x80000000 for VALID means the sender numbered the RFC's MSb-0 bits from the wrong end`,
        frames,
      ),
    );
  }
  if ((v & 0x01) === 0) {
    out.push(
      finding(
        'BITMAP_NOT_VALID',
        `VALID bit clear in ${from} ${describeBitmap(v)}: initiators ignore this bitmap and log on without IPsec, so a target that requires IPsec rejects the logon`,
        frames,
      ),
    );
    return out;
  }
  if ((v & 0x60) === 0x60) {
    out.push(
      finding(
        'TUNNEL_AND_TRANSPORT_PREFERRED',
        `${from} ${describeBitmap(v)} prefers both tunnel (0x40) and transport (0x20) mode: the initiator has to pick one and may not match what the target's IPsec policy expects`,
        frames,
      ),
    );
  }
  if ((v & 0x02) === 0 && (v & 0x7c) !== 0) {
    out.push(
      finding(
        'IPSEC_MODE_WITHOUT_IKE',
        `${from} ${describeBitmap(v)} sets IPsec mode bits while IKE/IPsec (0x02) is clear: those bits are meaningless, the initiator logs on without IPsec, and a target that requires IPsec rejects the logon`,
        frames,
      ),
    );
  }
  if ((v & 0x02) !== 0 && (v & 0x0c) === 0) {
    out.push(
      finding(
        'IKE_WITHOUT_PHASE1_MODE',
        `${from} ${describeBitmap(v)} enables IKE/IPsec but neither main (0x04) nor aggressive (0x08) mode: IKE phase 1 cannot be negotiated, so the IPsec logon fails`,
        frames,
      ),
    );
  }
  return out;
}

function ipv4Num(a: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(a);
  if (!m) return null;
  return ((+m[1]! << 24) >>> 0) + (+m[2]! << 16) + (+m[3]! << 8) + +m[4]!;
}

function ipv6Groups(a: string): number[] {
  const [h, t] = a.includes('::') ? a.split('::') : [a, undefined];
  const hs = h ? h.split(':') : [];
  const ts = t ? t.split(':') : [];
  const fill = t === undefined ? 0 : 8 - hs.length - ts.length;
  return [...hs, ...new Array(Math.max(0, fill)).fill('0'), ...ts].map((g) => parseInt(g, 16) || 0);
}

type Sortable = { address: string; socket: number; transport: string };

/** A record's address parsed for ordering: IPv4 as a number, else the eight IPv6 groups. */
interface SortKey {
  readonly r: Sortable;
  readonly v4: number | null;
  readonly g: number[] | null;
}

function sortKey(r: Sortable): SortKey {
  const v4 = ipv4Num(r.address);
  return { r, v4, g: v4 === null ? ipv6Groups(r.address) : null };
}

function compareKeys(a: SortKey, b: SortKey): number {
  if (a.v4 !== null && b.v4 === null) return -1;
  if (a.v4 === null && b.v4 !== null) return 1;
  if (a.v4 !== null && b.v4 !== null && a.v4 !== b.v4) return a.v4 - b.v4;
  if (a.g && b.g && a.r.address !== b.r.address) for (let i = 0; i < 8; i++) if (a.g[i] !== b.g[i]) return a.g[i]! - b.g[i]!;
  if (a.r.socket !== b.r.socket) return a.r.socket - b.r.socket;
  return a.r.transport < b.r.transport ? -1 : a.r.transport > b.r.transport ? 1 : 0;
}

/** Sort records into contract order (comparePortals), each address parsed once. */
export function sortPortals<T extends Sortable>(records: T[]): T[] {
  return records.map(sortKey).sort(compareKeys).map((k) => k.r as T);
}

/** Contract order: by address numerically (IPv4 before IPv6), then socket, then transport. */
export function comparePortals(a: Sortable, b: Sortable): number {
  return compareKeys(sortKey(a), sortKey(b));
}
