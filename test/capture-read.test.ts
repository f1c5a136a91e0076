/**
 * readCapture() itself (src/capture/read.ts): format by magic bytes only,
 * gzip (streamed through node:zlib), stdin, open errors, empty and foreign
 * input, progress calls, a throwing sink. Format details are in
 * capture-pcap.test.ts and capture-pcapng.test.ts.
 */
import test from 'ava';
import fc from 'fast-check';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip, gzipSync } from 'node:zlib';
import { readCapture, type ReadOptions } from '../src/capture/read.js';
import { concat, pcapFile, pcapHeader, pcapRecord, PcapngWriter } from '../tools/craft.js';
import type { CaptureProblem, Packet } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('cap-read-');
let n = 0;
function file(bytes: Uint8Array, name = `f${n++}.bin`): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

type Got = Omit<Packet, 'data' | 'file'> & { data: number[] };
async function read(input: string, opts: ReadOptions = {}) {
  const packets: Got[] = [];
  const problems: CaptureProblem[] = [];
  const s = await readCapture(
    input,
    {
      packet: (p) => {
        const { file: _f, data, ...rest } = p;
        packets.push({ ...rest, data: [...data] });
      },
      problem: (p) => problems.push(p),
    },
    opts,
  );
  return { s, packets, problems };
}

/** 40 Ethernet-sized frames (60 bytes each, filled with their index) at µs resolution. */
const pcap = pcapFile(Array.from({ length: 40 }, (_, i) => ({ data: new Uint8Array(60).fill(i), sec: 1000 + i, nsec: i * 1000 })));
/** One section, one interface, 3 EPBs. */
const pcapng = new PcapngWriter().section().iface({ linktype: 1 }).packet(0, 5n, Uint8Array.of(9)).packet(0, 6n, Uint8Array.of(8, 8)).packet(0, 7n, Uint8Array.of(7)).bytes();

test('the format comes from the magic bytes, never from the name', async (t) => {
  const a = await read(file(pcap, 'looks-like.pcapng'));
  t.is(a.s.format, 'pcap');
  t.is(a.packets.length, 40);
  const b = await read(file(pcapng, 'looks-like.pcap.gz'));
  t.is(b.s.format, 'pcapng');
  t.false(b.s.gzip);
  t.is(b.packets.length, 3);
});

test('gzip-compressed pcap and pcapng give the same packets as the plain files; bytes = decompressed size', async (t) => {
  for (const [plain, format] of [[pcap, 'pcap'], [pcapng, 'pcapng']] as const) {
    const ref = await read(file(plain));
    for (const hwm of [undefined, 1, 17]) {
      const g = await read(file(gzipSync(plain)), { highWaterMark: hwm });
      t.deepEqual(g.s, { file: g.s.file, format, gzip: true, packets: ref.packets.length, bytes: plain.length, error: null });
      t.deepEqual(g.packets, ref.packets);
      t.deepEqual(g.problems, []);
    }
  }
});

test('a gzip file of several members (concatenated .gz) is read through', async (t) => {
  const cut = 24 + 76 * 13 + 30; // inside frame 14
  const g = await read(file(concat([gzipSync(pcap.subarray(0, cut)), gzipSync(pcap.subarray(cut))])));
  t.is(g.s.error, null);
  t.is(g.packets.length, 40);
});

test('a cut gzip stream is a truncated capture (packets before kept); a corrupt one an error with the decompressed offset reached', async (t) => {
  // A gzip file cut in half: zlib reports the unexpected end — a TRUNCATED_CAPTURE, as for a cut pcap.
  const big = pcapFile(Array.from({ length: 3000 }, (_, i) => ({ data: Uint8Array.from({ length: 200 }, (_, j) => (i * 7 + j * 13) & 255), sec: i, nsec: 0 })));
  const gz = gzipSync(big);
  const cut = await read(file(gz.subarray(0, gz.length >> 1)), { highWaterMark: 4096 });
  t.is(cut.s.format, 'pcap');
  t.true(cut.packets.length > 0);
  t.is(cut.s.error, null);
  const tr = cut.problems.filter((p) => p.code === 'TRUNCATED_CAPTURE');
  t.is(tr.length, 1);
  t.regex(tr[0]!.message, /the file ends inside a record|the gzip stream ends early/);
  // every packet delivered lies within the decompressed bytes reached
  const last = cut.packets.at(-1)!;
  t.true(last.offset + 16 + last.caplen <= cut.s.bytes);
  // A damaged CRC-32 in the trailer: zlib reports the check failure at the end (what it decompressed
  // in earlier calls has been delivered by then; a small file may come in a single call).
  const crc = Uint8Array.from(gz);
  crc[crc.length - 8]! ^= 0xff;
  const bad = await read(file(crc), { highWaterMark: 4096 });
  t.true(bad.packets.length > 0);
  t.regex(bad.s.error!, new RegExp(`: byte offset ${bad.s.bytes}: gzip: incorrect data check$`));
  // A gzip magic followed by garbage: nothing decompressed.
  const junk = await read(file(Uint8Array.of(0x1f, 0x8b, 0x99, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)));
  t.is(junk.packets.length, 0);
  t.regex(junk.s.error!, /: byte offset 0: gzip: /);
});

test('gzip of something else, or of nothing: not a capture', async (t) => {
  const other = await read(file(gzipSync(Buffer.from('hello, this is text\n'))));
  t.true(other.s.gzip);
  t.is(other.s.format, null);
  t.regex(other.s.error!, /: byte offset 0: not a pcap or pcapng capture inside gzip \(magic 68656c6c\)$/);
  const empty = await read(file(gzipSync(new Uint8Array(0))));
  t.regex(empty.s.error!, /: byte offset 0: empty input inside gzip, not a capture$/);
});

test('stdin ("-"): a capture, a gzip capture, one byte per chunk, nothing at all', async (t) => {
  const plain = await read('-', { stdin: Readable.from([Buffer.from(pcap.subarray(0, 10)), Buffer.from(pcap.subarray(10))]) });
  t.is(plain.s.file, '-');
  t.is(plain.s.format, 'pcap');
  t.is(plain.packets.length, 40);
  const gz = gzipSync(pcapng);
  const z = await read('-', { stdin: Readable.from([Buffer.from(gz)]) });
  t.deepEqual([z.s.format, z.s.gzip, z.packets.length], ['pcapng', true, 3]);
  const bytewise = await read('-', { stdin: Readable.from(Array.from(gz, (b) => Buffer.of(b))) });
  t.deepEqual([bytewise.s.format, bytewise.s.gzip, bytewise.packets.length], ['pcapng', true, 3]);
  const none = await read('-', { stdin: Readable.from([]) });
  t.is(none.s.error, '-: byte offset 0: empty input, not a capture');
  t.is(none.s.format, null);
});

test('a stdin that fails: cannot read (nothing read yet), or a read error with the offset', async (t) => {
  const failing = (first?: Buffer) =>
    new Readable({
      read() {
        if (first) {
          this.push(first);
          first = undefined;
        } else this.destroy(new Error('pipe broke'));
      },
    });
  const at0 = await read('-', { stdin: failing() });
  t.is(at0.s.error, '-: cannot read: pipe broke');
  const later = await read('-', { stdin: failing(Buffer.from(pcap.subarray(0, 24 + 76 * 2 + 5))) });
  t.is(later.packets.length, 2);
  t.is(later.s.error, `-: byte offset ${24 + 76 * 2 + 5}: read error: pipe broke`);
});

test('open errors, empty files, foreign and too-short input: an error, never a throw', async (t) => {
  t.is((await read(join(dir, 'nope'))).s.error, `${join(dir, 'nope')}: cannot read: no such file or directory`);
  const sub = join(dir, 'a-directory');
  mkdirSync(sub);
  t.is((await read(sub)).s.error, `${sub}: cannot read: is a directory`);
  const empty = file(new Uint8Array(0));
  t.is((await read(empty)).s.error, `${empty}: byte offset 0: empty input, not a capture`);
  const random = file(Uint8Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 255));
  t.is((await read(random)).s.error, `${random}: byte offset 0: not a pcap or pcapng capture (magic 0b30557a)`);
  const three = file(Uint8Array.of(0xd4, 0xc3, 0xb2));
  t.is((await read(three)).s.error, `${three}: byte offset 0: not a pcap or pcapng capture (only 3 bytes: d4c3b2)`);
  // permission denied: only meaningful when not running as root
  const locked = file(pcap);
  chmodSync(locked, 0o000);
  if (process.getuid?.() === 0) t.log('running as root: the permission-denied case cannot be provoked, skipped');
  else t.is((await read(locked)).s.error, `${locked}: cannot read: permission denied`);
  chmodSync(locked, 0o644);
});

test('onProgress: at most once per chunk, the last call with every byte and packet', async (t) => {
  const calls: [number, number][] = [];
  const s = await readCapture(file(pcap), { packet() {}, problem() {} }, { highWaterMark: 100, onProgress: (b, p) => calls.push([b, p]) });
  t.true(calls.length <= Math.ceil(pcap.length / 100));
  t.deepEqual(calls.at(-1), [pcap.length, 40]);
  t.is(s.bytes, pcap.length);
  // never backwards
  t.true(calls.every((c, i) => i === 0 || (c[0] > calls[i - 1]![0] && c[1] >= calls[i - 1]![1])));
});

test('a sink that throws stops reading with a one-line error; readCapture itself does not throw', async (t) => {
  for (const bytes of [pcap, gzipSync(pcap)]) {
    let seen = 0;
    const s = await readCapture(file(bytes), {
      packet() {
        if (++seen === 3) throw new Error('sink\nbroke');
      },
      problem() {},
    });
    t.is(seen, 3);
    t.regex(s.error!, /: byte offset \d+: reading stopped: sink broke$/);
  }
});

test('a fatal record inside an endless gzip stream on stdin stops the reading (no hang, packets before kept)', async (t) => {
  // pcap header, one frame of 4 bytes, then a record header claiming 2 GiB, then zeros forever — compressed on the fly.
  const bad = new Uint8Array(16);
  new DataView(bad.buffer).setUint32(8, 0x80000000, true);
  let given = 0;
  async function* endless() {
    yield Buffer.from(concat([pcapHeader(), pcapRecord({ data: Uint8Array.of(1, 2, 3, 4), sec: 1, nsec: 0 }), bad]));
    for (;;) {
      given++;
      yield Buffer.alloc(1 << 16);
    }
  }
  const stdin = Readable.from(endless()).pipe(createGzip());
  const r = await read('-', { stdin });
  t.true(r.s.gzip);
  t.is(r.packets.length, 1);
  t.regex(r.s.error!, /^-: frame 2: byte offset 44: record claims 2147483648 captured bytes/);
  t.true(given < 1000, `${given} chunks made`);
});

test('mutated and cut captures (pcap, pcapng, gzip) in random chunkings: never a throw, messages one line', async (t) => {
  const seeds = [pcap, pcapng, gzipSync(pcap), pcapFile([{ data: Uint8Array.of(1, 2), sec: 1, nsec: 5 }], { nano: true, bigEndian: true })];
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: seeds.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
      fc.nat(),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 6 }),
      async (which, flips, cutAt, sizes) => {
        const b = Buffer.from(seeds[which]!);
        for (const [at, v] of flips) b[at % b.length] = v;
        const bytes = b.subarray(0, 1 + (cutAt % b.length));
        const chunks: Buffer[] = [];
        for (let o = 0, k = 0; o < bytes.length; k++) {
          const len = sizes[k % sizes.length]!;
          chunks.push(Buffer.from(bytes.subarray(o, o + len)));
          o += len;
        }
        const problems: CaptureProblem[] = [];
        let frames = 0;
        const s = await readCapture('-', { packet: (p) => { frames++; if (p.data.length !== p.caplen) throw new Error('bad view'); }, problem: (p) => problems.push(p) }, { stdin: Readable.from(chunks) });
        if (s.packets < frames) return false;
        for (const m of [s.error, ...problems.map((p) => p.message)]) if (m !== null && (!m.startsWith('-: ') || /[\r\n]/.test(m))) return false;
        return !(s.error ?? '').includes('reading stopped');
      },
    ),
    { numRuns: 300, seed: 4171 },
  );
  t.pass();
});

/** Every chunk fileChunks hands out, copied (each is valid only until the next). */
async function chunksOf(path: string, size: number): Promise<Buffer[]> {
  const { open } = await import('node:fs/promises');
  const { fileChunks } = await import('../src/capture/source.js');
  const out: Buffer[] = [];
  for await (const c of fileChunks(await open(path, 'r'), size)) out.push(Buffer.from(c));
  return out;
}

test('fileChunks: a regular file read ahead at its own offsets gives its bytes in order, whole chunks then the rest', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 700 }), fc.integer({ min: 1, max: 97 }), async (len, size) => {
      const bytes = Uint8Array.from({ length: len }, (_, i) => (i * 7 + (i >> 8)) & 255);
      const chunks = await chunksOf(file(bytes), size);
      t.deepEqual(Buffer.concat(chunks), Buffer.from(bytes));
      t.true(chunks.slice(0, -1).every((c) => c.length === size));
      t.is(chunks.length, Math.ceil(len / size));
    }),
    { numRuns: 150 },
  );
});

test('fileChunks: a pipe (no offsets) is read in sequence, short reads and all', async (t) => {
  if (process.platform === 'win32') return t.pass('no mkfifo');
  const { execFileSync, spawn } = await import('node:child_process');
  const fifo = join(dir, `fifo${n++}`);
  execFileSync('mkfifo', [fifo]);
  const bytes = Uint8Array.from({ length: 30_000 }, (_, i) => (i * 13) & 255);
  // A writer that sends the bytes in pieces with pauses, so reads come back short.
  const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const b=Buffer.from(${JSON.stringify(Buffer.from(bytes).toString('base64'))},'base64');const fd=fs.openSync(${JSON.stringify(fifo)},'w');let o=0;const step=()=>{if(o>=b.length){fs.closeSync(fd);return;}fs.writeSync(fd,b.subarray(o,o+1000));o+=1000;setTimeout(step,4);};step();`]);
  const exited = new Promise((r) => writer.on('exit', r));
  const chunks = await chunksOf(fifo, 4096);
  await exited;
  t.deepEqual(Buffer.concat(chunks), Buffer.from(bytes));
  t.true(chunks.slice(0, -1).some((c) => c.length < 4096), 'some reads came back short before the end');
});
