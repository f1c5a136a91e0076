/**
 * Who was told about which portal: the portals a server message lists to a
 * client (a successful registration, query or DevGetNext response, an SCN
 * that removes nothing). Two views of them:
 *  - Listings (who was told what: discovery facts) runs with the portal
 *    builder, on the portals its walk of the message found: each (portal,
 *    client) passed on to `told` once — queries repeat the same lists all day;
 *  - FirstListings (the first time a portal is listed: its iSCSI port is
 *    followed from the next packet on) runs on the thread that reads the
 *    capture, whichever thread builds the records, with no portal state: what
 *    a message lists is read from its bytes (portalsListed, by the walk's own
 *    grammar rule).
 */
import { FN, addressText, ipv4BitsAt, tagAt, uintAt, valueOffsetAt, type AttrTable, type IsnsMessage } from '../../../dissector/isns/index.js';
import type { MessageEvent } from '../assembler.js';
import { V4Index } from './v4index.js';
import type { PortalState } from './store.js';
import { keysWalked, operatingOnly, portalWordAt } from './walk.js';

/** A portal an iSNS server message listed to a host (the initiator, for a query response or SCN). */
export interface ListedPortal {
  initiator: string;
  address: string;
  socket: number;
  transport: 'tcp' | 'udp';
}

/** Clients remembered per portal as already told about it (past it, each listing is passed on again). */
const MAX_LISTED_TO = 64;

/** For an SCN bitmap (tag 35 or 75) at attribute i: whether it has the object-removed bit; null for any other attribute. */
export function removedAt(m: IsnsMessage, i: number): boolean | null {
  const tag = tagAt(m, i);
  if (tag !== 35 && tag !== 75) return null;
  const v = uintAt(m, i);
  return v !== null && (v & 0x10) !== 0;
}

/** Whether an SCN's last SCN bitmap has the object-removed bit (its objects are deregistered, not listed). */
export function scnRemoves(m: IsnsMessage): boolean {
  let removed = false;
  for (let i = 0; i < m.count; i++) removed = removedAt(m, i) ?? removed;
  return removed;
}

/** Whether the builder takes a message as a listing of portals to its receiver (see builder.ts). */
export function listsPortals(m: IsnsMessage): boolean {
  if (!m.isResponse) return m.functionId === FN.SCN && !scnRemoves(m);
  if (m.status !== null && m.status !== 0) return false;
  const base = m.functionId & 0x7fff;
  return base === FN.DevAttrReg || base === FN.DevAttrQry || base === FN.DevGetNext;
}

/**
 * The portals a walk of m finds as Portal objects (a walk's Walked.portals, in order)
 * without touching any state: for each, the offset of its 16 address bytes in
 * m.payload and its port word go to `out` (two numbers per portal). Every
 * attribute with tag 16 starts an object (startsObject), and a port (17) never
 * does, so the object's port is the attribute right after it in the range.
 * Returns the number of portals.
 */
export function portalsListed(m: IsnsMessage, out: number[]): number {
  let n = 0;
  if (keysWalked(m)) n = listedIn(m, m.keysFrom, m.keysTo, out, n);
  if (m.opClean) return listedIn(m, m.opFrom, m.count, out, n);
  const t = operatingOnly(m);
  return listedIn(t, 0, t.offsets.length, out, n);
}

/** portalsListed over attributes [from, to) of t, after the n found before. */
function listedIn(t: AttrTable, from: number, to: number, out: number[], n: number): number {
  for (let i = from; i < to; i++) {
    if (tagAt(t, i) !== 16) continue;
    const w = portalWordAt(t, i, to);
    if (w < 0) continue;
    out[2 * n] = valueOffsetAt(t, i);
    out[2 * n + 1] = w;
    n++;
  }
  return n;
}

/** Where c is, or goes, among the first n numbers of a (ascending): a binary search. */
function sortedIndex(a: Uint16Array, n: number, c: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < c) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Clients given a number for the told-once check, at most (past it, a listing to another one is passed on each time). */
const MAX_CLIENTS = 1 << 16;

/** Portal IP Address (16), the key of a Portal object, as an IsnsMessage.lowTags bit. */
const PORTAL_IP = 1 << 16;

/** A portal as a message names it: address text, port, transport. */
export type PortalAt = Omit<ListedPortal, 'initiator'>;

/** Portals by number, from their 16 address bytes and port word: IPv4 ones by bits, others by "address|word". */
class PortalIds {
  private readonly v4 = new V4Index<number>();
  private readonly other = new Map<string, number>();
  readonly address: string[] = [];

  /** The number of the portal whose address bytes lie at b[off], with port word `word` (a new one is numbered next). */
  id(b: Uint8Array, off: number, word: number): number {
    const bits = ipv4BitsAt(b, off);
    if (bits !== null) {
      const id = this.v4.get(bits, word);
      if (id !== undefined) return id;
      const nid = this.address.push(addressText(b.subarray(off, off + 16))!) - 1;
      this.v4.set(bits, word, nid);
      return nid;
    }
    const address = addressText(b.subarray(off, off + 16))!;
    const k = `${address}|${word}`;
    let id = this.other.get(k);
    if (id === undefined) this.other.set(k, (id = this.address.push(address) - 1));
    return id;
  }
}

/** `a`, or a copy twice as long when index `i` lies past its end (per-portal arrays grow one portal at a time). */
function room<A extends Uint8Array | Int32Array>(a: A, i: number): A {
  if (i < a.length) return a;
  const b = new (a.constructor as new (n: number) => A)(a.length * 2);
  b.set(a);
  return b;
}

const portalAt = (address: string, word: number): PortalAt => ({ address, socket: word & 0xffff, transport: word & 0x10000 ? 'udp' : 'tcp' });

/**
 * Every portal a server message lists, the first time one does (whoever it
 * went to): what the reading thread needs at once, to follow a discovered
 * portal's port from the next packet on.
 */
export class FirstListings {
  private readonly ids = new PortalIds();
  private seen = new Uint8Array(64);
  private readonly found: number[] = [];

  /** `wanted(socket, udp)`: the portals to tell of (the others are passed over before any lookup). */
  constructor(
    private readonly first: (p: PortalAt) => void,
    private readonly wanted: (socket: number, udp: boolean) => boolean = () => true,
  ) {}

  message(ev: MessageEvent): void {
    const m = ev.message;
    if ((m.lowTags & PORTAL_IP) === 0 || !listsPortals(m)) return;
    const n = portalsListed(m, this.found);
    for (let k = 0; k < n; k++) {
      const word = this.found[2 * k + 1]!;
      if (!this.wanted(word & 0xffff, (word & 0x10000) !== 0)) continue;
      const id = this.ids.id(m.payload, this.found[2 * k]!, word);
      this.seen = room(this.seen, id);
      if (this.seen[id] === 1) continue;
      this.seen[id] = 1;
      this.first(portalAt(this.ids.address[id]!, word));
    }
  }
}

/** Discovery facts: each (portal, client) a server message lists passed on once (by the portal's number in its store). */
export class Listings {
  /** By portal number: the client last told, plus one (0: none); the clients told (ascending, at most MAX_LISTED_TO); how many. */
  private last = new Int32Array(64);
  private readonly toldTo: (Uint16Array | undefined)[] = [];
  private count = new Uint8Array(64);
  /** Client numbers by address (they fit the 16 bits of toldTo). */
  private readonly clients = new Map<string, number>();

  constructor(private readonly told: (l: ListedPortal) => void) {}

  /** The first `count` of `portals` (in the order the message lists them), listed by a server message to `to`. */
  listed(to: string, portals: readonly PortalState[], count: number): void {
    if (count === 0) return;
    const c = this.client(to);
    for (let k = 0; k < count; k++) {
      const p = portals[k]!;
      if (c >= 0 && this.toldBefore(p.n, c)) continue;
      this.told({ initiator: to, address: p.address, socket: p.socket, transport: p.transport });
    }
  }

  /** Whether portal `id` was listed to client `c` before (remembered, as the first MAX_LISTED_TO clients are), and it is now. */
  private toldBefore(id: number, c: number): boolean {
    this.last = room(this.last, id);
    this.count = room(this.count, id);
    if (this.last[id] === c + 1) return true;
    const seen = (this.toldTo[id] ??= new Uint16Array(MAX_LISTED_TO));
    const told = this.count[id]!;
    const j = sortedIndex(seen, told, c);
    if (j < told && seen[j] === c) {
      this.last[id] = c + 1;
      return true;
    }
    if (told < MAX_LISTED_TO) {
      seen.copyWithin(j + 1, j, told);
      seen[j] = c;
      this.count[id] = told + 1;
      this.last[id] = c + 1;
    }
    return false;
  }

  /** The client's number (-1 past MAX_CLIENTS). */
  private client(addr: string): number {
    let c = this.clients.get(addr);
    if (c === undefined) {
      if (this.clients.size >= MAX_CLIENTS) return -1;
      this.clients.set(addr, (c = this.clients.size));
    }
    return c;
  }
}
