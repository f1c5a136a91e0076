/**
 * Who was told about which portal: the portals a server message lists to a
 * client (a successful registration, query or DevGetNext response, an SCN
 * that removes nothing), each passed on to `told` once per (portal, client) —
 * queries repeat the same lists all day. What a message lists is read from
 * its bytes (walk.ts's portalsListed), with no portal state: the discovery
 * facts and the iSCSI ports learned from them are known at once, on the
 * thread that reads the capture, wherever the portal records are built.
 */
import { FN, addressText, ipv4BitsAt, tagAt, uintAt, valueOffsetAt, type AttrTable, type IsnsMessage } from '../../../dissector/isns/index.js';
import type { MessageEvent } from '../assembler.js';
import { V4Index } from './v4index.js';
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

interface Told {
  readonly address: string;
  /** The client last found or taken (the same client told again is the common case). */
  last: string | null;
  /** Clients told (bounded). */
  to: Set<string> | null;
}

/** Whether an SCN's last SCN bitmap has the object-removed bit (its objects are deregistered, not listed). */
export function scnRemoves(m: IsnsMessage): boolean {
  let removed = false;
  for (let i = 0; i < m.count; i++) {
    const tag = tagAt(m, i);
    if (tag === 35 || tag === 75) {
      const v = uintAt(m, i);
      removed = v !== null && (v & 0x10) !== 0;
    }
  }
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

export class Listings {
  /** IPv4 portals by (address bits, port word), others by "address|word". */
  private readonly v4 = new V4Index<Told>();
  private readonly other = new Map<string, Told>();
  private readonly found: number[] = [];

  constructor(private readonly told: (l: ListedPortal) => void) {}

  /** Every assembled message, in capture order (after the builder saw it). */
  message(ev: MessageEvent): void {
    const m = ev.message;
    if (!listsPortals(m)) return;
    const n = portalsListed(m, this.found);
    if (n === 0) return;
    const to = ev.last.dst.addr;
    const b = m.payload;
    for (let k = 0; k < n; k++) {
      const off = this.found[2 * k]!;
      const word = this.found[2 * k + 1]!;
      const t = this.entry(b, off, word);
      if (t.last === to) continue;
      if (t.to === null) t.to = new Set();
      else if (t.to.has(to)) {
        t.last = to;
        continue;
      }
      if (t.to.size < MAX_LISTED_TO) {
        t.to.add(to);
        t.last = to;
      }
      this.told({ initiator: to, address: t.address, socket: word & 0xffff, transport: word & 0x10000 ? 'udp' : 'tcp' });
    }
  }

  /** The portal whose 16 address bytes lie at b[off] with port word `word`. */
  private entry(b: Uint8Array, off: number, word: number): Told {
    const bits = ipv4BitsAt(b, off);
    if (bits !== null) {
      let t = this.v4.get(bits, word);
      if (!t) this.v4.set(bits, word, (t = { address: addressText(b.subarray(off, off + 16))!, last: null, to: null }));
      return t;
    }
    const address = addressText(b.subarray(off, off + 16))!;
    const k = `${address}|${word}`;
    let t = this.other.get(k);
    if (!t) this.other.set(k, (t = { address, last: null, to: null }));
    return t;
  }
}
