/**
 * The bounds of the logon state (README "Resource bounds"): host pairs, IKE
 * SAs per pair, retransmission digests, frames, quick modes, notifications
 * and ESP SPIs kept per SA or pair; connection attempts, login and SendTargets
 * text joined; discovery facts; connections listed per record. Beyond a bound
 * the state stops growing and counts stay right.
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { dissectIsakmp, type IsakmpResult } from '../dissector/isakmp/index.js';
import { dissectIscsiPdu } from '../dissector/iscsi/iscsi.js';
import type { FramedPdu } from '../src/flow/pdu.js';
import type { TcpControl } from '../src/flow/pipeline.js';
import { IKE_BOUNDS, IkeTracker, newClock } from '../src/ike/tracker.js';
import { CONN_BOUNDS, IscsiConnections } from '../src/iscsi/connections.js';
import { buildLogons, MAX_CONNECTIONS_PER_RECORD } from '../src/logons/build.js';
import { DiscoveryStore, MAX_DISCOVERED } from '../src/logons/discovery.js';
import { encryptedV1, message, notifyV1, pl, P, X } from '../tools/craft-ike.js';
import { keys, loginReq, STAGE, textReq, textRsp } from '../tools/craft-iscsi.js';

const at = (frame: number, src = '10.0.0.1', dst = '10.0.0.2') => ({ file: 'x', frame, src, dst, sport: 500, dport: 500 });
const ike = (b: Uint8Array): IsakmpResult => dissectIsakmp(ByteView.of(b)).result;

test('IKE: host pairs, SAs per pair, digests, frames, quick modes, notifications and SPIs are bounded', (t) => {
  const tr = new IkeTracker(newClock());
  const m1 = message({ ispi: '0102030405060708', exchange: X.IDENTITY_PROTECTION }, [pl(P.N, notifyV1(14))]);
  const r1 = ike(m1);
  for (let i = 0; i < IKE_BOUNDS.hostPairs + 5; i++) tr.message(at(1, `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, '192.0.2.1'), m1, r1, false);
  t.is(tr.pairs.size, IKE_BOUNDS.hostPairs);
  t.is(tr.droppedPairs, 5);

  const one = new IkeTracker(newClock());
  for (let i = 0; i < IKE_BOUNDS.sasPerPair + 4; i++) {
    const b = message({ ispi: (0x1000 + i).toString(16).padStart(16, '0'), exchange: X.IDENTITY_PROTECTION }, [pl(P.N, notifyV1(14))]);
    one.message(at(i + 1), b, ike(b), false);
  }
  const pair = [...one.pairs.values()][0]!;
  t.is(pair.sas.size, IKE_BOUNDS.sasPerPair);
  t.false(pair.sas.has('0000000000001000'), 'the oldest SA went first');

  // One SA: 200 distinct encrypted main-mode messages, each with a notification-free body; 200 quick modes.
  const sa = new IkeTracker(newClock());
  const h = { ispi: 'aaaaaaaaaaaaaaaa', rspi: 'bbbbbbbbbbbbbbbb', exchange: X.IDENTITY_PROTECTION };
  for (let i = 0; i < 200; i++) {
    const b = encryptedV1(h, P.ID, Uint8Array.of(i, i >> 8, 1, 2, 3, 4, 5, 6));
    sa.message(at(i + 1), b, ike(b), false);
    const q = encryptedV1({ ...h, exchange: X.QUICK, messageId: i + 1 }, P.HASH, Uint8Array.of(9, 9, 9, 9, 9, 9, 9, i));
    sa.message(at(1000 + i), q, ike(q), false);
    const n = message({ ...h, exchange: X.INFORMATIONAL, messageId: 5000 + i }, [pl(P.N, notifyV1(16, { data: Uint8Array.of(i) }))]);
    sa.message(at(2000 + i, '10.0.0.2', '10.0.0.1'), n, ike(n), false);
    sa.esp({ frame: 3000 + i, src: '10.0.0.1', dst: '10.0.0.2', spi: 0x100 + i }, false);
  }
  const s = [...sa.pairs.values()][0]!.sas.get('aaaaaaaaaaaaaaaa')!;
  t.is(s.p1.fromInitiator, 200, 'distinct messages are counted beyond the digest bound');
  t.true(s.digests.size <= IKE_BOUNDS.digestsPerSa);
  t.is(s.p1.frames.length, IKE_BOUNDS.framesListed);
  t.is(s.quick.size, IKE_BOUNDS.quickModesPerSa);
  t.is(s.notifications.length, IKE_BOUNDS.notificationsPerSa);
  const esp = [...sa.pairs.values()][0]!.esp!;
  t.is(esp.spis.size, IKE_BOUNDS.spisPerPair);
  t.is(esp.packets, 200);
});

function ctl(i: number, flags: number, fromClient = true, port = 40000 + i, client = '10.0.0.1'): TcpControl {
  const c = { addr: client, port };
  const s = { addr: '10.0.0.2', port: 3260 };
  return { conversation: `tcp ${client}:${port} 10.0.0.2:3260`, app: null as never, file: 'x', frame: i, ts: { sec: 0, nsec: 0, digits: 6 }, src: fromClient ? c : s, dst: fromClient ? s : c, fromClient, flags };
}

function pdu(frame: number, bytes: Uint8Array, fromClient = true): FramedPdu {
  const c = { addr: '10.0.0.1', port: 40000 };
  const s = { addr: '10.0.0.2', port: 3260 };
  return { file: 'x', transport: 'tcp', src: fromClient ? c : s, dst: fromClient ? s : c, conversation: 'tcp 10.0.0.1:40000 10.0.0.2:3260', streamIndex: 0, bytes, frames: [frame], frame, ts: { sec: 0, nsec: 0, digits: 6 }, fromClient };
}

test('iSCSI: connection attempts, frames, login text and SendTargets text are bounded', (t) => {
  const conns = new IscsiConnections(newClock().tick);
  for (let i = 0; i < CONN_BOUNDS.connections + 3; i++) conns.control(ctl(i + 1, 0x02, true, 1024 + (i % 60000), `10.0.1.${Math.floor(i / 60000)}`));
  t.is(conns.all.length, CONN_BOUNDS.connections);
  t.is(conns.dropped, 3);

  const c = new IscsiConnections(newClock().tick);
  for (let i = 0; i < 50; i++) c.control(ctl(i + 1, 0x02, true, 40000)); // one attempt, SYN retransmitted 50 times
  t.is(c.all.length, 1);
  t.is(c.all[0]!.tcpFrames.length, CONN_BOUNDS.frames);
  // Login text continued (C=1) far past the bound: what is kept stops at it.
  const chunk = new Uint8Array(16 * 1024).fill(0x41);
  for (let i = 0; i < 10; i++) c.pdu(pdu(100 + i, new Uint8Array(0)), dissectIscsiPdu(ByteView.of(loginReq({ cont: true, csg: STAGE.SECURITY, isid: '400001370000', itt: 1 }, chunk))));
  t.is(c.all[0]!.login!.req.bytes, CONN_BOUNDS.loginTextBytes);
  t.is(c.textHeld, CONN_BOUNDS.loginTextBytes);
  c.control(ctl(200, 0x11, true, 40000)); // FIN: the unfinished text is released
  t.is(c.textHeld, 0);
  // Over all connections, held text stops at the total bound.
  const many = new IscsiConnections(newClock().tick);
  const big = new Uint8Array(60 * 1024).fill(0x42);
  for (let i = 0; i < 400; i++) {
    const p = { ...pdu(i + 1, new Uint8Array(0)), conversation: `tcp 10.0.0.1:${30000 + i} 10.0.0.2:3260`, src: { addr: '10.0.0.1', port: 30000 + i } };
    many.pdu(p, dissectIscsiPdu(ByteView.of(loginReq({ cont: true, csg: STAGE.SECURITY, isid: '400001370000', itt: 1 }, big))));
  }
  t.is(many.textHeld, CONN_BOUNDS.textBytesTotal);
  // SendTargets answer continued past 1 MiB: joined up to the bound, then read (the first portal survives).
  const d = new IscsiConnections(newClock().tick);
  d.pdu(pdu(1, new Uint8Array(0)), dissectIscsiPdu(ByteView.of(textReq({ itt: 5 }, keys([['SendTargets', 'All']])))));
  const head = keys([['TargetName', 'iqn.2026-11.lab:x'], ['TargetAddress', '10.9.9.9:3260,1']]);
  d.pdu(pdu(2, new Uint8Array(0), false), dissectIscsiPdu(ByteView.of(textRsp({ final: false, cont: true, itt: 5 }, head))));
  const filler = keys([['X-filler', 'y'.repeat(60_000)]]);
  for (let i = 0; i < 20; i++) d.pdu(pdu(3 + i, new Uint8Array(0), false), dissectIscsiPdu(ByteView.of(textRsp({ final: false, cont: false, itt: 5 }, filler))));
  const listed = d.pdu(pdu(40, new Uint8Array(0), false), dissectIscsiPdu(ByteView.of(textRsp({ itt: 5 }, keys([['TargetAddress', '10.9.9.8:3260,1']])))));
  t.deepEqual(listed, [{ address: '10.9.9.9', port: 3260, tpgt: 1, targetName: 'iqn.2026-11.lab:x' }]);
});

test('discovery facts and connections listed per record are bounded', (t) => {
  const ds = new DiscoveryStore();
  for (let i = 0; i < MAX_DISCOVERED + 10; i++) ds.add('10.0.0.1', `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 3260, 'isns');
  t.is(ds.dropped, 10);
  const conns = new IscsiConnections(newClock().tick);
  for (let i = 0; i < 100; i++) {
    conns.control(ctl(2 * i + 1, 0x02, true, 50000 + i));
    conns.control(ctl(2 * i + 2, 0x14, false, 50000 + i));
  }
  const [rec] = buildLogons({ pairs: [], connections: conns.all, discovery: new DiscoveryStore(), portals: [], defaultSecurityBitmap: null });
  t.is(rec!.connections.length, MAX_CONNECTIONS_PER_RECORD);
  t.deepEqual(rec!.connections[MAX_CONNECTIONS_PER_RECORD - 1]!.frames, [199, 200], 'the most recent attempts are listed');
  t.true(rec!.connections.every((c) => c.tcp === 'refused'));
});
