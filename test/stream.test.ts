/**
 * TCP reassembly and the PDU framer: every split position, random
 * segmentation / reordering / duplication (fast-check), gaps with
 * resynchronisation, sequence wrap, a stream joined mid-way, bounds.
 */
import test from 'ava';
import fc from 'fast-check';
import { isns } from '../dissector/isns/index.js';
import { PduFramer, type FramerPdu } from '../src/flow/framer.js';
import { OooBudget, TcpDirection, type GapInfo } from '../src/flow/reassembly.js';
import { concat } from '../tools/craft.js';
import { DELIM, pdu, tStr, tU32, tAddr, tPort, authBlock } from '../tools/craft-isns.js';

// Three PDUs as a client would send them: a registration, a query, a signed registration.
const P1 = pdu(0x0001, 1, concat([tStr(32, 'iqn.2026-11.lab:t1'), tStr(1, 'e1'), DELIM, tAddr(16, '10.0.0.1'), tPort(17, 3260), tU32(27, 0x37)]));
const P2 = pdu(0x0002, 2, concat([tStr(32, 'iqn.2026-11.lab:t1'), DELIM]));
const P3 = pdu(0x0001, 3, concat([tStr(32, 'iqn.2026-11.lab:t1'), DELIM]), { auth: authBlock('iqn.2026-11.lab:t1', new Uint8Array(40).fill(7)) });
const STREAM = concat([P1, P2, P3]);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const WANT = [P1, P2, P3].map(hex);

function framer(startInSync = true): { f: PduFramer; pdus: FramerPdu[]; skipped: number[] } {
  const pdus: FramerPdu[] = [];
  const skipped: number[] = [];
  const f = new PduFramer(isns.framing!, { pdu: (p) => pdus.push(p), skipped: (n) => skipped.push(n) }, { startInSync });
  return { f, pdus, skipped };
}

test('one stream split at every byte position (and every pair of positions) gives the same PDUs', (t) => {
  for (let i = 0; i <= STREAM.length; i++) {
    const { f, pdus } = framer();
    f.push(STREAM.subarray(0, i), 1);
    f.push(STREAM.subarray(i), 2);
    t.deepEqual(pdus.map((p) => hex(p.bytes)), WANT, `split at ${i}`);
  }
  const small = concat([P2, P2]);
  for (let i = 0; i <= small.length; i++) {
    for (let j = i; j <= small.length; j++) {
      const { f, pdus } = framer();
      f.push(small.subarray(0, i), 1);
      f.push(small.subarray(i, j), 2);
      f.push(small.subarray(j), 3);
      t.is(pdus.length, 2);
    }
  }
});

test('each PDU knows its frames and belongs to the frame of its last byte', (t) => {
  const { f, pdus } = framer();
  const cut = P1.length + 10; // P2 starts in frame 1 and ends in frame 2
  f.push(STREAM.subarray(0, cut), 1);
  f.push(STREAM.subarray(cut, cut + 4), 2);
  f.push(STREAM.subarray(cut + 4), 3);
  t.deepEqual(pdus.map((p) => [p.frames, p.frame]), [[[1], 1], [[1, 2, 3], 3], [[3], 3]]);
});

test('a stream joined mid-way finds the first PDU boundary', (t) => {
  const { f, pdus, skipped } = framer(false);
  f.push(STREAM.subarray(17), 1);
  t.deepEqual(pdus.map((p) => hex(p.bytes)), WANT.slice(1));
  t.is(skipped.reduce((a, b) => a + b, 0), P1.length - 17);
});

interface Seg {
  seq: number;
  data: Uint8Array;
  frame: number;
}

function segments(stream: Uint8Array, cuts: number[], isn: number): Seg[] {
  const at = [0, ...[...new Set(cuts)].filter((c) => c > 0 && c < stream.length).sort((a, b) => a - b), stream.length];
  return at.slice(0, -1).map((s, i) => ({ seq: (isn + 1 + s) >>> 0, data: stream.subarray(s, at[i + 1]), frame: i + 2 }));
}

function reassemble(segs: Seg[], isn: number, limits = { maxOooBytesPerStream: 1 << 20, maxOooBytesTotal: 1 << 22, maxStreams: 10 }): { pdus: string[]; gaps: GapInfo[] } {
  const { f, pdus } = framer();
  const gaps: GapInfo[] = [];
  const d = new TcpDirection({ data: (b, fr) => f.push(b, fr), gap: (g) => { gaps.push(g); f.gap(); } }, limits, new OooBudget(limits.maxOooBytesTotal));
  d.segment({ frame: 1, ts: { sec: 0, nsec: 0, digits: 6 }, seq: isn, flags: 2, payload: new Uint8Array(0) });
  for (const s of segs) d.segment({ frame: s.frame, ts: { sec: 0, nsec: 0, digits: 6 }, seq: s.seq, flags: 0x18, payload: s.data });
  d.finish();
  return { pdus: pdus.map((p) => hex(p.bytes)), gaps };
}

test('property: random segmentation, reordering, duplication and overlapping retransmissions yield the same PDUs', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: STREAM.length - 1 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 12 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(40)), { maxLength: 4 }),
      fc.constantFrom(1000, 0xfffffff0, 0x7ffffff0),
      (cuts, order, dups, isn) => {
        const segs = segments(STREAM, cuts, isn);
        const shuffled = [...segs];
        order.forEach((o, i) => {
          const j = o % shuffled.length;
          const k = i % shuffled.length;
          [shuffled[j], shuffled[k]] = [shuffled[k]!, shuffled[j]!];
        });
        // duplicates and overlapping retransmissions (a segment re-sent with extra bytes before it)
        for (const [which, back] of dups) {
          const s = segs[which % segs.length]!;
          const off = ((s.seq - isn - 1) >>> 0);
          const from = Math.max(0, off - back);
          shuffled.push({ seq: (isn + 1 + from) >>> 0, data: STREAM.subarray(from, off + s.data.length), frame: 99 });
        }
        const r = reassemble(shuffled, isn);
        return r.gaps.length === 0 && JSON.stringify(r.pdus) === JSON.stringify(WANT);
      },
    ),
    { numRuns: 400 },
  );
  t.pass();
});

test('a missing span is one gap naming the frames around it; the framer resynchronises on the next PDU', (t) => {
  const segs = segments(STREAM, [P1.length + 4, P1.length + P2.length], 5000);
  // drop the middle segment (the rest of P2)
  const r = reassemble([segs[0]!, segs[2]!], 5000);
  t.is(r.gaps.length, 1);
  t.deepEqual([r.gaps[0]!.frameBefore, r.gaps[0]!.frameAfter], [2, 4]);
  t.is(r.gaps[0]!.bytes, P2.length - 4);
  t.deepEqual(r.pdus, [WANT[0], WANT[2]]);
});

test('sequence numbers wrap at 2^32', (t) => {
  const isn = 0xffffffff - 30;
  const r = reassemble(segments(STREAM, [20, 40, 60], isn), isn);
  t.deepEqual(r.pdus, WANT);
});

test('out-of-order bytes beyond the per-stream bound become a gap, not growth', (t) => {
  const segs = segments(STREAM, [10, 60, 90], 1);
  // the first segment never arrives; later ones exceed a tiny bound
  const r = reassemble(segs.slice(1), 1, { maxOooBytesPerStream: 32, maxOooBytesTotal: 1 << 20, maxStreams: 10 });
  t.true(r.gaps.length >= 1);
  t.deepEqual(r.pdus, WANT.slice(1));
});

test('an authentication block claiming 4 GiB never allocates: the PDU is framed without it and the stream resynchronises', (t) => {
  // DevAttrQry, PDU length 4, Auth flag; its block says BSD 2, length 0xffffffff, then 12 stray bytes.
  const signedBogus = concat([Uint8Array.from([0, 1, 0, 2, 0, 4, 0xac, 0, 0, 9, 0, 0, 0, 0, 0, 0]), Uint8Array.from([0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff]), new Uint8Array(12)]);
  const { f, pdus, skipped } = framer();
  f.push(concat([signedBogus, P2]), 1);
  f.end();
  t.is(pdus.length, 2);
  t.is(pdus[0]!.bytes.length, 16, 'framed as header + payload only');
  t.is(hex(pdus[1]!.bytes), WANT[1]);
  t.is(skipped.reduce((a, b) => a + b, 0), 20, 'the block bytes are skipped while resynchronising');
});
