/**
 * A validator for the subset of JSON Schema (2020-12) the files in schema/
 * use: type (one or a list, "integer" included), enum, pattern, minimum,
 * maximum, required, properties, additionalProperties (false or a schema),
 * items, and local $ref ("#/$defs/name"). Annotations ($schema, $id, title,
 * description) are ignored; any other keyword is an error, so a schema
 * cannot silently rely on something this validator does not check.
 */
type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const KEYWORDS = new Set(['type', 'enum', 'pattern', 'minimum', 'maximum', 'required', 'properties', 'additionalProperties', 'items', '$ref']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const m = /^#\/\$defs\/([^/]+)$/.exec(ref);
    const defs = root.$defs as Record<string, Schema> | undefined;
    if (!m || !defs || !defs[m[1]!]) throw new Error(`unsupported or unknown $ref ${ref}`);
    return defs[m[1]!]!;
  };
  const check = (s: Schema, v: unknown, path: string): void => {
    for (const k of Object.keys(s)) if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`schema keyword "${k}" is not supported (at ${path})`);
    if (typeof s.$ref === 'string') check(resolve(s.$ref), v, path);
    const t = typeOf(v);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      const ok = types.includes(t) || (t === 'integer' && types.includes('number'));
      if (!ok) return void errors.push(`${path}: expected ${types.join(' or ')}, found ${t}`);
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => e === v)) errors.push(`${path}: ${JSON.stringify(v)} is not one of ${JSON.stringify(s.enum)}`);
    if (typeof s.pattern === 'string' && typeof v === 'string' && !new RegExp(s.pattern, 'u').test(v)) errors.push(`${path}: ${JSON.stringify(v)} does not match ${s.pattern}`);
    if (typeof v === 'number') {
      if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${path}: ${v} < ${s.minimum}`);
      if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${path}: ${v} > ${s.maximum}`);
    }
    if (t === 'object') {
      const o = v as Record<string, unknown>;
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in o)) errors.push(`${path}: "${r}" is required`);
      const props = (s.properties as Record<string, Schema> | undefined) ?? {};
      for (const [k, x] of Object.entries(o)) {
        if (props[k]) check(props[k]!, x, `${path}.${k}`);
        else if (s.additionalProperties === false) errors.push(`${path}: "${k}" is not allowed`);
        else if (typeof s.additionalProperties === 'object' && s.additionalProperties !== null) check(s.additionalProperties as Schema, x, `${path}.${k}`);
      }
    }
    if (t === 'array' && s.items) (v as unknown[]).forEach((x, i) => check(s.items as Schema, x, `${path}[${i}]`));
  };
  check(root, value, '$');
  return errors;
}
