/**
 * Capture readers on files built here byte by byte (src/craft.ts writers):
 * pcap in both byte orders with µs and ns magic, pcapng with several
 * sections of either byte order, per-interface link types and time
 * resolutions, SPB, obsolete PB, unknown blocks, gzip, stdin — and broken
 * files: cut records, a record claiming 2 GiB, bad block lengths.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { readCapture } from '../src/capture/read.js';
import { pcapFile, pcapHeader, pcapRecord, PcapngWriter, concat } from '../src/craft.js';
import type { CaptureProblem, Packet } from '../src/types.js';

const dir = mkdtempSync(join(tmpdir(), 'capread-'));
let n = 0;
function file(bytes: Uint8Array): string {
  const p = join(dir, `f${n++}`);
  writeFileSync(p, bytes);
  return p;
}

async function read(input: string, opts = {}) {
  const packets: (Omit<Packet, 'data'> & { data: number[] })[] = [];
  const problems: CaptureProblem[] = [];
  const s = await readCapture(input, { packet: (p) => packets.push({ ...p, data: [...p.data] }), problem: (p) => problems.push(p) }, opts);
  return { s, packets, problems };
}

const frames = [
  { data: Uint8Array.of(1, 2, 3), sec: 1795464000, nsec: 123456789 },
  { data: Uint8Array.of(4, 5, 6, 7), sec: 1795464001, nsec: 999999999 },
];

for (const bigEndian of [false, true]) {
  for (const nano of [false, true]) {
    test(`pcap ${bigEndian ? 'big' : 'little'}-endian ${nano ? 'ns' : 'µs'}: frames, offsets, exact timestamps`, async (t) => {
      const { s, packets, problems } = await read(file(pcapFile(frames, { bigEndian, nano, linktype: 113 })));
      t.is(s.format, 'pcap');
      t.is(s.error, null);
      t.deepEqual(problems, []);
      t.deepEqual(packets.map((p) => [p.frame, p.offset, p.linktype, p.ts.sec, p.ts.nsec, p.ts.digits, p.data]), [
        [1, 24, 113, 1795464000, nano ? 123456789 : 123456000, nano ? 9 : 6, [1, 2, 3]],
        [2, 24 + 16 + 3, 113, 1795464001, nano ? 999999999 : 999999000, nano ? 9 : 6, [4, 5, 6, 7]],
      ]);
    });
  }
}

test('pcapng: two sections of opposite byte order, interfaces with their own link type, tsresol and tsoffset; SPB, obsolete PB, unknown block', async (t) => {
  const a = new PcapngWriter(false).section().iface({ linktype: 1, tsresol: 9 }).iface({ linktype: 113, tsresol: 3, tsoffset: 100 });
  a.packet(0, 1795464000_123456789n, Uint8Array.of(1));
  a.raw(0x0bad, new Uint8Array(8)); // unknown block: skipped
  a.packet(1, 5_001n, Uint8Array.of(2)); // 5.001 s at 10^-3 + 100 s offset
  const b = new PcapngWriter(true).section().iface({ linktype: 101, tsresol: 0x80 | 10 });
  b.packet(0, 3n * 1024n + 512n, Uint8Array.of(3, 3)); // 3.5 s at 2^-10
  b.simple(Uint8Array.of(4, 4, 4));
  b.obsolete(0, 7n * 1024n, Uint8Array.of(5));
  const { s, packets, problems } = await read(file(concat([a.bytes(), b.bytes()])));
  t.is(s.format, 'pcapng');
  t.deepEqual(problems, []);
  t.deepEqual(packets.map((p) => [p.frame, p.linktype, p.iface, p.ts.sec, p.ts.nsec, p.ts.digits, p.data]), [
    [1, 1, 0, 1795464000, 123456789, 9, [1]],
    [2, 113, 1, 105, 1000000, 3, [2]],
    [3, 101, 0, 3, 500000000, 9, [3, 3]],
    [4, 101, 0, 0, 0, 9, [4, 4, 4]],
    [5, 101, 0, 7, 0, 9, [5]],
  ]);
});

test('gzip-compressed pcap and pcapng, recognised by magic; stdin', async (t) => {
  const plain = pcapFile(frames);
  const g = await read(file(gzipSync(plain)));
  t.is(g.s.format, 'pcap');
  t.true(g.s.gzip);
  t.is(g.packets.length, 2);
  const ng = await read(file(gzipSync(new PcapngWriter().section().iface({ linktype: 1 }).packet(0, 5n, Uint8Array.of(9)).bytes())));
  t.is(ng.s.format, 'pcapng');
  t.is(ng.packets.length, 1);
  const si = await read('-', { stdin: Readable.from([Buffer.from(plain.subarray(0, 10)), Buffer.from(plain.subarray(10))]) });
  t.is(si.packets.length, 2);
  t.is(si.s.file, '-');
});

test('a file cut mid-record: TRUNCATED_CAPTURE with the byte offset, earlier packets kept', async (t) => {
  const whole = pcapFile(frames);
  const { s, packets, problems } = await read(file(whole.subarray(0, whole.length - 2)));
  t.is(packets.length, 1);
  t.is(s.error, null);
  t.is(problems.length, 1);
  t.is(problems[0]!.code, 'TRUNCATED_CAPTURE');
  t.is(problems[0]!.offset, 24 + 16 + 3);
  t.is(problems[0]!.frame, 2);
  const ng = new PcapngWriter().section().iface({ linktype: 1 }).packet(0, 1n, Uint8Array.of(1)).packet(0, 2n, Uint8Array.of(2, 2)).bytes();
  const r = await read(file(ng.subarray(0, ng.length - 5)));
  t.is(r.packets.length, 1);
  t.is(r.problems[0]!.code, 'TRUNCATED_CAPTURE');
});

test('a record header claiming 2 GiB is rejected (no buffering), naming frame and offset; earlier packets kept', async (t) => {
  const bad = new Uint8Array(16 + 8);
  new DataView(bad.buffer).setUint32(8, 0x80000000, true);
  new DataView(bad.buffer).setUint32(12, 0x80000000, true);
  const bytes = concat([pcapHeader({ snaplen: 65535 }), pcapRecord(frames[0]!), bad, new Uint8Array(1 << 16)]);
  const { s, packets, problems } = await read(file(bytes));
  t.is(packets.length, 1);
  t.regex(s.error!, /frame 2: byte offset 43: record claims 2147483648 captured bytes/);
  t.true(problems[0]!.fatal);
});

test('a pcapng block with a bad length: error with the offset, earlier packets kept', async (t) => {
  const good = new PcapngWriter().section().iface({ linktype: 1 }).packet(0, 1n, Uint8Array.of(1)).bytes();
  const bad = Uint8Array.from([6, 0, 0, 0, 13, 0, 0, 0, 0, 0, 0, 0]); // length 13: not a multiple of 4
  const { s, packets } = await read(file(concat([good, bad])));
  t.is(packets.length, 1);
  t.regex(s.error!, new RegExp(`byte offset ${good.length + 4}: block of type 0x6 has an invalid length 13`));
});

test('empty, cut header, random bytes: an error, never a throw', async (t) => {
  t.regex((await read(file(new Uint8Array(0)))).s.error!, /byte offset 0: empty input/);
  t.regex((await read(file(pcapHeader().subarray(0, 10)))).s.error!, /global header cut/);
  t.regex((await read(file(Uint8Array.from({ length: 100 }, (_, i) => (i * 37) & 255)))).s.error!, /not a pcap or pcapng capture/);
  t.regex((await read('-', { stdin: Readable.from([]) })).s.error!, /-: byte offset 0: empty input/);
  t.regex((await read(join(dir, 'nope'))).s.error!, /cannot read: no such file/);
});

test('small read chunks (records straddling chunks) give the same packets', async (t) => {
  const bytes = pcapFile(Array.from({ length: 50 }, (_, i) => ({ data: Uint8Array.from({ length: i + 1 }, () => i), sec: i, nsec: i * 1000 })));
  const f = file(bytes);
  const big = await read(f);
  const small = await read(f, { highWaterMark: 7 });
  t.deepEqual(small.packets, big.packets);
  t.is(small.packets.length, 50);
});
