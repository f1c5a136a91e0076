/**
 * Contract order of records: by address numerically (IPv4 before IPv6), then
 * socket, then transport.
 */
import { ipv4Number } from '../../dissector/net/ipv4.js';

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
  const v4 = ipv4Number(r.address);
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
