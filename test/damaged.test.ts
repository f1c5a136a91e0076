/**
 * Damaged real-world captures (issue 12): captures that start mid-stream,
 * snaplen cuts, lost TCP segments, bytes on port 3205 that are not iSNS.
 *
 * - test/crafted.test.ts checks every captures/crafted/*.truth.json (so the
 *   damaged-*.truth.json written by tools/gen-damaged.ts too): records, the set
 *   of capture finding codes, the PDU list.
 * - test/tshark-fields.test.ts compares `packets -e` with tshark 4.0.17 on every
 *   frame tshark decodes (live, or the goldens committed next to each capture).
 * - Here: the generator reproduces the committed captures; how many of each
 *   capture finding (the truth keeps only the set); the headline facts of each
 *   scenario through the CLI; and a property over random damaged streams.
 */
import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { knownFunction } from '../dissector/isns/names.js';
import { analyze } from '../src/analyze.js';
import { concat, pcapFile, TcpConn, type CraftFrame } from '../tools/craft.js';
import { DELIM, multiPdu, rsp, tAddr, tEmpty, tPort, tStr, tU32 } from '../tools/craft-isns.js';
import { damagedCaptures, generateDamaged } from '../tools/gen-damaged.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const DIR = join(ROOT, 'captures/crafted');
const GEN = new Map(damagedCaptures().map((g) => [g.name, g]));

interface Finding {
  code: string;
  severity: string;
  message: string;
  frames: number[];
}
interface PortalsOut {
  inputs: { isnsPdus: number; error: string | null }[];
  portals: { address: string; socket: number; securityBitmap: number | null; state: string; iscsiNames: unknown[] }[];
  findings: Finding[];
}
interface PduLine {
  frame: number;
  src: string;
  fields: Record<string, string | string[]>;
  message?: { functionId: number; xid: number; pdus: number; request: { frame: number; function: string } | null };
}

function cli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const file = (name: string): string => join(DIR, `${name}.pcap`);
function portals(name: string): PortalsOut {
  const r = cli(['portals', '--format', 'json', file(name)]);
  if (r.status !== 0) throw new Error(`portals exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as PortalsOut;
}
function packets(name: string): PduLine[] {
  const r = cli(['packets', '--format', 'json', file(name)]);
  if (r.status !== 0) throw new Error(`packets exited ${r.status}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as PduLine);
}
/** `packets -e` columns of one frame (tab-separated, as tshark prints them). */
function fieldLine(name: string, frame: number, fields: string[]): string | undefined {
  const r = cli(['packets', '-e', 'frame.number', ...fields.flatMap((f) => ['-e', f]), file(name)]);
  return r.stdout.split('\n').find((l) => l.split('\t')[0] === String(frame));
}
const at = (lines: PduLine[], frame: number): PduLine[] => lines.filter((l) => l.frame === frame);
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(',') : v);
const fid = (l: PduLine): number => Number(one(l.fields['isns.functionid']));
const xid = (l: PduLine): number => Number(one(l.fields['isns.transactionid']));
const codes = (o: PortalsOut, code: string): Finding[] => o.findings.filter((f) => f.code === code);
const facts = (name: string) => GEN.get(name)!.facts;

/** The response PDU of `frame` (function, transaction) is decoded and matched to the request of `reqFrame`. */
function matched(t: import('ava').ExecutionContext, lines: PduLine[], frame: number, f: number, x: number, reqFrame: number): void {
  const l = at(lines, frame).find((p) => fid(p) === f && xid(p) === x);
  t.truthy(l, `frame ${frame}: ${f.toString(16)} transaction ${x} decoded`);
  t.is(l?.message?.request?.frame, reqFrame, `frame ${frame}: matched to the request of frame ${reqFrame}`);
}

// ------------------------------------------------------------------ the captures themselves

test('the generator reproduces the committed damaged captures and truths byte for byte', (t) => {
  const tmp = tempDir('damaged-');
  const written = generateDamaged(tmp);
  t.is(written.length, 20);
  for (const f of written) t.true(Buffer.compare(readFileSync(join(tmp, f)), readFileSync(join(DIR, f))) === 0, f);
});

for (const [name, g] of GEN) {
  test(`${name}: how many of each capture finding, their severities, every input read`, (t) => {
    const o = portals(name);
    const got: Record<string, number> = {};
    for (const f of o.findings) got[f.code] = (got[f.code] ?? 0) + 1;
    t.deepEqual(got, g.facts.captureFindingCounts);
    t.deepEqual(o.findings.filter((f) => f.code === 'NOT_ISNS').map((f) => f.severity), codes(o, 'NOT_ISNS').map(() => 'info'));
    t.deepEqual(o.findings.filter((f) => f.code === 'TRUNCATED_PDU').map((f) => f.severity), codes(o, 'TRUNCATED_PDU').map(() => 'warning'));
    t.is(o.inputs[0]!.error, null);
    // Only iSNS PDUs are counted: junk is not, a cut PDU is.
    t.is(o.inputs[0]!.isnsPdus, g.truth.pdus.length);
  });
}

// ------------------------------------------------------------------ headline facts per scenario

test('mid-stream, server side: the 30-byte tail is skipped (one TCP_GAP), the DevAttrRegRsp is decoded and matched, nothing unanswered', (t) => {
  const n = 'damaged-midstream-server';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.tail!), [], 'no PDU from the tail');
  matched(t, lines, f.regRsp!, 0x8001, 4, f.reg!);
  matched(t, lines, f.qryRsp!, 0x8002, 5, f.qry!);
  const o = portals(n);
  t.is(codes(o, 'TCP_GAP').length, 1);
  t.deepEqual(codes(o, 'UNANSWERED_REQUEST'), []);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
  t.deepEqual(o.portals.map((p) => [p.address, p.state, p.securityBitmap]), [['10.40.0.1', 'registered', 0x37], ['10.40.0.2', 'registered', 0x27]]);
});

test('mid-stream, client side: the request tail is skipped, the query at the next segment start is not misframed', (t) => {
  const n = 'damaged-midstream-client';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.tail!), [], 'no PDU from the tail');
  const r7 = at(lines, f.rsp7!);
  t.deepEqual(r7.map((l) => [fid(l), xid(l)]), [[0x8001, 7]], 'the response to the lost request is decoded');
  t.deepEqual(at(lines, f.qry!).map((l) => [fid(l), xid(l)]), [[2, 8]], 'DevAttrQry 8, not a PDU framed from the tail');
  matched(t, lines, f.qryRsp!, 0x8002, 8, f.qry!);
  matched(t, lines, f.regRsp!, 0x8001, 9, f.reg!);
  const o = portals(n);
  t.is(codes(o, 'TCP_GAP').length, 1);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
  t.deepEqual(codes(o, 'UNANSWERED_REQUEST'), []);
});

test('mid-stream on bytes that look like version 1: no PDU and no MALFORMED_PDU for them, one TCP_GAP, the real PDUs decoded', (t) => {
  const n = 'damaged-midstream-v1';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.tail!), [], 'the implausible header (length 18, reserved flags, First with sequence 9) is not a PDU');
  matched(t, lines, f.qryRsp!, 0x8002, 12, f.qry!);
  matched(t, lines, f.regRsp!, 0x8001, 13, f.reg!);
  const o = portals(n);
  t.is(codes(o, 'TCP_GAP').length, 1);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
});

test('snaplen 200: both cut PDUs are kept and matched, attributes as far as captured, one TRUNCATED_PDU per direction, no TCP_GAP', (t) => {
  const n = 'damaged-snaplen';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.reg!).map((l) => [fid(l), xid(l)]), [[1, 1]], 'the cut DevAttrReg');
  t.deepEqual(at(lines, f.qryRsp!).map((l) => [fid(l), xid(l)]), [[0x8002, 2]], 'the cut DevAttrQryRsp');
  matched(t, lines, f.regRsp!, 0x8001, 1, f.reg!);
  matched(t, lines, f.qryRsp!, 0x8002, 2, f.qry!);
  // tshark 4.0.17: the tags it shows before "[Packet size limited during capture]".
  t.is(fieldLine(n, f.reg!, ['isns.attr.tag']), `${f.reg}\t32,1,0,1,2,16,17,27`);
  t.is(fieldLine(n, f.qryRsp!, ['isns.attr.tag']), `${f.qryRsp}\t32,0,1,2,16,17,27,16,17`);
  const o = portals(n);
  t.is(codes(o, 'TRUNCATED_PDU').length, 2);
  t.deepEqual(codes(o, 'TCP_GAP'), []);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
  t.deepEqual(codes(o, 'UNANSWERED_REQUEST'), []);
  // 10.43.0.2's address+port pair is never complete: no record; 10.43.0.1's bitmap comes from the response.
  t.deepEqual(o.portals.map((p) => [p.address, p.state, p.securityBitmap]), [['10.43.0.1', 'registered', 0x37], ['10.43.0.5', 'registered', 0x27]]);
});

test('snaplen cut inside a header: both PDUs of the frame reported, the header fields tshark shows, one TRUNCATED_PDU', (t) => {
  const n = 'damaged-snaplen-header';
  const f = facts(n).frames;
  const lines = packets(n);
  t.is(at(lines, f.both!).length, 2, 'the whole DevAttrReg and the cut DevAttrQry');
  t.is(fieldLine(n, f.both!, ['isns.PVer', 'isns.functionid', 'isns.pdulength', 'isns.flags', 'isns.transactionid']), `${f.both}\t1,1\t1,2\t124,84\t0x8c00,0x8c00\t1`);
  matched(t, lines, f.rsp1!, 0x8001, 1, f.both!);
  const o = portals(n);
  t.is(codes(o, 'TRUNCATED_PDU').length, 1);
  t.deepEqual(codes(o, 'TCP_GAP'), []);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
  t.deepEqual(codes(o, 'UNANSWERED_REQUEST'), []);
});

test('a lost segment inside a request: the bytes after the hole are not framed, the next DevAttrReg (336 bytes) is decoded and matched', (t) => {
  const n = 'damaged-lost-segment';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.xTail!), [], 'no PDU from "00 01 00 01 00 01 80 03 ..." after the hole');
  t.deepEqual(at(lines, f.y!).map((l) => [fid(l), xid(l), one(l.fields['isns.pdulength'])]), [[1, 3, '324']]);
  matched(t, lines, f.rsp3!, 0x8001, 3, f.y!);
  t.deepEqual(at(lines, f.rsp2!).map((l) => [fid(l), xid(l)]), [[0x8001, 2]], 'the response to the lost registration');
  const o = portals(n);
  t.is(codes(o, 'TCP_GAP').length, 1);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
  t.deepEqual(codes(o, 'UNANSWERED_REQUEST'), []);
  t.deepEqual(o.portals.map((p) => p.address), ['10.45.0.1', '10.45.0.3', '10.45.0.4', '10.45.0.5']);
});

test('two lost segments in a row, then a lost response: one TCP_GAP per direction, UNANSWERED_REQUEST only for the lost response', (t) => {
  const n = 'damaged-two-lost';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.xTail!), []);
  t.deepEqual(at(lines, f.qry3!).map((l) => [fid(l), xid(l)]), [[2, 3]], 'the query at the segment start after the holes');
  matched(t, lines, f.rsp3!, 0x8002, 3, f.qry3!);
  matched(t, lines, f.rsp5!, 0x8002, 5, f.qry5!);
  const o = portals(n);
  t.is(codes(o, 'TCP_GAP').length, 2);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
  const un = codes(o, 'UNANSWERED_REQUEST');
  t.is(un.length, 1);
  t.true(un[0]!.frames.includes(f.qry4!), 'the unanswered request is query 4');
});

test('a lost PDU of a multi-PDU message: the other two PDUs decoded, no MALFORMED_PDU, nothing unanswered; the next multi-PDU response assembled', (t) => {
  const n = 'damaged-multipdu-loss';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.pdu0!).map((l) => [fid(l), xid(l), one(l.fields['isns.sequenceid'])]), [[1, 5, '0']]);
  t.deepEqual(at(lines, f.pdu2!).map((l) => [fid(l), xid(l), one(l.fields['isns.sequenceid'])]), [[1, 5, '2']]);
  const last = at(lines, f.rsp6c!)[0];
  t.is(last?.message?.pdus, 3);
  t.is(last?.message?.request?.frame, f.qry6);
  const o = portals(n);
  t.is(codes(o, 'TCP_GAP').length, 1);
  t.deepEqual(codes(o, 'MALFORMED_PDU'), []);
  t.deepEqual(codes(o, 'UNANSWERED_REQUEST'), []);
});

test('a random UDP datagram to port 3205 is one NOT_ISNS, not a PDU; the UDP iSNS exchange is intact', (t) => {
  const n = 'damaged-junk-udp';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.junk!), []);
  matched(t, lines, f.rsp!, 0x8001, 1, f.reg!);
  matched(t, lines, f.qryRsp!, 0x8002, 2, f.qry!);
  const o = portals(n);
  const ni = codes(o, 'NOT_ISNS');
  t.is(ni.length, 1);
  t.true(ni[0]!.frames.includes(f.junk!));
  t.deepEqual(o.findings.map((x) => x.code), ['NOT_ISNS']);
});

test('an HTTP request on TCP port 3205 is one NOT_ISNS, no TCP_GAP or MALFORMED_PDU; the iSNS connection is intact', (t) => {
  const n = 'damaged-junk-tcp';
  const f = facts(n).frames;
  const lines = packets(n);
  t.deepEqual(at(lines, f.http!), []);
  matched(t, lines, f.rsp!, 0x8001, 1, f.reg!);
  matched(t, lines, f.qryRsp!, 0x8002, 2, f.qry!);
  const o = portals(n);
  const ni = codes(o, 'NOT_ISNS');
  t.is(ni.length, 1);
  t.true(ni[0]!.frames.includes(f.http!));
  t.deepEqual(o.findings.map((x) => x.code), ['NOT_ISNS']);
});

// ------------------------------------------------------------------ property: damage never hurts an undamaged PDU

/*
 * A random iSNS TCP connection (handshake, then transactions: requests from
 * the client, responses from the server, some of them multi-PDU messages;
 * several PDUs per application write, each write cut into segments at random
 * points), then damaged: the capture starts at a random frame (mid-stream:
 * everything before it, handshake included, is missing), random segments are
 * dropped (lost), random segments are cut by a snaplen (caplen < origlen, a
 * random number of payload bytes kept).
 *
 * Per direction, a PDU is INTACT AFTER THE DAMAGE ("must decode") when
 *   - every one of its bytes was captured (none of its segments dropped,
 *     before the start, or cut before the PDU's last byte), and
 *   - it starts at the first payload byte of a captured segment, or it
 *     immediately follows (no byte in between) a PDU of the same direction
 *     that is itself intact after the damage.
 * So a PDU at a segment start after a hole, a cut or a mid-stream start must
 * decode, as must every whole PDU chained after it; a PDU that starts in the
 * middle of a segment right after damaged bytes need not (the tool cannot know
 * where it starts).
 *
 * The streams are built so that no 4 bytes other than a real PDU start read
 * as version 1 + a known function id (the loosest header test, Wireshark's):
 * transaction ids from 0x0100, no 32-bit value with low half 1, IPv4 octets
 * 10..126, names [a-z0-9.:-]. A tool that resynchronises on plausible headers
 * only (or on segment starts) can therefore never lock onto a false header, and
 * the property asks:
 *   1. no MALFORMED_PDU at all; capture findings only TCP_GAP (at most one per
 *      direction that lost bytes: a dropped segment or a mid-stream start inside
 *      a PDU), TRUNCATED_PDU (at most one per direction with a cut segment),
 *      UNANSWERED_REQUEST, NOT_ISNS (only when no PDU is intact after the damage);
 *      no damage at all: no finding;
 *   2. UNANSWERED_REQUEST only for a transaction whose request or response has
 *      a PDU that is not intact after the damage;
 *   3. every PDU intact after the damage is reported, with exactly its bytes;
 *   4. every PDU reported with a header is a real PDU of its direction (function,
 *      transaction, sequence id, flags, PDU length), and when that PDU was wholly
 *      captured, with its exact bytes.
 */

const SRV = '10.0.0.1';
const CLIENT = '10.99.0.100';
const name = fc.stringMatching(/^[a-z][a-z0-9.:-]{0,27}$/);
const octet = fc.integer({ min: 10, max: 126 });
const portalArb = fc.record({
  ip: fc.tuple(octet, octet, octet, octet).map((a) => a.join('.')),
  port: fc.integer({ min: 1024, max: 65535 }),
  bitmap: fc.integer({ min: 2, max: 0x7f }),
});
const txArb = fc.record({
  kind: fc.constantFrom(1, 2, 3, 4),
  src: name,
  eid: name,
  portals: fc.array(portalArb, { maxLength: 3 }),
  answer: fc.array(portalArb, { maxLength: 3 }),
  /** Multi-PDU cut points of the request and the response (in 4-byte words, reduced modulo the payload). */
  reqCuts: fc.array(fc.nat(), { maxLength: 2 }),
  rspCuts: fc.array(fc.nat(), { maxLength: 2 }),
});
const damageArb = fc.record({ kind: fc.constantFrom('keep', 'keep', 'keep', 'keep', 'keep', 'drop', 'cut'), at: fc.nat() });
const caseArb = fc.record({
  txs: fc.array(txArb, { minLength: 1, maxLength: 6 }),
  /** Transactions per batch (a batch: the client writes its requests at once, then the server its responses). */
  batches: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 6 }),
  splits: fc.array(fc.array(fc.nat(), { maxLength: 4 }), { maxLength: 12 }),
  damage: fc.array(damageArb, { maxLength: 40 }),
  start: fc.option(fc.nat(), { nil: null }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

interface RealPdu {
  dir: 0 | 1;
  tx: number;
  off: number;
  bytes: Uint8Array;
  fid: number;
  xid: number;
  seq: number;
  flags: number;
  len: number;
}
interface Seg {
  dir: 0 | 1;
  off: number;
  len: number;
  /** Index in `frames` (before the start cut). */
  frame: number;
  dropped: boolean;
  /** Payload bytes captured (len when whole). */
  cap: number;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;

function cuts(n: number[], len: number): number[] {
  const words = len / 4;
  if (words < 2) return [];
  return [...new Set(n.map((x) => 4 * (1 + (x % (words - 1)))))].sort((a, b) => a - b);
}

function request(t: Case['txs'][number]): Uint8Array {
  const portals = t.portals.flatMap((p) => [tAddr(16, p.ip), tPort(17, p.port), tU32(27, p.bitmap)]);
  switch (t.kind) {
    case 1: return concat([tStr(32, t.src), tStr(1, t.eid), DELIM, tStr(1, t.eid), ...portals]);
    case 2: return concat([tStr(32, t.src), tEmpty(32), DELIM, tEmpty(16), tEmpty(17), tEmpty(27)]);
    case 3: return concat([tStr(32, t.src), tEmpty(16), tEmpty(17), DELIM]);
    default: return concat([tStr(32, t.src), DELIM, tStr(1, t.eid), ...portals.slice(0, 2)]);
  }
}
function response(t: Case['txs'][number]): Uint8Array {
  return rsp(0, tStr(1, t.eid), DELIM, tStr(1, t.eid), ...t.answer.flatMap((p) => [tAddr(16, p.ip), tPort(17, p.port), tU32(27, p.bitmap)]));
}

interface Built {
  frames: CraftFrame[];
  /** Frame number in the written capture of each frame index (absent: not captured). */
  frameNo: Map<number, number>;
  pdus: RealPdu[];
  segs: Seg[];
  /** Index of the first captured frame. */
  start: number;
  streams: [Uint8Array, Uint8Array];
}

function build(c: Case): Built {
  const conn = new TcpConn(CLIENT, 40000, SRV, 3205, [0x10000000, 0x20000000]);
  const frames: Uint8Array[] = [...conn.handshake()];
  const pdus: RealPdu[] = [];
  const segs: Seg[] = [];
  const off: [number, number] = [0, 0];
  const streams: [Uint8Array[], Uint8Array[]] = [[], []];
  let split = 0;
  const write = (dir: 0 | 1, msgs: { tx: number; fid: number; payload: Uint8Array; cuts: number[] }[]): void => {
    const bytes: Uint8Array[] = [];
    for (const m of msgs) {
      for (const p of multiPdu(m.fid, 0x100 + m.tx, m.payload, cuts(m.cuts, m.payload.length))) {
        pdus.push({ dir, tx: m.tx, off: off[dir] + bytes.reduce((n, b) => n + b.length, 0), bytes: p, fid: m.fid, xid: 0x100 + m.tx, seq: u16(p, 10), flags: u16(p, 6), len: u16(p, 4) });
        bytes.push(p);
      }
    }
    const all = concat(bytes);
    streams[dir].push(all);
    const at = [...new Set((c.splits[split++ % Math.max(1, c.splits.length)] ?? []).map((x) => 1 + (x % (all.length - 1))))].sort((a, b) => a - b);
    const sent = conn.send(dir, all, at);
    const bounds = [0, ...at, all.length];
    sent.forEach((f, i) => {
      segs.push({ dir, off: off[dir] + bounds[i]!, len: bounds[i + 1]! - bounds[i]!, frame: frames.length, dropped: false, cap: bounds[i + 1]! - bounds[i]! });
      frames.push(f);
    });
    off[dir] += all.length;
  };
  let i = 0;
  let b = 0;
  while (i < c.txs.length) {
    const n = Math.min(c.batches[b++] ?? 1, c.txs.length - i);
    const batch = c.txs.slice(i, i + n).map((t, k) => ({ t, tx: i + k }));
    write(0, batch.map(({ t, tx }) => ({ tx, fid: t.kind, payload: request(t), cuts: t.reqCuts })));
    write(1, batch.map(({ t, tx }) => ({ tx, fid: 0x8000 | t.kind, payload: response(t), cuts: t.rspCuts })));
    i += n;
  }
  // Damage: per data segment, keep, drop, or cut after `at % len` payload bytes.
  segs.forEach((s, k) => {
    const d = c.damage[k];
    if (d?.kind === 'drop') s.dropped = true;
    else if (d?.kind === 'cut') s.cap = d.at % s.len;
  });
  const start = c.start === null ? 0 : c.start % frames.length;
  const out: CraftFrame[] = [];
  const frameNo = new Map<number, number>();
  const segOf = new Map(segs.map((s) => [s.frame, s]));
  frames.forEach((data, k) => {
    if (k < start) return;
    const s = segOf.get(k);
    if (s?.dropped) return;
    const hdr = data.length - (s ? s.len : 0);
    out.push({ data: s && s.cap < s.len ? data.subarray(0, hdr + s.cap) : data, origlen: data.length, sec: 1795550400 + k, nsec: 0 });
    frameNo.set(k, out.length);
  });
  for (const s of segs) if (s.frame < start) s.dropped = true;
  return { frames: out, frameNo, pdus, segs, start, streams: [concat(streams[0]), concat(streams[1])] };
}

/** Whether some 4 bytes other than a real PDU start read as version 1 + a known function id. */
function falseHeader(b: Built): boolean {
  for (const dir of [0, 1] as const) {
    const s = b.streams[dir];
    const starts = new Set(b.pdus.filter((p) => p.dir === dir).map((p) => p.off));
    for (let o = 0; o + 4 <= s.length; o++) if (!starts.has(o) && u16(s, o) === 1 && knownFunction(u16(s, o + 2))) return true;
  }
  return false;
}

function mustDecode(b: Built): Set<RealPdu> {
  const ok = new Set<RealPdu>();
  for (const dir of [0, 1] as const) {
    const segs = b.segs.filter((s) => s.dir === dir);
    const captured = (p: RealPdu): boolean =>
      segs.every((s) => s.off + s.len <= p.off || s.off >= p.off + p.bytes.length || (!s.dropped && s.off + s.cap >= Math.min(s.off + s.len, p.off + p.bytes.length)));
    const segStart = (p: RealPdu): boolean => segs.some((s) => s.off === p.off && !s.dropped && s.cap > 0);
    let prev: RealPdu | null = null;
    for (const p of b.pdus.filter((x) => x.dir === dir)) {
      if (captured(p) && (segStart(p) || (prev !== null && ok.has(prev)))) ok.add(p);
      prev = p;
    }
  }
  return ok;
}

const TMP = tempDir('damaged-prop-');

/** Frame number (in the written capture) of the segment holding a PDU's last byte, if captured. */
function ownerFrame(b: Built, p: RealPdu): number | undefined {
  const end = p.off + p.bytes.length - 1;
  const s = b.segs.find((x) => x.dir === p.dir && x.off <= end && end < x.off + x.len);
  return s ? b.frameNo.get(s.frame) : undefined;
}

test('property: damage (mid-stream start, lost segments, snaplen cuts) never produces a finding about an undamaged PDU, and every PDU intact after the damage is decoded', async (t) => {
  let runs = 0;
  let damaged = 0;
  const out = await fc.check(
    fc.asyncProperty(caseArb, async (c) => {
      const b = build(c);
      fc.pre(!falseHeader(b));
      runs++;
      const path = join(TMP, 'case.pcap');
      writeFileSync(path, pcapFile(b.frames));
      const got: { dir: 0 | 1; bytes: Uint8Array; fid: number; xid: number; seq: number; flags: number; len: number; header: boolean }[] = [];
      const r = await analyze([path], {
        onIsnsPdu: (p, res) => {
          const h = res.header;
          got.push({ dir: p.src.port === 3205 ? 1 : 0, bytes: Uint8Array.from(p.bytes), fid: h?.functionId ?? -1, xid: h?.xid ?? -1, seq: h?.seq ?? -1, flags: h?.flags ?? -1, len: h?.pduLength ?? -1, header: h !== null });
        },
      });
      const must = mustDecode(b);
      const dirs = [0, 1] as const;
      const firstCaptured = (d: 0 | 1): Seg | undefined => b.segs.find((s) => s.dir === d && !s.dropped);
      const lostBytes = (d: 0 | 1): boolean =>
        b.segs.some((s) => s.dir === d && s.dropped && s.frame >= b.start) ||
        (b.start > 0 && (firstCaptured(d)?.off ?? 0) > 0 && !b.pdus.some((p) => p.dir === d && p.off === firstCaptured(d)!.off));
      const cutDir = (d: 0 | 1): boolean => b.segs.some((s) => s.dir === d && !s.dropped && s.cap < s.len);
      const anyDamage = b.start > 0 || b.segs.some((s) => s.dropped || s.cap < s.len);
      if (anyDamage) damaged++;
      const count = (code: string): number => r.findings.filter((f) => f.code === code).length;
      const ctx = JSON.stringify({ start: b.start, segs: b.segs.map((s) => [s.dir, s.off, s.len, s.dropped ? 'drop' : s.cap < s.len ? `cut@${s.cap}` : 'ok']), findings: r.findings.map((f) => `${f.code}: ${f.message}`) });
      // 1. findings
      assert.equal(count('MALFORMED_PDU'), 0, `MALFORMED_PDU ${ctx}`);
      for (const f of r.findings) assert.ok(['TCP_GAP', 'TRUNCATED_PDU', 'UNANSWERED_REQUEST', 'NOT_ISNS'].includes(f.code), `${f.code} ${ctx}`);
      if (!anyDamage) assert.deepEqual(r.findings.map((f) => f.code), [], ctx);
      assert.ok(count('TCP_GAP') <= dirs.filter(lostBytes).length, `TCP_GAP ${ctx}`);
      assert.ok(count('TRUNCATED_PDU') <= dirs.filter(cutDir).length, `TRUNCATED_PDU ${ctx}`);
      if (must.size > 0) assert.equal(count('NOT_ISNS'), 0, `NOT_ISNS ${ctx}`);
      // 2. UNANSWERED_REQUEST only for a transaction with a damaged PDU
      for (const f of r.findings.filter((x) => x.code === 'UNANSWERED_REQUEST')) {
        // The transaction named in the message, else every request owned by one of the finding's frames.
        const m = /transaction (\d+)/.exec(f.message);
        const txs = m ? [Number(m[1]) - 0x100] : b.pdus.filter((p) => p.dir === 0 && f.frames.includes(ownerFrame(b, p) ?? -1)).map((p) => p.tx);
        assert.ok(txs.length > 0, `UNANSWERED_REQUEST names no request ${ctx}`);
        for (const tx of txs) assert.ok(b.pdus.some((p) => p.tx === tx && !must.has(p)), `unanswered transaction ${tx + 0x100} was intact both ways ${ctx}`);
      }
      // 3. every PDU intact after the damage is reported with its bytes
      const hexs = (d: 0 | 1): string[] => got.filter((g) => g.dir === d).map((g) => Buffer.from(g.bytes).toString('hex'));
      for (const d of dirs) {
        const reported = hexs(d);
        for (const p of b.pdus.filter((x) => x.dir === d && must.has(x))) {
          assert.ok(reported.includes(Buffer.from(p.bytes).toString('hex')), `PDU ${p.fid.toString(16)} xid ${p.xid} seq ${p.seq} at offset ${p.off} (dir ${d}) not decoded ${ctx}`);
        }
      }
      // 4. no phantom PDU
      for (const g of got.filter((x) => x.header)) {
        const real = b.pdus.find((p) => p.dir === g.dir && p.fid === g.fid && p.xid === g.xid && p.seq === g.seq && p.flags === g.flags && p.len === g.len);
        assert.ok(real, `reported PDU ${g.fid} xid ${g.xid} seq ${g.seq} (dir ${g.dir}) is not a real PDU ${ctx}`);
        if (real && g.bytes.length >= real.bytes.length) assert.equal(Buffer.from(g.bytes).toString('hex'), Buffer.from(real.bytes).toString('hex'), ctx);
      }
      return true;
    }),
    { numRuns: Number(process.env.DAMAGED_RUNS ?? 100), seed: Number(process.env.DAMAGED_SEED ?? 1205) },
  );
  // The counterexample (shrunk) and the assertion it broke, with the damage and the findings.
  if (out.failed) t.fail(`${fc.defaultReportMessage(out)}\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`);
  t.log(`${runs} streams, ${damaged} of them damaged`);
  t.true(damaged >= 50, 'most generated streams are damaged');
});
