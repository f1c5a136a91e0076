/**
 * What a capture can be read from: a path ("-" is stdin), a Buffer or
 * Uint8Array in memory, a readable stream or any async iterable of byte
 * chunks — on its own, or named (`{ name, data }`, data also a path): the name is what records,
 * findings and errors call the input (unnamed ones are "<buffer>" or
 * "<stream>", numbered when there are several).
 *
 * Memory: a Buffer is handed to the reader in `highWaterMark` views (no
 * copy); a stream's chunks are passed on as they come.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { pathBytes } from './size.js';
import { asBuffer, fileChunks, reason } from './source.js';

export type CaptureData = Uint8Array | NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>;
export type CaptureInput = string | CaptureData | { readonly name: string; readonly data: CaptureData | string };

/** A named input: `{ name, data }`. */
export function isNamed(i: CaptureInput): i is { name: string; data: CaptureData | string } {
  return typeof i === 'object' && i !== null && !(i instanceof Uint8Array) && typeof (i as { name?: unknown }).name === 'string' && 'data' in i;
}

/**
 * Bytes the inputs hold, known before reading them: a path by its file's size
 * (one that names no regular file counts 0: reading says what is wrong), a
 * Buffer by its length; null when one is of a size not known beforehand
 * (standard input "-", gzip, a stream).
 */
export function knownSize(inputs: readonly CaptureInput[]): number | null {
  let bytes = 0;
  for (const i of inputs) {
    const data = isNamed(i) ? i.data : i;
    if (data instanceof Uint8Array) bytes += data.length;
    else {
      const n = typeof data === 'string' ? pathBytes(data) : null;
      if (n === null) return null;
      bytes += n;
    }
  }
  return bytes;
}

/** The input's name: its path, its given name, or "<buffer>"/"<stream>" (with `#n` when `index` is given). */
export function inputName(i: CaptureInput, index?: number): string {
  if (typeof i === 'string') return i;
  if (isNamed(i)) return i.name;
  const kind = i instanceof Uint8Array ? 'buffer' : 'stream';
  return index === undefined ? `<${kind}>` : `<${kind} #${index}>`;
}

async function* bufferChunks(b: Uint8Array, size: number): AsyncGenerator<Buffer> {
  const buf = asBuffer(b);
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, Math.min(buf.length, i + size));
}

async function* iterChunks(s: AsyncIterable<unknown>, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  const destroy = (s as { destroy?: (e?: Error) => void }).destroy;
  const onAbort = (): void => destroy?.call(s, signal!.reason as Error);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const c of s) yield asBuffer(c);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Stops between chunks once `signal` is aborted (the reason is thrown). */
async function* abortable(g: AsyncGenerator<Buffer>, signal: AbortSignal): AsyncGenerator<Buffer> {
  try {
    for (;;) {
      signal.throwIfAborted();
      const r = await g.next();
      signal.throwIfAborted();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    await g.return(undefined).catch(() => {});
  }
}

export interface RawSource {
  raw: AsyncGenerator<Buffer>;
  /** The stream to destroy when reading stops early (stdin, a caller's stream). */
  stream: NodeJS.ReadableStream | null;
}

/** The raw byte source of an input, or the one-line error why it cannot be opened. */
export async function rawSource(input: CaptureInput, name: string, hwm: number, stdin: NodeJS.ReadableStream | undefined, signal?: AbortSignal): Promise<RawSource | string> {
  const data = (isNamed(input) ? input.data : input) as CaptureData | string;
  let src: RawSource;
  if (data === '-') {
    const s = stdin ?? process.stdin;
    src = { raw: iterChunks(s as AsyncIterable<unknown>, signal), stream: s };
  } else if (typeof data === 'string') {
    let fh: FileHandle;
    try {
      fh = await open(data, 'r');
    } catch (e) {
      return `${name}: cannot read: ${reason(e)}`;
    }
    src = { raw: fileChunks(fh, hwm), stream: null };
  } else if (data instanceof Uint8Array) src = { raw: bufferChunks(data, hwm), stream: null };
  else if (data && typeof (data as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    src = { raw: iterChunks(data as AsyncIterable<unknown>, signal), stream: typeof (data as { pipe?: unknown }).pipe === 'function' ? (data as NodeJS.ReadableStream) : null };
  } else return `${name}: cannot read: not a path, a Buffer/Uint8Array or a readable stream`;
  return signal ? { ...src, raw: abortable(src.raw, signal) } : src;
}
