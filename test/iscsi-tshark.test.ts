/**
 * Our iscsi.* `-e` output against tshark 4.0.17's, byte for byte, for every
 * frame of every crafted iSCSI capture (captures/crafted/iscsi-*.pcap, made by
 * tools/craft-iscsi.ts): frame.number and all 100 iscsi.* fields, one line per
 * frame, PDUs owned by the frame holding their last byte. Against live tshark
 * when installed (and then the committed output must still be what it
 * prints), else against the output committed next to each capture.
 *
 * Deliberate differences — where tshark reads past a PDU into the rest of its
 * TCP segment, loses a PDU to its segment-level heuristics, or guesses digests
 * from CRCs — are tested one by one at the end, against live tshark.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allIscsiCaptures, bhs, ISID, keys, loginReq, loginRsp, nopIn, nopOut, OP, pdu, rawText, STAGE, textReq, textRsp } from '../tools/craft-iscsi.js';
import { Clock, concat, pcapFile, TcpConn } from '../tools/craft.js';
import { COLUMNS, HAVE_TSHARK, ROOT, diffLines, ourLines, ourPdus, tsharkLines } from './helpers/iscsi-capture.js';
import { tempFile } from './helpers/isns-encode.js';

const DIR = join(ROOT, 'captures/crafted');
const CAPTURES = allIscsiCaptures();

test('the committed captures are what tools/craft-iscsi.ts makes, byte for byte', (t) => {
  for (const c of CAPTURES) {
    const want = Buffer.from(pcapFile(c.frames));
    t.true(Buffer.compare(readFileSync(join(DIR, c.name)), want) === 0, c.name);
    t.is(c.notes.length, c.frames.length, `${c.name}: a note for every frame`);
  }
  t.true(CAPTURES.length >= 9);
});

let totalFrames = 0;
for (const cap of CAPTURES) {
  test(`every iscsi.* field equals tshark on captures/crafted/${cap.name}`, async (t) => {
    const file = join(DIR, cap.name);
    const golden = `${file}.tshark-iscsi.tsv`;
    let theirs: string[];
    if (HAVE_TSHARK) {
      theirs = tsharkLines(file);
      t.deepEqual(readFileSync(golden, 'utf8').replace(/\n$/, '').split('\n'), theirs, 'the committed tshark output is current');
    } else {
      t.log('tshark not installed: comparing with the committed tshark output');
      t.true(existsSync(golden));
      theirs = readFileSync(golden, 'utf8').replace(/\n$/, '').split('\n');
    }
    const ours = await ourLines(file);
    const d = diffLines(COLUMNS, ours, theirs);
    t.deepEqual(d, [], d.slice(0, 30).map((l) => `${l} [${cap.notes[Number(/tshark (\d+)/.exec(l)?.[1]) - 1] ?? '?'}]`).join('\n'));
    t.is(ours.length, theirs.length);
    t.true(theirs.length > 0);
    for (const l of theirs) t.is(l.split('\t').length, COLUMNS.length);
    totalFrames += theirs.length;
    t.log(`${theirs.length} frames x ${COLUMNS.length} columns equal (${cap.description})`);
  });
}

test.after.always('count', () => {
  if (totalFrames) console.log(`iSCSI: ${totalFrames} frames x ${COLUMNS.length} columns equal to tshark on ${CAPTURES.length} captures`);
});

test('the captures exercise what they claim: statuses, digests, continuation, opcodes', async (t) => {
  const seen = new Set<number>();
  const statuses = new Set<number>();
  let digested = 0;
  let cont = 0;
  let maxPerFrame = 0;
  let multiSegment = 0;
  for (const cap of CAPTURES) {
    const r = await ourPdus(join(DIR, cap.name));
    const perFrame = new Map<number, number>();
    for (const p of r.pdus) {
      seen.add(p.result.opcode);
      if (p.result.statusClass !== null) statuses.add((p.result.statusClass << 8) | p.result.statusDetail!);
      if (p.result.headerDigest !== null) digested++;
      if (p.result.cont) cont++;
      if (p.frames.length > 1) multiSegment++;
      perFrame.set(p.frame, (perFrame.get(p.frame) ?? 0) + 1);
    }
    for (const v of perFrame.values()) maxPerFrame = Math.max(maxPerFrame, v);
  }
  for (const op of [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10, 0x1c, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3c, 0x3f]) t.true(seen.has(op), `opcode 0x${op.toString(16)}`);
  for (const s of [0x0000, 0x0101, 0x0102, 0x0201, 0x0202, 0x0203, 0x0205, 0x0206, 0x0207, 0x0209, 0x0300, 0x0301, 0x0302, 0x0250]) t.true(statuses.has(s), `status 0x${s.toString(16)}`);
  t.true(digested >= 8);
  t.true(cont >= 2);
  t.true(maxPerFrame >= 3, 'three PDUs in one frame');
  t.true(multiSegment >= 4, 'PDUs over several segments');
});

// ---------------------------------------------------------------- deliberate differences

function capture(name: string, build: (push: (fs: Uint8Array[]) => void) => void): string {
  const clock = new Clock();
  const frames: { data: Uint8Array; sec: number; nsec: number }[] = [];
  build((fs) => {
    for (const d of fs) frames.push({ data: d, ...clock.tick() });
  });
  return tempFile(name, pcapFile(frames));
}

const login = (): Uint8Array => loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }, keys([['InitiatorName', 'iqn.1991-05.com.microsoft:host1'], ['AuthMethod', 'None']]));
const loginOk = (): Uint8Array => loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid: ISID, tsih: 1, itt: 0, statSN: 1, expCmdSN: 0, maxCmdSN: 4 }, keys([['AuthMethod', 'None']]));

test('difference: a key=value string without NUL in its PDU runs into the next PDU of the segment in tshark; ours stops at the PDU', async (t) => {
  const f = capture('runon.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40001, '192.0.2.20', 3260);
    push(c.handshake());
    // frame 4: a Text Request whose last pair has no NUL, then a NOP-Out, in one segment
    push(c.send(0, concat([textReq({ itt: 2, cmdSN: 1, expStatSN: 2 }, rawText('A=1\0Tail=abc')), nopOut({ itt: 3, cmdSN: 2, expStatSN: 2 })])));
  });
  const fields = ['frame.number', 'iscsi.keyvalue', 'iscsi.padding', 'iscsi.opcode'];
  t.deepEqual(await ourLines(f, fields), ['4\tA=1\t\t0x04,0x00'], 'ours: the unterminated string is an exception within its PDU, the NOP-Out follows');
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, fields), ['4\tA=1,Tail=abc@\ufffd\t00\t0x04,0x00'], "tshark: the string goes on into the NOP-Out's first bytes, 'padding' after it");
});

test('difference: the first PDU of a connection cut before its 48th byte is lost by tshark (its heuristic needs a whole BHS), decoded by us', async (t) => {
  const f = capture('short-first.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40002, '192.0.2.20', 3260);
    push(c.handshake());
    push(c.send(0, login(), [20])); // frames 4 (20 bytes) and 5 (the rest)
    push(c.send(1, loginOk())); // frame 6
  });
  const fields = ['frame.number', 'iscsi.opcode'];
  t.deepEqual(await ourLines(f, fields), ['5\t0x03', '6\t0x23']);
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, fields), ['6\t0x23']);
});

test('difference: fewer than 8 bytes of a PDU left at the end of a segment are dropped by tshark (and the PDU with them); we reassemble it', async (t) => {
  const f = capture('short-tail.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40003, '192.0.2.20', 3260);
    push(c.handshake());
    push(c.send(0, login())); // 4
    push(c.send(1, loginOk())); // 5
    const a = nopOut({ itt: 1, cmdSN: 0, expStatSN: 2 });
    const b = nopOut({ itt: 2, cmdSN: 0, expStatSN: 2 });
    push(c.send(0, concat([a, b]), [a.length + 4])); // 6: a + 4 bytes of b; 7: the rest of b
  });
  const fields = ['frame.number', 'iscsi.initiatortasktag'];
  t.deepEqual(await ourLines(f, fields), ['4\t0x00000000', '5\t0x00000000', '6\t0x00000001', '7\t0x00000002']);
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, fields), ['4\t0x00000000', '5\t0x00000000', '6\t0x00000001']);
});

test('difference: digests negotiated but wrong on the first PDU after login — tshark decides "no digests" from the CRC and misframes; we follow the negotiation', async (t) => {
  const f = capture('bad-first-digest.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40004, '192.0.2.20', 3260);
    push(c.handshake());
    push(c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }, keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'CRC32C']]))));
    push(c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, tsih: 1, itt: 0, statSN: 1, expCmdSN: 0, maxCmdSN: 4 }, keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'CRC32C']]))));
    push(c.send(0, textReq({ itt: 2, cmdSN: 0, expStatSN: 2 }, keys([['SendTargets', 'All']]), { headerDigest: true, dataDigest: true, badDigest: true }))); // 6
    push(c.send(1, textRsp({ itt: 2, statSN: 2, expCmdSN: 1, maxCmdSN: 4 }, keys([['TargetName', 'iqn.2026-11.lab:tgt1']]), { headerDigest: true, dataDigest: true }))); // 7
  });
  const fields = ['frame.number', 'iscsi.keyvalue', 'iscsi.headerdigest32'];
  const ours = await ourLines(f, fields);
  t.regex(ours[2]!, /^6\tSendTargets=All\t0x[0-9a-f]{8}$/, 'ours: the (wrong) header digest shown, the data read after it');
  t.is(ours[3]!.split('\t')[1], 'TargetName=iqn.2026-11.lab:tgt1');
  if (HAVE_TSHARK) {
    const theirs = tsharkLines(f, fields);
    t.true(theirs[2]!.startsWith('6\t') && theirs[2]!.split('\t')[2] === '', 'tshark: no header digest on frame 6');
    t.notDeepEqual(theirs.slice(2), ours.slice(2));
  }
});

test('difference: tshark decides the data digest on the first full-feature PDU; without data there, it compares the CRC of nothing with the next PDU\'s bytes and turns data digests off', async (t) => {
  const dg = { headerDigest: true, dataDigest: true };
  const f = capture('dd-first-empty.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40008, '192.0.2.20', 3260);
    push(c.handshake());
    push(c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0, expStatSN: 0 }, keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'CRC32C']]))));
    push(c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, tsih: 1, itt: 0, statSN: 1, expCmdSN: 0, maxCmdSN: 4 }, keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'CRC32C']]))));
    // frame 6: a PDU without data and a NOP-Out with data in one segment; frame 7: the NOP-In
    push(c.send(0, concat([nopOut({ itt: 0xffffffff, ttt: 9, cmdSN: 0, expStatSN: 2 }, new Uint8Array(0), dg), nopOut({ itt: 2, cmdSN: 1, expStatSN: 2 }, rawText('abcd'), dg)])));
    push(c.send(1, nopIn({ itt: 2, statSN: 2, expCmdSN: 2, maxCmdSN: 5 }, rawText('abcd'), dg)));
  });
  const fields = ['frame.number', 'iscsi.datadigest32', 'iscsi.pingdata'];
  const ours = await ourLines(f, fields);
  t.regex(ours[2]!, /^6\t0x[0-9a-f]{8}\t61626364$/);
  t.regex(ours[3]!, /^7\t0x[0-9a-f]{8}\t61626364$/);
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, fields).slice(2), ['6\t\t61626364', '7\t\t61626364'], 'tshark: no data digest anywhere on the connection');
});

test('difference: a Login Response whose reserved bytes are not zero — tshark refuses it at the start of a segment (heuristic); we decode it, in sync', async (t) => {
  const f = capture('reserved.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40005, '192.0.2.20', 3260);
    push(c.handshake());
    push(c.send(0, login()));
    const r = loginOk();
    r[44] = 0x5a; // reserved bytes 40..47
    push(c.send(1, r)); // 5
    push(c.send(0, nopOut({ itt: 1, cmdSN: 0, expStatSN: 2 }))); // 6
  });
  const fields = ['frame.number', 'iscsi.opcode'];
  t.deepEqual(await ourLines(f, fields), ['4\t0x03', '5\t0x23', '6\t0x00']);
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, fields), ['4\t0x03', '6\t0x00']);
});

test('difference: TotalAHSLength in a PDU that has no AHS — tshark ignores it for framing, we refuse the header and resynchronise', async (t) => {
  const f = capture('ahs.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40006, '192.0.2.20', 3260);
    push(c.handshake());
    push(c.send(0, login()));
    push(c.send(1, loginOk()));
    push(c.send(0, pdu({ opcode: OP.TEXT, b1: 0x80, totalAhs: 1, itt: 5, w20: 0xffffffff }, keys([['SendTargets', 'All']])))); // 6: AHS claimed, none sent
    push(c.send(1, nopIn({ itt: 0xffffffff, ttt: 7, statSN: 2, expCmdSN: 1, maxCmdSN: 4 }))); // 7
  });
  const fields = ['frame.number', 'iscsi.opcode', 'iscsi.totalahslength'];
  t.deepEqual(await ourLines(f, fields), ['4\t0x03\t0', '5\t0x23\t0', '7\t0x20\t0']);
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, fields), ['4\t0x03\t0', '5\t0x23\t0', '6\t0x04\t1', '7\t0x20\t0']);
});

test('tshark never shows a PDU with an undefined opcode at the top level (only inside a Reject), nor do we', async (t) => {
  const f = capture('undefined.pcap', (push) => {
    const c = new TcpConn('192.0.2.10', 40007, '192.0.2.20', 3260);
    push(c.handshake());
    push(c.send(0, login()));
    push(c.send(0, bhs({ opcode: 0x15, b1: 0x80 }, 0)));
  });
  t.deepEqual(await ourLines(f, ['frame.number', 'iscsi.opcode']), ['4\t0x03']);
  if (HAVE_TSHARK) t.deepEqual(tsharkLines(f, ['frame.number', 'iscsi.opcode']), ['4\t0x03']);
});
