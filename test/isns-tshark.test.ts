/**
 * Differential tests against live tshark 4.0: hand-made PDUs (test/helpers/
 * isns-corpus.ts) are written into captures, and our `-e` lines over all 103
 * isns.* fields (plus frame.number) must equal tshark's byte for byte. The
 * expected values are never stored: tshark computes them on each run. Skipped
 * with a logged reason when tshark is not installed.
 *
 * Where tshark loses data on purpose-built input, the difference is tested on
 * its own at the end of this file.
 */
import test from 'ava';
import { ethUdp, pcapFile, Clock, TcpConn, type CraftFrame } from '../tools/craft.js';
import { pdu, authBlock, tStr, DELIM, tU32, tAddr, tPort } from '../tools/craft-isns.js';
import { concat } from '../tools/craft.js';
import { lengthCorpus, tcpCorpus, udpCorpus, type Case } from './helpers/isns-corpus.js';
import { HAVE_TSHARK, WS_FIELDS, diffLines, ourLines, tempFile, tsharkLines } from './helpers/isns-encode.js';

const FIELDS = ['frame.number', ...WS_FIELDS];

function udpCapture(cases: readonly Case[]): string {
  return tempFile('udp.pcap', pcapFile(cases.map((c, i) => ({ data: ethUdp('10.0.0.2', '10.0.0.1', 40000 + (i % 1000), 3205, c.pdu), sec: 1795464000 + i, nsec: 0 }))));
}

/** Explain a failing comparison: the differing fields with the case notes. */
function report(notes: (frame: number) => string, ours: string[], theirs: string[]): string {
  const d = diffLines(FIELDS, ours, theirs);
  return d
    .slice(0, 40)
    .map((l) => `${l} [${notes(Number(/frame (\d+)/.exec(l)?.[1]))}]`)
    .join('\n');
}

test('UDP: every function ID, tag, length, string, address, port word, bitmap and heartbeat as tshark shows it (103 fields)', async (t) => {
  if (!HAVE_TSHARK) return t.pass(t.log('tshark not installed: skipped') as unknown as string);
  const cases = udpCorpus();
  const f = udpCapture(cases);
  const theirs = tsharkLines(f, FIELDS);
  const ours = await ourLines(f, FIELDS);
  t.is(theirs.length, cases.length, 'tshark claims every datagram');
  t.deepEqual(ours, theirs, report((n) => cases[n - 1]?.note ?? '?', ours, theirs));
  t.log(`${cases.length} datagrams, frame.number and ${WS_FIELDS.length} isns.* fields each`);
});

test('UDP: attribute lengths beyond the data (huge, >= 2^31, 0xffffffff) stop where tshark stops', async (t) => {
  if (!HAVE_TSHARK) return t.pass(t.log('tshark not installed: skipped') as unknown as string);
  const cases = lengthCorpus();
  const f = udpCapture(cases);
  const theirs = tsharkLines(f, FIELDS);
  const ours = await ourLines(f, FIELDS);
  t.deepEqual(ours, theirs, report((n) => cases[n - 1]?.note ?? '?', ours, theirs));
});

test('TCP: the same PDUs one per segment, coalesced and split PDUs, multi-PDU messages (103 fields)', async (t) => {
  if (!HAVE_TSHARK) return t.pass(t.log('tshark not installed: skipped') as unknown as string);
  const clock = new Clock();
  const frames: CraftFrame[] = [];
  const notes: string[] = [];
  const push = (fs: Uint8Array[], note: string): void => {
    for (const d of fs) {
      frames.push({ data: d, ...clock.tick() });
      notes.push(note);
    }
  };
  // Every self-consistent corpus PDU (PDU length = bytes after the header, no auth block) on one connection.
  const conn = new TcpConn('10.0.0.2', 40001, '10.0.0.1', 3205);
  push(conn.handshake(), 'handshake');
  for (const c of [...udpCorpus(), ...lengthCorpus()]) {
    const p = c.pdu;
    if (((p[4]! << 8) | p[5]!) + 12 !== p.length || p[6]! & 0x20) continue;
    push(conn.send(0, p), c.note);
  }
  // Segmentation cases, each on its own connection.
  let port = 41000;
  for (const c of tcpCorpus()) {
    const k = new TcpConn('10.0.0.3', port++, '10.0.0.1', 3205);
    push(k.handshake(), 'handshake');
    push(k.send(0, c.data, c.splits), c.note);
    push([k.ack(1)], 'ack');
  }
  const f = tempFile('tcp.pcap', pcapFile(frames));
  const theirs = tsharkLines(f, FIELDS);
  const ours = await ourLines(f, FIELDS);
  t.true(theirs.length > 900);
  t.deepEqual(ours, theirs, report((n) => notes[n - 1] ?? '?', ours, theirs));
});

// ---------------------------------------------------------------- deliberate differences

test('difference: a PDU whose first TCP segment is shorter than the header is lost by tshark, decoded by us', async (t) => {
  const k = new TcpConn('10.0.0.2', 40002, '10.0.0.1', 3205);
  const p = pdu(0x0002, 77, concat([tStr(32, 'iqn.2026-11.lab:i'), DELIM, tU32(27, 0)]));
  const clock = new Clock();
  // frames: 1-3 handshake, 4 = the first 5 bytes, 5 = the rest, 6 = ACK
  const frames = [...k.handshake(), ...k.send(0, p, [5]), k.ack(1)].map((data) => ({ data, ...clock.tick() }));
  const f = tempFile('split5.pcap', pcapFile(frames));
  const ours = await ourLines(f, ['frame.number', 'isns.transactionid', 'isns.iscsi_name']);
  t.deepEqual(ours, ['5\t77\tiqn.2026-11.lab:i']);
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, ['frame.number']), [], 'tshark: 5 bytes cannot be tested for iSNS, and the rest does not start a PDU');
});

test('difference: TCP PDUs with authentication blocks — tshark misframes the block as bogus PDUs, we frame each PDU with its block', async (t) => {
  const k = new TcpConn('10.0.0.2', 40003, '10.0.0.1', 3205);
  const sig = Uint8Array.from({ length: 46 }, (_, i) => (i * 37 + 11) & 0xff);
  const req = pdu(0x0001, 5, concat([tStr(32, 'iqn.2026-11.lab:a'), DELIM, tAddr(16, '192.0.2.5'), tPort(17, 3260)]), { auth: authBlock('client-a', sig) });
  const rsp = pdu(0x8001, 5, concat([new Uint8Array(4), tStr(32, 'iqn.2026-11.lab:a')]), { auth: authBlock('server', sig) });
  const clock = new Clock();
  // frames: 1-3 handshake, 4 = request + block, 5 = response + block
  const frames = [...k.handshake(), ...k.send(0, req), ...k.send(1, rsp)].map((data) => ({ data, ...clock.tick() }));
  const f = tempFile('auth.pcap', pcapFile(frames));
  const fields = ['frame.number', 'isns.functionid', 'isns.transactionid', 'isns.portal.ip_address', 'isns.portal_port'];
  const ours = await ourLines(f, fields);
  t.deepEqual(ours, ['4\t1\t5\t::ffff:192.0.2.5\t3260', '5\t32769\t5\t\t'], 'one PDU per frame, the block not mistaken for PDUs');
  const full = await ourLines(f, ['frame.number', 'isnsx.auth.bsd', 'isnsx.auth.spi', 'isnsx.auth.length'], true);
  // block length = 20 fixed bytes + SPI + 46 signature bytes
  t.deepEqual(full, [`4\t0x00000002\tclient-a\t${20 + 8 + 46}`, `5\t0x00000002\tserver\t${20 + 6 + 46}`]);
  if (!HAVE_TSHARK) return;
  // tshark: the first PDU of each frame is the real one (its values equal ours); more "PDUs" follow, made of the block.
  const first = tsharkLines(f, fields, ['-E', 'occurrence=f']);
  t.deepEqual(first.map((l) => l.split('\t').slice(0, 3).join('\t')), ['4\t1\t5', '5\t32769\t5']);
  const all = tsharkLines(f, ['isns.functionid']);
  t.true(all.every((l) => l.split(',').length > 1), `tshark shows extra PDUs in each frame: ${all.join(' | ')}`);
});
