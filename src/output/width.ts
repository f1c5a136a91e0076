/**
 * Display width of text in a terminal column, for aligned tables: iSCSI
 * names and symbolic names may be any UTF-8. Per grapheme cluster (a base
 * with its combining marks, an emoji ZWJ sequence: one cell group):
 *  - East Asian Wide and Fullwidth characters (CJK, Hangul, fullwidth forms)
 *    and emoji shown as emoji (Emoji_Presentation, or followed by VS16) take 2;
 *  - combining marks, format characters (ZWJ, ZWSP, bidi marks) alone take 0;
 *  - everything else takes 1.
 * The wide ranges are those of Unicode 15's EastAsianWidth.txt (W and F),
 * merged where the gaps hold unassigned code points. No dependency: a small
 * table and Intl.Segmenter.
 */

// [first, last] pairs, sorted.
const WIDE: readonly number[] = [
  0x1100, 0x115f, 0x231a, 0x231b, 0x2329, 0x232a, 0x23e9, 0x23ec, 0x23f0, 0x23f0, 0x23f3, 0x23f3, 0x25fd, 0x25fe,
  0x2614, 0x2615, 0x2648, 0x2653, 0x267f, 0x267f, 0x2693, 0x2693, 0x26a1, 0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be,
  0x26c4, 0x26c5, 0x26ce, 0x26ce, 0x26d4, 0x26d4, 0x26ea, 0x26ea, 0x26f2, 0x26f3, 0x26f5, 0x26f5, 0x26fa, 0x26fa,
  0x26fd, 0x26fd, 0x2705, 0x2705, 0x270a, 0x270b, 0x2728, 0x2728, 0x274c, 0x274c, 0x274e, 0x274e, 0x2753, 0x2755,
  0x2757, 0x2757, 0x2795, 0x2797, 0x27b0, 0x27b0, 0x27bf, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b50, 0x2b55, 0x2b55,
  0x2e80, 0x303e, 0x3041, 0x33ff, 0x3400, 0x4dbf, 0x4e00, 0xa4cf, 0xa960, 0xa97f, 0xac00, 0xd7a3, 0xf900, 0xfaff,
  0xfe10, 0xfe19, 0xfe30, 0xfe6f, 0xff00, 0xff60, 0xffe0, 0xffe6, 0x16fe0, 0x16fe4, 0x16ff0, 0x16ff1, 0x17000, 0x18cff,
  0x18d00, 0x18d08, 0x1aff0, 0x1b2ff, 0x1f004, 0x1f004, 0x1f0cf, 0x1f0cf, 0x1f18e, 0x1f18e, 0x1f191, 0x1f19a,
  0x1f200, 0x1f202, 0x1f210, 0x1f23b, 0x1f240, 0x1f248, 0x1f250, 0x1f251, 0x1f260, 0x1f265, 0x1f300, 0x1f320,
  0x1f32d, 0x1f335, 0x1f337, 0x1f37c, 0x1f37e, 0x1f393, 0x1f3a0, 0x1f3ca, 0x1f3cf, 0x1f3d3, 0x1f3e0, 0x1f3f0,
  0x1f3f4, 0x1f3f4, 0x1f3f8, 0x1f43e, 0x1f440, 0x1f440, 0x1f442, 0x1f4fc, 0x1f4ff, 0x1f53d, 0x1f54b, 0x1f54e,
  0x1f550, 0x1f567, 0x1f57a, 0x1f57a, 0x1f595, 0x1f596, 0x1f5a4, 0x1f5a4, 0x1f5fb, 0x1f64f, 0x1f680, 0x1f6c5,
  0x1f6cc, 0x1f6cc, 0x1f6d0, 0x1f6d2, 0x1f6d5, 0x1f6d7, 0x1f6dc, 0x1f6df, 0x1f6eb, 0x1f6ec, 0x1f6f4, 0x1f6fc,
  0x1f7e0, 0x1f7eb, 0x1f7f0, 0x1f7f0, 0x1f90c, 0x1f93a, 0x1f93c, 0x1f945, 0x1f947, 0x1f9ff, 0x1fa70, 0x1faff,
  0x20000, 0x2fffd, 0x30000, 0x3fffd,
];

function isWide(cp: number): boolean {
  if (cp < 0x1100) return false;
  let lo = 0;
  let hi = WIDE.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < WIDE[2 * mid]!) hi = mid - 1;
    else if (cp > WIDE[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

const ZERO = /^[\p{Mn}\p{Me}\p{Cf}\u1160-\u11ff]$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;
const ASCII = /^[\x20-\x7e]*$/;

/** The width of one grapheme cluster. */
function clusterWidth(g: string): number {
  for (const ch of g) {
    if (ZERO.test(ch)) continue;
    const cp = ch.codePointAt(0)!;
    if (isWide(cp) || EMOJI.test(ch) || g.includes('\ufe0f')) return 2;
    return 1;
  }
  return 0;
}

/** Made on the first non-ASCII text (making one loads ICU data: ~12 ms of every start-up otherwise); null: none in this runtime. */
let segmenter: Intl.Segmenter | null | undefined;

function* clusters(s: string): Generator<string> {
  if (segmenter === undefined) segmenter = typeof Intl !== 'undefined' && 'Segmenter' in Intl ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;
  if (segmenter) for (const x of segmenter.segment(s)) yield x.segment;
  else for (const ch of s) yield ch;
}

/** Terminal columns `s` takes. */
export function displayWidth(s: string): number {
  if (ASCII.test(s)) return s.length;
  let w = 0;
  for (const g of clusters(s)) w += clusterWidth(g);
  return w;
}

/** `s` padded with spaces to `n` columns. */
export function padWidth(s: string, n: number): string {
  const w = displayWidth(s);
  return w >= n ? s : s + ' '.repeat(n - w);
}

/** `s` cut to at most `n` columns, ending with "…" when cut (never inside a cluster). */
export function truncateWidth(s: string, n: number): string {
  if (displayWidth(s) <= n) return s;
  let out = '';
  let w = 0;
  for (const g of clusters(s)) {
    const cw = clusterWidth(g);
    if (w + cw > n - 1) break;
    out += g;
    w += cw;
  }
  return out + '…';
}
