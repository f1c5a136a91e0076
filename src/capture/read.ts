/**
 * Streaming capture input: classic pcap (through pcap-parser, with its gaps
 * covered), pcapng (hand-written), either gzip-compressed, from a file or
 * stdin. The format is recognised by magic bytes only, never by name.
 *
 * Memory: chunks of `highWaterMark` bytes are processed completely and
 * synchronously before the next one is read (natural backpressure); only the
 * bytes of an unfinished record are carried over (copied), never a slice that
 * would pin a whole chunk. A file is read into ONE reused buffer. gzip goes
 * through node:zlib, which honours backpressure on its output: at most about
 * one output chunk waits between the decompressor and the reader.
 *
 * Bounds:
 *  - pcap: a record whose captured length exceeds max(snaplen, maxRecordBytes)
 *    stops reading before it (CAPTURE_ERROR, fatal) — pcap-parser would buffer
 *    whatever the header claims;
 *  - pcapng: a block longer than max(maxRecordBytes, 16 MiB) stops reading
 *    (CAPTURE_ERROR, fatal). pcapng has no per-file snaplen that bounds every
 *    block (an NRB or a custom block may be large, each interface has its own
 *    snaplen, 0 = none), so the bound is a fixed 16 MiB — four times Wireshark's
 *    largest packet — unless the caller asks for more.
 *
 * Never throws: every failure ends up in InputSummary.error (one line,
 * `<file>: [frame <n>: ]byte offset <off>: <what>`, or `<file>: cannot read:
 * <reason>`) and/or in sink.problem().
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Gunzip } from 'node:zlib';
import { PcapGuard } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import type { CaptureSink, InputSummary } from '../types.js';

export interface ReadOptions {
  /** Read chunk size (default 1 MiB). */
  highWaterMark?: number;
  /** Stream for input "-" (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /**
   * A pcap record larger than max(snaplen, this) is rejected (default 256 KiB);
   * a pcapng block larger than max(this, 16 MiB) is rejected.
   */
  maxRecordBytes?: number;
  /** Called at most once per chunk, after the chunk's packets were delivered. */
  onProgress?: (bytesRead: number, packets: number) => void;
}

export const DEFAULT_HIGH_WATER_MARK = 1 << 20;
export const DEFAULT_MAX_RECORD = 256 * 1024;
export const DEFAULT_MAX_BLOCK = 16 * 1024 * 1024;
/**
 * zlib output chunk size. zlib allocates a fresh output buffer per chunk; at
 * 64 KiB these come from malloc's arena and are reused, where 1 MiB ones left
 * peak RSS ~40 MiB higher (measured on 256 MiB of decompressed pcap).
 */
const GZIP_CHUNK = 64 * 1024;

/** What a format reader does with the decompressed byte stream. */
export interface FormatReader {
  /**
   * Feed the next chunk (processed completely and synchronously; the chunk may
   * be reused by the caller afterwards). Returns false when reading must stop.
   */
  push(chunk: Buffer): boolean;
  /** End of input: report a cut header or a truncated last record/block. */
  end(): void;
  /** Frames numbered so far. */
  readonly packets: number;
  /** The one-line error that stopped reading, if any. */
  readonly error: string | null;
}

type Magic = 'pcap' | 'pcapng' | 'gzip' | null;

function magicOf(b: Buffer): Magic {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length < 4) return null;
  const m = b.readUInt32BE(0);
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
  if (m === 0x0a0d0d0a) return 'pcapng';
  return null;
}

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

function reason(e: unknown): string {
  const x = e as NodeJS.ErrnoException | null;
  const code = x && typeof x === 'object' ? x.code : undefined;
  if (code && REASONS[code]) return REASONS[code]!;
  const msg = x && typeof x === 'object' && typeof x.message === 'string' ? x.message : String(e);
  // One line, whatever the error says.
  return (code && !msg.includes(code) ? `${code}: ${msg}` : msg).replace(/\s+/g, ' ').trim();
}

function asBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (typeof c === 'string') return Buffer.from(c, 'latin1');
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  return Buffer.alloc(0);
}

/** A file's bytes in chunks read into ONE reused buffer (valid until the next call). */
async function* fileChunks(fh: FileHandle, size: number): AsyncGenerator<Buffer> {
  try {
    const buf = Buffer.allocUnsafe(size);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, size, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close().catch(() => {});
  }
}

async function* streamChunks(s: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const c of s as AsyncIterable<unknown>) yield asBuffer(c);
}

/**
 * Writes `c` to `gz` and resolves once zlib has consumed it (so the caller may
 * reuse the buffer), or once `gz` is closed.
 */
function written(gz: Gunzip, c: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      gz.off('close', done);
      resolve();
    };
    gz.on('close', done);
    gz.write(c, done);
  });
}

class GzipError extends Error {}
/** An exception from the sink (or a reader bug), kept apart from zlib's own errors. */
class SinkError extends Error {
  constructor(readonly reason: unknown) {
    super('sink');
  }
}
class SourceError extends Error {
  constructor(readonly reason: unknown) {
    super('source');
  }
}

/** Read one capture; never throws. */
export async function readCapture(input: string, sink: CaptureSink, opts: ReadOptions = {}): Promise<InputSummary> {
  const summary: InputSummary = { file: input, format: null, gzip: false, packets: 0, bytes: 0, error: null };
  const hw = opts.highWaterMark;
  const hwm = hw !== undefined && Number.isFinite(hw) && hw >= 1 ? Math.min(Math.floor(hw), 1 << 30) : DEFAULT_HIGH_WATER_MARK;
  const mr = opts.maxRecordBytes;
  const maxRecord = mr !== undefined && Number.isFinite(mr) && mr >= 0 ? Math.floor(mr) : DEFAULT_MAX_RECORD;

  // ---- the raw byte source
  let raw: AsyncGenerator<Buffer>;
  let stdin: NodeJS.ReadableStream | null = null;
  if (input === '-') {
    stdin = opts.stdin ?? process.stdin;
    raw = streamChunks(stdin);
  } else {
    let fh: FileHandle;
    try {
      fh = await open(input, 'r');
    } catch (e) {
      summary.error = `${input}: cannot read: ${reason(e)}`;
      return summary;
    }
    raw = fileChunks(fh, hwm);
  }
  let rawBytes = 0;
  const nextRaw = async (): Promise<Buffer | null> => {
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await raw.next();
      } catch (e) {
        throw new SourceError(e);
      }
      if (r.done) return null;
      if (r.value.length === 0) continue;
      rawBytes += r.value.length;
      return r.value;
    }
  };

  // ---- the decompressed byte stream → format detection → format reader
  let reader: FormatReader | null = null;
  /** Fewer than 4 leading bytes seen so far (copied: the chunk may be reused). */
  let head: Buffer | null = null;
  let stopped = false;
  let gz: Gunzip | null = null;
  let feeder: Promise<void> | null = null;

  /** Feeds decompressed bytes; false when reading must stop. */
  const consume = (chunk: Buffer): boolean => {
    if (chunk.length === 0) return true;
    if (!reader) {
      const h: Buffer = head ? Buffer.concat([head, chunk]) : chunk;
      if (h.length < 4) {
        head = Buffer.from(h);
        return true;
      }
      head = null;
      const m = magicOf(h);
      if (m === 'pcap') {
        summary.format = 'pcap';
        reader = new PcapGuard(input, sink, maxRecord);
      } else if (m === 'pcapng') {
        summary.format = 'pcapng';
        reader = new PcapngReader(input, sink, Math.max(maxRecord, DEFAULT_MAX_BLOCK));
      } else {
        const inner = summary.gzip ? ' inside gzip' : '';
        summary.error = `${input}: byte offset 0: not a pcap or pcapng capture${inner} (magic ${h.subarray(0, 4).toString('hex')})`;
        return false;
      }
      chunk = h;
    }
    summary.bytes += chunk.length;
    try {
      const ok = reader.push(chunk);
      if (opts.onProgress) opts.onProgress(summary.bytes, reader.packets);
      return ok;
    } catch (e) {
      throw new SinkError(e);
    }
  };

  try {
    // Sniff the first raw bytes for gzip (collect at least 2 of them).
    let first = await nextRaw();
    // (a copy: the next read reuses the buffer)
    if (first && first.length < 2) first = Buffer.from(first);
    while (first && first.length < 2) {
      const more = await nextRaw();
      if (!more) break;
      first = Buffer.concat([first, more]);
    }
    if (!first) {
      summary.error = `${input}: byte offset 0: empty input, not a capture`;
      return summary;
    }
    if (magicOf(first) === 'gzip') {
      summary.gzip = true;
      const z = createGunzip({ chunkSize: GZIP_CHUNK });
      gz = z;
      const head0 = first;
      // zlib works asynchronously on what it is given: the next raw chunk is read (into the same
      // buffer) only once zlib has consumed the previous one — no copies, and backpressure from
      // the reader through zlib's output down to the file reads.
      feeder = (async () => {
        try {
          let c: Buffer | null = head0;
          while (c && !z.destroyed) {
            await written(z, c);
            if (z.destroyed) break;
            c = await nextRaw();
          }
          if (!z.destroyed) z.end();
        } catch (e) {
          if (!z.destroyed) z.destroy(e instanceof SourceError ? e : new SourceError(e));
        }
      })();
      try {
        for await (const c of z) {
          if (!consume(asBuffer(c))) {
            stopped = true;
            break;
          }
        }
      } catch (e) {
        if (e instanceof SourceError || e instanceof SinkError) throw e;
        throw new GzipError(((e as Error)?.message ?? String(e)).replace(/\s+/g, ' '));
      }
    } else {
      let c: Buffer | null = first;
      while (c) {
        if (!consume(c)) {
          stopped = true;
          break;
        }
        c = await nextRaw();
      }
    }
    if (!stopped) {
      if (reader) (reader as FormatReader).end();
      else if (head) {
        const h = head as Buffer;
        summary.error = `${input}: byte offset 0: not a pcap or pcapng capture${summary.gzip ? ' inside gzip' : ''} (only ${h.length} byte${h.length === 1 ? '' : 's'}: ${h.toString('hex')})`;
      } else summary.error = `${input}: byte offset 0: empty input${summary.gzip ? ' inside gzip' : ''}, not a capture`;
    }
  } catch (e) {
    stopped = true;
    if (e instanceof GzipError) {
      summary.error = `${input}: byte offset ${summary.bytes}: gzip: ${e.message}`;
    } else if (e instanceof SourceError) {
      summary.error = rawBytes === 0
        ? `${input}: cannot read: ${reason(e.reason)}`
        : `${input}: byte offset ${summary.bytes}: read error: ${reason(e.reason)}`;
    } else {
      // A sink that threw: reading stops, the message is kept to one line.
      summary.error = `${input}: byte offset ${summary.bytes}: reading stopped: ${reason(e instanceof SinkError ? e.reason : e)}`;
    }
  } finally {
    if (stopped && stdin) (stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    if (gz) (gz as Gunzip).destroy();
    if (feeder) await feeder;
    await raw.return(undefined).catch(() => {});
  }
  const r = reader as FormatReader | null;
  summary.packets = r ? r.packets : 0;
  if (r && r.error && !summary.error) summary.error = r.error;
  return summary;
}
