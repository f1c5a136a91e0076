/**
 * Byte sources of a capture: a file read into two reused buffers in turn (the
 * other inputs are in input.ts), and gzip decompression that honours backpressure. Errors are kept
 * apart by where they came from (source, zlib, or the consumer).
 */
import type { FileHandle } from 'node:fs/promises';
import type { Gunzip } from 'node:zlib';

const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
};

export function reason(e: unknown): string {
  const x = e as NodeJS.ErrnoException | null;
  const code = x && typeof x === 'object' ? x.code : undefined;
  if (code && REASONS[code]) return REASONS[code]!;
  const msg = x && typeof x === 'object' && typeof x.message === 'string' ? x.message : String(e);
  // One line, whatever the error says.
  return (code && !msg.includes(code) ? `${code}: ${msg}` : msg).replace(/\s+/g, ' ').trim();
}

export function asBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (typeof c === 'string') return Buffer.from(c, 'latin1');
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  return Buffer.alloc(0);
}

/**
 * A file's bytes in chunks (each valid until the next call), read ahead: while
 * the consumer works on one chunk the next is already being read into a
 * second buffer, so reading and dissecting overlap (the two buffers take turns).
 */
export async function* fileChunks(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)] as const;
  let i = 0;
  let ahead: Promise<{ bytesRead: number }> | null = fh.read(bufs[0], 0, size, null);
  try {
    for (;;) {
      const { bytesRead } = await ahead!;
      ahead = null;
      if (bytesRead === 0) return;
      const cur = bufs[i]!;
      i ^= 1;
      // The other buffer's chunk was handed out on the previous call: the consumer is done with it.
      ahead = fh.read(bufs[i]!, 0, size, null);
      yield cur.subarray(0, bytesRead);
    }
  } finally {
    if (ahead) await ahead.catch(() => {});
    await fh.close().catch(() => {});
  }
}

/**
 * Writes `c` to `gz` and resolves once zlib has consumed it (so the caller may
 * reuse the buffer), or once `gz` is closed.
 */
export function written(gz: Gunzip, c: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      gz.off('close', done);
      resolve();
    };
    gz.on('close', done);
    gz.write(c, done);
  });
}

export class GzipError extends Error {
  constructor(
    message: string,
    /** zlib's error code: Z_BUF_ERROR "unexpected end of file" is a cut stream. */
    readonly code?: string,
  ) {
    super(message);
  }
}
/** An exception from the sink (or a reader bug), kept apart from zlib's own errors. */
export class SinkError extends Error {
  constructor(readonly reason: unknown) {
    super('sink');
  }
}
export class SourceError extends Error {
  constructor(readonly reason: unknown) {
    super('source');
  }
}
