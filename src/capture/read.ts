/**
 * Streaming capture input: classic pcap (through pcap-parser, with its gaps
 * covered), pcapng (hand-written), either gzip-compressed, from a file or
 * stdin. The format is recognised by magic bytes only.
 *
 * Memory: chunks of `highWaterMark` bytes are processed completely and
 * synchronously before the next one is read (natural backpressure); only the
 * bytes of an unfinished record are carried over (copied), never a slice that
 * would pin a whole chunk.
 */
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { PcapGuard } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import type { CaptureSink, InputSummary } from '../types.js';

export interface ReadOptions {
  /** Read chunk size (default 1 MiB). */
  highWaterMark?: number;
  /** Stream for input "-" (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** A pcap record larger than max(snaplen, this) is rejected (default 256 KiB); pcapng blocks: max(this, 16 MiB). */
  maxRecordBytes?: number;
  /** Called at most once per chunk. */
  onProgress?: (bytesRead: number, packets: number) => void;
}

export const DEFAULT_MAX_RECORD = 256 * 1024;
export const DEFAULT_MAX_BLOCK = 16 * 1024 * 1024;

/** What a format reader does with the decompressed byte stream. */
export interface FormatReader {
  /** Feed the next chunk; returns false when reading must stop (fatal error). */
  push(chunk: Buffer): boolean;
  /** End of input: report a truncated last record/block. */
  end(): void;
  readonly packets: number;
  readonly error: string | null;
}

function magicOf(b: Buffer): 'pcap' | 'pcapng' | 'gzip' | null {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length < 4) return null;
  const m = b.readUInt32BE(0);
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
  if (m === 0x0a0d0d0a) return 'pcapng';
  return null;
}

function errText(e: unknown): string {
  const x = e as NodeJS.ErrnoException;
  if (x && x.code === 'ENOENT') return 'no such file';
  if (x && x.code === 'EISDIR') return 'is a directory';
  if (x && x.code === 'EACCES') return 'permission denied';
  return (x && (x.code ?? x.message)) || String(e);
}

/**
 * A file's bytes in chunks read into ONE reused buffer: each chunk is processed
 * completely before the next read, so nothing is allocated per chunk and memory
 * stays flat however large the file (a fresh buffer per read, as streams do,
 * lets the allocator's heap grow with the file).
 */
async function* fileChunks(path: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(size);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, size, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** Read one capture; never throws. */
export async function readCapture(input: string, sink: CaptureSink, opts: ReadOptions = {}): Promise<InputSummary> {
  const summary: InputSummary = { file: input, format: null, gzip: false, packets: 0, bytes: 0, error: null };
  const hwm = opts.highWaterMark ?? 1 << 20;
  let src: AsyncIterable<Buffer | string>;
  if (input === '-') src = (opts.stdin ?? process.stdin) as AsyncIterable<Buffer | string>;
  else {
    const it = fileChunks(input, hwm);
    // Open now, so a missing file is reported as unreadable.
    const first = await it.next().catch((e: unknown) => e as Error);
    if (first instanceof Error) {
      summary.error = `${input}: cannot read: ${errText(first)}`;
      return summary;
    }
    src = (async function* () {
      if (!first.done) yield first.value;
      yield* it;
    })();
  }
  const st: { reader: FormatReader | null } = { reader: null };
  let head: Buffer = Buffer.alloc(0);
  let stream: AsyncIterable<Buffer | string> = src;
  let gunzip: ReturnType<typeof createGunzip> | null = null;

  const start = (b: Buffer): boolean => {
    const m = magicOf(b);
    if (m === 'pcap') {
      summary.format = 'pcap';
      st.reader = new PcapGuard(input, sink, opts.maxRecordBytes ?? DEFAULT_MAX_RECORD);
    } else if (m === 'pcapng') {
      summary.format = 'pcapng';
      st.reader = new PcapngReader(input, sink, Math.max(opts.maxRecordBytes ?? 0, DEFAULT_MAX_BLOCK));
    } else return false;
    return true;
  };

  try {
    // Sniff the first bytes of the raw stream for gzip.
    const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    let first: Buffer | null = null;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      const c = typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
      if (c.length === 0) continue;
      first = c;
      break;
    }
    if (!first) {
      summary.error = `${input}: byte offset 0: empty input, not a capture`;
      return summary;
    }
    const rest: AsyncIterable<Buffer | string> = { [Symbol.asyncIterator]: () => it };
    if (magicOf(first) === 'gzip') {
      summary.gzip = true;
      gunzip = createGunzip({ chunkSize: Math.min(hwm, 1 << 20) });
      const gz = gunzip;
      (async () => {
        try {
          // zlib works asynchronously on what it is given: hand it copies (the read buffer is reused).
          if (!gz.write(Buffer.from(first!))) await new Promise((r) => gz.once('drain', r));
          for await (const c of rest) {
            if (gz.destroyed) break;
            if (!gz.write(typeof c === 'string' ? c : Buffer.from(c))) await new Promise((r) => gz.once('drain', r));
          }
          gz.end();
        } catch (e) {
          gz.destroy(e as Error);
        }
      })();
      stream = gz as AsyncIterable<Buffer>;
    } else {
      stream = (async function* () {
        yield first!;
        yield* rest;
      })();
    }

    let stopped = false;
    let lastProgress = 0;
    for await (const raw of stream) {
      const chunk = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
      if (chunk.length === 0) continue;
      if (!st.reader) {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        if (head.length < 4) continue;
        if (!start(head)) {
          summary.error = `${input}: byte offset 0: not a pcap or pcapng capture (magic ${head.subarray(0, 4).toString('hex')})`;
          stopped = true;
          break;
        }
        const h = head;
        head = Buffer.alloc(0);
        summary.bytes += h.length;
        if (!st.reader!.push(h)) {
          stopped = true;
          break;
        }
      } else {
        summary.bytes += chunk.length;
        if (!st.reader!.push(chunk)) {
          stopped = true;
          break;
        }
      }
      if (opts.onProgress && summary.bytes - lastProgress >= hwm) {
        lastProgress = summary.bytes;
        opts.onProgress(summary.bytes, st.reader?.packets ?? 0);
      }
    }
    if (!st.reader && !stopped) {
      summary.error = head.length
        ? `${input}: byte offset 0: not a pcap or pcapng capture (only ${head.length} bytes)`
        : `${input}: byte offset 0: empty input, not a capture`;
    }
    if (st.reader && !stopped) st.reader!.end();
    if (stopped) {
      (src as { destroy?: () => void }).destroy?.();
      await (src as AsyncGenerator).return?.(undefined);
      gunzip?.destroy();
    }
  } catch (e) {
    const r = st.reader;
    if (r && !r.error) r.end();
    const what = summary.gzip ? `corrupt gzip data (${errText(e)})` : `read error (${errText(e)})`;
    summary.error = r?.error || `${input}: byte offset ${summary.bytes}: ${what}`;
    if (!summary.format && (e as NodeJS.ErrnoException)?.code) summary.error = `${input}: cannot read: ${errText(e)}`;
  }
  const r = st.reader;
  summary.packets = r?.packets ?? 0;
  if (r?.error && !summary.error) summary.error = r.error;
  return summary;
}
