/**
 * The rules of portal-scope findings: what a portal's state says about an
 * IPsec logon through it. Each rule reads the portal's facts and, when it
 * applies, makes a finding from the registry (registry.ts holds the words).
 */
import { functionName } from '../../dissector/isns/index.js';
import { describeBitmap, hex32, RESERVED_BITS } from '../isns/bitmap.js';
import { bitmapsOf, lastBitmap, type PortalState } from '../isns/portals/store.js';
import { withFrameFiles } from './locate.js';
import { finding, type Finding } from './registry.js';

/** Frames listed in one aggregated ISNS_ERROR_STATUS finding. */
export const MAX_ERROR_FRAMES = 20;

/** The bitmap checks of the contract (UNKNOWN_BITMAP_BITS … IKE_WITHOUT_PHASE1_MODE). */
export function bitmapFindings(v: number, frames: number[], source: 'isns' | 'default' | 'none', file?: string): Finding[] {
  const out: Finding[] = [];
  const facts = { from: source === 'default' ? 'the default bitmap' : 'the bitmap', bitmap: describeBitmap(v) };
  if ((v & RESERVED_BITS) >>> 0 !== 0) {
    out.push(finding('UNKNOWN_BITMAP_BITS', { from: facts.from, bitmap: hex32(v), reserved: hex32((v & RESERVED_BITS) >>> 0) }, frames, file));
  }
  if ((v & 0x01) === 0) {
    out.push(finding('BITMAP_NOT_VALID', facts, frames, file));
    return out;
  }
  if ((v & 0x60) === 0x60) out.push(finding('TUNNEL_AND_TRANSPORT_PREFERRED', facts, frames, file));
  if ((v & 0x02) === 0 && (v & 0x7c) !== 0) out.push(finding('IPSEC_MODE_WITHOUT_IKE', facts, frames, file));
  if ((v & 0x02) !== 0 && (v & 0x0c) === 0) out.push(finding('IKE_WITHOUT_PHASE1_MODE', facts, frames, file));
  return out;
}

export interface PortalVerdict {
  bitmap: number | null;
  source: 'isns' | 'default' | 'none';
  findings: Finding[];
}

/**
 * Every portal-scope finding of one portal, and the bitmap its record
 * reports. A rejected portal (no registration of it accepted) is discovered by
 * no initiator: no default bitmap, no BITMAP_ABSENT, no conflict among attempts.
 */
export function portalFindings(p: Pick<PortalState, 'errors' | 'bitmapRows' | 'bitmapFiles' | 'bitmapValue' | 'bitmapFid' | 'bitmapFrame' | 'bitmapFile' | 'life' | 'deregFrames' | 'deregFiles'>, defaultBitmap: number | null, rejected = false): PortalVerdict {
  const findings: Finding[] = [];
  const last = lastBitmap(p);
  // ISNS_ERROR_STATUS: one per response function and status, with how often it came back.
  for (const e of p.errors.values()) {
    findings.push(withFrameFiles(finding('ISNS_ERROR_STATUS', { ...e.facts, count: e.count, capped: e.frames.length >= MAX_ERROR_FRAMES }, e.frames, e.file), e.files));
  }
  const bitmaps = rejected ? [] : bitmapsOf(p);
  if (bitmaps.length > 1) {
    const parts = bitmaps.map(
      (s) => `${describeBitmap(s.value)} from ${functionName(s.first.fid)} (frame ${s.first.frame}${s.count > 1 ? `, ${s.count} times, last frame ${s.lastFrame}` : ''})`,
    );
    const firsts = bitmaps.map((s) => s.first);
    findings.push(withFrameFiles(finding('BITMAP_CONFLICT', { count: bitmaps.length, parts }, firsts.map((s) => s.frame), last!.from.file), firsts.map((s) => s.file)));
  }
  let bitmap: number | null = last ? last.value : null;
  let source: PortalVerdict['source'] = last ? 'isns' : 'none';
  if (bitmap === null && rejected) {
    // nothing: no initiator discovers it, so no bitmap applies
  } else if (bitmap === null && defaultBitmap !== null) {
    bitmap = defaultBitmap >>> 0;
    source = 'default';
    findings.push(finding('DEFAULT_BITMAP_APPLIED', { bitmap: describeBitmap(bitmap) }, []));
  } else if (bitmap === null) findings.push(finding('BITMAP_ABSENT', {}, []));
  const own = source === 'default' || !last ? undefined : last.from;
  if (bitmap !== null) findings.push(...bitmapFindings(bitmap, own ? [own.frame] : [], source, own?.file));
  if (p.life === 'deregistered') findings.push(withFrameFiles(finding('PORTAL_DEREGISTERED', { frames: p.deregFrames }, p.deregFrames.slice(), p.deregFiles[0]), p.deregFiles));
  return { bitmap, source, findings };
}
