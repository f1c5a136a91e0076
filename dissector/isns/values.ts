/**
 * The one decoder of iSNS attribute values (RFC 4171 §6): bytes of a TLV's
 * value in, a typed value out, with the problem RFC 4171 would see in it.
 * The message model, the full tree (`packets --full`) and the portal records
 * all read values through it. (The Wireshark-mode tree in tree.ts reads bytes
 * by Wireshark 4.0's own, different rules — on purpose: its output must be
 * tshark's, quirks included.)
 *
 * Layouts, in our words: strings are NUL-terminated UTF-8 padded to 4;
 * addresses 16 bytes (IPv6, or IPv4 as ::ffff:a.b.c.d or, from open-isns,
 * ::a.b.c.d); a port word has the port in its low 16 bits and bit 16 set for
 * UDP; the PG Tag is 16 bits in a 4-byte word (zero length = NULL);
 * bitmaps and counters are 32-bit big-endian; FC ids 24 bits in a 4-byte word;
 * WWNs and timestamps 64 bits.
 */
import { formatIpv6 } from '../core/byteview.js';
import { allowedLength, type TagSpec } from './attrs.js';

const UTF8 = new TextDecoder('utf-8', { fatal: false });

export type IsnsValue =
  | { kind: 'empty' }
  | { kind: 'string'; text: string }
  | { kind: 'uint'; value: number }
  | { kind: 'uint64'; value: bigint }
  | { kind: 'address'; text: string; ipv4: string | null }
  | { kind: 'port'; port: number; udp: boolean }
  | { kind: 'bitmap'; value: number; names: string[] }
  | { kind: 'bytes'; hex: string };

/** RFC string: UTF-8 up to the first NUL. */
export function rfcString(raw: Uint8Array): string {
  const z = raw.indexOf(0);
  return UTF8.decode(z >= 0 ? raw.subarray(0, z) : raw);
}

export function u32of(raw: Uint8Array, o = 0): number {
  return ((raw[o]! << 24) >>> 0) + ((raw[o + 1]! << 16) | (raw[o + 2]! << 8) | raw[o + 3]!);
}

const PSB_NAMES: [number, string][] = [[0x01, 'VALID'], [0x02, 'IKE/IPsec'], [0x04, 'Main Mode'], [0x08, 'Aggressive Mode'], [0x10, 'PFS'], [0x20, 'Transport Mode'], [0x40, 'Tunnel Mode']];
const SCN_NAMES: [number, string][] = [[0x80, 'Initiator and self information only'], [0x40, 'Target and self information only'], [0x20, 'Management registration/SCN'], [0x10, 'Object removed'], [0x08, 'Object added'], [0x04, 'Object updated'], [0x02, 'DD/DDS member removed'], [0x01, 'DD/DDS member added']];
const NT_NAMES: [number, string][] = [[0x1, 'Target'], [0x2, 'Initiator'], [0x4, 'Control']];

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function names(v: number, list: [number, string][]): string[] {
  return list.filter(([m]) => (v & m) !== 0).map(([, s]) => s);
}

/**
 * The names of each bitmap value below 256 (all flags these lists name), made
 * the first time the value is asked for: constant tables, shared and frozen
 * (made whole at start-up, the 768 lists cost ~4 ms of every process's and
 * thread's start).
 */
const NAMES_BY_VALUE = new Map<[number, string][], (readonly string[] | undefined)[]>([PSB_NAMES, SCN_NAMES, NT_NAMES].map((l) => [l, new Array<readonly string[] | undefined>(256).fill(undefined)]));
function namesOf(v: number, list: [number, string][]): string[] {
  if (!(v >= 0 && v < 256)) return names(v, list);
  const t = NAMES_BY_VALUE.get(list)!;
  return (t[v] ??= Object.freeze(names(v, list))) as string[];
}

/**
 * IPv4 text when the 16 bytes carry an IPv4 address: IPv4-mapped (::ffff:a.b.c.d,
 * the RFC form, including ::ffff:0.0.0.0), or IPv4-compatible (::a.b.c.d, what
 * open-isns sends) when the upper 16 bits of the last word are non-zero. That
 * is exactly when inet_ntop (and tshark) prints a dotted quad, so ::, ::1 and
 * ::0.0.1.0 (= ::100) stay IPv6, never the ambiguous "0.0.0.0"/"0.0.0.1".
 */
export function ipv4Of(raw: Uint8Array): string | null {
  return ipv4Bits(raw) === null ? null : `${raw[12]}.${raw[13]}.${raw[14]}.${raw[15]}`;
}

/** The IPv4 address ipv4Of shows, as a 32-bit signed integer (a small integer for V8: a cheap Map key). */
export function ipv4Bits(raw: Uint8Array): number | null {
  return ipv4BitsAt(raw, 0);
}

/** ipv4Bits of the 16 bytes at offset `o` of `b`. */
export function ipv4BitsAt(b: Uint8Array, o: number): number | null {
  for (let i = 0; i < 10; i++) if (b[o + i] !== 0) return null;
  const mapped = b[o + 10] === 0xff && b[o + 11] === 0xff;
  const compat = b[o + 10] === 0 && b[o + 11] === 0 && (b[o + 12] !== 0 || b[o + 13] !== 0);
  return mapped || compat ? (b[o + 12]! << 24) | (b[o + 13]! << 16) | (b[o + 14]! << 8) | b[o + 15]! : null;
}

/** Text made on first use: most values are never shown (only records are built). */
function lazyBytes(raw: Uint8Array): IsnsValue {
  let h: string | undefined;
  return {
    kind: 'bytes',
    get hex(): string {
      return (h ??= hex(raw));
    },
  };
}

function lazyAddress(raw: Uint8Array): IsnsValue {
  let t: string | undefined;
  return {
    kind: 'address',
    get text(): string {
      return (t ??= formatIpv6(raw, 0));
    },
    ipv4: ipv4Of(raw),
  };
}

export function decodeValue(spec: TagSpec | undefined, raw: Uint8Array): { value: IsnsValue; problem?: string } {
  if (raw.length === 0) return { value: { kind: 'empty' } };
  if (!spec) return { value: lazyBytes(raw), problem: 'unknown tag' };
  const wrong = spec.rfcLen !== undefined && raw.length !== spec.rfcLen ? `length ${raw.length}, RFC 4171 wants ${spec.rfcLen}` : undefined;
  const w = (value: IsnsValue): { value: IsnsValue; problem?: string } => (wrong ? { value, problem: wrong } : { value });
  switch (spec.kind) {
    case 'string':
      return { value: { kind: 'string', text: rfcString(raw) } };
    case 'ip':
      if (raw.length !== 16) return { value: lazyBytes(raw), problem: wrong ?? 'bad address length' };
      return { value: lazyAddress(raw) };
    case 'port':
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'port', port: ((raw[2]! << 8) | raw[3]!) >>> 0, udp: (raw[1]! & 1) === 1 });
    case 'psb':
    case 'scn':
    case 'nodetype': {
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      const x = u32of(raw);
      return w({ kind: 'bitmap', value: x, names: namesOf(x, spec.kind === 'psb' ? PSB_NAMES : spec.kind === 'scn' ? SCN_NAMES : NT_NAMES) });
    }
    case 'pgt':
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint', value: u32of(raw) & 0xffff });
    case 'u24':
      if (raw.length < 3) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint', value: raw.length >= 4 ? u32of(raw) & 0xffffff : (raw[0]! << 16) | (raw[1]! << 8) | raw[2]! });
    case 'u64':
      if (raw.length < 8) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint64', value: (BigInt(u32of(raw)) << 32n) | BigInt(u32of(raw, 4)) });
    case 'u32':
    case 'range':
      if (raw.length < 4) return { value: lazyBytes(raw), problem: wrong! };
      return w({ kind: 'uint', value: u32of(raw) });
    default:
      return { value: lazyBytes(raw) };
  }
}

/** What decodeValue would report for a value of `len` bytes, without decoding it. */
export function valueProblem(spec: TagSpec | undefined, len: number): string | undefined {
  if (len === 0) return undefined;
  if (!spec) return 'unknown tag';
  const want = allowedLength(spec);
  if (want < 0 || len === want) return undefined;
  return spec.rfcLen !== undefined && len !== spec.rfcLen ? `length ${len}, RFC 4171 wants ${spec.rfcLen}` : 'bad address length';
}

/**
 * Address text for a record: IPv4 when the 16 bytes are IPv4-mapped or
 * IPv4-compatible (see ipv4Of), else RFC 5952 text; null when not 16 bytes.
 */
export function addressText(raw: Uint8Array): string | null {
  if (raw.length !== 16) return null;
  return ipv4Of(raw) ?? formatIpv6(raw, 0);
}
