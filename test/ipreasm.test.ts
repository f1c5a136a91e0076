/**
 * IP fragment reassembly: in order, out of order, duplicated, overlapping
 * (first copy wins), limits (datagram size, datagram count, bytes held),
 * timeouts, inconsistent tails; and a property over random fragmentation,
 * reordering and duplication.
 */
import test from 'ava';
import fc from 'fast-check';
import { IpReassembler } from '../src/flow/ipreasm.js';

/** Deterministic payload: byte i = (i * 7 + 3) & 0xff. */
function payload(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);
}

interface Frag {
  off: number;
  more: boolean;
  bytes: Uint8Array;
}

/** Cut `p` at the given offsets (multiples of 8) into fragments. */
function fragments(p: Uint8Array, cuts: number[]): Frag[] {
  const bounds = [0, ...cuts, p.length];
  const out: Frag[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) out.push({ off: bounds[i]!, more: i + 2 < bounds.length, bytes: p.subarray(bounds[i]!, bounds[i + 1]!) });
  return out;
}

const K = '4|192.0.2.1|192.0.2.2|77|17';

test('in order: completes on the last fragment with every frame', (t) => {
  const r = new IpReassembler();
  const p = payload(3000);
  const [a, b, c] = fragments(p, [1480, 2960]);
  t.is(r.add(K, a!.off, a!.more, a!.bytes, 1, 100), null);
  t.is(r.add(K, b!.off, b!.more, b!.bytes, 2, 100), null);
  const done = r.add(K, c!.off, c!.more, c!.bytes, 3, 100);
  t.truthy(done);
  t.deepEqual(done!.payload, p);
  t.deepEqual(done!.frames, [1, 2, 3]);
  t.deepEqual(r.drain(), []);
  t.is(r.pending, 0);
  t.is(r.heldBytes, 0);
});

test('out of order: the last fragment first, completion on the missing middle', (t) => {
  const r = new IpReassembler();
  const p = payload(4000);
  const [a, b, c] = fragments(p, [1480, 2960]);
  t.is(r.add(K, c!.off, false, c!.bytes, 10, 1), null);
  t.is(r.add(K, a!.off, true, a!.bytes, 11, 1), null);
  const done = r.add(K, b!.off, true, b!.bytes, 12, 1);
  t.deepEqual(done!.payload, p);
  t.deepEqual(done!.frames, [10, 11, 12]);
});

test('the caller may reuse its buffer after add (bytes are copied)', (t) => {
  const r = new IpReassembler();
  const buf = payload(16);
  r.add(K, 0, true, buf.subarray(0, 8), 1, 0);
  buf.fill(0xee, 0, 8); // the capture reader reuses its buffer
  const done = r.add(K, 8, false, buf.subarray(8, 16), 2, 0);
  t.deepEqual(done!.payload, payload(16));
});

test('duplicated fragment: no effect, no event, its frame not listed', (t) => {
  const r = new IpReassembler();
  const p = payload(24);
  r.add(K, 0, true, p.subarray(0, 16), 1, 0);
  r.add(K, 0, true, p.subarray(0, 16), 2, 0); // retransmitted copy
  const done = r.add(K, 16, false, p.subarray(16), 3, 0);
  t.deepEqual(done!.payload, p);
  t.deepEqual(done!.frames, [1, 3]);
  t.deepEqual(r.drain(), []);
});

test('overlap with the same bytes is silent; with other bytes the first copy wins and it is reported', (t) => {
  const p = payload(32);
  const r = new IpReassembler();
  r.add(K, 0, true, p.subarray(0, 16), 1, 0);
  r.add(K, 8, true, p.subarray(8, 24), 2, 0); // overlaps 8..16 with identical bytes, adds 16..24
  const ok = r.add(K, 24, false, p.subarray(24), 3, 0);
  t.deepEqual(ok!.payload, p);
  t.deepEqual(r.drain(), []);

  const r2 = new IpReassembler();
  r2.add(K, 0, true, p.subarray(0, 16), 1, 0);
  const evil = p.slice(8, 24);
  evil.fill(0x41, 0, 8); // disagrees on bytes 8..16
  r2.add(K, 8, true, evil, 2, 0);
  const done = r2.add(K, 24, false, p.subarray(24), 3, 0);
  t.deepEqual(done!.payload, p, 'first copy of 8..16 kept, 16..24 filled by frame 2');
  const ev = r2.drain();
  t.is(ev.length, 1);
  t.regex(ev[0]!.reason, /first copy/);
  t.deepEqual(ev[0]!.frames, [1, 2]);
});

test('a fragment covering several holes fills only the holes', (t) => {
  const r = new IpReassembler();
  const p = payload(64);
  r.add(K, 8, true, p.subarray(8, 16), 1, 0);
  r.add(K, 32, true, p.subarray(32, 40), 2, 0);
  r.add(K, 56, false, p.subarray(56, 64), 3, 0);
  const done = r.add(K, 0, true, p.subarray(0, 56), 4, 0);
  t.deepEqual(done!.payload, p);
  t.deepEqual(done!.frames, [1, 2, 3, 4]);
});

test('datagrams with different keys do not mix', (t) => {
  const r = new IpReassembler();
  const p = payload(16);
  const q = payload(16).map((x) => x ^ 0xff);
  r.add('k1', 0, true, p.subarray(0, 8), 1, 0);
  r.add('k2', 0, true, q.subarray(0, 8), 2, 0);
  t.deepEqual(r.add('k2', 8, false, q.subarray(8), 3, 0)!.payload, q);
  t.deepEqual(r.add('k1', 8, false, p.subarray(8), 4, 0)!.payload, p);
});

test('a fragment reaching past maxDatagramBytes drops the datagram', (t) => {
  const r = new IpReassembler();
  r.add(K, 0, true, payload(1480), 1, 0);
  // offset 65528 (8191 units) + 16 bytes = 65544 > 65535
  t.is(r.add(K, 65528, false, payload(16), 2, 0), null);
  const ev = r.drain();
  t.is(ev.length, 1);
  t.regex(ev[0]!.reason, /65535/);
  t.deepEqual(ev[0]!.frames, [1, 2]);
  t.is(r.pending, 0);
  t.is(r.heldBytes, 0);
  const small = new IpReassembler({ maxDatagramBytes: 100 });
  t.is(small.add(K, 96, false, payload(8), 5, 0), null);
  t.deepEqual(small.drain().map((e) => e.frames), [[5]]);
});

test('maxDatagrams: the oldest datagram is evicted', (t) => {
  const r = new IpReassembler({ maxDatagrams: 2 });
  r.add('a', 0, true, payload(8), 1, 0);
  r.add('b', 0, true, payload(8), 2, 0);
  r.add('c', 0, true, payload(8), 3, 0);
  t.is(r.pending, 2);
  const ev = r.drain();
  t.is(ev.length, 1);
  t.regex(ev[0]!.reason, /evicted/);
  t.deepEqual(ev[0]!.frames, [1]);
  // 'a' is gone: its tail alone does not complete anything
  t.is(r.add('a', 8, false, payload(8), 4, 0), null);
  t.truthy(r.add('c', 8, false, payload(16).subarray(8), 5, 0));
});

test('maxBytes: held buffers stay within the budget, oldest evicted first', (t) => {
  const r = new IpReassembler({ maxBytes: 6000 });
  r.add('a', 0, true, payload(2000), 1, 0);
  r.add('b', 0, true, payload(2000), 2, 0);
  t.true(r.heldBytes <= 6000);
  r.add('c', 0, true, payload(3000), 3, 0);
  t.true(r.heldBytes <= 6000, `held ${r.heldBytes}`);
  const ev = r.drain();
  t.true(ev.length >= 1);
  t.deepEqual(ev[0]!.frames, [1], 'the oldest went first');
  // a datagram that cannot fit the budget at all is dropped itself
  const tiny = new IpReassembler({ maxBytes: 100 });
  t.is(tiny.add('x', 0, true, payload(200), 9, 0), null);
  t.deepEqual(tiny.drain().map((e) => e.frames), [[9]]);
  t.is(tiny.heldBytes, 0);
});

test('timeout in capture time: an old incomplete datagram is dropped', (t) => {
  const r = new IpReassembler({ timeoutSec: 60 });
  const p = payload(16);
  r.add(K, 0, true, p.subarray(0, 8), 1, 1000);
  r.add('other', 0, true, p.subarray(0, 8), 2, 1030);
  t.is(r.add('third', 0, true, p.subarray(0, 8), 3, 1061), null); // 61 s after frame 1
  const ev = r.drain();
  t.is(ev.length, 1);
  t.regex(ev[0]!.reason, /timeout/);
  t.deepEqual(ev[0]!.frames, [1]);
  // the tail of the timed-out datagram arrives late: no completion
  t.is(r.add(K, 8, false, p.subarray(8), 4, 1062), null);
  // within the timeout it still completes
  t.truthy(r.add('other', 8, false, p.subarray(8), 5, 1089));
});

test('inconsistent tails: two different ends, or data past the end, drop the datagram', (t) => {
  const r = new IpReassembler();
  r.add(K, 16, false, payload(8), 1, 0); // end 24
  t.is(r.add(K, 24, false, payload(8), 2, 0), null); // end 32: disagrees
  t.is(r.drain().length, 1);
  r.add(K, 16, false, payload(8), 3, 0); // end 24
  t.is(r.add(K, 24, true, payload(8), 4, 0), null); // past the end
  t.is(r.drain().length, 1);
  r.add(K, 40, true, payload(8), 5, 0); // data up to 48
  t.is(r.add(K, 8, false, payload(8), 6, 0), null); // claims the end is 16
  const ev = r.drain();
  t.is(ev.length, 1);
  t.deepEqual(ev[0]!.frames, [5, 6]);
  t.is(r.heldBytes, 0);
});

test('flush reports what is still incomplete; drain empties the queue', (t) => {
  const r = new IpReassembler();
  r.add('a', 0, true, payload(8), 1, 0);
  r.add('b', 8, false, payload(8), 2, 0);
  r.flush();
  const ev = r.drain();
  t.deepEqual(ev.map((e) => e.frames), [[1], [2]]);
  t.deepEqual(r.drain(), []);
  t.is(r.pending, 0);
  t.is(r.heldBytes, 0);
});

test('a hostile flood of tiny fragments stays bounded', (t) => {
  const r = new IpReassembler({ maxDatagrams: 16, maxBytes: 1 << 20 });
  for (let i = 0; i < 5000; i++) r.add(`k${i % 40}`, ((i * 7919) % 8000) * 8, true, payload(8), i, i / 100);
  t.true(r.pending <= 16);
  t.true(r.heldBytes <= 1 << 20);
  const ev = r.drain();
  t.true(ev.length > 0 && ev.length <= 1025);
});

test('property: any fragmentation, order and duplication reassembles the original', (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3000 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 374 }), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      fc.nat(),
      (len, cutUnits, dups, seed) => {
        const p = payload(len);
        const cuts = cutUnits.map((u) => u * 8).filter((o) => o < len).sort((a, b) => a - b);
        const frags = fragments(p, cuts);
        const seq = frags.map((f, i) => ({ ...f, frame: i + 1 }));
        for (const d of dups) seq.push(seq[d % seq.length]!);
        // deterministic shuffle
        let s = seed >>> 0;
        for (let i = seq.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [seq[i], seq[j]] = [seq[j]!, seq[i]!];
        }
        const r = new IpReassembler();
        let done: { payload: Uint8Array; frames: number[] } | null = null;
        let completions = 0;
        for (const f of seq) {
          const x = r.add(K, f.off, f.more, f.bytes, f.frame, 0);
          if (x) {
            done = x;
            completions++;
          }
        }
        if (!done) return false;
        if (r.drain().length !== 0) return false;
        // once complete, later duplicates start a new (never finished) datagram, not a second result
        if (completions !== 1 && !seq.some((f, i) => i > 0 && seq.indexOf(f) !== i)) return false;
        if (done.payload.length !== len) return false;
        for (let i = 0; i < len; i++) if (done.payload[i] !== p[i]) return false;
        return done.frames.length >= 1 && done.frames.length <= frags.length;
      },
    ),
    { numRuns: 500 },
  );
  t.pass();
});
