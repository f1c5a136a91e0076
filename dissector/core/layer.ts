/**
 * Shared plumbing for the fixed-header dissectors: field constructors and the
 * guard that turns a ByteView error into a layer problem (truncated vs
 * malformed), so no dissector throws.
 */
import { MalformedError, TruncatedError, type ByteView } from './byteview.js';
import type { FieldDef, FieldNode, FieldValue } from './field.js';
import type { LayerProblem } from './protocol.js';

export function f(abbrev: string, name: string, type: FieldDef['type'], base?: FieldDef['base'], extra: Partial<FieldDef> = {}): FieldDef {
  return { abbrev, name, type, ...(base ? { base } : {}), ...extra };
}

/** Index a field table by abbreviation. */
export function table(defs: readonly FieldDef[]): Record<string, FieldDef> {
  const o: Record<string, FieldDef> = Object.create(null);
  for (const d of defs) o[d.abbrev] = d;
  return o;
}

export function node(def: FieldDef, value: FieldValue, offset: number, length: number, children?: FieldNode[]): FieldNode {
  return children ? { def, value, offset, length, children } : { def, value, offset, length };
}

/** Turn a thrown view error into a problem; anything else is a bug and is rethrown. */
export function problemOf(e: unknown, what: string): LayerProblem {
  if (e instanceof TruncatedError) return { kind: 'truncated', offset: e.offset, message: `${what}: ${e.message}` };
  if (e instanceof MalformedError) return { kind: 'malformed', offset: e.offset, message: `${what}: ${e.message}` };
  return { kind: 'malformed', offset: 0, message: `${what}: ${e instanceof Error ? e.message : String(e)}` };
}

/** A layer too short for its fixed header. */
export function tooShort(v: ByteView, need: number, what: string): LayerProblem {
  const truncated = v.length >= need;
  return {
    kind: truncated ? 'truncated' : 'malformed',
    offset: v.abs(0),
    message: `${what}: header needs ${need} bytes, ${truncated ? `only ${v.captured} captured` : `only ${v.length} present`}`,
  };
}
