/**
 * The registered finding codes (the contract's table). Codes, severities and
 * scopes are API; messages are written for people where the finding is made.
 */
import type { Severity } from '../types.js';

export type FindingCode =
  | 'BITMAP_NOT_VALID'
  | 'BITMAP_ABSENT'
  | 'DEFAULT_BITMAP_APPLIED'
  | 'UNKNOWN_BITMAP_BITS'
  | 'TUNNEL_AND_TRANSPORT_PREFERRED'
  | 'IPSEC_MODE_WITHOUT_IKE'
  | 'IKE_WITHOUT_PHASE1_MODE'
  | 'BITMAP_CONFLICT'
  | 'ISNS_ERROR_STATUS'
  | 'PORTAL_DEREGISTERED'
  | 'TRUNCATED_CAPTURE'
  | 'TCP_GAP'
  | 'MALFORMED_PDU'
  | 'UNSUPPORTED_LINK_TYPE'
  | 'UNANSWERED_REQUEST';

export interface FindingSpec {
  readonly severity: Severity;
  readonly scope: 'portal' | 'capture' | 'either';
  readonly summary: string;
}

export const FINDINGS: ReadonlyMap<FindingCode, FindingSpec> = new Map<FindingCode, FindingSpec>([
  ['BITMAP_NOT_VALID', { severity: 'warning', scope: 'portal', summary: 'a bitmap arrived with VALID (0x01) clear' }],
  ['BITMAP_ABSENT', { severity: 'info', scope: 'portal', summary: 'no iSNS message gave a bitmap and no default was given' }],
  ['DEFAULT_BITMAP_APPLIED', { severity: 'info', scope: 'portal', summary: '--default-security-bitmap supplied the bitmap' }],
  ['UNKNOWN_BITMAP_BITS', { severity: 'warning', scope: 'portal', summary: 'reserved bits (0xFFFFFF80) are set' }],
  ['TUNNEL_AND_TRANSPORT_PREFERRED', { severity: 'warning', scope: 'portal', summary: 'both tunnel (0x40) and transport (0x20) mode preferred' }],
  ['IPSEC_MODE_WITHOUT_IKE', { severity: 'error', scope: 'portal', summary: 'IPsec mode bits set while IKE/IPsec (0x02) is clear' }],
  ['IKE_WITHOUT_PHASE1_MODE', { severity: 'error', scope: 'portal', summary: 'IKE/IPsec enabled with neither main (0x04) nor aggressive (0x08) mode' }],
  ['BITMAP_CONFLICT', { severity: 'error', scope: 'portal', summary: 'different bitmaps for the same portal' }],
  ['ISNS_ERROR_STATUS', { severity: 'error', scope: 'either', summary: 'a response with a non-zero status' }],
  ['PORTAL_DEREGISTERED', { severity: 'info', scope: 'portal', summary: 'the portal was deregistered' }],
  ['TRUNCATED_CAPTURE', { severity: 'warning', scope: 'capture', summary: 'the file ends inside a record or block' }],
  ['TCP_GAP', { severity: 'warning', scope: 'capture', summary: 'bytes of an iSNS TCP stream are missing' }],
  ['MALFORMED_PDU', { severity: 'warning', scope: 'capture', summary: 'an iSNS PDU or attribute violates RFC 4171' }],
  ['UNSUPPORTED_LINK_TYPE', { severity: 'warning', scope: 'capture', summary: 'frames of a link type the tool cannot decode' }],
  ['UNANSWERED_REQUEST', { severity: 'warning', scope: 'capture', summary: 'a request with no response by the end of the inputs' }],
]);

export interface Finding {
  readonly code: FindingCode;
  readonly severity: Severity;
  readonly message: string;
  /** Capture-level findings name their file; portal findings may too when useful. */
  readonly file?: string;
  readonly frames: number[];
}

export function finding(code: FindingCode, message: string, frames: number[], file?: string): Finding {
  const spec = FINDINGS.get(code)!;
  const f: Finding = file === undefined
    ? { code, severity: spec.severity, message, frames }
    : { code, severity: spec.severity, message, file, frames };
  return f;
}

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };
export function severityAtLeast(s: Severity, min: Severity): boolean {
  return RANK[s] >= RANK[min];
}
