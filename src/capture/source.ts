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

/** Buffers of a regular file's read-ahead: the one the consumer works on and READS_AHEAD - 1 being read. */
const READS_AHEAD = 3;

/**
 * A file's bytes in chunks (each valid until the next call), read ahead: while
 * the consumer works on one chunk the next ones are already being read into
 * other buffers, so reading and dissecting overlap (the buffers take turns).
 * A regular file has two reads in flight at their own offsets: a read from
 * the page cache sometimes takes longer than the chunk before it takes to
 * dissect, and one read ahead left the dissector waiting for 8% of a 1 GiB
 * run. Anything else (a pipe, a device) is read in sequence, one read ahead.
 * A short read (the end of the file, for now) drops the reads past it, and
 * reading goes on from where it ended: a file still being written is read
 * as far as it goes, as a sequential reader would.
 */
export async function* fileChunks(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  let regular = false;
  try {
    regular = (await fh.stat()).isFile();
  } catch {
    // (read in sequence, and let the read say what is wrong)
  }
  const bufs = Array.from({ length: regular ? READS_AHEAD : 2 }, () => Buffer.allocUnsafe(size));
  /** Reads in flight, oldest first: the buffer each goes into, and the offset it reads at. */
  const ahead: { i: number; at: number; read: Promise<{ bytesRead: number }> }[] = [];
  let next = 0;
  let pos = 0;
  const issue = (): void => {
    ahead.push({ i: next, at: pos, read: fh.read(bufs[next]!, 0, size, regular ? pos : null) });
    next = (next + 1) % bufs.length;
    pos += size;
  };
  /** Wait for the reads in flight and forget them (their buffers are free again). */
  const drop = async (): Promise<void> => {
    for (const a of ahead.splice(0)) await a.read.catch(() => {});
  };
  try {
    for (let k = 0; k < bufs.length - 1; k++) issue();
    for (;;) {
      const { i, at, read } = ahead.shift()!;
      const { bytesRead } = await read;
      if (bytesRead === 0) return;
      if (bytesRead < size && regular) {
        // The reads past a short one started beyond what it read: read on from its end instead.
        await drop();
        pos = at + bytesRead;
        next = (i + 1) % bufs.length;
        for (let k = 0; k < bufs.length - 1; k++) issue();
      } else issue();
      // (The buffer read into now is the one handed out on the previous call: the consumer is done with it.)
      yield bufs[i]!.subarray(0, bytesRead);
    }
  } finally {
    await drop();
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
