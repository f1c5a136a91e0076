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
import { copyBytes } from '../../../dissector/core/byteview.js';
import { addressText, FN, isDdsMessage, startsObject, tagSpec, u32of, type IsnsAttr, type IsnsMessage } from '../../../dissector/isns/index.js';
import type { MessageEvent } from '../assembler.js';
import type { How, PortalState, PortalStore } from './store.js';

/** Distinct bitmaps kept per portal for BITMAP_CONFLICT (bounded). */
export const MAX_DISTINCT_BITMAPS = 16;

/** What a walk found: the portals (and nodes, entities) a message's attributes talk about. */
export interface Walked {
  portals: PortalState[];
  nodes: string[];
  entities: string[];
}

export function uintOf(a: IsnsAttr): number | null {
  const v = a.value;
  if (v.kind === 'uint') return v.value;
  if (v.kind === 'bitmap') return v.value;
  if (v.kind === 'port') return v.port;
  return null;
}

export function textOf(a: IsnsAttr): string | null {
  return a.value.kind === 'string' ? a.value.text : null;
}

export function portOf(a: IsnsAttr): { port: number; udp: boolean } | null {
  // Read in place (the per-portal common case): a port word is 4 bytes or more of a port-kind tag.
  if (a.length >= 4 && tagSpec(a.tag)?.kind === 'port') {
    const w = word(a)!;
    return { port: w & 0xffff, udp: (w & 0x10000) !== 0 };
  }
  return null;
}

/** The 32-bit big-endian word an attribute's value starts with (null when shorter), read where it lies. */
function word(a: IsnsAttr): number | null {
  if (a.length < 4) return null;
  const b = a.buf;
  if (b === undefined) return u32of(a.raw);
  const o = a.offset + 8;
  return ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}

/** A PG Tag: null for a zero-length (NULL) tag, else its 16 bits. */
function pgtOf(a: IsnsAttr): number | null {
  return a.raw.length === 0 ? null : (uintOf(a) ?? 0) & 0xffff;
}

/** `kept` when it holds the same bytes as a's value (compared where they lie), else an owned copy (null when empty). */
function keepValue(kept: Uint8Array | null, a: IsnsAttr): Uint8Array | null {
  const n = a.length;
  if (n === 0) return null;
  if (kept !== null && kept.length === n) {
    const b = a.buf;
    const [src, o] = b === undefined ? [a.raw, 0] : [b, a.offset + 8];
    let i = 0;
    while (i < n && kept[i] === src[o + i]) i++;
    if (i === n) return kept;
  }
  return copyBytes(a.raw);
}

/** Split attributes into objects by the grammar's rule; the first attribute always starts one. */
function eachObject(w: Walk, attrs: readonly IsnsAttr[], from: number, to: number, dds: boolean): void {
  let start = from;
  for (let i = from + 1; i < to; i++) {
    if (startsObject(attrs[i]!.tag, attrs[i - 1]!.tag, dds)) {
      w.object(attrs, start, i);
      start = i;
    }
  }
  if (start < to) w.object(attrs, start, to);
}

/** One walk over one message. */
class Walk {
  readonly out: Walked = { portals: [], nodes: [], entities: [] };
  private readonly last: MessageEvent['last'];

  constructor(
    private readonly store: PortalStore,
    private readonly ev: MessageEvent,
    private readonly how: How,
    rsp: MessageEvent | null,
    private entity: string | null,
  ) {
    this.last = (rsp ?? ev).last;
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

  /** The object attrs[s..e) (its key attribute first). */
  object(attrs: readonly IsnsAttr[], s: number, e: number): void {
    switch (attrs[s]!.tag) {
      case 1:
        return this.entityObject(attrs[s]!);
      case 16:
        return this.portalObject(attrs, s, e);
      case 32:
        return this.nodeObject(attrs, s, e);
      case 48:
      case 49:
      case 50:
      case 51:
      case 52:
        return this.pgObject(attrs, s, e);
      default:
      // FC ports, DDs, DD sets: nothing about portals
    }
  }

  /** An attribute's RFC string (textOf), interned. */
  private text(a: IsnsAttr): string | null {
    const raw = a.raw;
    return raw.length > 0 && tagSpec(a.tag)?.kind === 'string' ? this.store.strings.text(raw) : null;
  }

  private touch(address: string, port: { port: number; udp: boolean }): PortalState {
    return this.store.touch(address, port.port, port.udp, this.ev.first, this.last, this.how, this.entity);
  }

  private entityObject(key: IsnsAttr): void {
    this.entity = this.text(key) || this.entity;
    if (this.entity) this.out.entities.push(this.entity);
  }

  private portalObject(attrs: readonly IsnsAttr[], s: number, e: number): void {
    const port = s + 1 < e && attrs[s + 1]!.tag === 17 ? portOf(attrs[s + 1]!) : null;
    if (!port) return;
    const p = this.store.touchAttr(attrs[s]!, port.port, port.udp, this.ev.first, this.last, this.how, this.entity);
    if (!p) return;
    this.out.portals.push(p);
    const t = this.target(p);
    let pgt: number | null | undefined;
    for (let i = s + 2; i < e; i++) {
      const a = attrs[i]!;
      if (a.tag === 51) pgt = pgtOf(a);
      else if (a.tag === 48) {
        const name = this.text(a);
        if (pgt !== undefined && name !== null) this.store.setPg(t, name, pgt);
      } else this.portalAttr(t, a, t === p);
    }
  }

  /** One attribute of a portal object; `indexed`: the portal index may be used to find it later. */
  private portalAttr(p: PortalState, a: IsnsAttr, indexed: boolean): void {
    switch (a.tag) {
      case 18:
        p.symbolicName = this.text(a) ?? p.symbolicName;
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
          if (indexed) this.store.byIndex.set(idx, p.key);
        }
        break;
      }
      case 23:
        p.scnPort = portOf(a)?.port ?? p.scnPort;
        break;
      case 27:
        if (a.length === 4) this.bitmap(p, word(a)!);
        break;
      case 28:
        p.isakmpPhase1 = keepValue(p.isakmpPhase1, a);
        break;
      case 29:
        p.isakmpPhase2 = keepValue(p.isakmpPhase2, a);
        break;
      case 31:
        p.cert = keepValue(p.cert, a);
        break;
    }
  }

  private bitmap(p: PortalState, v: number): void {
    const fid = this.ev.message.functionId;
    const last = this.ev.last;
    // Updated in place: a portal registered a million times makes no garbage for the old heap.
    if (p.bitmap) {
      p.bitmap.value = v;
      p.bitmap.from.fid = fid;
      p.bitmap.from.frame = last.frame;
      p.bitmap.from.file = last.file;
    } else p.bitmap = { value: v, from: { fid, frame: last.frame, file: last.file } };
    // The same bitmap as last time (the common case): its entry without a Map lookup.
    const cur = p.bitmapEntry;
    if (cur !== null && cur.value === v) {
      cur.count++;
      cur.lastFrame = last.frame;
      return;
    }
    const seenV = p.bitmaps.get(v);
    if (seenV) {
      seenV.count++;
      seenV.lastFrame = last.frame;
      p.bitmapEntry = seenV;
    } else if (p.bitmaps.size < MAX_DISTINCT_BITMAPS) {
      const e = { value: v, first: { fid, frame: last.frame, file: last.file }, lastFrame: last.frame, count: 1 };
      p.bitmaps.set(v, e);
      p.bitmapEntry = e;
    } else p.bitmapEntry = null;
  }

  private nodeObject(attrs: readonly IsnsAttr[], s: number, e: number): void {
    const node = this.text(attrs[s]!);
    if (node === null) return;
    this.out.nodes.push(node);
    if (this.entity && this.how === 'registered') this.store.addEntityNode(this.entity, node);
    let typeSeen = false;
    let pgt: number | null | undefined;
    let addr: string | null = null;
    for (let i = s + 1; i < e; i++) {
      const a = attrs[i]!;
      switch (a.tag) {
        case 33:
          if (!typeSeen) {
            const t = uintOf(a);
            // A rejected registration's node type does not override a known one.
            if (t !== null && (this.how !== 'rejected' || !this.store.nodeTypes.has(node))) this.store.nodeTypes.set(node, t);
            typeSeen = true;
          }
          break;
        case 51:
          pgt = pgtOf(a);
          break;
        case 49:
          addr = pgt !== undefined ? addressText(a.raw) : null;
          break;
        case 50: {
          const port = portOf(a);
          if (pgt !== undefined && addr && port) this.store.setPg(this.target(this.touch(addr, port)), node, pgt);
          addr = null;
          break;
        }
        case 48:
          // A PG object follows the node's attributes.
          return this.pgObject(attrs, i, e);
      }
    }
  }

  /** Portal Group objects; several may follow one another (48 after 51 does not start an object). */
  private pgObject(attrs: readonly IsnsAttr[], s: number, e: number): void {
    let pg: { name?: string; addr?: string; port?: { port: number; udp: boolean }; pgt?: number | null } = {};
    const flush = (): void => {
      if (pg.name !== undefined && pg.addr && pg.port && pg.pgt !== undefined) this.store.setPg(this.target(this.touch(pg.addr, pg.port)), pg.name, pg.pgt);
      pg = {};
    };
    for (let i = s; i < e; i++) {
      const a = attrs[i]!;
      switch (a.tag) {
        case 48: {
          if (pg.name !== undefined || pg.addr !== undefined) flush();
          const name = this.text(a);
          if (name !== null) pg.name = name;
          break;
        }
        case 49: {
          const addr = addressText(a.raw);
          if (addr) pg.addr = addr;
          break;
        }
        case 50: {
          const port = portOf(a);
          if (port) pg.port = port;
          break;
        }
        case 51:
          pg.pgt = pgtOf(a);
          break;
      }
    }
    flush();
  }
}

/**
 * Walk the operating attributes of a message (and, for DevGetNextRsp, its key
 * attributes, which name the object returned; for ESI, any key attributes): find every portal and apply
 * what the message says of it; track entities, nodes and portal groups.
 */
export function walkMessage(store: PortalStore, m: IsnsMessage, ev: MessageEvent, how: How, rsp: MessageEvent | null, eidHint: string | null = null): Walked {
  const w = new Walk(store, ev, how, rsp, eidHint);
  const dds = isDdsMessage(m.functionId);
  const base = m.functionId & 0x7fff;
  // ESI (and, should one carry a delimiter, its key attributes) talks about the entity's portals.
  const keysToo = (m.isResponse && base === FN.DevGetNext) || base === FN.ESI;
  // Roles are contiguous (parseIsnsMessage): source, keys, delimiter, operating
  // (ESI and SCN have no delimiter: their attributes are all operating).
  const attrs = m.attrs;
  let k = 0;
  while (k < attrs.length && attrs[k]!.role === 'source') k++;
  let d = k;
  while (d < attrs.length && attrs[d]!.role === 'key') d++;
  if (keysToo) eachObject(w, attrs, k, d, dds);
  let o = d;
  while (o < attrs.length && attrs[o]!.role !== 'operating') o++;
  let clean = true;
  for (let i = o; i < attrs.length && clean; i++) clean = attrs[i]!.role === 'operating';
  if (clean) eachObject(w, attrs, o, attrs.length, dds);
  else {
    // A second delimiter among the operating attributes (hostile or broken): walk the operating ones only.
    const ops = attrs.filter((a) => a.role === 'operating');
    eachObject(w, ops, 0, ops.length, dds);
  }
  if (how === 'rejected') for (const p of w.out.portals) p.attemptNodes = w.out.nodes.slice(0, 64);
  return w.out;
}
