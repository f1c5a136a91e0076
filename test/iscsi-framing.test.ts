/**
 * iSCSI framing over TCP with the project's PduFramer (src/flow/framer.ts):
 * the same PDUs whatever the segmentation (every split position, byte by
 * byte), digests switched on mid-stream, resynchronisation after garbage and
 * gaps, bounded work on lying lengths — and property tests that no input
 * makes the dissector, the tree, the framing, the probe or the key=value
 * parser throw.
 */
import test from 'ava';
import fc from 'fast-check';
import { join } from 'node:path';
import { ByteView } from '../dissector/core/byteview.js';
import {
  DigestNegotiation,
  IscsiTaskTracker,
  dissectIscsiPdu,
  inferDigests,
  iscsiFraming,
  iscsiPduLength,
  iscsiProbe,
  iscsiTree,
  parseKeyValues,
  type IscsiDigests,
} from '../dissector/iscsi/iscsi.js';
import { PduFramer } from '../src/flow/framer.js';
import {
  ISID,
  STAGE,
  allIscsiCaptures,
  asyncMsg,
  dataOut,
  keys,
  loginReq,
  logoutReq,
  nopOut,
  pdu,
  rawText,
  reject,
  scsiCmd,
  snack,
  textReq,
  tmf,
} from '../tools/craft-iscsi.js';
import { concat } from '../tools/craft.js';
import { ROOT, ourPdus } from './helpers/iscsi-capture.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Initiator→target PDUs: login (never digested), then full-feature PDUs with header and data digests. */
function digestedStream(): Uint8Array[] {
  const dg = { headerDigest: true, dataDigest: true };
  return [
    loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 1, cid: 1, cmdSN: 1, expStatSN: 0 }, keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'CRC32C'], ['InitiatorName', 'iqn.1991-05.com.microsoft:host1']])),
    textReq({ itt: 2, cmdSN: 1, expStatSN: 1 }, keys([['SendTargets', 'All']]), dg),
    nopOut({ itt: 3, cmdSN: 2, expStatSN: 1 }, rawText('odd'), dg),
    scsiCmd({ itt: 4, write: true, edtl: 5, cmdSN: 2, expStatSN: 1, cdb: Uint8Array.of(0x7f) }, rawText('12345'), { ...dg, ahs: concat([Uint8Array.of(0, 9, 1, 0), new Uint8Array(8).fill(0xee)]) }),
    dataOut({ itt: 4, ttt: 9, expStatSN: 1, dataSN: 0, offset: 5 }, new Uint8Array(7).fill(1), dg),
    tmf({ fn: 1, itt: 5, rtt: 4, cmdSN: 3, expStatSN: 1, refCmdSN: 2 }, dg),
    snack({ type: 1, itt: 0xffffffff, expStatSN: 1, begRun: 0, runLength: 0 }, dg),
    pdu({ opcode: 0x1d, immediate: true, itt: 6 }, rawText('vendor'), dg),
    logoutReq({ reason: 0, itt: 7, cid: 1, cmdSN: 3, expStatSN: 1 }, dg),
  ];
}

/** Target→initiator PDUs without digests, including a Reject and an Async Message with data. */
function plainStream(): Uint8Array[] {
  return [
    asyncMsg({ event: 1, p3: 5, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }, rawText('\0\0event')),
    reject({ reason: 9, statSN: 2, expCmdSN: 1, maxCmdSN: 1 }, new Uint8Array(48).fill(0)),
  ];
}

interface Out {
  pdus: string[];
  owners: number[];
  skipped: number;
}

function frame(stream: Uint8Array, cuts: number[], digests: IscsiDigests, sender?: 'initiator' | 'target'): Out {
  const out: Out = { pdus: [], owners: [], skipped: 0 };
  const f = new PduFramer(iscsiFraming(digests, sender ? { sender } : {}), {
    pdu: (p) => {
      out.pdus.push(hex(p.bytes));
      out.owners.push(p.frame);
    },
    skipped: (n) => (out.skipped += n),
  });
  const at = [0, ...cuts, stream.length];
  for (let i = 0; i + 1 < at.length; i++) f.push(stream.subarray(at[i]!, at[i + 1]!), i + 1);
  return out;
}

test('every split position of a digested stream yields the same PDUs, each owned by the segment holding its last byte', (t) => {
  const pdus = digestedStream();
  const stream = concat(pdus);
  const dg = { header: true, data: true };
  const want = pdus.map(hex);
  t.deepEqual(frame(stream, [], dg, 'initiator').pdus, want);
  const ends: number[] = [];
  let o = 0;
  for (const p of pdus) ends.push((o += p.length));
  let bad = 0;
  for (let cut = 1; cut < stream.length; cut++) {
    const r = frame(stream, [cut], dg, 'initiator');
    const owners = ends.map((e) => (e <= cut ? 1 : 2));
    if (r.skipped || JSON.stringify(r.pdus) !== JSON.stringify(want) || JSON.stringify(r.owners) !== JSON.stringify(owners)) bad++;
  }
  t.is(bad, 0);
  // and byte by byte
  const r = frame(stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1), dg, 'initiator');
  t.deepEqual(r.pdus, want);
  t.deepEqual(r.owners, ends);
  t.log(`${stream.length - 1} split positions over ${pdus.length} PDUs`);
});

test('every pair of split positions of a plain target stream yields the same PDUs', (t) => {
  const pdus = plainStream();
  const stream = concat(pdus);
  const want = pdus.map(hex);
  let bad = 0;
  for (let a = 1; a < stream.length; a += 3) for (let b = a + 1; b < stream.length; b += 5) if (JSON.stringify(frame(stream, [a, b], { header: false, data: false }, 'target').pdus) !== JSON.stringify(want)) bad++;
  t.is(bad, 0);
});

test('digests switched on by the negotiation frame the following PDUs; the final Login Response itself is undigested', (t) => {
  const neg = new DigestNegotiation();
  const seen: string[] = [];
  const f = new PduFramer(iscsiFraming(neg.digests, { sender: 'initiator' }), {
    pdu: (p) => {
      const r = dissectIscsiPdu(ByteView.of(p.bytes), neg.digests);
      seen.push(`${r.opcodeName}${r.headerDigest !== null ? ' +HD' : ''}${r.dataDigest !== null ? ' +DD' : ''}`);
      neg.observe(r);
    },
    skipped: () => t.fail('nothing is skipped'),
  });
  const pdus = digestedStream();
  f.push(pdus[0]!, 1);
  // the target's final answer (another direction in real life; observed in stream order)
  neg.observe(dissectIscsiPdu(ByteView.of(loginReq({ transit: true, csg: 1, nsg: 3, isid: ISID, itt: 1 }, new Uint8Array(0)).map((b, i) => (i === 0 ? 0x23 : b)))));
  t.deepEqual(neg.digests, { header: false, data: false }, 'an unanswered offer: still off');
  const answer = concat([Uint8Array.of(0x23, 0x87, 0, 0), new Uint8Array(44)]);
  const kv = keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'CRC32C']]);
  answer[7] = kv.length;
  neg.observe(dissectIscsiPdu(ByteView.of(concat([answer, kv]))));
  t.deepEqual(neg.digests, { header: true, data: true });
  f.push(concat(pdus.slice(1)), 2);
  t.deepEqual(seen, ['Login Command', 'Text Command +HD +DD', 'NOP Out +HD +DD', 'SCSI Command +HD +DD', 'SCSI Data Out +HD +DD', 'Task Management Function +HD', 'SNACK Request +HD', 'Vendor Specific I1 +HD +DD', 'Logout Command +HD']);
});

test('resynchronisation: after garbage, a lying length or a gap, the next real header is found and nothing in between is taken for one', (t) => {
  const pdus = digestedStream().slice(1);
  const dg = { header: true, data: true };
  const text = rawText('TargetName=iqn.2026-11.lab:tgt1\0TargetAddress=192.0.2.20:3260,1\0=<>\\]^ CONTINUED'.repeat(3));
  const zeros = new Uint8Array(300);
  const lying = nopOut({ itt: 9, cmdSN: 1, expStatSN: 1 }).map((b, i) => (i === 5 ? 0x40 : b)); // 4 MiB of data claimed
  for (const junk of [text, zeros, lying, Uint8Array.from({ length: 500 }, (_, i) => (i * 131 + 7) & 0xff)]) {
    const r = frame(concat([junk, ...pdus]), [], dg, 'initiator');
    t.deepEqual(r.pdus, pdus.map(hex), `junk of ${junk.length} bytes`);
    t.is(r.skipped, junk.length);
  }
  // a gap in the middle of a PDU: the framer drops it and resynchronises
  const f = iscsiFraming(dg, { sender: 'initiator' });
  const got: string[] = [];
  const fr = new PduFramer(f, { pdu: (p) => got.push(hex(p.bytes)), skipped: () => undefined });
  fr.push(pdus[0]!.subarray(0, 30), 1);
  fr.gap();
  f.resync();
  fr.push(concat([pdus[1]!.subarray(40), ...pdus.slice(2)]), 2);
  t.deepEqual(got, pdus.slice(2).map(hex));
});

test('a header announcing a huge data segment allocates nothing for it', (t) => {
  const h = nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 });
  h[5] = 0xff;
  h[6] = 0xff;
  h[7] = 0xff;
  t.true('invalid' in iscsiPduLength(ByteView.of(h)));
  const r = dissectIscsiPdu(ByteView.of(h));
  t.is(r.dataSegmentLength, 0xffffff);
  t.is(r.data.length, 0);
  t.true(r.problems.some((p) => p.includes('by its header, 48 present')));
  t.true(iscsiTree(h, { full: false }).length > 0);
  t.true(iscsiTree(h, { full: true }).length > 0);
});

// ---------------------------------------------------------------- properties

const DIGESTS = fc.record({ header: fc.boolean(), data: fc.boolean() });

function everything(b: Uint8Array, dg: IscsiDigests): void {
  const v = ByteView.of(b);
  dissectIscsiPdu(v, dg);
  dissectIscsiPdu(v);
  iscsiTree(v, { full: false, digests: dg });
  iscsiTree(v, { full: true, digests: dg });
  iscsiTree(b, { full: false });
  iscsiPduLength(v, dg);
  iscsiPduLength(v, dg, 0xffffff);
  iscsiProbe(v);
  inferDigests(v);
  parseKeyValues(b);
  // a view whose captured part is shorter than its declared length (snaplen)
  const cut = new ByteView(b, 0, b.length + 16, b.length);
  dissectIscsiPdu(cut, dg);
  iscsiTree(cut, { full: false, digests: dg });
  iscsiTree(cut, { full: true, digests: dg });
  iscsiPduLength(cut, dg);
}

test('property: random bytes never make the dissector, tree, framing, probe or key=value parser throw', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), DIGESTS, (b, dg) => {
      everything(b, dg);
    }),
    { numRuns: 3000 },
  );
  // random bytes behind a plausible opcode/flags pair of each opcode
  fc.assert(
    fc.property(fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x1c, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3c, 0x3f, 0x15), fc.uint8Array({ minLength: 47, maxLength: 300 }), DIGESTS, (op, rest, dg) => {
      const b = concat([Uint8Array.of(op | (op < 0x20 ? 0x40 : 0)), rest]);
      b[4] = b[4]! & 3;
      everything(b, dg);
    }),
    { numRuns: 3000 },
  );
  t.pass();
});

test('property: mutations of every crafted PDU (flips, truncation, insertion, length fields) never throw; whole mutated streams neither', async (t) => {
  const pdus: Uint8Array[] = [];
  for (const c of allIscsiCaptures()) for (const p of (await ourPdus(join(ROOT, 'captures/crafted', c.name))).pdus) pdus.push(p.bytes);
  t.true(pdus.length > 100);
  const mutation = fc.record({
    which: fc.nat(),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 20 })), { nil: undefined }),
    dsl: fc.option(fc.integer({ min: 0, max: 0xffffff }), { nil: undefined }),
    ahs: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
  });
  const mutate = (m: { which: number; flips: [number, number][]; cut?: number | undefined; insert?: [number, Uint8Array] | undefined; dsl?: number | undefined; ahs?: number | undefined }): Uint8Array => {
    let b: Uint8Array = Uint8Array.from(pdus[m.which % pdus.length]!);
    if (m.dsl !== undefined && b.length >= 8) {
      b[5] = m.dsl >>> 16;
      b[6] = (m.dsl >>> 8) & 0xff;
      b[7] = m.dsl & 0xff;
    }
    if (m.ahs !== undefined && b.length >= 5) b[4] = m.ahs;
    for (const [at, x] of m.flips) if (b.length) b[at % b.length]! ^= x;
    if (m.insert) {
      const at = m.insert[0] % (b.length + 1);
      b = concat([b.subarray(0, at), m.insert[1], b.subarray(at)]);
    }
    if (m.cut !== undefined) b = b.subarray(0, m.cut % (b.length + 1));
    return b;
  };
  fc.assert(
    fc.property(mutation, DIGESTS, (m, dg) => {
      everything(mutate(m), dg);
    }),
    { numRuns: 5000 },
  );
  // streams: mutated PDUs back to back, cut anywhere, through framing, negotiation, tracker and trees
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (ms, cuts, inSync) => {
      const stream = concat(ms.map(mutate));
      const neg = new DigestNegotiation();
      const tasks = new IscsiTaskTracker(4);
      const f = iscsiFraming(neg.digests, { startInSync: inSync });
      const framer = new PduFramer(
        f,
        {
          pdu: (p) => {
            const v = ByteView.of(p.bytes);
            const r = dissectIscsiPdu(v, neg.digests);
            neg.observe(r);
            tasks.annotate(r, p.frame, { sec: 0, nsec: p.frame });
            iscsiTree(v, { full: false, digests: neg.digests });
            iscsiTree(v, { full: true, digests: neg.digests });
          },
          skipped: () => undefined,
        },
        { startInSync: inSync, maxBuffered: 1 << 20 },
      );
      const at = [0, ...cuts.map((c) => c % (stream.length + 1)).sort((a, b) => a - b), stream.length];
      for (let i = 0; i + 1 < at.length; i++) framer.push(stream.subarray(at[i]!, at[i + 1]!), i + 1);
      framer.end();
    }),
    { numRuns: 1500 },
  );
  t.pass();
});
