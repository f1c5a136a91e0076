/**
 * Portal records compared with the baseline, field by field: added, removed,
 * changed (bitmap with the flags gained and lost, nodes with PG tag and node
 * type, state, entity, symbolic name, key, ISAKMP, ESI/SCN). Frames, times,
 * counts and findings are not part of this diff: findings are compared by
 * compare.ts, as known or new.
 */
import { hex32, securityShortNames } from '../isns/bitmap.js';
import { portalLabel } from '../output/table.js';
import { sortPortals } from '../output/order.js';
import { portalKey, type BaselinePortal } from './baseline.js';

export interface PortalDiff {
  label: string;
  key: string;
  kind: 'added' | 'removed' | 'changed' | 'equal';
  changes: string[];
}

const show = (v: unknown): string => (v === null || v === undefined ? 'null' : typeof v === 'string' ? JSON.stringify(v) : String(v));
const bm = (v: number | null): string => (v === null ? 'null' : hex32(v));

const FIELDS = ['securityBitmapSource', 'state', 'entityId', 'symbolicName', 'portalIndex', 'esiInterval', 'esiPort', 'scnPort', 'keySize', 'key', 'isakmpPhase1', 'isakmpPhase2'] as const;

function changesOf(was: BaselinePortal, now: BaselinePortal): string[] {
  const ch: string[] = [];
  if (was.securityBitmap !== now.securityBitmap) {
    ch.push(`securityBitmap ${bm(was.securityBitmap)} -> ${bm(now.securityBitmap)}`);
    const a = new Set(was.securityBitmap === null ? [] : securityShortNames(was.securityBitmap));
    const z = new Set(now.securityBitmap === null ? [] : securityShortNames(now.securityBitmap));
    const gained = [...z].filter((x) => !a.has(x));
    const lost = [...a].filter((x) => !z.has(x));
    if (gained.length) ch.push(`flags gained: ${gained.join(', ')}`);
    if (lost.length) ch.push(`flags lost: ${lost.join(', ')}`);
  }
  for (const f of FIELDS) if (was[f] !== now[f]) ch.push(`${f} ${show(was[f])} -> ${show(now[f])}`);
  const wn = new Map(was.iscsiNames.map((n) => [n.name, n]));
  const nn = new Map(now.iscsiNames.map((n) => [n.name, n]));
  for (const [name, n] of nn) {
    const o = wn.get(name);
    if (!o) ch.push(`node gained: ${name} (pgTag ${n.pgTag})`);
    else {
      if (o.pgTag !== n.pgTag) ch.push(`node ${name}: pgTag ${o.pgTag} -> ${n.pgTag}`);
      if (o.nodeType.join('+') !== n.nodeType.join('+')) ch.push(`node ${name}: nodeType ${o.nodeType.join('+') || '-'} -> ${n.nodeType.join('+') || '-'}`);
    }
  }
  for (const name of wn.keys()) if (!nn.has(name)) ch.push(`node lost: ${name}`);
  return ch;
}

/** Every portal of either side, in portal order, with what changed. */
export function diffPortals(base: readonly BaselinePortal[], cur: readonly BaselinePortal[]): PortalDiff[] {
  const b = new Map(base.map((p) => [portalKey(p), p]));
  const c = new Map(cur.map((p) => [portalKey(p), p]));
  const all: BaselinePortal[] = cur.slice();
  for (const [k, p] of b) if (!c.has(k)) all.push(p);
  return sortPortals(all).map((p) => {
    const key = portalKey(p);
    const label = portalLabel(p);
    const was = b.get(key);
    const now = c.get(key);
    if (!was) return { label, key, kind: 'added', changes: [`added: state ${now!.state}, securityBitmap ${bm(now!.securityBitmap)}`] };
    if (!now) return { label, key, kind: 'removed', changes: [`removed (was ${was.state}, securityBitmap ${bm(was.securityBitmap)})`] };
    const changes = changesOf(was, now);
    return { label, key, kind: changes.length ? 'changed' : 'equal', changes };
  });
}
