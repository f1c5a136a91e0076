/**
 * The portal record (the contract's JSON shape) made from a portal's state:
 * the bitmap and findings from the portal rules, the nodes reachable through
 * it, where it was first and last seen.
 */
import { keepHidden } from '../../findings/locate.js';
import { portalFindings } from '../../findings/portal-rules.js';
import type { Finding } from '../../findings/registry.js';
import { securityFlagNames } from '../bitmap.js';
import { isoTime } from '../../time.js';
import type { SeenAt } from '../../types.js';
import { lastSeenOf, type PortalState, type PortalStore, type Seen } from './store.js';

export interface PortalNode {
  name: string;
  nodeType: string[];
  pgTag: number;
}

/** How a portal reached initiators: an iSNS server message listed it, a SendTargets answer did. */
export type DiscoveredBy = 'isns' | 'sendtargets';

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
  discoveredBy: DiscoveredBy[];
  firstSeen: SeenAt;
  lastSeen: SeenAt;
  findings: Finding[];
}

/** Hex text of kept value bytes (null for none or empty). */
function hexText(b: Uint8Array | null): string | null {
  if (b === null || b.length === 0) return null;
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function nodeTypeNames(t: number | null): string[] {
  if (t === null) return [];
  const out: string[] = [];
  if (t & 1) out.push('target');
  if (t & 2) out.push('initiator');
  if (t & 4) out.push('control');
  return out;
}

function seenAt(s: Seen): SeenAt {
  return { file: s.file, frame: s.frame, time: isoTime(s) };
}

/** The nodes reachable through a portal (or named by a rejected registration of it), sorted by name. */
function nodesOf(p: PortalState, store: PortalStore, attempted: string[] | null): PortalNode[] {
  const out = new Map<string, number>();
  for (const [name, tag] of p.pg) if (tag !== null) out.set(name, tag);
  if (attempted) for (const n of attempted) if (!p.pg.has(n) && !out.has(n)) out.set(n, 1);
  // RFC 4171 §6.5.4: a node and a portal of the same entity registered without an
  // explicit PGT are tied by the default PGT 1.
  if (p.entityId) {
    const e = store.entities.get(p.entityId);
    if (e) for (const n of e.nodes) if (!p.pg.has(n) && !out.has(n)) out.set(n, 1);
  }
  return [...out]
    .map(([name, pgTag]) => ({ name, nodeType: nodeTypeNames(store.nodeTypes.get(name) ?? null), pgTag }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export function recordOf(portal: PortalState, store: PortalStore, defaultBitmap: number | null, discoveredBy: DiscoveredBy[] = []): PortalRecord {
  const state: PortalRecord['state'] =
    portal.life === 'deregistered' ? 'deregistered' : portal.life === 'registered' ? 'registered' : portal.rejected > 0 ? 'rejected' : 'queried';
  // A portal no registration of which was accepted keeps what it tried to register.
  const rejected = state === 'rejected' && portal.attempt !== undefined;
  const p = rejected ? { ...portal.attempt!, errors: portal.errors, life: portal.life, deregFrames: portal.deregFrames, deregFiles: portal.deregFiles } : portal;
  const v = portalFindings(p, defaultBitmap, state === 'rejected');
  return {
    address: p.address,
    socket: p.socket,
    transport: p.transport,
    securityBitmap: v.bitmap,
    securityBitmapSource: v.source,
    securityFlags: v.bitmap === null ? [] : securityFlagNames(v.bitmap),
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
    iscsiNames: nodesOf(p, store, rejected ? (portal.attemptNodes ?? null) : null),
    state,
    discoveredBy,
    firstSeen: seenAt(portal.firstSeen),
    lastSeen: seenAt(lastSeenOf(portal)),
    // The contract's portal findings: code, severity, message, frames, filter (the file is the
    // record's own: kept non-enumerable, for check and annotate; `filters` when frames span files).
    findings: v.findings.map((f) => keepHidden(f, { code: f.code, severity: f.severity, message: f.message, frames: f.frames, filter: f.filter ?? null, ...(f.filters ? { filters: f.filters } : {}) })),
  };
}
