/**
 * Classic pcap reading (src/capture/pcap.ts, through pcap-parser), on files
 * built here with the src/craft.ts writers and by hand. Expected offsets are
 * computed from the format: a 24-byte global header, then records of a 16-byte
 * header followed by the captured bytes.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readCapture, type ReadOptions } from '../src/capture/read.js';
import { concat, pcapFile, pcapHeader, pcapRecord } from '../tools/craft.js';
import type { CaptureProblem, Packet } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('cap-pcap-');
let n = 0;
function file(bytes: Uint8Array): string {
  const p = join(dir, `f${n++}.bin`);
  writeFileSync(p, bytes);
  return p;
}

type Got = Omit<Packet, 'data'> & { data: number[] };
async function read(input: string, opts: ReadOptions = {}) {
  const packets: Got[] = [];
  const problems: CaptureProblem[] = [];
  let viewOk = true;
  const s = await readCapture(
    input,
    {
      packet: (p) => {
        // The data handed over is exactly the captured bytes (a view, valid during the call).
        if (p.data.length !== p.caplen) viewOk = false;
        packets.push({ ...p, data: [...p.data] });
      },
      problem: (p) => problems.push(p),
    },
    opts,
  );
  return { s, packets, problems, viewOk };
}

/** A hand-made 16-byte record header (little-endian). */
function recHeader(sec: number, frac: number, cap: number, orig: number, le = true): Uint8Array {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, sec, le);
  dv.setUint32(4, frac, le);
  dv.setUint32(8, cap, le);
  dv.setUint32(12, orig, le);
  return b;
}

const frames = [
  { data: Uint8Array.of(1, 2, 3), sec: 1795464000, nsec: 123456789 },
  { data: Uint8Array.of(4, 5, 6, 7), sec: 1795464001, nsec: 999999999 },
  { data: new Uint8Array(0), sec: 0xffffffff, nsec: 1000 }, // empty record, largest u32 second
];

for (const bigEndian of [false, true]) {
  for (const nano of [false, true]) {
    test(`${bigEndian ? 'big' : 'little'}-endian ${nano ? 'nanosecond (a1b23c4d)' : 'microsecond (a1b2c3d4)'} magic: frames, offsets, exact timestamps, link type, bytes`, async (t) => {
      const { s, packets, problems, viewOk } = await read(file(pcapFile(frames, { bigEndian, nano, linktype: 113 })));
      t.deepEqual(s, { file: s.file, format: 'pcap', gzip: false, packets: 3, bytes: 24 + 16 + 3 + 16 + 4 + 16, error: null });
      t.deepEqual(problems, []);
      t.true(viewOk);
      // µs files keep whole microseconds (the writer dropped the ns digits); ns files keep all 9 digits.
      t.deepEqual(
        packets.map((p) => [p.frame, p.offset, p.linktype, p.iface, p.ts, p.caplen, p.origlen, p.data]),
        [
          [1, 24, 113, 0, { sec: 1795464000, nsec: nano ? 123456789 : 123456000, digits: nano ? 9 : 6 }, 3, 3, [1, 2, 3]],
          [2, 43, 113, 0, { sec: 1795464001, nsec: nano ? 999999999 : 999999000, digits: nano ? 9 : 6 }, 4, 4, [4, 5, 6, 7]],
          [3, 63, 113, 0, { sec: 0xffffffff, nsec: nano ? 1000 : 1000, digits: nano ? 9 : 6 }, 0, 0, []],
        ],
      );
      t.true(packets.every((p) => p.file === s.file));
      // tshark (when installed) reads the same instants from the same file.
      const ts = spawnSync('tshark', ['-r', s.file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch'], { encoding: 'utf8' });
      if (ts.error || ts.status !== 0) return t.log(`tshark not run (${ts.error?.message ?? ts.stderr}): live comparison skipped`);
      t.deepEqual(
        ts.stdout.trim().split('\n'),
        packets.map((p) => `${p.frame}\t${p.ts.sec}.${String(p.ts.nsec).padStart(9, '0')}`),
      );
    });
  }
}

test('a record cut by snaplen keeps its original length; FCS bits above the link type are masked off', async (t) => {
  // linktype field 0x14000001: FCS length 1 (bits 28-31) + "FCS length present" (0x04000000) + Ethernet (1).
  const h = pcapHeader({ snaplen: 4 });
  new DataView(h.buffer).setUint32(20, 0x14000001, true);
  const rec = pcapRecord({ data: Uint8Array.of(9, 8, 7, 6, 5, 4), sec: 1, nsec: 0, origlen: 6 }, { snaplen: 4 });
  const { packets } = await read(file(concat([h, rec])));
  t.deepEqual(packets.map((p) => [p.linktype, p.caplen, p.origlen, p.data]), [[1, 4, 6, [9, 8, 7, 6]]]);
});

test('a microsecond field of 1,000,000 or more still gives nsec within 0..999,999,999 and the same instant', async (t) => {
  const bytes = concat([pcapHeader(), recHeader(10, 2_500_000, 1, 1), Uint8Array.of(0)]);
  const { packets } = await read(file(bytes));
  // 10 s + 2.5 s
  t.deepEqual(packets[0]!.ts, { sec: 12, nsec: 500_000_000, digits: 6 });
});

test('records straddling chunks: every chunk size from 1 to 40 bytes gives the same packets as one big chunk', async (t) => {
  const many = Array.from({ length: 30 }, (_, i) => ({ data: Uint8Array.from({ length: (i * 7) % 23 }, (_, j) => i + j), sec: i, nsec: i * 1000 }));
  const f = file(pcapFile(many, { nano: true, bigEndian: true }));
  const whole = await read(f);
  t.is(whole.packets.length, 30);
  for (let hwm = 1; hwm <= 40; hwm++) {
    const r = await read(f, { highWaterMark: hwm });
    t.deepEqual(r.packets, whole.packets, `highWaterMark ${hwm}`);
    t.deepEqual(r.problems, []);
    t.true(r.viewOk);
  }
});

test('records larger than the read chunk (60000 bytes, 4 KiB chunks) arrive whole', async (t) => {
  const big = Uint8Array.from({ length: 60000 }, (_, i) => (i * 31) & 255);
  const f = file(pcapFile([{ data: big, sec: 1, nsec: 0 }, { data: big.subarray(0, 100), sec: 2, nsec: 0 }], { snaplen: 65535 }));
  const r = await read(f, { highWaterMark: 4096 });
  t.deepEqual(r.packets.map((p) => [p.frame, p.offset, p.caplen]), [[1, 24, 60000], [2, 24 + 16 + 60000, 100]]);
  t.deepEqual(r.packets[0]!.data, [...big]);
});

test('a record header claiming 2 GiB stops reading before it: frame and offset named, earlier packets kept', async (t) => {
  // [24 header][16+3 frame 1][16-byte header claiming 0x80000000 captured bytes][64 KiB]
  const bytes = concat([pcapHeader({ snaplen: 65535 }), pcapRecord(frames[0]!), recHeader(5, 0, 0x80000000, 0x80000000), new Uint8Array(1 << 16)]);
  for (const hwm of [undefined, 5]) {
    const { s, packets, problems } = await read(file(bytes), { highWaterMark: hwm });
    t.is(packets.length, 1);
    t.is(s.packets, 1);
    t.is(s.error, `${s.file}: frame 2: byte offset 43: record claims 2147483648 captured bytes, more than the 262144 accepted (max of snaplen and 262144); reading stops here`);
    t.deepEqual(problems, [{ code: 'CAPTURE_ERROR', file: s.file, frame: 2, offset: 43, message: s.error!, fatal: true }]);
  }
});

test('a record claiming 4 GiB on an endless stdin is rejected without reading on', async (t) => {
  // pcap-parser would wait for 4 GiB of body. The stream below never ends; the reader must stop by itself.
  let chunksGiven = 0;
  async function* endless() {
    yield Buffer.from(concat([pcapHeader(), pcapRecord(frames[1]!), recHeader(1, 0, 0xffffffff, 0xffffffff)]));
    for (;;) {
      chunksGiven++;
      yield Buffer.alloc(65536);
    }
  }
  const { s, packets } = await read('-', { stdin: Readable.from(endless()) });
  t.is(packets.length, 1);
  t.regex(s.error!, /^-: frame 2: byte offset 44: record claims 4294967295 captured bytes/);
  t.true(chunksGiven < 4, `read ${chunksGiven} chunks past the bad header`);
});

test('the record bound is max(snaplen, maxRecordBytes): equal is read, one byte more is rejected', async (t) => {
  const rec = (len: number) => pcapRecord({ data: new Uint8Array(len), sec: 0, nsec: 0 }, { snaplen: 1 << 20 });
  // snaplen 100 < maxRecordBytes 1000: the bound is 1000
  const small = await read(file(concat([pcapHeader({ snaplen: 100 }), rec(1000), rec(1001)])), { maxRecordBytes: 1000 });
  t.is(small.packets.length, 1);
  t.regex(small.s.error!, /frame 2: byte offset 1040: record claims 1001 captured bytes, more than the 1000 accepted/);
  // snaplen 2000 > maxRecordBytes 1000: the bound is 2000
  const snap = await read(file(concat([pcapHeader({ snaplen: 2000 }), rec(2000), rec(2001)])), { maxRecordBytes: 1000 });
  t.is(snap.packets.length, 1);
  t.regex(snap.s.error!, /frame 2: byte offset 2040: record claims 2001 captured bytes, more than the 2000 accepted/);
});

test('a file cut inside a record body or header: TRUNCATED_CAPTURE with the record offset, no error, earlier packets kept', async (t) => {
  const whole = pcapFile(frames.slice(0, 2), { nano: true });
  // cut 2 bytes before the end: inside frame 2's body (frame 2 starts at 24 + 16 + 3 = 43)
  const body = await read(file(whole.subarray(0, whole.length - 2)));
  t.is(body.s.error, null);
  t.is(body.s.format, 'pcap');
  t.deepEqual(body.packets.map((p) => p.frame), [1]);
  t.is(body.problems.length, 1);
  t.like(body.problems[0], { code: 'TRUNCATED_CAPTURE', frame: 2, offset: 43, fatal: true });
  t.regex(body.problems[0]!.message, /^.*: frame 2: byte offset 43: the file ends inside a record \(18 of 20 bytes\)$/);
  // cut inside frame 2's record header (5 of its 16 bytes)
  const head = await read(file(whole.subarray(0, 43 + 5)), { highWaterMark: 3 });
  t.deepEqual(head.packets.map((p) => p.frame), [1]);
  t.like(head.problems[0], { code: 'TRUNCATED_CAPTURE', frame: 2, offset: 43 });
});

test('a global header alone is an empty capture; a cut one is an error at offset 0', async (t) => {
  const only = await read(file(pcapHeader()));
  t.deepEqual([only.s.format, only.s.packets, only.s.error, only.problems], ['pcap', 0, null, []]);
  const cut = await read(file(pcapHeader({ nano: true }).subarray(0, 10)));
  t.is(cut.s.error, `${cut.s.file}: byte offset 0: pcap global header cut (10 of 24 bytes)`);
  t.like(cut.problems[0], { code: 'CAPTURE_ERROR', offset: 0, fatal: true });
  t.is(cut.problems[0]!.frame, undefined);
});

test('a version other than 2.4 is an error naming it', async (t) => {
  for (const [major, minor] of [[2, 3], [1, 0], [3, 4]] as const) {
    const h = pcapHeader({ bigEndian: true });
    new DataView(h.buffer).setUint16(4, major, false);
    new DataView(h.buffer).setUint16(6, minor, false);
    const r = await read(file(concat([h, pcapRecord(frames[0]!, { bigEndian: true })])));
    t.is(r.packets.length, 0);
    t.is(r.s.error, `${r.s.file}: byte offset 4: unsupported pcap version ${major}.${minor} (only 2.4 is read)`);
  }
});
