/**
 * Field definitions and names for isakmp.*: the FieldDefs built from the
 * tshark field table (fields.ts), their value strings (values.ts), and
 * lookups by number for the typed result (exchange, payload, notify and
 * attribute names, IKEv1 and IKEv2 variants).
 */
import type { FieldDef } from '../core/field.js';
import { ISAKMP_FIELD_ROWS } from './fields.js';
import { TFS, VALUES, type Range } from './values.js';

/** Which value table of a field: Wireshark registers some fields twice (IKEv1, IKEv2) under one name. */
export type Variant = 0 | 1;

function table(abbrev: string, variant: Variant): readonly Range[] | undefined {
  const t = VALUES[abbrev];
  if (!t) return undefined;
  return t[variant] ?? t[0];
}

/** Wireshark's rval_to_str: the first range holding `v`. */
export function rangeName(abbrev: string, v: number, variant: Variant = 0): string | undefined {
  const t = table(abbrev, variant);
  if (!t) return undefined;
  for (const [lo, hi, s] of t) if (v >= lo && v <= hi) return s;
  return undefined;
}

function singles(t: readonly Range[]): ReadonlyMap<number, string> {
  const m = new Map<number, string>();
  for (const [lo, hi, s] of t) if (lo === hi && !m.has(lo)) m.set(lo, s);
  return m;
}

function build(variant: Variant): Map<string, FieldDef> {
  const m = new Map<string, FieldDef>();
  for (const [abbrev, name, type, base, bitmask, bitWidth] of ISAKMP_FIELD_ROWS) {
    const t = table(abbrev, variant);
    const tf = TFS[abbrev];
    const def: FieldDef = {
      abbrev,
      name,
      type,
      ...(base ? { base } : {}),
      ...(bitmask !== undefined ? { bitmask } : {}),
      ...(bitWidth !== undefined ? { bitWidth } : {}),
      ...(t ? { strings: singles(t) } : {}),
      ...(tf ? { tf } : {}),
    };
    m.set(abbrev, def);
  }
  return m;
}

const V1 = build(0);
const V2 = build(1);

/** The 357 isakmp.* field definitions (IKEv1 value strings where two exist). */
export const ISAKMP_FIELDS: readonly FieldDef[] = [...V1.values()];

/** Definition of a field; `variant` 1 picks the IKEv2 value strings. Unknown names are a bug. */
export function fd(abbrev: string, variant: Variant = 0): FieldDef {
  const d = (variant ? V2 : V1).get(abbrev);
  if (!d) throw new Error(`isakmp: no field ${abbrev}`);
  return d;
}

// ------------------------------------------------------------------ names for the result

export const exchangeName = (t: number): string => rangeName('isakmp.exchangetype', t) ?? `Unknown ${t}`;
export const payloadName = (t: number): string => rangeName('isakmp.typepayload', t)?.trim() ?? `Unknown ${t}`;
/** Which value strings a version uses: IKEv2's (1) or IKEv1's (0, also for any other version). */
export const variantOf = (version: number): Variant => (version === 2 ? 1 : 0);
export function notifyName(type: number, version: number): string {
  return rangeName('isakmp.notify.msgtype', type, variantOf(version)) ?? 'Unknown';
}
export function protocolName(id: number, version: number): string {
  return rangeName('isakmp.prop.protoid', id, variantOf(version)) ?? `Unknown ${id}`;
}
export function idTypeName(id: number, version: number): string {
  return rangeName('isakmp.id.type', id, variantOf(version)) ?? `Unknown ${id}`;
}
