/**
 * Where a command's data goes: stdout (backpressure honoured, EPIPE ends
 * quietly — see io.ts), or `-o FILE`: its directory is created when missing,
 * the data written to a temporary file beside it and renamed into place when
 * complete, so a reader never sees half a file.
 */
import { closeSync, createWriteStream, mkdirSync, openSync, renameSync, rmSync, writeSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { write as writeStdout } from './io.js';

interface DataSink {
  write(s: string | Uint8Array): Promise<void>;
  /** Flush and put the file in place. */
  close(): Promise<void>;
  /** Drop a partly written file. */
  abort(): void;
}

/** Create the directory a file goes into (mkdir -p), so `--junit out/j.xml` works in a fresh checkout. */
export function ensureDir(file: string): void {
  mkdirSync(dirname(file), { recursive: true });
}

const FLUSH = 1 << 16;

/**
 * Strings gathered up to FLUSH characters and written as one: a result of
 * thousands of records is a few dozen writes, not a system call per record.
 * Bytes are written as they come (after what was gathered).
 */
function batching(put: (b: string | Uint8Array) => Promise<void>): Pick<DataSink, 'write'> & { flush(): Promise<void> } {
  let pending: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const s = pending.join('');
    pending = [];
    size = 0;
    await put(s);
  };
  return {
    async write(s) {
      if (typeof s === 'string') {
        pending.push(s);
        size += s.length;
        if (size >= FLUSH) await flush();
        return;
      }
      await flush();
      await put(s);
    },
    flush,
  };
}

/** Where data goes: stdout, or `-o FILE` (put in place on close). */
function openSink(file?: string): DataSink {
  if (file === undefined) {
    const out = batching(writeStdout);
    return {
      write: out.write,
      close: out.flush,
      abort: () => {},
    };
  }
  ensureDir(file);
  const tmp = `${file}.tmp-${process.pid}`;
  const ws: WriteStream = createWriteStream(tmp);
  let failed: Error | null = null;
  ws.on('error', (e) => (failed = e));
  const put = (b: string | Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => {
      if (failed) return reject(failed);
      if (ws.write(b)) resolve();
      else ws.once('drain', () => (failed ? reject(failed) : resolve()));
    });
  const out = batching(put);
  return {
    write: out.write,
    async close() {
      await out.flush();
      await new Promise<void>((resolve, reject) => ws.end(() => (failed ? reject(failed) : resolve())));
      renameSync(tmp, file);
    },
    abort() {
      ws.destroy();
      rmSync(tmp, { force: true });
    },
  };
}

/** Text written to a sink, each chunk awaited (backpressure). */
export type Put = (chunks: Iterable<string>) => Promise<void>;

/**
 * `fill` writes to stdout or `-o FILE` (openSink) through `put`, as often as it likes; then the
 * output is flushed and the file put in place. A partly written file is removed on error.
 */
export async function withSink<T>(file: string | undefined, fill: (put: Put) => Promise<T>): Promise<T> {
  const sink = openSink(file);
  try {
    const r = await fill(async (chunks) => {
      for (const c of chunks) await sink.write(c);
    });
    await sink.close();
    return r;
  } catch (e) {
    sink.abort();
    throw e;
  }
}

/** Write the chunks to stdout or `-o FILE` (withSink). */
export function writeAll(file: string | undefined, chunks: Iterable<string>): Promise<void> {
  return withSink(file, (put) => put(chunks));
}

/** A file written synchronously (for output produced inside analysis callbacks), put in place on close. */
export function syncFile(file: string): { write(s: string): void; close(): void } {
  ensureDir(file);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  return {
    write(s) {
      if (s.length) writeSync(fd, s);
    },
    close() {
      closeSync(fd);
      renameSync(tmp, file);
    },
  };
}

/** A binary file written synchronously in 1 MiB batches, put in place on close (or removed on abort). */
export function binaryFile(file: string): { write(b: Buffer): void; close(): void; abort(): void } {
  ensureDir(file);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const buf = Buffer.allocUnsafe(1 << 20);
  let used = 0;
  const flush = (): void => {
    let off = 0;
    while (off < used) off += writeSync(fd, buf, off, used - off);
    used = 0;
  };
  return {
    write(b) {
      if (used + b.length > buf.length) flush();
      if (b.length >= buf.length) {
        let off = 0;
        while (off < b.length) off += writeSync(fd, b, off, b.length - off);
        return;
      }
      b.copy(buf, used);
      used += b.length;
    },
    close() {
      flush();
      closeSync(fd);
      renameSync(tmp, file);
    },
    abort() {
      closeSync(fd);
      rmSync(tmp, { force: true });
    },
  };
}
