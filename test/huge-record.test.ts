/**
 * Record and block bounds under gzip (issue 13, item 5): a pcap whose snaplen
 * is 0xFFFFFFFF and whose record claims 256 MiB is rejected at the record
 * header — a snaplen counts up to 16 MiB only — instead of being gathered 64
 * KiB zlib chunk by chunk; a large record under the bound still arrives
 * intact through small chunks (gzip's 64 KiB, or a tiny read size), in pcap
 * and pcapng.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCapture } from '../src/capture/read.js';
import type { CaptureProblem, Packet } from '../src/types.js';
import { concat, ethUdp, pcapHeader, pcapRecord, PcapngWriter } from '../tools/craft.js';
import { pdu, tAddr, tPort, tStr, DELIM } from '../tools/craft-isns.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('huge-');
const T = { sec: 1795464000, nsec: 0 };

const REG = ethUdp('10.0.0.1', '10.0.0.2', 3205, 3205, pdu(1, 1, concat([tStr(32, 'iqn.x'), tStr(1, 'e'), DELIM, tStr(1, 'e'), tAddr(16, '192.0.2.10'), tPort(17, 3260)])));

/** A record header (16 bytes, little-endian) claiming `cap` captured bytes. */
function recHeader(cap: number): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(T.sec, 0);
  b.writeUInt32LE(cap >>> 0, 8);
  b.writeUInt32LE(cap >>> 0, 12);
  return b;
}

async function read(file: string, highWaterMark?: number) {
  const packets: Packet[] = [];
  const problems: CaptureProblem[] = [];
  const sink = {
    packet: (p: Packet) => packets.push({ ...p, data: Uint8Array.from(p.data) }),
    problem: (p: CaptureProblem) => problems.push(p),
  };
  const s = await readCapture(file, sink, highWaterMark ? { highWaterMark } : {});
  return { s, packets, problems };
}

test('gzip pcap, snaplen 0xFFFFFFFF, a record claiming 256 MiB: rejected at its header, with frame and byte offset; earlier packets kept', async (t) => {
  const head = concat([pcapHeader({ snaplen: 0xffffffff }), pcapRecord({ data: REG, ...T }, { snaplen: 0xffffffff })]);
  const off = head.length;
  // 256 MiB claimed, 4 MiB of its body present (the rest would only make the file longer).
  const file = join(dir, 'claim.pcap.gz');
  writeFileSync(file, gzipSync(concat([head, recHeader(256 << 20), new Uint8Array(4 << 20)])));
  const { s, packets } = await read(file);
  t.is(packets.length, 1);
  t.is(s.error, `${file}: frame 2: byte offset ${off}: record claims 268435456 captured bytes, more than the 16777216 accepted (max of snaplen and 262144; a snaplen over 16777216 counts as 16777216); reading stops here`);
  // The CLI: the portal of frame 1 is printed, the error is one line on stderr.
  const r = spawnSync(process.execPath, [CLI, 'portals', '--format', 'json', file], { maxBuffer: 16 << 20 });
  const j = JSON.parse(r.stdout.toString());
  t.is(j.portals.length, 1);
  t.is(j.inputs[0].error, s.error);
  t.deepEqual(r.stderr.toString().trim().split('\n'), [`isns-dissector: ${s.error}`]);
});

test('plain pcap with the same claim: the same rejection', async (t) => {
  const file = join(dir, 'claim.pcap');
  writeFileSync(file, concat([pcapHeader({ snaplen: 0xffffffff }), recHeader(0xfffffff0), new Uint8Array(1000)]));
  const { s } = await read(file);
  t.regex(s.error!, /frame 1: byte offset 24: record claims 4294967280 captured bytes, more than the 16777216 accepted/);
});

test('a 3 MiB record under the bound (snaplen 0xFFFFFFFF) arrives intact through 64 KiB gzip chunks and 1000-byte reads', async (t) => {
  const big = new Uint8Array(3 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 255;
  const bytes = concat([pcapHeader({ snaplen: 0xffffffff }), pcapRecord({ data: REG, ...T }, { snaplen: 0xffffffff }), pcapRecord({ data: big, ...T }, { snaplen: 0xffffffff }), pcapRecord({ data: REG, ...T }, { snaplen: 0xffffffff })]);
  const plain = join(dir, 'big.pcap');
  writeFileSync(plain, bytes);
  writeFileSync(plain + '.gz', gzipSync(bytes));
  for (const [file, hwm] of [[plain + '.gz', undefined], [plain, 1000]] as const) {
    const { s, packets } = await read(file, hwm);
    t.is(s.error, null, file);
    t.is(packets.length, 3);
    t.is(Buffer.compare(Buffer.from(packets[1]!.data), Buffer.from(big)), 0, `${file}: the big record's bytes`);
    t.is(Buffer.compare(Buffer.from(packets[2]!.data), Buffer.from(REG)), 0);
  }
});

test('pcapng: a 3 MiB block through 64 KiB gzip chunks and 1000-byte reads is intact; a block claiming 0xFFFFFFF0 is rejected', async (t) => {
  const big = new Uint8Array(3 << 20);
  for (let i = 0; i < big.length; i++) big[i] = (i * 13 + (i >> 9)) & 255;
  const w = new PcapngWriter().section().iface({ linktype: 1, tsresol: 9 }).packet(0, 1n, REG).packet(0, 2n, big).packet(0, 3n, REG);
  const bytes = w.bytes();
  const plain = join(dir, 'big.pcapng');
  writeFileSync(plain, bytes);
  writeFileSync(plain + '.gz', gzipSync(bytes));
  for (const [file, hwm] of [[plain + '.gz', undefined], [plain, 1000]] as const) {
    const { s, packets } = await read(file, hwm);
    t.is(s.error, null, file);
    t.is(packets.length, 3);
    t.is(Buffer.compare(Buffer.from(packets[1]!.data), Buffer.from(big)), 0);
  }
  const bad = Buffer.alloc(12);
  bad.writeUInt32LE(6, 0);
  bad.writeUInt32LE(0xfffffff0, 4);
  const file = join(dir, 'claim.pcapng.gz');
  writeFileSync(file, gzipSync(concat([bytes, bad, new Uint8Array(1 << 20)])));
  const { s, packets } = await read(file);
  t.is(packets.length, 3);
  t.is(s.error, `${file}: frame 4: byte offset ${bytes.length + 4}: block of type 0x6 claims 4294967280 bytes, more than the 16777216 accepted`);
});
