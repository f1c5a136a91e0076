/**
 * ByteView: the one bounds-checked, read-only window on packet bytes that every
 * dissector uses (in the spirit of Wireshark's tvbuff). No dissector indexes a
 * Uint8Array directly.
 *
 * A view has two ends:
 *  - `length`   — the *reported* length: what the enclosing structure declares
 *                 (IP total length, PDU length, attribute length, original frame
 *                 length). Reading past it is a MalformedError.
 *  - `captured` — how many of those bytes are really in the capture (snaplen may
 *                 have cut the frame). Reading past it, but inside `length`, is a
 *                 TruncatedError.
 * Offsets in errors are absolute within the underlying buffer (`abs(o)`), so a
 * report can name the byte in the frame.
 */

export class ViewError extends Error {
  constructor(
    message: string,
    /** Offset of the failed read, absolute in the underlying frame buffer. */
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Read past the captured bytes (snaplen) but within the declared length. */
export class TruncatedError extends ViewError {
  override name = 'TruncatedError';
}

/** Read past a declared length: the structure itself is inconsistent. */
export class MalformedError extends ViewError {
  override name = 'MalformedError';
}

const HEX = '0123456789abcdef';

/**
 * An owned copy of `b[from, to)`. Not `b.slice()`: on a Node Buffer (what the
 * capture readers hand out, views of one reused read buffer) `slice` is a view,
 * so bytes kept past the packet would be overwritten by the next read.
 */
export function copyBytes(b: Uint8Array, from = 0, to = b.length): Uint8Array {
  const c = new Uint8Array(to - from);
  c.set(b.subarray(from, to));
  return c;
}

export class ByteView {
  /** Absolute start offset in `buf`. */
  readonly start: number;
  /** Reported (declared) length. */
  readonly length: number;
  /** Captured length (<= length). */
  readonly captured: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    length: number = buf.length - start,
    captured: number = length,
  ) {
    if (start < 0 || start > buf.length) start = Math.max(0, Math.min(start, buf.length));
    if (length < 0) length = 0;
    const avail = buf.length - start;
    if (captured > length) captured = length;
    if (captured > avail) captured = avail;
    if (captured < 0) captured = 0;
    this.start = start;
    this.length = length;
    this.captured = captured;
  }

  static of(bytes: Uint8Array): ByteView {
    return new ByteView(bytes, 0, bytes.length, bytes.length);
  }

  /** Absolute offset in the underlying buffer of relative offset `o`. */
  abs(o: number): number {
    return this.start + o;
  }

  /** True when `n` bytes at `o` are captured. */
  has(o: number, n: number): boolean {
    return o >= 0 && n >= 0 && o + n <= this.captured;
  }

  /** Bytes captured from `o` to the captured end (0 if past it). */
  remaining(o: number): number {
    return o >= this.captured ? 0 : this.captured - o;
  }

  /** Reported bytes from `o` to the reported end (0 if past it). */
  reportedRemaining(o: number): number {
    return o >= this.length ? 0 : this.length - o;
  }

  /**
   * Throw the right error unless `n` bytes at `o` may be read. (One comparison
   * chain here, the errors made in outOfView: small enough for the compiler to
   * inline into every reader, several calls per packet.)
   */
  check(o: number, n: number, what = 'field'): void {
    if (o < 0 || n < 0 || o + n > this.captured) this.outOfView(o, n, what);
  }

  /** The error of a read check() refused: past the declared end, else past the captured data. */
  private outOfView(o: number, n: number, what: string): never {
    if (o < 0 || n < 0 || o + n > this.length) {
      throw new MalformedError(
        `${what}: ${n} bytes at offset ${this.start + o} run past the declared end (${this.start + this.length})`,
        this.start + o,
      );
    }
    throw new TruncatedError(
      `${what}: ${n} bytes at offset ${this.start + o} run past the captured data (${this.start + this.captured})`,
      this.start + o,
    );
  }

  u8(o: number): number {
    this.check(o, 1);
    return this.buf[this.start + o]!;
  }

  u16(o: number): number {
    this.check(o, 2);
    const p = this.start + o;
    const b = this.buf;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u16le(o: number): number {
    this.check(o, 2);
    const p = this.start + o;
    const b = this.buf;
    return b[p]! | (b[p + 1]! << 8);
  }

  u24(o: number): number {
    this.check(o, 3);
    const p = this.start + o;
    const b = this.buf;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }

  u32(o: number): number {
    this.check(o, 4);
    const p = this.start + o;
    const b = this.buf;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  u32le(o: number): number {
    this.check(o, 4);
    const p = this.start + o;
    const b = this.buf;
    return ((b[p + 3]! << 24) >>> 0) + ((b[p + 2]! << 16) | (b[p + 1]! << 8) | b[p]!);
  }

  /** Big-endian 64-bit unsigned, exact. */
  u64(o: number): bigint {
    this.check(o, 8);
    return (BigInt(this.u32(o)) << 32n) | BigInt(this.u32(o + 4));
  }

  /** A copy-free sub-array of `n` bytes at `o` (treat as read-only). */
  bytes(o: number, n: number): Uint8Array {
    this.check(o, n);
    return this.buf.subarray(this.start + o, this.start + o + n);
  }

  /** Lower-case contiguous hex of `n` bytes at `o`. */
  hex(o: number, n: number): string {
    this.check(o, n);
    let s = '';
    for (let i = this.start + o, e = i + n; i < e; i++) {
      const v = this.buf[i]!;
      s += HEX[v >> 4]! + HEX[v & 15]!;
    }
    return s;
  }

  /**
   * A sub-view of `n` reported bytes at `o` (default: to the reported end).
   * The sub-view's reported length must fit this view's reported length
   * (MalformedError otherwise); its captured length is clipped to what this
   * view has captured — reading the missing part later is a TruncatedError.
   */
  sub(o: number, n?: number): ByteView {
    const len = n ?? this.length - o;
    if (o < 0 || len < 0 || o + len > this.length) {
      throw new MalformedError(
        `sub-view of ${len} bytes at offset ${this.start + o} runs past the declared end (${this.start + this.length})`,
        this.start + o,
      );
    }
    const cap = Math.max(0, Math.min(len, this.captured - o));
    return new ByteView(this.buf, this.start + o, len, cap);
  }

  /** Sub-view whose reported length is clipped to what this view reports (never throws). */
  subClipped(o: number, n: number): ByteView {
    const len = Math.max(0, Math.min(n, this.length - o));
    const cap = Math.max(0, Math.min(len, this.captured - o));
    return new ByteView(this.buf, this.start + Math.min(o, this.length), len, cap);
  }

  /** Dotted-quad IPv4 at `o`. */
  ipv4(o: number): string {
    this.check(o, 4, 'IPv4 address');
    const p = this.start + o;
    const b = this.buf;
    return `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`;
  }

  /** 16 bytes at `o` as text by glibc inet_ntop rules (what tshark prints). */
  ipv6(o: number): string {
    this.check(o, 16, 'IPv6 address');
    return formatIpv6(this.buf, this.start + o);
  }

  /** Colon-separated MAC at `o`. */
  ether(o: number): string {
    this.check(o, 6, 'MAC address');
    let s = '';
    for (let i = 0; i < 6; i++) {
      const v = this.buf[this.start + o + i]!;
      s += (i ? ':' : '') + HEX[v >> 4]! + HEX[v & 15]!;
    }
    return s;
  }

  /** Index (relative) of the first byte equal to `v` in [o, o+n), or -1. */
  indexOf(v: number, o: number, n: number): number {
    this.check(o, n);
    const s = this.start + o;
    const i = this.buf.subarray(s, s + n).indexOf(v);
    return i < 0 ? -1 : o + i;
  }
}

/**
 * IPv6 text exactly as glibc inet_ntop prints it (and so tshark): lower-case
 * hex without leading zeros; the longest run (>= 2) of zero groups becomes
 * "::" (first run wins a tie); a dotted-quad tail when groups 0-5 are zero and
 * group 6 is not, or groups 0-4 are zero and group 5 is 0xffff.
 */
export function formatIpv6(b: Uint8Array, p: number): string {
  const g: number[] = new Array(8);
  for (let i = 0; i < 8; i++) g[i] = (b[p + 2 * i]! << 8) | b[p + 2 * i + 1]!;
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] === 0) {
      let j = i;
      while (j < 8 && g[j] === 0) j++;
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    } else i++;
  }
  if (bestLen < 2) bestStart = -1;
  const dotted =
    bestStart === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff));
  // glibc: "::a.b.c.d" when 6 zero groups and g6 != 0 (bestLen is 6 exactly then,
  // or 7/8 when g6 is zero — those print as hex); "::ffff:a.b.c.d" for 5 + ffff.
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += i === 0 ? '::' : ':';
      i += bestLen - 1;
      continue;
    }
    if (dotted && i === 6) {
      out += `${b[p + 12]}.${b[p + 13]}.${b[p + 14]}.${b[p + 15]}`;
      break;
    }
    out += g[i]!.toString(16);
    if (i < 7) out += ':';
  }
  return out;
}
