/**
 * Portal state: one entry per portal (address, port, transport) with what the
 * iSNS messages said of it, and the indexes that find it again (by key, by
 * IPv4 address and port, by portal index), plus entities and node types.
 * State is updated in place: a portal registered a million times makes no
 * garbage for V8's old heap.
 */
import { formatIpv6 } from '../../../dissector/core/byteview.js';
import { addressText, ipv4Bits, ipv4BitsAt, textAt, type AttrTable } from '../../../dissector/isns/index.js';
import { ipv4Number } from '../../../dissector/net/ipv4.js';
import type { FindingFacts } from '../../findings/registry.js';
import type { FramedPdu } from '../../flow/pdu.js';
import { Interner } from './intern.js';
import { V4Index } from './v4index.js';

/** Where a record was seen; the time text is made once, when the record is output. */
export interface Seen {
  file: string;
  frame: number;
  /** The frame's time as numbers (a Timestamp): no reference to the packet's own object. */
  sec: number;
  nsec: number;
  digits: number;
}

export function seenOf(p: FramedPdu): Seen {
  return { file: p.file, frame: p.frame, sec: p.ts.sec, nsec: p.ts.nsec, digits: p.ts.digits };
}

/** A portal seen (again) in PDU p. */
export function seenLast(s: PortalState, p: FramedPdu): void {
  s.lastFile = p.file;
  s.lastFrame = p.frame;
  s.lastSec = p.ts.sec;
  s.lastNsec = p.ts.nsec;
  s.lastDigits = p.ts.digits;
}

/** Where a portal was seen last. */
export function lastSeenOf(s: Pick<PortalState, 'lastFile' | 'lastFrame' | 'lastSec' | 'lastNsec' | 'lastDigits'>): Seen {
  return { file: s.lastFile, frame: s.lastFrame, sec: s.lastSec, nsec: s.lastNsec, digits: s.lastDigits };
}

/** Where a value came from (kept small: no reference to the message itself). */
export interface Origin {
  fid: number;
  frame: number;
  file: string;
}

export interface BitmapValue {
  value: number;
  first: Origin;
  lastFrame: number;
  count: number;
}

/** Numbers per distinct bitmap in PortalState.bitmapRows: value, count, last frame, first function, first frame. */
export const BITMAP_ROW = 5;

/** The distinct bitmaps a portal reported, in order of first appearance. */
export function bitmapsOf(p: Pick<PortalState, 'bitmapRows' | 'bitmapFiles'>): BitmapValue[] {
  const t = p.bitmapRows;
  const out: BitmapValue[] = [];
  for (let r = 0, k = 0; r < t.length; r += BITMAP_ROW, k++) {
    out.push({ value: t[r]!, count: t[r + 1]!, lastFrame: t[r + 2]!, first: { fid: t[r + 3]!, frame: t[r + 4]!, file: p.bitmapFiles[k]! } });
  }
  return out;
}

/** The bitmap a portal reported last, with where it came from; null when it reported none. */
export function lastBitmap(p: Pick<PortalState, 'bitmapValue' | 'bitmapFid' | 'bitmapFrame' | 'bitmapFile'>): { value: number; from: Origin } | null {
  return p.bitmapValue === null ? null : { value: p.bitmapValue, from: { fid: p.bitmapFid, frame: p.bitmapFrame, file: p.bitmapFile } };
}

export type How = 'registered' | 'rejected' | 'queried';

export interface PortalState {
  /** Its number in its store: 0, 1, 2 … in the order portals (and attempts) were made. */
  readonly n: number;
  key: string;
  address: string;
  socket: number;
  transport: 'tcp' | 'udp';
  /**
   * The bitmap reported: the last one seen (null: none), and where it came from (lastBitmap()
   * gives the two as one value). Fields of the state itself, not an object of their own: they
   * change with every message that lists the portal, where one more object to reach is one more
   * cache miss each time (the builder's thread spent ~20% of its time on them).
   */
  bitmapValue: number | null;
  bitmapFid: number;
  bitmapFrame: number;
  bitmapFile: string;
  /**
   * Every distinct bitmap seen (in order of first appearance), for BITMAP_CONFLICT (bounded):
   * BITMAP_ROW numbers each (value, count, last frame, first function, first frame) in one
   * array of numbers, and the first file of each in bitmapFiles; bitmapsOf() gives them as
   * BitmapValue objects. A portal listed again and again updates one array, not an entry object
   * reached through an array of them (each one more cache miss per message).
   */
  bitmapRows: number[];
  bitmapFiles: string[];
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
  /**
   * Where the portal was seen last (lastSeenOf() gives it as a Seen): fields of the state, like
   * the bitmap's, as every message that names the portal sets them.
   */
  lastFile: string;
  lastFrame: number;
  lastSec: number;
  lastNsec: number;
  lastDigits: number;
  /** ISNS_ERROR_STATUS findings, one per response function and status, with how often each came back. */
  errors: Map<number, ErrorStatus>;
  /** How it was discovered: BY_ISNS | BY_SENDTARGETS bits (builder.ts). */
  discovered: number;
  deregFrames: number[];
  /** The file of each of deregFrames. */
  deregFiles: string[];
  /**
   * What rejected registrations tried to register (the last one's values), kept
   * apart: reported only while no registration of the portal was accepted.
   */
  attempt?: PortalState;
  /** The nodes the last rejected registration named (tied by the default PG Tag when no explicit PG). */
  attemptNodes?: string[];
}

/** An aggregated ISNS_ERROR_STATUS: the first refusal's facts, how often it came back, the first frames. */
export interface ErrorStatus {
  facts: FindingFacts<'ISNS_ERROR_STATUS'>;
  frames: number[];
  /** The file of each frame. */
  files: string[];
  file: string;
  count: number;
}

export interface EntityState {
  /** Keys of the entity's portals. */
  portals: Set<string>;
  /** Nodes registered under the entity. */
  nodes: Set<string>;
}

export function portalKey(address: string, port: number, udp: boolean): string {
  return `${address}|${port}|${udp ? 'udp' : 'tcp'}`;
}

export class PortalStore {
  readonly portals = new Map<string, PortalState>();
  /** Portals (and attempts) made so far: the next one's number. */
  private made = 0;
  /** The walk's attribute strings, decoded once per distinct value. */
  readonly strings = new Interner();
  /**
   * IPv4 portals by address (ipv4Bits), so the portal a message names is found
   * without making its address text and key: the per-attribute common case.
   */
  private readonly byV4 = new V4Index<PortalState>();
  /** Portals whose portal groups name a node: a node leaving touches only those. */
  private readonly pgByNode = new Map<string, Set<PortalState>>();
  readonly entities = new Map<string, EntityState>();
  readonly nodeTypes = new Map<string, number>();
  /** Entities each node was registered under. */
  private readonly nodeEntities = new Map<string, Set<string>>();
  readonly byIndex = new Map<number, string>();

  /** Attribute i's RFC string (textAt), interned; null when it is no string or empty. */
  text(m: AttrTable, i: number): string | null {
    return textAt(m, i, this.strings);
  }

  get(key: string): PortalState | undefined {
    return this.portals.get(key);
  }

  /** The known portal that 16 address bytes and a port name (an IPv4 one found without making text). */
  find(raw: Uint8Array, socket: number, udp: boolean): PortalState | undefined {
    if (raw.length !== 16) return undefined;
    const bits = ipv4Bits(raw);
    if (bits !== null) return this.byV4.get(bits, udp ? socket | 0x10000 : socket);
    return this.portals.get(portalKey(formatIpv6(raw, 0), socket, udp));
  }

  /** The portal with this portal index, if one was given it. */
  byPortalIndex(idx: number): PortalState | undefined {
    const k = this.byIndex.get(idx);
    return k === undefined ? undefined : this.portals.get(k);
  }

  entity(eid: string): EntityState {
    let e = this.entities.get(eid);
    if (!e) {
      e = { portals: new Set(), nodes: new Set() };
      this.entities.set(eid, e);
    }
    return e;
  }

  /** touch() for the 16-byte address at offset `o` of `b` (a known IPv4 one found without making its text). */
  touchAt(b: Uint8Array, o: number, socket: number, udp: boolean, first: FramedPdu, last: FramedPdu, how: How, entity: string | null): PortalState {
    const bits = ipv4BitsAt(b, o);
    const known = bits !== null ? this.byV4.get(bits, udp ? socket | 0x10000 : socket) : undefined;
    if (known) return this.touch(known.address, socket, udp, first, last, how, entity, known);
    return this.touch(addressText(b.subarray(o, o + 16))!, socket, udp, first, last, how, entity);
  }

  /** The portal a message names, created on first sight, with what the message tells of its life and entity. */
  touch(
    address: string,
    socket: number,
    udp: boolean,
    first: FramedPdu,
    last: FramedPdu,
    how: How,
    entity: string | null,
    known: PortalState | undefined = this.portals.get(portalKey(address, socket, udp)),
  ): PortalState {
    let p = known;
    if (!p) {
      p = newPortal(this.made++, address, socket, udp, first, last);
      this.portals.set(p.key, p);
      const bits = ipv4Number(address);
      if (bits !== null) {
        this.byV4.set(bits | 0, udp ? socket | 0x10000 : socket, p);
      }
    } else seenLast(p, last);
    if (how === 'rejected') p.rejected++;
    else if (how === 'registered') p.life = 'registered';
    if (entity && how !== 'rejected' && p.entityId !== entity) {
      if (p.entityId) this.entities.get(p.entityId)?.portals.delete(p.key);
      p.entityId = entity;
      this.entity(entity).portals.add(p.key);
    }
    return p;
  }

  /** Where a rejected registration's values go: the portal's attempt (a state in no index). */
  attemptOf(p: PortalState, first: FramedPdu, last: FramedPdu): PortalState {
    return (p.attempt ??= newPortal(this.made++, p.address, p.socket, p.transport === 'udp', first, last));
  }

  /** Tie a node to a portal (or a rejected registration's attempt) by a PG Tag (null: NULL, no access). */
  setPg(p: PortalState, node: string, tag: number | null): void {
    p.pg.set(node, tag);
    let s = this.pgByNode.get(node);
    if (!s) this.pgByNode.set(node, (s = new Set()));
    s.add(p);
  }

  /** A node left: it no longer belongs to any entity or portal group. */
  dropNode(name: string): void {
    const es = this.nodeEntities.get(name);
    if (es) for (const eid of es) this.entities.get(eid)?.nodes.delete(name);
    this.nodeEntities.delete(name);
    const ps = this.pgByNode.get(name);
    if (ps) for (const p of ps) p.pg.delete(name);
    this.pgByNode.delete(name);
  }

  /** Record that `node` was registered under entity `eid`. */
  addEntityNode(eid: string, node: string): void {
    this.entity(eid).nodes.add(node);
    let s = this.nodeEntities.get(node);
    if (!s) this.nodeEntities.set(node, (s = new Set()));
    s.add(eid);
  }
}

function newPortal(n: number, address: string, socket: number, udp: boolean, first: FramedPdu, last: FramedPdu): PortalState {
  return {
    n,
    key: portalKey(address, socket, udp),
    address,
    socket,
    transport: udp ? 'udp' : 'tcp',
    bitmapValue: null,
    bitmapFid: 0,
    bitmapFrame: 0,
    bitmapFile: '',
    bitmapRows: [],
    bitmapFiles: [],
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
    firstSeen: seenOf(first),
    lastFile: last.file,
    lastFrame: last.frame,
    lastSec: last.ts.sec,
    lastNsec: last.ts.nsec,
    lastDigits: last.ts.digits,
    errors: new Map(),
    deregFrames: [],
    deregFiles: [],
    discovered: 0,
  };
}
