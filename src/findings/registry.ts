/**
 * The one registry of finding codes (the contract's table): code, severity,
 * scope, a one-line summary, and the message template that turns a finding's
 * facts into words for a support engineer. Codes, severities and scopes are
 * API; messages are not. A stage that sees a problem calls
 * `finding(CODE, facts, frames, file)`; the rules that decide portal findings
 * live in portal-rules.ts.
 *
 * Adding a finding: one row here (and in the contract), one rule where its
 * facts are known.
 */
import type { Severity } from '../types.js';
import { LOGON_FINDINGS } from './logon-registry.js';
import { displayFilter, hidden } from './locate.js';
import { stableSubject } from './subject.js';

export type Scope = 'portal' | 'capture' | 'either' | 'logon';

interface Spec<P> {
  readonly severity: Severity;
  readonly scope: Scope;
  readonly summary: string;
  readonly message: (p: P) => string;
}

function row<P>(severity: Severity, scope: Scope, summary: string, message: (p: P) => string): Spec<P> {
  return { severity, scope, summary, message };
}

/** Facts every bitmap rule words its message with. */
export interface BitmapFacts {
  /** "the bitmap" or "the default bitmap". */
  from: string;
  /** describeBitmap() text, e.g. "0x00000037 (VALID|IKE|MAIN|PFS|TRANSPORT)". */
  bitmap: string;
}

const REGISTRY = {
  BITMAP_NOT_VALID: row<BitmapFacts>('warning', 'portal', 'a bitmap arrived with VALID (0x01) clear', (p) =>
    `VALID bit clear in ${p.from} ${p.bitmap}: initiators ignore this bitmap and log on without IPsec, so a target that requires IPsec rejects the logon`),
  BITMAP_ABSENT: row<Record<string, never>>('info', 'portal', 'no iSNS message gave a bitmap and no default was given', () =>
    'no iSNS message gave this portal a security bitmap and no default was given: a Windows initiator falls back to its DefaultSecurityBitmap registry value (absent: no IPsec)'),
  DEFAULT_BITMAP_APPLIED: row<{ bitmap: string }>('info', 'portal', '--default-security-bitmap supplied the bitmap', (p) =>
    `no iSNS message gave this portal a security bitmap; the default ${p.bitmap} applies, as Windows applies its DefaultSecurityBitmap registry value`),
  UNKNOWN_BITMAP_BITS: row<BitmapFacts & { reserved: string }>('warning', 'portal', 'reserved bits (0xFFFFFF80) are set', (p) =>
    `${p.from} ${p.bitmap} sets reserved bits ${p.reserved}: only 0x01-0x40 are defined (RFC 4171 §6.3.9). A value like 0x80000000 for VALID means the sender numbered the RFC's MSb-0 bits from the wrong end`),
  TUNNEL_AND_TRANSPORT_PREFERRED: row<BitmapFacts>('warning', 'portal', 'both tunnel (0x40) and transport (0x20) mode preferred', (p) =>
    `${p.from} ${p.bitmap} prefers both tunnel (0x40) and transport (0x20) mode: the initiator has to pick one and may not match what the target's IPsec policy expects`),
  IPSEC_MODE_WITHOUT_IKE: row<BitmapFacts>('error', 'portal', 'IPsec mode bits set while IKE/IPsec (0x02) is clear', (p) =>
    `${p.from} ${p.bitmap} sets IPsec mode bits while IKE/IPsec (0x02) is clear: those bits are meaningless, the initiator logs on without IPsec, and a target that requires IPsec rejects the logon`),
  IKE_WITHOUT_PHASE1_MODE: row<BitmapFacts>('error', 'portal', 'IKE/IPsec enabled with neither main (0x04) nor aggressive (0x08) mode', (p) =>
    `${p.from} ${p.bitmap} enables IKE/IPsec but neither main (0x04) nor aggressive (0x08) mode: IKE phase 1 cannot be negotiated, so the IPsec logon fails`),
  BITMAP_CONFLICT: row<{ count: number; parts: string[] }>('error', 'portal', 'different bitmaps for the same portal', (p) =>
    `${p.count} different security bitmaps for this portal: ${p.parts.join('; ')}. The last one seen is reported; initiators use whichever they saw, so IPsec settings can differ between initiators and from the target's own configuration`),
  ISNS_ERROR_STATUS: row<{ response: string; frame: number; request: string; portal?: string; others?: number; status: string; effect?: string; count?: number; capped?: boolean }>(
    'error', 'either', 'a response with a non-zero status', (p) => {
      // A portal's finding names the message by frame and counts the other portals it named (never lists them).
      const naming = p.portal === undefined ? '' : `, which named ${p.portal}${p.others ? ` and ${p.others} other portal${p.others === 1 ? '' : 's'}` : ''},`;
      const base = p.effect === undefined
        ? `${p.response} (frame ${p.frame}) answered ${p.request} with status ${p.status}`
        : `${p.response} (frame ${p.frame}) answered ${p.request}${naming} with status ${p.status}: ${p.effect}`;
      return p.count === undefined || p.count === 1 ? base : `${base}. The same status came back ${p.count} times in all${p.capped ? ' (the frames of the first ones are listed)' : ''}`;
    }),
  PORTAL_DEREGISTERED: row<{ frames: number[] }>('info', 'portal', 'the portal was deregistered', (p) =>
    `the portal was deregistered (frame ${p.frames.join(', ')}): initiators that query iSNS after that no longer discover it`),
  TRUNCATED_CAPTURE: row<{ text: string }>('warning', 'capture', 'the file ends inside a record or block', (p) => p.text),
  TCP_GAP: row<{ conversation: string; from: string; text: string }>('warning', 'capture', 'bytes of an iSNS TCP stream are missing', (p) =>
    `${p.conversation}: from ${p.from}: ${p.text}`),
  MALFORMED_PDU: row<{ conversation: string; text: string }>('warning', 'capture', 'an iSNS PDU or attribute violates RFC 4171', (p) => `${p.conversation}: ${p.text}`),
  UNSUPPORTED_LINK_TYPE: row<{ linktype: number; iface: number }>('warning', 'capture', 'frames of a link type the tool cannot decode', (p) =>
    `link type ${p.linktype} (interface ${p.iface}) is not supported: its frames are skipped, so iSNS traffic on it is not seen`),
  UNANSWERED_REQUEST: row<{ request: string; xid: number; from: string; to: string } | { more: number } | { untracked: number; max: number }>(
    'warning', 'capture', 'a request with no response by the end of the inputs', (p) =>
      'request' in p
        ? `${p.request} (transaction ${p.xid}) from ${p.from} to ${p.to} got no response by the end of the capture`
        : 'more' in p
          ? `${p.more} more requests got no response (not listed one by one)`
          : `${p.untracked} more requests were no longer tracked (over ${p.max} awaiting a response at once) and may be unanswered`),
  TRUNCATED_PDU: row<{ conversation: string; text: string }>('warning', 'capture', 'a PDU whose bytes the snaplen cut: kept with its header, attributes decoded as far as captured', (p) =>
    `${p.conversation}: ${p.text}`),
  NOT_ISNS: row<{ conversation: string; text: string }>('info', 'capture', 'a conversation or datagram on an iSNS port whose bytes are not iSNS', (p) => `${p.conversation}: ${p.text}`),
  ...LOGON_FINDINGS,
} as const;

export type FindingCode = keyof typeof REGISTRY;
export type FindingFacts<C extends FindingCode> = Parameters<(typeof REGISTRY)[C]['message']>[0];

export interface FindingSpec {
  readonly severity: Severity;
  readonly scope: Scope;
  readonly summary: string;
}

/** Code → severity, scope, summary (the contract's table, in its order). */
export const FINDINGS: ReadonlyMap<FindingCode, FindingSpec> = new Map(
  (Object.keys(REGISTRY) as FindingCode[]).map((c) => [c, { severity: REGISTRY[c].severity, scope: REGISTRY[c].scope, summary: REGISTRY[c].summary }]),
);

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
  /** Capture-level findings name their file; portal findings may too when useful. */
  readonly file?: string;
  readonly frames: number[];
  /** A Wireshark display filter selecting `frames` in the finding's file: `frame.number in {5 11}` (null: no frames). */
  readonly filter?: string | null;
  /** Only when the frames lie in several input files: a display filter per file. */
  readonly filters?: Readonly<Record<string, string>>;
  /** Non-enumerable (never in JSON): what the finding is about, stable between recordings (subject.ts); check's baseline key. */
  readonly subject?: string;
  /** Non-enumerable: the file of each frame, when they are not all in `file`. */
  readonly frameFiles?: readonly string[];
}

/** Frames a finding lists at each end of a longer list (the count is said). */
export const MAX_FRAMES_EACH_END = 10;

/**
 * A finding of `code`, its message made from `facts` by the registry's
 * template. A long frame list (a PDU trickled over thousands of segments) is
 * cut to its first and last frames, and the message says how many there are.
 */
export function finding<C extends FindingCode>(code: C, facts: FindingFacts<C>, frames: number[], file?: string): Finding {
  const spec = REGISTRY[code] as Spec<FindingFacts<C>>;
  let message = spec.message(facts);
  if (frames.length > 2 * MAX_FRAMES_EACH_END) {
    message += ` (${frames.length} frames in all; the first and last ${MAX_FRAMES_EACH_END} are listed)`;
    frames = [...frames.slice(0, MAX_FRAMES_EACH_END), ...frames.slice(-MAX_FRAMES_EACH_END)];
  }
  const f: Finding = file === undefined ? { code, severity: spec.severity, message, frames, filter: displayFilter(frames) } : { code, severity: spec.severity, message, file, frames, filter: displayFilter(frames) };
  return hidden(f, 'subject', stableSubject(facts));
}

/** A finding that sums up others of its code (a bound was reached): its message is the summary itself. */
export function summaryFinding(code: FindingCode, message: string, frames: number[], file?: string): Finding {
  const severity = REGISTRY[code].severity;
  const f: Finding = file === undefined ? { code, severity, message, frames, filter: displayFilter(frames) } : { code, severity, message, file, frames, filter: displayFilter(frames) };
  return hidden(f, 'subject', '(more)');
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
export function severityAtLeast(s: Severity, min: Severity): boolean {
  return RANK[s] >= RANK[min];
}
