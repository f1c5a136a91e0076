/**
 * Declarative field tables (Wireshark's hf_register_info in spirit) and the
 * field tree that dissectors build from them. Tree text, `-e` field output and
 * JSON are all derived from these definitions.
 */

export type FieldType =
  | 'none' // FT_NONE: a label / expert item, no value
  | 'protocol' // FT_PROTOCOL
  | 'boolean' // FT_BOOLEAN (bit of a parent integer when `bitmask` is set)
  | 'uint8'
  | 'uint16'
  | 'uint24'
  | 'uint32'
  | 'uint64'
  | 'ipv4'
  | 'ipv6'
  | 'ether'
  | 'string'
  | 'bytes'
  | 'framenum' // FT_FRAMENUM: a frame number (value: number)
  | 'reltime'; // FT_RELATIVE_TIME: a signed duration (value: bigint nanoseconds)

/** 'dec_hex': BASE_DEC_HEX — `-e` prints the decimal, the tree "n (0x...)". */
export type FieldBase = 'dec' | 'hex' | 'dec_hex' | 'none';

export interface FieldDef {
  /** Wireshark display-filter abbreviation, verbatim (e.g. `isns.portal.ip_address`). */
  readonly abbrev: string;
  /** Human label as the tree shows it. */
  readonly name: string;
  readonly type: FieldType;
  readonly base?: FieldBase;
  /** For booleans: the mask within the parent integer; for integers: a sub-field mask. */
  readonly bitmask?: number;
  /** For booleans: bit width of the parent integer (8/16/24/32), used for the tree text. */
  readonly bitWidth?: number;
  /** Value strings: number → text. */
  readonly strings?: ReadonlyMap<number, string>;
  /** Boolean texts [true, false]. */
  readonly tf?: readonly [string, string];
  readonly description?: string;
}

/** A decoded value. Integers up to 32 bits are numbers; 64-bit ones bigint. */
export type FieldValue = number | bigint | string | boolean | Uint8Array | null;

export interface FieldNode {
  readonly def: FieldDef;
  readonly value: FieldValue;
  /** Absolute byte offset in the frame/PDU buffer and length covered. */
  readonly offset: number;
  readonly length: number;
  /** Optional display text replacing the default "Name: value". */
  readonly text?: string;
  readonly children?: FieldNode[];
}


/** A masked field's value: its bits under `mask`, shifted down to bit 0 (unsigned, for every 32-bit mask). */
export function maskedValue(x: number, mask: number): number {
  return ((x & mask) >>> 0) / ((mask & -mask) >>> 0);
}

export function bytesToHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function hexWidth(t: FieldType): number {
  switch (t) {
    case 'uint8':
      return 2;
    case 'uint16':
      return 4;
    case 'uint24':
      return 6;
    case 'uint32':
      return 8;
    case 'uint64':
      return 16;
    default:
      return 0;
  }
}

/**
 * A value as `tshark -T fields` prints it (4.0): booleans 1/0, hex fields
 * "0x" + zero-padded lower-case hex, decimal raw numbers (never the value
 * string), FT_NONE "1", bytes contiguous hex, strings with BS, TAB, LF, FF and
 * CR escaped as \b \t \n \f \r — exactly those five: tshark 4.0 prints every
 * other byte (BEL, VT, ESC, DEL, backslash...) as it is (checked byte for byte
 * on captures/crafted/crafted-escapes.pcap).
 */
const TSHARK_ESCAPES: Record<string, string> = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };

export function tsharkValue(n: FieldNode): string {
  const { def, value } = n;
  switch (def.type) {
    case 'none':
    case 'protocol':
      return '1';
    case 'boolean':
      return value ? '1' : '0';
    case 'uint8':
    case 'uint16':
    case 'uint24':
    case 'uint32':
    case 'uint64':
      if (def.base === 'hex') {
        const v = typeof value === 'bigint' ? value : BigInt(value as number);
        return '0x' + v.toString(16).padStart(hexWidth(def.type), '0');
      }
      return String(value);
    case 'bytes':
      // tshark 4.0 prints an empty byte string as <MISSING> (fields without BASE_ALLOW_ZERO).
      return value instanceof Uint8Array ? (value.length ? bytesToHex(value) : '<MISSING>') : '';
    case 'reltime':
      return relTime(value);
    case 'string':
      return String(value ?? '').replace(/[\b\t\n\f\r]/g, (c) => TSHARK_ESCAPES[c]!);
    default:
      return String(value ?? '');
  }
}

/** Seconds with 9 decimals ("0.001000000", "-1.500000000") from bigint nanoseconds, as tshark prints FT_RELATIVE_TIME. */
function relTime(value: FieldValue): string {
  const ns = typeof value === 'bigint' ? value : BigInt(typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0);
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  return `${neg ? '-' : ''}${a / 1_000_000_000n}.${(a % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** Printable text for a terminal: control characters shown as \xNN escapes. */
export function safeText(s: string): string {
  // C0, DEL, C1 controls, and bidi/line separators that can reorder a terminal line.
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const cp = c.codePointAt(0)!;
    return cp < 0x100 ? '\\x' + cp.toString(16).padStart(2, '0') : '\\u' + cp.toString(16).padStart(4, '0');
  });
}

/** Display text of a node for a tree ("Name: value"), terminal-safe. */
export function displayText(n: FieldNode): string {
  if (n.text !== undefined) return safeText(n.text);
  const { def, value } = n;
  switch (def.type) {
    case 'none':
    case 'protocol':
      return safeText(def.name);
    case 'boolean': {
      const [t, f] = def.tf ?? ['True', 'False'];
      if (def.bitmask !== undefined && def.bitWidth) {
        return `${bitPattern(def.bitmask, def.bitWidth, !!value)} = ${def.name}: ${value ? t : f}`;
      }
      return `${def.name}: ${value ? t : f}`;
    }
    case 'uint8':
    case 'uint16':
    case 'uint24':
    case 'uint32':
    case 'uint64': {
      let raw = tsharkValue(n);
      if (def.base === 'dec_hex' && (typeof value === 'bigint' || (typeof value === 'number' && Number.isSafeInteger(value)))) raw += ` (0x${value.toString(16).padStart(hexWidth(def.type), '0')})`;
      const vs = typeof value === 'number' ? def.strings?.get(value) : undefined;
      const txt = vs !== undefined ? `${safeText(vs)} (${raw})` : raw;
      return `${def.name}: ${txt}`;
    }
    case 'bytes':
      return `${def.name}: ${tsharkValue(n)}`;
    case 'reltime':
      return `${def.name}: ${tsharkValue(n)} seconds`;
    case 'string':
      return `${def.name}: ${safeText(String(value ?? ''))}`;
    default:
      return `${def.name}: ${safeText(String(value ?? ''))}`;
  }
}

/** Wireshark's ".... ..1. = " bit pattern. */
export function bitPattern(mask: number, width: number, _set: boolean): string {
  let s = '';
  for (let i = width - 1; i >= 0; i--) {
    const bit = Math.floor(mask / 2 ** i) % 2 === 1;
    s += bit ? (_set ? '1' : '0') : '.';
    if (i % 4 === 0 && i !== 0) s += ' ';
  }
  return s;
}

/** Build an index abbrev → def for a table; duplicate abbreviations throw. */
export function indexFields(defs: readonly FieldDef[]): Map<string, FieldDef> {
  const m = new Map<string, FieldDef>();
  for (const d of defs) {
    if (m.has(d.abbrev)) throw new Error(`duplicate field abbreviation ${d.abbrev}`);
    m.set(d.abbrev, d);
  }
  return m;
}

/** Depth-first walk over a field tree. */
export function* walk(nodes: readonly FieldNode[] | undefined): Generator<FieldNode> {
  if (!nodes) return;
  for (const n of nodes) {
    yield n;
    if (n.children) yield* walk(n.children);
  }
}

/**
 * One `tshark -T fields -E occurrence=a -e ABBREV` column for a frame: the
 * values of every node named `abbrev` in the frame's trees, in tree order,
 * joined by ",".
 */
export function tsharkColumn(trees: readonly (readonly FieldNode[])[], abbrev: string): string {
  const vals: string[] = [];
  for (const t of trees) for (const n of walk(t)) if (n.def.abbrev === abbrev) vals.push(tsharkValue(n));
  return vals.join(',');
}
