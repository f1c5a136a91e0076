/** Time text of the outputs: UTC ISO 8601 with the capture's own precision. */
import type { Timestamp } from './types.js';

export function isoTime(ts: Timestamp): string {
  const d = new Date(ts.sec * 1000);
  // A crafted or corrupt timestamp can be outside what ISO 8601 / Date can show.
  if (!Number.isFinite(d.getTime()) || d.getUTCFullYear() > 9999 || d.getUTCFullYear() < 0) return `invalid time (${ts.sec} s since 1970)`;
  const base = d.toISOString().slice(0, 19);
  const digits = Math.max(0, Math.min(9, ts.digits));
  if (digits === 0) return `${base}Z`;
  const frac = String(ts.nsec).padStart(9, '0').slice(0, digits);
  return `${base}.${frac}Z`;
}
