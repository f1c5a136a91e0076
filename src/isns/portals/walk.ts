/**
 * The attribute walk: the objects of one iSNS message (RFC 4171 §6; object
 * boundaries by the grammar's own rule, startsObject) reduced one by one into
 * the portal store, by object type:
 *  - Entity (key 1): sets the entity the following portals and nodes belong to;
 *  - Portal (key 16 + 17): the portal with its attributes (18-31), then
 *    optionally a PG Tag (51) followed by the PG iSCSI Names (48) of the nodes
 *    in that portal group (RFC 4171 §5.6.5.1);
 *  - Storage Node (key 32): name, type (33), then optionally a PG Tag (51)
 *    followed by PG Portal IP/Port pairs (49, 50) of the portals in that group;
 *  - Portal Group (48, 49, 50, 51, 52 in any order): a node tied to a portal by
 *    a PG Tag; a zero-length PG Tag is NULL ("no access").
 * Other objects (FC ports, DDs, DD sets) say nothing about portals.
 */
import {
  FN,
  ROLE_OPERATING,
  addressAt,
  isDdsMessage,
  lengthAt,
  pgtAt,
  portAt,
  startsObject,
  tagAt,
  uintAt,
  valueOffsetAt,
  wordAt,
  type AttrTable,
  type IsnsMessage,
} from '../../../dissector/isns/index.js';
import type { MessageEvent } from '../assembler.js';
import { BITMAP_ROW, type How, type PortalState, type PortalStore } from './store.js';

const NO_ATTRS: AttrTable = { offsets: [], payload: new Uint8Array(0) };
/** Each store's walk (see Walk). */
const WALKS = new WeakMap<PortalStore, Walk>();

/** Distinct bitmaps kept per portal for BITMAP_CONFLICT (bounded). */
export const MAX_DISTINCT_BITMAPS = 16;

/**
 * What a walk found: the portals a message's attributes talk about, the
 * first `count` of `portals` (and, for a rejected registration, the nodes it
 * named). Valid until the store's next walk: the arrays are reused, and only
 * ever grow (an array emptied by its length would give its storage back).
 */
export interface Walked {
  readonly portals: PortalState[];
  count: number;
  readonly nodes: string[];
}

/** Values up to this many bytes are copied byte by byte (keepValue). */
const COPY_BY_BYTE = 40;

/**
 * Attribute i's value as owned bytes (null when empty): `kept` itself when it
 * has the same length (overwritten in place: a portal registered a million
 * times with the same ISAKMP attributes makes no garbage), else a copy.
 */
function keepValue(kept: Uint8Array | null, m: AttrTable, i: number): Uint8Array | null {
  const n = lengthAt(m, i);
  if (n === 0) return null;
  const out = kept !== null && kept.length === n ? kept : new Uint8Array(n);
  const b = m.payload;
  const o = valueOffsetAt(m, i);
  // A short value byte by byte (a view to copy it from would be an object per attribute); a
  // longer one through a view: the byte loop costs ~1 ns a byte, the view ~50 ns whatever the
  // length (a 300-byte key: 340 against 50 ns).
  if (n > COPY_BY_BYTE) out.set(b.subarray(o, o + n));
  else for (let j = 0; j < n; j++) out[j] = b[o + j]!;
  return out;
}

/** Split attributes [from, to) into objects by the grammar's rule; the first attribute always starts one. */
function eachObject(w: Walk, from: number, to: number, dds: boolean): void {
  const m = w.m;
  let start = from;
  for (let i = from + 1; i < to; i++) {
    if (startsObject(tagAt(m, i), tagAt(m, i - 1), dds)) {
      w.object(start, i);
      start = i;
    }
  }
  if (start < to) w.object(start, to);
}

/**
 * One walk over one message. A store walks one message at a time, so its walk
 * (and the arrays of what it found) is made once and reset per message.
 */
class Walk {
  readonly out: Walked = { portals: [], count: 0, nodes: [] };
  /** The attributes walked (the message's, or its operating attributes only). */
  m: AttrTable = NO_ATTRS;
  private ev!: MessageEvent;
  private how: How = 'queried';
  private last!: MessageEvent['last'];
  private entity: string | null = null;

  constructor(private readonly store: PortalStore) {}

  reset(m: AttrTable, ev: MessageEvent, how: How, rsp: MessageEvent | null, entity: string | null): void {
    this.m = m;
    this.ev = ev;
    this.how = how;
    this.last = (rsp ?? ev).last;
    this.entity = entity;
    this.out.count = 0;
    if (this.out.nodes.length > 0) this.out.nodes.length = 0;
  }

  /**
   * Where what the message says of portal p goes: the portal itself, or, for a
   * registration the server rejected, the portal's attempt (reported only
   * while no registration of it was accepted).
   */
  private target(p: PortalState): PortalState {
    if (this.how !== 'rejected') return p;
    const a = this.store.attemptOf(p, this.ev.first, this.last);
    if (this.entity) a.entityId = this.entity;
    return a;
  }

  /** The object of attributes [s, e) (its key attribute first). */
  object(s: number, e: number): void {
    switch (tagAt(this.m, s)) {
      case 1:
        return this.entityObject(s);
      case 16:
        return this.portalObject(s, e);
      case 32:
        return this.nodeObject(s, e);
      case 48:
      case 49:
      case 50:
      case 51:
      case 52:
        return this.pgObject(s, e);
      default:
      // FC ports, DDs, DD sets: nothing about portals
    }
  }

  /** Attribute i's RFC string (textAt), interned. */
  private text(i: number): string | null {
    return this.store.text(this.m, i);
  }

  /** The portal at an address and a port word (portAt). */
  private touch(address: string, port: number): PortalState {
    return this.store.touch(address, port & 0xffff, (port & 0x10000) !== 0, this.ev.first, this.last, this.how, this.entity);
  }

  private entityObject(i: number): void {
    this.entity = this.text(i) || this.entity;
  }

  private portalObject(s: number, e: number): void {
    const m = this.m;
    const port = portalWordAt(m, s, e);
    if (port < 0) return;
    const p = this.store.touchAt(m.payload, valueOffsetAt(m, s), port & 0xffff, (port & 0x10000) !== 0, this.ev.first, this.last, this.how, this.entity);
    this.out.portals[this.out.count++] = p;
    const t = this.target(p);
    let pgt: number | null | undefined;
    for (let i = s + 2; i < e; i++) {
      const tag = tagAt(m, i);
      if (tag === 51) pgt = pgtAt(m, i);
      else if (tag === 48) {
        const name = this.text(i);
        if (pgt !== undefined && name !== null) this.store.setPg(t, name, pgt);
      } else this.portalAttr(t, i, tag, t === p);
    }
  }

  /** Attribute i (tag `tag`) of a portal object; `indexed`: the portal index may be used to find it later. */
  private portalAttr(p: PortalState, i: number, tag: number, indexed: boolean): void {
    const m = this.m;
    switch (tag) {
      case 18:
        p.symbolicName = this.text(i) ?? p.symbolicName;
        break;
      case 19:
        p.esiInterval = uintAt(m, i) ?? p.esiInterval;
        break;
      case 20: {
        const w = portAt(m, i);
        if (w >= 0) p.esiPort = w & 0xffff;
        break;
      }
      case 22: {
        const idx = uintAt(m, i);
        if (idx !== null) {
          p.portalIndex = idx;
          if (indexed) this.store.byIndex.set(idx, p.key);
        }
        break;
      }
      case 23: {
        const w = portAt(m, i);
        if (w >= 0) p.scnPort = w & 0xffff;
        break;
      }
      case 27:
        if (lengthAt(m, i) === 4) this.bitmap(p, wordAt(m, i)!);
        break;
      case 28:
        p.isakmpPhase1 = keepValue(p.isakmpPhase1, m, i);
        break;
      case 29:
        p.isakmpPhase2 = keepValue(p.isakmpPhase2, m, i);
        break;
      case 31:
        p.cert = keepValue(p.cert, m, i);
        break;
    }
  }

  private bitmap(p: PortalState, v: number): void {
    const last = this.ev.last;
    // Updated in place: a portal registered a million times makes no garbage for the old heap.
    p.bitmapValue = v;
    p.bitmapFid = this.ev.message.functionId;
    p.bitmapFrame = last.frame;
    p.bitmapFile = last.file;
    // Its row among the few distinct values kept (a new value gets one while under the bound).
    const t = p.bitmapRows;
    let r = 0;
    while (r < t.length && t[r] !== v) r += BITMAP_ROW;
    if (r === t.length) {
      if (r >= MAX_DISTINCT_BITMAPS * BITMAP_ROW) return;
      t.push(v, 0, last.frame, p.bitmapFid, last.frame);
      p.bitmapFiles.push(last.file);
    }
    t[r + 1]!++;
    t[r + 2] = last.frame;
  }

  private nodeObject(s: number, e: number): void {
    const m = this.m;
    const node = this.text(s);
    if (node === null) return;
    if (this.how === 'rejected') this.out.nodes.push(node);
    if (this.entity && this.how === 'registered') this.store.addEntityNode(this.entity, node);
    let typeSeen = false;
    let pgt: number | null | undefined;
    let addr: string | null = null;
    for (let i = s + 1; i < e; i++) {
      switch (tagAt(m, i)) {
        case 33:
          if (!typeSeen) {
            const t = uintAt(m, i);
            // A rejected registration's node type does not override a known one.
            if (t !== null && (this.how !== 'rejected' || !this.store.nodeTypes.has(node))) this.store.nodeTypes.set(node, t);
            typeSeen = true;
          }
          break;
        case 51:
          pgt = pgtAt(m, i);
          break;
        case 49:
          addr = pgt !== undefined ? addressAt(m, i) : null;
          break;
        case 50: {
          const port = portAt(m, i);
          if (pgt !== undefined && addr && port >= 0) this.store.setPg(this.target(this.touch(addr, port)), node, pgt);
          addr = null;
          break;
        }
        case 48:
          // A PG object follows the node's attributes.
          return this.pgObject(i, e);
      }
    }
  }

  /** Portal Group objects; several may follow one another (48 after 51 does not start an object). */
  private pgObject(s: number, e: number): void {
    const m = this.m;
    let name: string | undefined;
    let addr: string | undefined;
    let port = -1;
    let pgt: number | null | undefined;
    const flush = (): void => {
      if (name !== undefined && addr && port >= 0 && pgt !== undefined) this.store.setPg(this.target(this.touch(addr, port)), name, pgt);
      name = addr = pgt = undefined;
      port = -1;
    };
    for (let i = s; i < e; i++) {
      switch (tagAt(m, i)) {
        case 48: {
          if (name !== undefined || addr !== undefined) flush();
          const n = this.text(i);
          if (n !== null) name = n;
          break;
        }
        case 49: {
          const a = addressAt(m, i);
          if (a) addr = a;
          break;
        }
        case 50: {
          const w = portAt(m, i);
          if (w >= 0) port = w;
          break;
        }
        case 51:
          pgt = pgtAt(m, i);
          break;
      }
    }
    flush();
  }
}

/**
 * The portal a Portal object starting at attribute s (its key, tag 16) names
 * when it is followed by its port (17) before `e`: the port word (portAt), or
 * -1 when the object names no portal (no port, or an address not 16 bytes).
 */
export function portalWordAt(m: AttrTable, s: number, e: number): number {
  if (s + 1 >= e || tagAt(m, s + 1) !== 17 || lengthAt(m, s) !== 16) return -1;
  return portAt(m, s + 1);
}

/** Whether a walk of m covers its key attributes too (a DevGetNext response names the object it returns by them; ESI). */
export function keysWalked(m: IsnsMessage): boolean {
  const base = m.functionId & 0x7fff;
  return (m.isResponse && base === FN.DevGetNext) || base === FN.ESI;
}

/**
 * Walk the operating attributes of a message (and, for DevGetNextRsp, its key
 * attributes, which name the object returned; for ESI, any key attributes): find every portal and apply
 * what the message says of it; track entities, nodes and portal groups.
 */
export function walkMessage(store: PortalStore, m: IsnsMessage, ev: MessageEvent, how: How, rsp: MessageEvent | null, eidHint: string | null = null): Walked {
  const dds = isDdsMessage(m.functionId);
  // ESI (and, should one carry a delimiter, its key attributes) talks about the entity's portals.
  const keysToo = keysWalked(m);
  // Roles are contiguous (parseIsnsMessage): source, keys, delimiter, operating
  // (ESI and SCN have no delimiter: their attributes are all operating).
  const n = m.count;
  const clean = m.opClean;
  let w = WALKS.get(store);
  if (!w) WALKS.set(store, (w = new Walk(store)));
  w.reset(m, ev, how, rsp, eidHint);
  if (keysToo) eachObject(w, m.keysFrom, m.keysTo, dds);
  if (clean) eachObject(w, m.opFrom, n, dds);
  else {
    // A second delimiter among the operating attributes (hostile or broken): walk the operating ones only.
    w.m = operatingOnly(m);
    eachObject(w, 0, w.m.offsets.length, dds);
  }
  if (how === 'rejected') for (let i = 0; i < w.out.count; i++) w.out.portals[i]!.attemptNodes = w.out.nodes.slice(0, 64);
  return w.out;
}

/** The operating attributes of a message as a table of their own. */
export function operatingOnly(m: IsnsMessage): AttrTable {
  const offsets: number[] = [];
  for (let i = 0; i < m.count; i++) if (m.roleAt(i) === ROLE_OPERATING) offsets.push(m.offsets[i]!);
  return { offsets, payload: m.payload };
}
