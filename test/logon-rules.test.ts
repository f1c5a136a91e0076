/**
 * The logon findings of the contract's table that the story captures do not
 * all reach, on IKE exchanges built here and a portal record with the bitmap
 * under test: IKE_TO_NON_IPSEC_PORTAL, IKE_MODE_NOT_ALLOWED (both modes, the
 * default bitmap, a bitmap without VALID, IKEv2), IKE_ERROR_NOTIFY's type
 * range (below 8192), IKE_NO_RESPONSE, IKE_PHASE2_FAILED (quick mode after a
 * completed main mode), and ISCSI_LOGIN_NO_RESPONSE (the CLI on a capture
 * crafted here: handshake, Login request, ACK, nothing more).
 */
import { spawnSync } from 'node:child_process';
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { dissectIsakmp } from '../dissector/isakmp/index.js';
import { IkeTracker, newClock } from '../src/ike/tracker.js';
import type { PortalRecord } from '../src/isns/portals/record.js';
import { buildLogons } from '../src/logons/build.js';
import { DiscoveryStore } from '../src/logons/discovery.js';
import { pcapFile, TcpConn } from '../tools/craft.js';
import { encryptedV1, F2, message, notifyV1, P, pl, X } from '../tools/craft-ike.js';
import { keys, loginReq, loginRsp, STAGE } from '../tools/craft-iscsi.js';
import { tempFile } from './helpers/isns-encode.js';
import { CLI } from './helpers/cli.js';

const I = '10.1.1.1';
const R = '10.1.1.2';

type Msg = [from: 'i' | 'r', bytes: Uint8Array];

/** IKEv1 phase 1 of `exchange` (2 main, 4 aggressive) with `n` messages, alternating from the initiator. */
function v1(exchange: number, n: number): Msg[] {
  const h = { ispi: '1111222233334444', exchange };
  const out: Msg[] = [];
  for (let k = 0; k < n; k++) {
    const hdr = k === 0 ? h : { ...h, rspi: '5555666677778888' };
    out.push([k % 2 === 0 ? 'i' : 'r', k < 2 ? message(hdr, [pl(P.NONCE, Uint8Array.of(k, 1, 2, 3))]) : encryptedV1(hdr, P.ID, Uint8Array.of(k, 9, 9, 9, 9, 9, 9, 9))]);
  }
  return out;
}

function run(msgs: Msg[], bitmap: number | null, opts: { esp?: boolean; defaultBitmap?: number | null } = {}) {
  const tr = new IkeTracker(newClock());
  msgs.forEach(([from, b], k) => tr.message({ file: 'x', frame: k + 1, src: from === 'i' ? I : R, dst: from === 'i' ? R : I, sport: 500, dport: 500 }, b, dissectIsakmp(ByteView.of(b)).result, false));
  if (opts.esp) {
    tr.esp({ frame: 90, src: I, dst: R, spi: 1 }, false);
    tr.esp({ frame: 91, src: R, dst: I, spi: 2 }, false);
  }
  const portals = bitmap === null ? [] : [{ address: R, socket: 3260, transport: 'tcp', securityBitmap: bitmap, securityBitmapSource: 'isns' } as PortalRecord];
  const [l] = buildLogons({ pairs: tr.pairs.values(), connections: [], discovery: new DiscoveryStore(), portals, defaultSecurityBitmap: opts.defaultBitmap ?? null });
  return l!;
}

const codes = (l: { findings: { code: string }[] }): string[] => l.findings.map((f) => f.code).sort();

test('IKE toward a portal whose valid bitmap has IKE/IPsec clear: IKE_TO_NON_IPSEC_PORTAL (warning)', (t) => {
  const l = run(v1(2, 6), 0x01, { esp: true });
  t.deepEqual(l.portal, { address: R, socket: 3260 });
  t.deepEqual(codes(l), ['IKE_TO_NON_IPSEC_PORTAL']);
  t.is(l.findings[0]!.severity, 'warning');
  t.is(l.outcome, 'ok');
});

test('a phase 1 mode the valid bitmap does not enable: IKE_MODE_NOT_ALLOWED, for main and aggressive mode', (t) => {
  t.deepEqual(codes(run(v1(2, 6), 0x0b, { esp: true })), ['IKE_MODE_NOT_ALLOWED']); // aggressive only, main used
  t.deepEqual(codes(run(v1(4, 3), 0x07, { esp: true })), ['IKE_MODE_NOT_ALLOWED']); // main only, aggressive used
  t.deepEqual(codes(run(v1(2, 6), 0x07, { esp: true })), []); // main enabled, main used
  t.deepEqual(codes(run(v1(4, 3), 0x0f, { esp: true })), []); // both enabled
  // VALID clear: initiators ignore every other bit, so no mode is "not allowed".
  t.deepEqual(codes(run(v1(4, 3), 0x3e, { esp: true })), []);
  // The default bitmap applies where no portal record gives one (here no port is named: socket null).
  const d = run(v1(2, 6), null, { esp: true, defaultBitmap: 0x0b });
  t.deepEqual([d.portal.socket, d.securityBitmap, d.securityBitmapSource], [null, 0x0b, 'default']);
  t.deepEqual(codes(d), ['IKE_MODE_NOT_ALLOWED']);
});

test('IKEv2 is not judged by the IKEv1 mode bits', (t) => {
  const i = { ispi: 'abababababababab', version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };
  const r = { ...i, rspi: 'cdcdcdcdcdcdcdcd', flags: F2.RESPONSE };
  const msgs: Msg[] = [
    ['i', message(i, [pl(P.SA2, Uint8Array.of(0, 0, 0, 8, 1, 1, 0, 0))])],
    ['r', message(r, [pl(P.SA2, Uint8Array.of(0, 0, 0, 8, 1, 1, 0, 0))])],
    ['i', message({ ...r, exchange: X.IKE_AUTH, flags: F2.INITIATOR, messageId: 1 }, [pl(P.SK, new Uint8Array(32), { next: P.IDI })])],
    ['r', message({ ...r, exchange: X.IKE_AUTH, messageId: 1 }, [pl(P.SK, new Uint8Array(32), { next: P.IDR })])],
  ];
  const l = run(msgs, 0x0b);
  t.is(l.ike!.phase1!.outcome, 'complete');
  t.deepEqual(codes(l), []);
  t.is(l.outcome, 'unknown'); // IKE_AUTH's result is encrypted and no ESP followed
});

test('IKE_ERROR_NOTIFY for plaintext error types below 8192 only; IKE_NO_RESPONSE for an unanswered phase 1', (t) => {
  const h = { ispi: '9999888877776666', exchange: X.IDENTITY_PROTECTION };
  const info = (type: number, id: number): Msg => ['r', message({ ...h, rspi: '1212121212121212', exchange: X.INFORMATIONAL, messageId: id }, [pl(P.N, notifyV1(type))])];
  const l = run([['i', message(h, [pl(P.NONCE, Uint8Array.of(1, 2, 3, 4))])], info(9000, 1), info(24578, 2), info(18, 3)], 0x07);
  t.deepEqual(codes(l), ['IKE_ERROR_NOTIFY', 'IKE_PHASE1_FAILED']);
  t.regex(l.findings.find((f) => f.code === 'IKE_ERROR_NOTIFY')!.message, /INVALID-ID-INFORMATION \(18\)/);
  t.deepEqual(l.ike!.notifications.map((n) => n.type), [9000, 24578, 18]);
  const silent = run([['i', message(h, [pl(P.NONCE, Uint8Array.of(1))])], ['i', message(h, [pl(P.NONCE, Uint8Array.of(1))])]], 0x07);
  t.deepEqual(codes(silent), ['IKE_NO_RESPONSE']);
  t.is(silent.ike!.phase1!.messages, 1, 'the retransmission counts once');
  t.deepEqual(silent.ike!.phase1!.frames, [1, 2]);
  t.is(silent.outcome, 'failed');
});

/** Quick mode messages (exchange 32, one message ID) after a completed main mode: encrypted, from `froms` in order. */
function quick(froms: ('i' | 'r')[]): Msg[] {
  const h = { ispi: '1111222233334444', rspi: '5555666677778888', exchange: X.QUICK, messageId: 0x0a0b0c0d };
  return froms.map((f, k) => [f, encryptedV1(h, P.HASH, Uint8Array.of(k, 7, 7, 7, 7, 7, 7, 7))]);
}

test('IKE_PHASE2_FAILED: main mode completes, quick mode does not, no ESP follows; with ESP (or a finished quick mode) it is not raised', (t) => {
  const unanswered = run([...v1(2, 6), ...quick(['i', 'i'])], 0x37);
  t.is(unanswered.ike!.phase1!.outcome, 'complete');
  t.not(unanswered.ike!.phase2!.outcome, 'complete');
  t.deepEqual(codes(unanswered), ['IKE_PHASE2_FAILED']);
  t.is(unanswered.findings[0]!.severity, 'error');
  t.deepEqual(unanswered.findings[0]!.frames, [7, 8], 'the quick mode frames');
  t.is(unanswered.outcome, 'failed');
  // Stopped after message 2 of 3 (the initiator's last message never seen).
  t.deepEqual(codes(run([...v1(2, 6), ...quick(['i', 'r'])], 0x37)), ['IKE_PHASE2_FAILED']);
  // ESP followed: the SA was installed although the capture missed a message.
  t.deepEqual(codes(run([...v1(2, 6), ...quick(['i', 'r'])], 0x37, { esp: true })), []);
  const done = run([...v1(2, 6), ...quick(['i', 'r', 'i'])], 0x37);
  t.is(done.ike!.phase2!.outcome, 'complete');
  t.deepEqual(codes(done), []);
});

test('ISCSI_LOGIN_NO_RESPONSE: a Login request the target never answers (CLI on a crafted capture); an answered one is not', (t) => {
  const target = 'iqn.2026-11.lab:silent';
  const capture = (answered: boolean): string => {
    const c = new TcpConn(I, 51000, R, 3260);
    const req = loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: '400001370001', itt: 0, cid: 0, cmdSN: 1, expStatSN: 0 }, keys([['InitiatorName', 'iqn.1991-05.com.microsoft:host1'], ['TargetName', target], ['SessionType', 'Normal']]));
    const frames = [...c.handshake(), ...c.send(0, req), c.ack(1)];
    if (answered) frames.push(...c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: '400001370001', tsih: 1, itt: 0, statSN: 0, expCmdSN: 1, maxCmdSN: 1 }, keys([['HeaderDigest', 'None']]))));
    return tempFile(`${answered ? 'answered' : 'silent'}.pcap`, pcapFile(frames.map((data, k) => ({ data, sec: 1_800_000_000 + k, nsec: 0 }))));
  };
  const logons = (file: string) => {
    const r = spawnSync(process.execPath, [CLI, 'logons', '--format', 'json', file], { encoding: 'utf8' });
    t.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).logons as { connections: { tcp: string; login: { outcome: string; targetName: string } | null }[]; outcome: string; findings: { code: string; severity: string; frames: number[]; message: string }[] }[];
  };
  const [silent] = logons(capture(false));
  t.is(silent!.connections[0]!.tcp, 'established');
  t.is(silent!.connections[0]!.login!.outcome, 'no-response');
  t.deepEqual(silent!.findings.map((f) => f.code), ['ISCSI_LOGIN_NO_RESPONSE']);
  t.is(silent!.findings[0]!.severity, 'warning');
  t.deepEqual(silent!.findings[0]!.frames, [4], 'the Login request');
  t.regex(silent!.findings[0]!.message, new RegExp(target.replace(/\./g, '\\.')));
  const [answered] = logons(capture(true));
  t.is(answered!.connections[0]!.login!.outcome, 'success');
  t.deepEqual(answered!.findings, []);
});
