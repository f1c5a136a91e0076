/**
 * pcapng reading (src/capture/pcapng.ts) on files built with PcapngWriter
 * (src/craft.ts) and by hand. Block sizes used for the expected offsets:
 *   SHB without options                         28
 *   IDB without options                         20
 *   IDB + if_tsresol (4+4) + opt_endofopt (4)   32
 *   IDB + if_tsresol + if_tsoffset (4+8) + end  44
 *   EPB / obsolete PB: 32 + data padded to 4
 *   SPB: 16 + data padded to 4
 *   other block: 12 + body
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readCapture, type ReadOptions } from '../src/capture/read.js';
import { concat, PcapngWriter } from '../tools/craft.js';
import type { CaptureProblem, Packet } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('cap-pcapng-');
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
        if (p.data.length !== p.caplen) viewOk = false;
        packets.push({ ...p, data: [...p.data] });
      },
      problem: (p) => problems.push(p),
    },
    opts,
  );
  return { s, packets, problems, viewOk };
}

/** A block built by hand: type, total length, body, trailing length (little-endian unless told). */
function block(type: number, body: Uint8Array, len = 12 + body.length, trail = len, le = true): Uint8Array {
  const b = new Uint8Array(12 + body.length);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, type, le);
  dv.setUint32(4, len, le);
  b.set(body, 8);
  dv.setUint32(8 + body.length, trail, le);
  return b;
}

/** One little-endian section, one Ethernet interface (µs), one packet [1] at offset 48 (28 + 20). */
const good = () => new PcapngWriter().section().iface({ linktype: 1 }).packet(0, 1n, Uint8Array.of(1)).bytes();
const GOOD_LEN = 28 + 20 + 36;

function mixed(): Uint8Array {
  // Section A, little-endian, starts at 0
  const a = new PcapngWriter(false)
    .section() //                                              0   SHB 28
    .iface({ linktype: 1, tsresol: 9 }) //                     28  IDB 32, ns
    .iface({ linktype: 113, tsresol: 3, tsoffset: 100 }) //    60  IDB 44, ms + 100 s
    .iface({ linktype: 1 }) //                                 104 IDB 20, default µs
    .packet(0, 1795464000_123456789n, Uint8Array.of(1)) //     124 EPB 36, frame 1
    .raw(0x12345, new Uint8Array(8)) //                        160 unknown block 20: skipped
    .packet(1, 5_001n, Uint8Array.of(2)) //                    180 EPB 36, frame 2: 5.001 s + 100 s
    .packet(2, 1795464000_654321n, Uint8Array.of(7, 7, 7, 7, 7)) // 216 EPB 40, frame 3
    .bytes();
  // Section B, big-endian, starts at 256; its interfaces replace A's
  const b = new PcapngWriter(true)
    .section() //                                              256 SHB 28
    .iface({ linktype: 101, tsresol: 0x80 | 10, snaplen: 8 }) // 284 IDB 32, 2^-10 s
    .packet(0, 3n * 1024n + 512n, Uint8Array.of(3, 3)) //      316 EPB 36, frame 4: 3.5 s
    .simple(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), 100) // 352 SPB 28, frame 5: room 12, snaplen 8 → 8 bytes
    .obsolete(0, 7n * 1024n, Uint8Array.of(5)) //              380 PB 36, frame 6: 7 s
    .packet(1, 1n, Uint8Array.of(9)) //                        416 EPB 36, frame 7: interface 1 not declared in B
    .simple(Uint8Array.of(4, 4, 4)) //                         452 SPB 20, frame 8: origlen 3
    .bytes();
  return concat([a, b]);
}

test('sections of both byte orders, per-interface link type/tsresol/tsoffset/snaplen, EPB, SPB, obsolete PB, unknown block', async (t) => {
  const bytes = mixed();
  t.is(bytes.length, 472);
  const { s, packets, problems, viewOk } = await read(file(bytes));
  t.deepEqual(s, { file: s.file, format: 'pcapng', gzip: false, packets: 8, bytes: 472, error: null });
  t.true(viewOk);
  t.deepEqual(
    packets.map((p) => [p.frame, p.offset, p.linktype, p.iface, p.ts, p.caplen, p.origlen, p.data]),
    [
      [1, 124, 1, 0, { sec: 1795464000, nsec: 123456789, digits: 9 }, 1, 1, [1]],
      [2, 180, 113, 1, { sec: 105, nsec: 1_000_000, digits: 3 }, 1, 1, [2]],
      [3, 216, 1, 2, { sec: 1795464000, nsec: 654_321_000, digits: 6 }, 5, 5, [7, 7, 7, 7, 7]],
      [4, 316, 101, 0, { sec: 3, nsec: 500_000_000, digits: 9 }, 2, 2, [3, 3]],
      [5, 352, 101, 0, { sec: 0, nsec: 0, digits: 9 }, 8, 100, [0, 1, 2, 3, 4, 5, 6, 7]],
      [6, 380, 101, 0, { sec: 7, nsec: 0, digits: 9 }, 1, 1, [5]],
      [8, 452, 101, 0, { sec: 0, nsec: 0, digits: 9 }, 3, 3, [4, 4, 4]],
    ],
  );
  // frame 7 was for an interface section B never declared: reported once, not fatal, skipped
  t.is(problems.length, 1);
  t.like(problems[0], { code: 'CAPTURE_ERROR', frame: 7, offset: 416, fatal: false });
  t.regex(problems[0]!.message, /frame 7: byte offset 416: packet for interface 1, which this section does not declare/);
});

test('every chunk size from 1 to 64 bytes gives the same packets and problems', async (t) => {
  const f = file(mixed());
  const whole = await read(f);
  for (let hwm = 1; hwm <= 64; hwm++) {
    const r = await read(f, { highWaterMark: hwm });
    t.deepEqual(r.packets, whole.packets, `highWaterMark ${hwm}`);
    t.deepEqual(r.problems, whole.problems, `highWaterMark ${hwm}`);
    t.is(r.s.error, null);
  }
});

test('timestamps are exact at the 64-bit limits and for 2^-n and 10^-12 resolutions', async (t) => {
  const max = (1n << 64n) - 1n; // 18446744073709551615
  const w = new PcapngWriter(true)
    .section()
    .iface({ linktype: 1, tsresol: 9 }) // 0: ns
    .iface({ linktype: 1, tsresol: 6 }) // 1: µs
    .iface({ linktype: 1, tsresol: 0x80 | 20 }) // 2: 2^-20 s
    .iface({ linktype: 1, tsresol: 12 }) // 3: ps
    .iface({ linktype: 1, tsresol: 0 }) // 4: whole seconds
    .packet(0, max, Uint8Array.of(0))
    .packet(1, max, Uint8Array.of(1))
    // 3 s + (2^19 + 1) / 2^20 s = 3.5 s + 1e9/2^20 ns (953.67 → 953)
    .packet(2, 3n * (1n << 20n) + (1n << 19n) + 1n, Uint8Array.of(2))
    .packet(3, 1_500_000_000_123n, Uint8Array.of(3)) // 1.500000000123 s → ns rounded down
    .packet(4, 42n, Uint8Array.of(4))
    .packet(0, 4_294_967_296n * 1000n + 999_999_999n, Uint8Array.of(5)); // high word 999 of ns
  const { packets } = await read(file(w.bytes()));
  t.deepEqual(packets.map((p) => p.ts), [
    { sec: 18446744073, nsec: 709551615, digits: 9 },
    { sec: 18446744073709, nsec: 551615000, digits: 6 },
    { sec: 3, nsec: 500000953, digits: 9 },
    { sec: 1, nsec: 500000000, digits: 9 },
    { sec: 42, nsec: 0, digits: 0 },
    // 4294967296000 + 999999999 = 4295967295999 ns (high word 1000, low word 999999999)
    { sec: 4295, nsec: 967295999, digits: 9 },
  ]);
});

test('timestamps below and around 2^52 (one division there, long division above) equal BigInt arithmetic', async (t) => {
  // Exact multiples of the unit and their neighbours, where a rounded quotient would be off by one.
  const values: bigint[] = [0n, 1n, (1n << 52n) - 1n, 1n << 52n, (1n << 52n) + 1n, (1n << 53n) - 1n, 1n << 53n, 1_796_659_000_123_456n];
  for (const d of [1_000_000n, 1_000_000_000n]) {
    for (const k of [1n, 4_503_599_627n, 4_503_599_627_370n, (1n << 52n) / d, (1n << 52n) / d + 1n, 1_796_659_000n]) {
      for (const e of [-1n, 0n, 1n]) if (k * d + e >= 0n && k * d + e < 1n << 64n) values.push(k * d + e);
    }
  }
  for (const [resol, d] of [[6, 1_000_000n], [9, 1_000_000_000n]] as const) {
    const w = new PcapngWriter(true).section().iface({ linktype: 1, tsresol: resol });
    for (const v of values) w.packet(0, v, Uint8Array.of(0));
    const { packets } = await read(file(w.bytes()));
    const scale = 1_000_000_000n / d;
    t.deepEqual(
      packets.map((p) => `${p.ts.sec}.${p.ts.nsec}`),
      values.map((v) => `${v / d}.${(v % d) * scale}`),
      `tsresol ${resol}`,
    );
  }
});

test('a bad block length stops reading with the byte offset; earlier packets kept', async (t) => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['length < 12', block(6, new Uint8Array(0), 8), new RegExp(`frame 2: byte offset ${GOOD_LEN + 4}: block of type 0x6 has an invalid length 8$`)],
    ['not a multiple of 4', block(6, new Uint8Array(4), 13), new RegExp(`frame 2: byte offset ${GOOD_LEN + 4}: block of type 0x6 has an invalid length 13$`)],
    ['trailing length differs', block(5, new Uint8Array(4), 16, 20), new RegExp(`frame 2: byte offset ${GOOD_LEN + 12}: block length 16 does not match its trailing length 20$`)],
    ['beyond the 16 MiB bound', block(6, new Uint8Array(4), 0x40000000), new RegExp(`frame 2: byte offset ${GOOD_LEN + 4}: block of type 0x6 claims 1073741824 bytes, more than the 16777216 accepted$`)],
  ];
  for (const [what, bad, re] of cases) {
    for (const hwm of [undefined, 3]) {
      const { s, packets, problems } = await read(file(concat([good(), bad, good().subarray(28)])), { highWaterMark: hwm });
      t.deepEqual(packets.map((p) => p.frame), [1], what);
      t.regex(s.error!, re, what);
      t.is(problems.length, 1, what);
      t.like(problems[0], { code: 'CAPTURE_ERROR', frame: 2, fatal: true, message: s.error! }, what);
    }
  }
});

test('maxRecordBytes above 16 MiB raises the block bound', async (t) => {
  // A 20 MiB EPB header followed by the end of the file: with the bound raised it is a cut block, not an error.
  const bytes = concat([good(), block(6, new Uint8Array(20), 20 << 20)]);
  const r = await read(file(bytes.subarray(0, GOOD_LEN + 16)), { maxRecordBytes: 32 << 20 });
  t.is(r.s.error, null);
  t.like(r.problems[0], { code: 'TRUNCATED_CAPTURE', offset: GOOD_LEN });
});

test('a block claiming 1 GiB on an endless stdin is rejected without reading on', async (t) => {
  let chunksGiven = 0;
  async function* endless() {
    yield Buffer.from(concat([good(), block(6, new Uint8Array(0), 0x40000000).subarray(0, 8)]));
    for (;;) {
      chunksGiven++;
      yield Buffer.alloc(65536);
    }
  }
  const { s, packets } = await read('-', { stdin: Readable.from(endless()) });
  t.is(packets.length, 1);
  t.regex(s.error!, /^-: frame 2: byte offset 88: block of type 0x6 claims 1073741824 bytes/);
  t.true(chunksGiven < 4, `read ${chunksGiven} chunks past the bad header`);
});

test('a file cut inside a block: TRUNCATED_CAPTURE with the block offset; error stays null', async (t) => {
  const w = new PcapngWriter(true).section().iface({ linktype: 1 }).packet(0, 1n, Uint8Array.of(1)).packet(0, 2n, Uint8Array.of(2, 2)).bytes();
  // second EPB at 28 + 20 + 36 = 84, 36 bytes long; cut 5 bytes before its end
  for (const cut of [5, 30]) {
    const r = await read(file(w.subarray(0, w.length - cut)));
    t.deepEqual(r.packets.map((p) => p.frame), [1]);
    t.is(r.s.error, null);
    t.is(r.s.format, 'pcapng');
    t.deepEqual(r.problems.map((p) => [p.code, p.frame, p.offset, p.fatal]), [['TRUNCATED_CAPTURE', 2, 84, true]]);
  }
});

test('a cut or bad section header is an error', async (t) => {
  const shb = new PcapngWriter().section().bytes();
  const cut = await read(file(shb.subarray(0, 20)));
  t.is(cut.s.error, `${cut.s.file}: byte offset 0: pcapng section header cut (20 bytes)`);
  // byte-order magic neither 1a2b3c4d nor 4d3c2b1a
  const bom = Uint8Array.from(shb);
  bom.set([1, 2, 3, 4], 8);
  t.regex((await read(file(bom))).s.error!, /byte offset 8: section header block with an unknown byte-order magic 0x04030201$/);
  // major version 2
  const ver = Uint8Array.from(shb);
  ver[12] = 2;
  t.regex((await read(file(ver))).s.error!, /byte offset 12: unsupported pcapng version 2\.0$/);
  // a second section with a bad byte-order magic after a good packet
  const second = await read(file(concat([good(), bom])));
  t.is(second.packets.length, 1);
  t.regex(second.s.error!, new RegExp(`frame 2: byte offset ${GOOD_LEN + 8}: section header block with an unknown byte-order magic`));
});

test('an EPB claiming more captured bytes than it holds is an error; a packet before any interface is skipped with a problem', async (t) => {
  const epb = new Uint8Array(24);
  const dv = new DataView(epb.buffer);
  dv.setUint32(12, 9, true); // caplen 9, but the block holds 4 bytes of data
  const r = await read(file(concat([good(), block(6, epb)])));
  t.is(r.packets.length, 1);
  t.regex(r.s.error!, new RegExp(`frame 2: byte offset ${GOOD_LEN + 20}: packet block claims 9 captured bytes but holds 4$`));
  // SPB in a section without an IDB
  const noIdb = concat([new PcapngWriter().section().bytes(), new PcapngWriter().simple(Uint8Array.of(1)).bytes()]);
  const s = await read(file(noIdb));
  t.is(s.s.error, null);
  t.is(s.packets.length, 0);
  t.like(s.problems[0], { code: 'CAPTURE_ERROR', frame: 1, offset: 28, fatal: false });
});

test('frame numbers as tshark gives them: custom, journal and sysdig blocks take a number; NRB, ISB, unknown blocks do not', async (t) => {
  // frame 1 EPB; CB (0x0BAD) = frame 2; NRB, ISB: none; frame 3 EPB; CB (0x40000BAD) = frame 4;
  // unknown 0x12345 and DSB (0x0A): none; frame 5 EPB
  const w = new PcapngWriter()
    .section()
    .iface({ linktype: 1, tsresol: 9 })
    .packet(0, 1_000_000_001n, Uint8Array.of(1))
    .raw(0x0bad, new Uint8Array(16))
    .raw(4, new Uint8Array(4))
    .raw(5, new Uint8Array(16))
    .packet(0, 2_000_000_002n, Uint8Array.of(2))
    .raw(0x40000bad, new Uint8Array(16))
    .raw(0x12345, new Uint8Array(16))
    .raw(0x0a, new Uint8Array(8))
    .packet(0, 3_000_000_003n, Uint8Array.of(3));
  const f = file(w.bytes());
  const { s, packets, problems } = await read(f);
  t.deepEqual(problems, []);
  t.is(s.packets, 5);
  const ours = packets.map((p) => `${p.frame}\t${p.ts.sec}.${String(p.ts.nsec).padStart(9, '0')}`);
  t.deepEqual(ours, ['1\t1.000000001', '3\t2.000000002', '5\t3.000000003']);
  const ts = spawnSync('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-Y', 'frame.interface_id'], { encoding: 'utf8' });
  if (ts.error || ts.status !== 0) {
    t.log(`tshark not run (${ts.error?.message ?? ts.stderr}): live comparison skipped`);
    return;
  }
  t.deepEqual(ts.stdout.trim().split('\n'), ours);
});
