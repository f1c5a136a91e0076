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
import { createGunzip } from 'node:zlib';
import type { Gunzip } from 'node:zlib';
import { FORMAT_READERS, magicOf, type FormatReader } from './format.js';
import { asBuffer, GzipError, reason, SinkError, SourceError, written } from './source.js';
import { inputName, rawSource, type CaptureInput } from './input.js';
import type { CaptureFormat, CaptureSink, InputSummary } from '../types.js';

export type { FormatReader } from './format.js';
export type { CaptureInput, CaptureData } from './input.js';

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
  /** Stop reading once aborted (between chunks; a stream is destroyed at once). */
  signal?: AbortSignal;
  /** The input's name in records, findings and errors (default: the path, or "<buffer>"/"<stream>"). */
  name?: string;
  /** Another reader for a format (e.g. one that rewrites the blocks: `annotate`); default the format's own. */
  readerFor?: (format: CaptureFormat) => ((input: string, sink: CaptureSink, maxRecord: number) => FormatReader) | undefined;
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

/** One capture being read: the raw source, the detected format's reader, the summary. */
class Read {
  readonly summary: InputSummary;
  reader: FormatReader | null = null;
  /** Fewer than 4 leading bytes seen so far (copied: the chunk may be reused). */
  head: Buffer | null = null;
  rawBytes = 0;

  /** TRUNCATED_CAPTURE problems the reader reported. */
  private truncations = 0;
  private readonly sink: CaptureSink;

  constructor(
    readonly input: string,
    private readonly raw: AsyncGenerator<Buffer>,
    sink: CaptureSink,
    private readonly maxRecord: number,
    private readonly onProgress: ReadOptions['onProgress'],
    private readonly readerFor?: ReadOptions['readerFor'],
  ) {
    this.summary = { file: input, format: null, gzip: false, packets: 0, bytes: 0, error: null };
    this.sink = {
      packet: (p) => sink.packet(p),
      problem: (p) => {
        if (p.code === 'TRUNCATED_CAPTURE') this.truncations++;
        sink.problem(p);
      },
    };
  }

  /** The next non-empty raw chunk, or null at the end; source errors become SourceError. */
  async nextRaw(): Promise<Buffer | null> {
    for (;;) {
      let r: IteratorResult<Buffer>;
      try {
        r = await this.raw.next();
      } catch (e) {
        throw new SourceError(e);
      }
      if (r.done) return null;
      if (r.value.length === 0) continue;
      this.rawBytes += r.value.length;
      return r.value;
    }
  }

  /** At least the first 2 raw bytes (to sniff gzip), or null for an empty input. */
  async first(): Promise<Buffer | null> {
    let first = await this.nextRaw();
    // (a copy: the next read reuses the buffer)
    if (first && first.length < 2) first = Buffer.from(first);
    while (first && first.length < 2) {
      const more = await this.nextRaw();
      if (!more) break;
      first = Buffer.concat([first, more]);
    }
    return first;
  }

  /** Feed decompressed bytes: detect the format on the first 4, then hand them to its reader. False: stop. */
  consume(chunk: Buffer): boolean {
    if (chunk.length === 0) return true;
    if (!this.reader) {
      const h: Buffer = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (h.length < 4) {
        this.head = Buffer.from(h);
        return true;
      }
      this.head = null;
      const m = magicOf(h);
      if (m !== 'pcap' && m !== 'pcapng') {
        this.summary.error = `${this.input}: byte offset 0: not a pcap or pcapng capture${this.inner()} (magic ${h.subarray(0, 4).toString('hex')})`;
        return false;
      }
      this.summary.format = m;
      this.reader = (this.readerFor?.(m) ?? FORMAT_READERS[m])(this.input, this.sink, m === 'pcap' ? this.maxRecord : Math.max(this.maxRecord, DEFAULT_MAX_BLOCK));
      chunk = h;
    }
    this.summary.bytes += chunk.length;
    try {
      const ok = this.reader.push(chunk);
      if (this.onProgress) this.onProgress(this.summary.bytes, this.reader.packets);
      return ok;
    } catch (e) {
      throw new SinkError(e);
    }
  }

  private inner(): string {
    return this.summary.gzip ? ' inside gzip' : '';
  }

  /** End of input without a stop: the reader's end, or why there was no capture. */
  end(): void {
    if (this.reader) this.reader.end();
    else if (this.head) {
      const h = this.head;
      this.summary.error = `${this.input}: byte offset 0: not a pcap or pcapng capture${this.inner()} (only ${h.length} byte${h.length === 1 ? '' : 's'}: ${h.toString('hex')})`;
    } else this.summary.error = `${this.input}: byte offset 0: empty input${this.inner()}, not a capture`;
  }

  /** The one-line error for an exception that stopped reading. */
  failed(e: unknown): void {
    const s = this.summary;
    if (e instanceof GzipError && e.code === 'Z_BUF_ERROR' && this.reader) this.cutGzip();
    else if (e instanceof GzipError) s.error = `${this.input}: byte offset ${s.bytes}: gzip: ${e.message}`;
    else if (e instanceof SourceError) {
      s.error = this.rawBytes === 0 ? `${this.input}: cannot read: ${reason(e.reason)}` : `${this.input}: byte offset ${s.bytes}: read error: ${reason(e.reason)}`;
    } else {
      // A sink that threw: reading stops, the message is kept to one line.
      s.error = `${this.input}: byte offset ${s.bytes}: reading stopped: ${reason(e instanceof SinkError ? e.reason : e)}`;
    }
  }

  /**
   * A gzip stream cut short: a truncated capture like a cut pcap (TRUNCATED_CAPTURE,
   * the packets read so far kept), not an unreadable input. The reader reports a
   * record or block the cut went through; a cut between two records is said here.
   */
  private cutGzip(): void {
    const before = this.truncations;
    this.reader!.end();
    if (this.reader!.error || this.truncations > before) return;
    const n = this.reader!.packets;
    const message = `${this.input}: byte offset ${this.summary.bytes}: the gzip stream ends early, after frame ${n} (${this.summary.bytes} decompressed bytes): the rest of the capture is missing`;
    this.sink.problem({ code: 'TRUNCATED_CAPTURE', file: this.input, offset: this.summary.bytes, message, fatal: true });
  }

  close(): Promise<unknown> {
    return this.raw.return(undefined).catch(() => {});
  }

  /** The summary once reading is over. */
  done(): InputSummary {
    const r = this.reader;
    this.summary.packets = r ? r.packets : 0;
    if (r && r.error && !this.summary.error) this.summary.error = r.error;
    return this.summary;
  }
}

/** Plain bytes: every raw chunk straight to the reader. True when reading was stopped. */
async function readPlain(rd: Read, first: Buffer): Promise<boolean> {
  let c: Buffer | null = first;
  while (c) {
    if (!rd.consume(c)) return true;
    c = await rd.nextRaw();
  }
  return false;
}

/**
 * gzip: zlib works asynchronously on what it is given; the next raw chunk is
 * read (into the same buffer) only once zlib has consumed the previous one —
 * no copies, and backpressure from the reader through zlib's output down to
 * the file reads. True when reading was stopped.
 */
async function readGzip(rd: Read, first: Buffer, cleanup: (z: Gunzip, feeder: Promise<void>) => void): Promise<boolean> {
  const z = createGunzip({ chunkSize: GZIP_CHUNK });
  const feeder = (async () => {
    try {
      let c: Buffer | null = first;
      while (c && !z.destroyed) {
        await written(z, c);
        if (z.destroyed) break;
        c = await rd.nextRaw();
      }
      if (!z.destroyed) z.end();
    } catch (e) {
      if (!z.destroyed) z.destroy(e instanceof SourceError ? e : new SourceError(e));
    }
  })();
  cleanup(z, feeder);
  try {
    for await (const c of z) if (!rd.consume(asBuffer(c))) return true;
  } catch (e) {
    if (e instanceof SourceError || e instanceof SinkError) throw e;
    throw new GzipError(((e as Error)?.message ?? String(e)).replace(/\s+/g, ' '), (e as NodeJS.ErrnoException)?.code);
  }
  return false;
}

/**
 * Read one capture — a path ("-": stdin), a Buffer/Uint8Array, a readable
 * stream or an async iterable of chunks, optionally named ({ name, data }) —
 * never throws (an aborted `signal` ends it with the error in the summary).
 */
export async function readCapture(source: CaptureInput, sink: CaptureSink, opts: ReadOptions = {}): Promise<InputSummary> {
  const hw = opts.highWaterMark;
  const hwm = hw !== undefined && Number.isFinite(hw) && hw >= 1 ? Math.min(Math.floor(hw), 1 << 30) : DEFAULT_HIGH_WATER_MARK;
  const mr = opts.maxRecordBytes;
  const maxRecord = mr !== undefined && Number.isFinite(mr) && mr >= 0 ? Math.floor(mr) : DEFAULT_MAX_RECORD;
  const input = opts.name ?? inputName(source);

  // The raw byte source: a file into one reused buffer, stdin, a buffer or a stream.
  const src = await rawSource(source, input, hwm, opts.stdin, opts.signal);
  if (typeof src === 'string') return { file: input, format: null, gzip: false, packets: 0, bytes: 0, error: src };
  const { raw, stream: stdin } = src;

  const rd = new Read(input, raw, sink, maxRecord, opts.onProgress, opts.readerFor);
  let stopped = false;
  let gz: Gunzip | null = null;
  let feeder: Promise<void> | null = null;
  try {
    const first = await rd.first();
    if (!first) {
      rd.summary.error = `${input}: byte offset 0: empty input, not a capture`;
      return rd.done();
    }
    if (magicOf(first) === 'gzip') {
      rd.summary.gzip = true;
      stopped = await readGzip(rd, first, (z, f) => {
        gz = z;
        feeder = f;
      });
    } else stopped = await readPlain(rd, first);
    if (!stopped) rd.end();
  } catch (e) {
    stopped = true;
    rd.failed(e);
  } finally {
    if (stopped && stdin) (stdin as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    if (gz) (gz as Gunzip).destroy();
    if (feeder) await feeder;
    await rd.close();
  }
  return rd.done();
}
