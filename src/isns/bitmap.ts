/**
 * Portal Security Bitmap (RFC 4171 §6.3.9, tag 27) and its Windows names
 * (iscsidef.h / iscsidsc.h ISCSI_SECURITY_FLAG_*). RFC numbers the bits MSb=0,
 * so RFC bit 31 is mask 0x01.
 */

export interface SecurityFlag {
  readonly mask: number;
  /** Windows constant name. */
  readonly windows: string;
  /** Short name for tables. */
  readonly short: string;
  /** What the bit means when set. */
  readonly meaning: string;
}

export const SECURITY_FLAGS: readonly SecurityFlag[] = [
  { mask: 0x01, windows: 'ISCSI_SECURITY_FLAG_VALID', short: 'VALID', meaning: 'bitmap valid' },
  { mask: 0x02, windows: 'ISCSI_SECURITY_FLAG_IKE_IPSEC_ENABLED', short: 'IKE', meaning: 'IKE/IPsec enabled' },
  { mask: 0x04, windows: 'ISCSI_SECURITY_FLAG_MAIN_MODE_ENABLED', short: 'MAIN', meaning: 'IKE main mode enabled' },
  { mask: 0x08, windows: 'ISCSI_SECURITY_FLAG_AGGRESSIVE_MODE_ENABLED', short: 'AGGR', meaning: 'IKE aggressive mode enabled' },
  { mask: 0x10, windows: 'ISCSI_SECURITY_FLAG_PFS_ENABLED', short: 'PFS', meaning: 'perfect forward secrecy enabled' },
  { mask: 0x20, windows: 'ISCSI_SECURITY_FLAG_TRANSPORT_MODE_PREFERRED', short: 'TRANSPORT', meaning: 'transport mode preferred' },
  { mask: 0x40, windows: 'ISCSI_SECURITY_FLAG_TUNNEL_MODE_PREFERRED', short: 'TUNNEL', meaning: 'tunnel mode preferred' },
];

export const RESERVED_BITS = 0xffffff80;

/** Windows names of the set (known) bits, lowest bit first. */
export function securityFlagNames(bitmap: number): string[] {
  return SECURITY_FLAGS.filter((f) => (bitmap & f.mask) !== 0).map((f) => f.windows);
}

/** Short names of the set bits, lowest first, plus "+RSVD" when reserved bits are set. */
export function securityShortNames(bitmap: number): string[] {
  const names = SECURITY_FLAGS.filter((f) => (bitmap & f.mask) !== 0).map((f) => f.short);
  if ((bitmap & RESERVED_BITS) >>> 0 !== 0) names.push('RSVD');
  return names;
}

export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}

/** describeBitmap's texts by value (a capture has a handful of bitmaps and thousands of findings naming them); bounded. */
const DESCRIBED = new Map<number, string>();

/** "0x00000037 (VALID|IKE|MAIN|PFS|TRANSPORT)" */
export function describeBitmap(v: number): string {
  let d = DESCRIBED.get(v);
  if (d === undefined) {
    const s = securityShortNames(v);
    d = `${hex32(v)} (${s.length ? s.join('|') : 'no bits'})`;
    if (DESCRIBED.size >= 256) DESCRIBED.clear();
    DESCRIBED.set(v, d);
  }
  return d;
}

/** Parse a --default-security-bitmap argument: decimal or 0x hex, 0..0xffffffff. */
export function parseBitmapArg(s: string): number | null {
  const t = s.trim();
  let v: number;
  if (/^0[xX][0-9a-fA-F]{1,8}$/.test(t)) v = parseInt(t.slice(2), 16);
  else if (/^[0-9]{1,10}$/.test(t)) v = Number(t);
  else return null;
  return v >= 0 && v <= 0xffffffff ? v : null;
}
