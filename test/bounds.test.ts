/**
 * Every resource bound, beyond which the tool reports and drops instead of
 * growing: concurrent TCP streams, out-of-order bytes in total, the largest
 * multi-PDU message, bytes buffered for one PDU, pcapng block size.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRegistry } from '../dissector/registry.js';
import { isns } from '../dissector/isns/index.js';
import { Pipeline } from '../src/flow/pipeline.js';
import { PduFramer } from '../src/flow/framer.js';
import { OooBudget, TcpDirection, TcpStreamTable } from '../src/flow/reassembly.js';
import { MessageAssembler } from '../src/isns/assembler.js';
import { ByteView } from '../dissector/core/byteview.js';
import { dissectIsnsPdu } from '../dissector/isns/index.js';
import { readCapture } from '../src/capture/read.js';
import { concat, ethTcp, PcapngWriter } from '../tools/craft.js';
import { DELIM, multiPdu, pdu, tStr } from '../tools/craft-isns.js';
import type { Finding } from '../src/findings/registry.js';
import type { FramedPdu } from '../src/flow/pdu.js';
import type { Packet } from '../src/types.js';
import { tempDir } from './helpers/tmp.js';

const TS = { sec: 1, nsec: 0, digits: 6 };
const PDU = pdu(0x0002, 1, concat([tStr(32, 'iqn.x'), DELIM]));

function packet(frame: number, data: Uint8Array): Packet {
  return { file: 'f', frame, offset: 0, linktype: 1, iface: 0, ts: TS, caplen: data.length, origlen: data.length, data };
}

test('concurrent TCP streams are bounded: the oldest is closed, its PDUs were already delivered', (t) => {
  const pdus: FramedPdu[] = [];
  const p = new Pipeline(createRegistry(), { pdu: (x) => pdus.push(x), finding: () => {} }, { tcp: { maxStreams: 3 } });
  for (let i = 0; i < 50; i++) p.packet(packet(i + 1, ethTcp(`10.0.${i >> 8}.${i & 255}`, '10.0.0.1', 40000, 3205, PDU, { seq: 1 })));
  t.is(pdus.length, 50);
  t.true((p as unknown as { tcpStreams: { size: number } }).tcpStreams.size <= 3);
});

test('bytes held for partial PDUs across all streams are bounded: the least recently used streams are closed, with a finding saying why', (t) => {
  const pdus: FramedPdu[] = [];
  const findings: Finding[] = [];
  const p = new Pipeline(createRegistry(), { pdu: (x) => pdus.push(x), finding: (f) => findings.push(f) }, { tcp: { maxStreams: 1000, maxBufferedBytes: 2000 } });
  const big = pdu(0x0001, 1, new Uint8Array(3988)); // 4000 bytes
  const held = (): number => (p as unknown as { held: { used: number } }).held.used;
  let peak = 0;
  for (let i = 0; i < 20; i++) {
    p.packet(packet(i + 1, ethTcp(`10.0.1.${i}`, '10.0.0.1', 40000, 3205, big.subarray(0, 500), { seq: 1 })));
    peak = Math.max(peak, held());
  }
  // The last stream finishes its PDU: the stream being read is never the one closed.
  p.packet(packet(21, ethTcp('10.0.1.19', '10.0.0.1', 40000, 3205, big.subarray(500), { seq: 501 })));
  t.true(peak <= 2000, `held ${peak} bytes`);
  t.true((p as unknown as { tcpStreams: { size: number } }).tcpStreams.size <= 4);
  t.is(pdus.length, 1);
  t.is(pdus[0]!.bytes.length, 4000);
  const closed = findings.filter((f) => f.code === 'TCP_GAP' && /stopped following this stream \(over 2000 bytes held/.test(f.message));
  t.true(closed.length >= 15, `${closed.length} streams said why they were closed`);
});

test('out-of-order bytes across all streams are bounded: beyond it a gap, not growth', (t) => {
  const gaps: number[] = [];
  const budget = new OooBudget(100);
  const dirs = [0, 1, 2].map(() => new TcpDirection({ data: () => {}, gap: (g) => gaps.push(g.bytes) }, { maxOooBytesPerStream: 1 << 20, maxOooBytesTotal: 100, maxStreams: 10 }, budget));
  for (const d of dirs) {
    d.segment({ frame: 1, ts: TS, seq: 0, flags: 0x18, payload: new Uint8Array(10) });
    d.segment({ frame: 2, ts: TS, seq: 1000, flags: 0x18, payload: new Uint8Array(60) }); // held (a hole at 10..1000)
  }
  t.true(budget.used <= 100);
  t.true(gaps.length >= 1, 'the stream that did not fit declared its gap at once');
});

test('the largest multi-PDU message is bounded: beyond it MALFORMED_PDU, the partial message dropped', (t) => {
  const findings: Finding[] = [];
  const msgs: unknown[] = [];
  const m = new MessageAssembler({ message: (x) => msgs.push(x), finding: (f) => findings.push(f) }, { maxMessageBytes: 64 });
  const body = concat(Array.from({ length: 10 }, () => tStr(32, 'iqn.2026-11.lab:long-node-name')));
  const parts = multiPdu(0x0001, 5, body, [40, 80, 120, 160, 200, 240]);
  parts.forEach((b, i) => {
    const fp: FramedPdu = { file: 'f', transport: 'tcp', src: { addr: 'a', port: 1 }, dst: { addr: 'b', port: 3205 }, conversation: 'c', streamIndex: 0, bytes: b, frames: [i + 1], frame: i + 1, ts: TS };
    m.pdu(fp, dissectIsnsPdu(ByteView.of(b), 'tcp'));
  });
  m.finish();
  t.is(msgs.length, 0);
  t.true(findings.some((f) => f.code === 'MALFORMED_PDU' && /exceeds 64 bytes/.test(f.message)));
});

test('bytes buffered for one incomplete PDU are bounded', (t) => {
  const skipped: string[] = [];
  const f = new PduFramer(isns.framing!, { pdu: () => {}, skipped: (_n, _f, r) => skipped.push(r) }, { maxBuffered: 1000 });
  const big = pdu(0x0001, 1, new Uint8Array(4000));
  for (let o = 0; o < 3000; o += 500) f.push(big.subarray(o, o + 500), 1);
  t.true(skipped.some((r) => /buffer bound/.test(r)));
});

test('a pcapng block claiming 1 GiB is rejected at once', async (t) => {
  const dir = tempDir('bounds-');
  const good = new PcapngWriter().section().iface({ linktype: 1 }).packet(0, 1n, Uint8Array.of(1)).bytes();
  const bad = Uint8Array.from([6, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0]);
  const f = join(dir, 'x.pcapng');
  writeFileSync(f, concat([good, bad, new Uint8Array(100)]));
  let n = 0;
  const s = await readCapture(f, { packet: () => n++, problem: () => {} });
  t.is(n, 1);
  t.regex(s.error!, /claims 1073741824 bytes, more than the 16777216 accepted/);
});

test('the stream table evicts the least recently used conversation, not a busy one', (t) => {
  const evicted: string[] = [];
  const tab = new TcpStreamTable<string>(8, (v) => evicted.push(v));
  for (let i = 0; i < 8; i++) tab.get(`k${i}`, () => `k${i}`);
  // k0 and k1 are busy; the others idle.
  for (let r = 0; r < 5; r++) {
    tab.get('k0', () => 'new');
    tab.touch('k1');
  }
  tab.get('k8', () => 'k8');
  tab.get('k9', () => 'k9');
  t.deepEqual(evicted, ['k2', 'k3']);
  t.is(tab.size, 8);
  t.deepEqual([...tab.values()].sort(), ['k0', 'k1', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
});
