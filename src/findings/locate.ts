/**
 * Where a finding's frames are, for people and for tools:
 *  - `filter`: a ready Wireshark/tshark display filter selecting the frames,
 *    `frame.number in {5 11}` (null when the finding names no frame). Frame
 *    numbers are per file, as tshark numbers them: the filter is for the
 *    finding's file (`file`, or the only input);
 *  - `filters`: only when the frames lie in several input files (a bitmap
 *    registered in one capture and queried in the next), one filter per file;
 *  - the stable subject a CI baseline keys a capture-level finding by
 *    (subject.ts), and the file of every frame, kept as non-enumerable
 *    properties: never in the JSON, there for `check` and `annotate`.
 */
/** What locate needs of a finding (registry.ts's Finding has it). */
export interface Located {
  readonly frames: readonly number[];
  readonly file?: string;
  readonly filter?: string | null;
  readonly subject?: string;
  readonly frameFiles?: readonly string[];
}

/** `frame.number in {5 11}`, or null for no frames. Frames are listed in ascending order, once each. */
export function displayFilter(frames: readonly number[]): string | null {
  if (frames.length === 0) return null;
  // Frames already in ascending order, once each (the usual case): as they are.
  let sorted = true;
  for (let i = 1; i < frames.length && sorted; i++) sorted = frames[i - 1]! < frames[i]!;
  const s = sorted ? frames : Array.from(new Set(frames)).sort((a, b) => a - b);
  return `frame.number in {${s.join(' ')}}`;
}

/** Define a property that JSON.stringify and spreads skip. */
export function hidden<T extends object>(o: T, name: string, value: unknown): T {
  Object.defineProperty(o, name, { value, enumerable: false, configurable: true, writable: false });
  return o;
}

/** One display filter per file, when a finding's frames lie in several files (else null). */
export function filtersByFile(frames: readonly number[], files: readonly string[]): Record<string, string> | null {
  const by = new Map<string, number[]>();
  for (let i = 0; i < frames.length; i++) {
    const f = files[i] ?? files[0] ?? '';
    let a = by.get(f);
    if (!a) by.set(f, (a = []));
    a.push(frames[i]!);
  }
  if (by.size < 2) return null;
  const out: Record<string, string> = {};
  for (const [f, fr] of by) out[f] = displayFilter(fr)!;
  return out;
}

/**
 * A finding whose frames come from several files (`files[i]` is the file of
 * `frames[i]`): `file` is the first frame's, `filter` selects the frames in
 * that file, `filters` gives every file's.
 */
export function withFrameFiles<F extends Located>(f: F, files: readonly string[]): F {
  const first = files[0];
  if (first === undefined || files.every((x) => x === first)) {
    const out: F = first === undefined || f.file === first ? f : { ...f, file: first, filter: displayFilter(f.frames) };
    return keepHidden(f, out);
  }
  const mine = f.frames.filter((_, i) => (files[i] ?? first) === first);
  const out: F = { ...f, file: first, filter: displayFilter(mine), filters: filtersByFile(f.frames, files)! };
  return hidden(keepHidden(f, out), 'frameFiles', files.slice(0, f.frames.length));
}

/** Copy the hidden properties of `from` onto `to`. */
export function keepHidden<T extends object>(from: Located, to: T): T {
  if (from.subject !== undefined) hidden(to, 'subject', from.subject);
  if (from.frameFiles !== undefined) hidden(to, 'frameFiles', from.frameFiles);
  if (from.file !== undefined && !Object.prototype.hasOwnProperty.call(to, 'file')) hidden(to, 'file', from.file);
  return to;
}

/** The frames a finding names, each with its file (`fallback`: the file of a finding that names none). */
export function frameRefs(f: Located, fallback: string): { file: string; frame: number }[] {
  const files = f.frameFiles;
  const file = f.file ?? fallback;
  return f.frames.map((frame, i) => ({ file: files?.[i] ?? file, frame }));
}
