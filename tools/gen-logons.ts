/**
 * Logon story captures (captures/crafted/logon-*.pcap), each with its ground
 * truth (*.truth.json) written from what this generator encoded, never by
 * running the tool:
 *
 *   node dist/tools/gen-logons.js captures/crafted
 *
 * The truth holds the portal records, capture-level finding codes and iSNS
 * PDUs (as every crafted truth, for test/crafted.test.ts) and the logon
 * records with their finding codes (test/logons.test.ts). Deterministic: the
 * committed files are reproduced byte for byte (a test checks this).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pcapFile } from './craft.js';
import { aggressiveRefused, discovery, ikev2, isnsQuery, loginChap, loginNone, mainMode, queriedPortal, quickMode, Story, type ListedPortal, type TruthPortal } from './logon-story.js';
import type { LogonConnection, LogonRecord } from '../src/logons/types.js';
import type { Truth } from './gen-crafted.js';

/** A logon record as the contract shapes it, with the expected finding codes instead of the findings. */
export type TruthLogon = Omit<LogonRecord, 'findings'> & { findingCodes: string[] };

/** A crafted truth whose logon records are always there. */
export type LogonTruth = Truth & { logons: TruthLogon[] };

const HOST = (n: number): string => `iqn.1991-05.com.microsoft:host${n}`;

function logon(p: Partial<TruthLogon> & Pick<TruthLogon, 'initiator' | 'portal' | 'outcome'>): TruthLogon {
  return { discoveredBy: [], securityBitmap: null, securityBitmapSource: 'none', ike: null, esp: null, connections: [], findingCodes: [], ...p };
}

const okLogin = (frames: number[], initiatorName: string, targetName: string | null, sessionType = 'Normal', authMethod = 'None'): LogonConnection['login'] =>
  ({ sessionType, initiatorName, targetName, authMethod, outcome: 'success', statusClass: 0, statusDetail: 0, status: 'Success', frames });

/** (a) iSNS tells the initiator the portal's bitmap (main mode), then main mode, quick mode and ESP both ways. */
function ipsecOk(): { bytes: Uint8Array; truth: LogonTruth } {
  const s = new Story('logon-ipsec-ok.pcap');
  const P: ListedPortal = { ip: '10.90.1.20', port: 3260, bitmap: 0x37, target: 'iqn.2026-11.lab:t1', pgt: 1 };
  const fRsp = isnsQuery(s, '10.90.1.10', 49001, HOST(1), 1, 'lab.t1', [P]);
  const o = { ini: '10.90.1.10', resp: P.ip, ispi: 'a1b2c3d4e5f60718', rspi: '8172635445362718', seed: 10 };
  const mm = mainMode(s, o);
  const qm = quickMode(s, o, 0x11223344);
  for (let i = 1; i <= 4; i++) {
    s.esp(o.ini, P.ip, 0x1a2b3c4d, i);
    s.esp(P.ip, o.ini, 0x5e6f7081, i);
  }
  return {
    bytes: pcapFile(s.frames),
    truth: {
      files: [s.file], portals: [queriedPortal(s, P, 'lab.t1', fRsp)], captureFindingCodes: [], pdus: s.pdus,
      logons: [logon({
        initiator: o.ini, portal: { address: P.ip, socket: 3260 }, discoveredBy: ['isns'], securityBitmap: 0x37, securityBitmapSource: 'isns',
        ike: { version: 1, phase1: { exchange: 'main', outcome: 'complete', messages: 6, frames: mm.main }, phase2: { outcome: 'complete', messages: 3, frames: qm }, notifications: [] },
        esp: { spis: ['1a2b3c4d', '5e6f7081'], packets: 8, udpEncapsulated: false }, outcome: 'ok',
      })],
      notes: 'The whole story on one timeline: a DevAttrQryRsp to 10.90.1.10 lists portal 10.90.1.20:3260 with bitmap 0x37 (VALID|IKE|MAIN|PFS|TRANSPORT); IKEv1 main mode (6 messages, 5 and 6 encrypted), quick mode (3 encrypted messages), then 4 ESP packets each way. The iSCSI login travels inside ESP and is not visible: the record has no connection and outcome ok (ESP both ways).',
    },
  };
}

/** (b) A plaintext iSCSI login to a portal whose bitmap requires IPsec. */
function plaintext(): { bytes: Uint8Array; truth: LogonTruth } {
  const s = new Story('logon-plaintext.pcap');
  const P: ListedPortal = { ip: '10.90.2.20', port: 3260, bitmap: 0x07, target: 'iqn.2026-11.lab:t2', pgt: 1 };
  const fRsp = isnsQuery(s, '10.90.2.10', 49002, HOST(2), 1, 'lab.t2', [P]);
  const c = s.conn('10.90.2.10', 49202, P.ip, 3260);
  const hs = c.open();
  const lf = loginNone(c, HOST(2), P.target);
  return {
    bytes: pcapFile(s.frames),
    truth: {
      files: [s.file], portals: [queriedPortal(s, P, 'lab.t2', fRsp)], captureFindingCodes: [], pdus: s.pdus,
      logons: [logon({
        initiator: '10.90.2.10', portal: { address: P.ip, socket: 3260 }, discoveredBy: ['isns'], securityBitmap: 0x07, securityBitmapSource: 'isns',
        connections: [{ tcp: 'established', frames: [hs[0]!, hs[1]!], login: okLogin(lf, HOST(2), P.target) }],
        outcome: 'failed', findingCodes: ['IPSEC_REQUIRED_BUT_PLAINTEXT'],
      })],
      notes: 'iSNS gives 10.90.2.20:3260 bitmap 0x07 (VALID|IKE|MAIN: IPsec required); the initiator connects and logs in in the clear (security stage AuthMethod=None, operational stage, full feature phase). The login succeeds, but the portal required IPsec: IPSEC_REQUIRED_BUT_PLAINTEXT, outcome failed (the tool counts a logon the portal forbids as failed).',
    },
  };
}

/** (c) Aggressive mode toward a portal whose bitmap enables main mode only; the responder refuses. */
function aggressive(): { bytes: Uint8Array; truth: LogonTruth } {
  const s = new Story('logon-aggressive.pcap');
  const P: ListedPortal = { ip: '10.90.3.20', port: 3260, bitmap: 0x07, target: 'iqn.2026-11.lab:t3', pgt: 1 };
  const fRsp = isnsQuery(s, '10.90.3.10', 49003, HOST(3), 1, 'lab.t3', [P]);
  const a = aggressiveRefused(s, '10.90.3.10', P.ip, '3c5e7a9b1d2f4860', '0a1b2c3d4e5f6071', 24);
  return {
    bytes: pcapFile(s.frames),
    truth: {
      files: [s.file], portals: [queriedPortal(s, P, 'lab.t3', fRsp)], captureFindingCodes: [], pdus: s.pdus,
      logons: [logon({
        initiator: '10.90.3.10', portal: { address: P.ip, socket: 3260 }, discoveredBy: ['isns'], securityBitmap: 0x07, securityBitmapSource: 'isns',
        ike: { version: 1, phase1: { exchange: 'aggressive', outcome: 'incomplete', messages: 1, frames: [a.m1] }, phase2: null, notifications: [{ type: 24, name: 'AUTHENTICATION-FAILED', frame: a.info }] },
        outcome: 'failed', findingCodes: ['IKE_MODE_NOT_ALLOWED', 'IKE_PHASE1_FAILED', 'IKE_ERROR_NOTIFY'],
      })],
      notes: 'The bitmap (0x07) enables main mode only; the initiator starts aggressive mode (message 1 with SA, KE, nonce, ID_FQDN) and the responder answers with a plaintext Informational carrying AUTHENTICATION-FAILED (24).',
    },
  };
}

/** (d) NAT traversal: main mode floats to UDP 4500 (non-ESP marker), quick mode and ESP in UDP. */
function natT(): { bytes: Uint8Array; truth: LogonTruth } {
  const s = new Story('logon-nat-t.pcap');
  const ini = '203.0.113.50';
  const resp = '10.90.4.20';
  const o = { ini, resp, ispi: '4d5e6f708192a3b4', rspi: 'c5d6e7f8091a2b3c', iport: 33000, iport2: 33001, natT: true, seed: 30 };
  const mm = mainMode(s, o);
  const qm = quickMode(s, o, 0x55667788);
  for (let i = 1; i <= 3; i++) {
    s.udp(ini, 33001, resp, 4500, new Uint8Array([0xc1, 0xc2, 0xc3, 0xc4, 0, 0, 0, i, ...new Uint8Array(64).fill(i)]));
    s.udp(resp, 4500, ini, 33001, new Uint8Array([0xd1, 0xd2, 0xd3, 0xd4, 0, 0, 0, i, ...new Uint8Array(64).fill(i + 8)]));
  }
  s.udp(ini, 33001, resp, 4500, Uint8Array.of(0xff)); // NAT-keepalive: neither IKE nor ESP
  return {
    bytes: pcapFile(s.frames),
    truth: {
      files: [s.file], portals: [], captureFindingCodes: [], pdus: [],
      logons: [logon({
        initiator: ini, portal: { address: resp, socket: null },
        ike: { version: 1, phase1: { exchange: 'main', outcome: 'complete', messages: 6, frames: mm.main }, phase2: { outcome: 'complete', messages: 3, frames: qm }, notifications: [] },
        esp: { spis: ['c1c2c3c4', 'd1d2d3d4'], packets: 6, udpEncapsulated: true }, outcome: 'ok',
      })],
      notes: 'The initiator is behind a NAT (public 203.0.113.50, ports 33000 for 500 and 33001 for 4500). Main mode messages 1-4 on UDP 500, 5-6 and quick mode on UDP 4500 after the 4-byte non-ESP marker (RFC 3948), then ESP in UDP 4500, 3 packets each way, and a NAT-keepalive. No discovery and no TCP names a port on 10.90.4.20: portal.socket is null.',
    },
  };
}

/** (e) IKEv2: IKE_SA_INIT and IKE_AUTH answered, then ESP. */
function v2(): { bytes: Uint8Array; truth: LogonTruth } {
  const s = new Story('logon-ikev2.pcap');
  const P: ListedPortal = { ip: '10.90.5.20', port: 3260, bitmap: 0x07, target: 'iqn.2026-11.lab:t5', pgt: 1 };
  const fRsp = isnsQuery(s, '10.90.5.10', 49005, HOST(5), 1, 'lab.t5', [P]);
  const f = ikev2(s, '10.90.5.10', P.ip, '6a7b8c9d0e1f2a3b', 'b4c5d6e7f8091a2b');
  s.esp('10.90.5.10', P.ip, 0xc0ffee01, 1);
  s.esp(P.ip, '10.90.5.10', 0xc0ffee02, 1);
  s.esp('10.90.5.10', P.ip, 0xc0ffee01, 2);
  const nat = (frame: number) => [{ type: 16388, name: 'NAT_DETECTION_SOURCE_IP', frame }, { type: 16389, name: 'NAT_DETECTION_DESTINATION_IP', frame }];
  return {
    bytes: pcapFile(s.frames),
    truth: {
      files: [s.file], portals: [queriedPortal(s, P, 'lab.t5', fRsp)], captureFindingCodes: [], pdus: s.pdus,
      logons: [logon({
        initiator: '10.90.5.10', portal: { address: P.ip, socket: 3260 }, discoveredBy: ['isns'], securityBitmap: 0x07, securityBitmapSource: 'isns',
        ike: { version: 2, phase1: { exchange: 'ike_sa_init', outcome: 'complete', messages: 4, frames: f }, phase2: null, notifications: [...nat(f[0]!), ...nat(f[1]!)] },
        esp: { spis: ['c0ffee01', 'c0ffee02'], packets: 3, udpEncapsulated: false }, outcome: 'ok',
      })],
      notes: 'IKEv2: IKE_SA_INIT (SA, KE, nonce, NAT_DETECTION_SOURCE_IP/DESTINATION_IP) answered with an SA; IKE_AUTH (SK, encrypted) answered; ESP both ways. The bitmap mode bits (main/aggressive) concern IKEv1 only: no IKE_MODE_NOT_ALLOWED. The IKE_AUTH result is encrypted; ESP both ways is what makes the outcome ok.',
    },
  };
}

/** (f) SendTargets discovery, then CHAP logins answered 0x0201 (one to a discovered port other than 3260). */
function sendTargetsChap(): { bytes: Uint8Array; truth: LogonTruth } {
  const s = new Story('logon-sendtargets-chap.pcap');
  const ini = '10.90.6.10';
  const T = 'iqn.2026-11.lab:t6';
  const d = s.conn(ini, 49300, '10.90.6.20', 3260);
  const dh = d.open();
  const answer: [string, string][] = [['TargetName', T], ['TargetAddress', '10.90.6.20:3260,1'], ['TargetAddress', '[2001:db8:6::20]:3260,1'], ['TargetAddress', '10.90.6.21:3261,2']];
  const disc = discovery(d, HOST(6), answer, 40);
  d.close();
  const c1 = s.conn(ini, 49301, '10.90.6.20', 3260);
  const h1 = c1.open();
  const l1 = loginChap(c1, HOST(6), T, 0x0201);
  c1.close();
  const c2 = s.conn(ini, 49302, '10.90.6.21', 3261);
  const h2 = c2.open();
  const l2 = loginChap(c2, HOST(6), T, 0x0201);
  const failed = (frames: number[]): LogonConnection['login'] =>
    ({ sessionType: 'Normal', initiatorName: HOST(6), targetName: T, authMethod: 'CHAP', outcome: 'failed', statusClass: 2, statusDetail: 1, status: 'Authentication failure', frames });
  const stPortal = (address: string, socket: number, pgTag: number): TruthPortal => ({
    address, socket, transport: 'tcp', securityBitmap: null, securityBitmapSource: 'none', securityFlags: [], keySize: 0, key: null, symbolicName: null,
    portalIndex: null, esiInterval: null, esiPort: null, scnPort: null, isakmpPhase1: null, isakmpPhase2: null, entityId: null,
    iscsiNames: [{ name: T, nodeType: ['target'], pgTag }], state: 'queried', discoveredBy: ['sendtargets'], firstSeen: s.at(disc.answer), lastSeen: s.at(disc.answer), findingCodes: ['BITMAP_ABSENT'],
  });
  return {
    bytes: pcapFile(s.frames),
    truth: {
      files: [s.file],
      portals: [stPortal('10.90.6.20', 3260, 1), stPortal('10.90.6.21', 3261, 2), stPortal('2001:db8:6::20', 3260, 1)],
      captureFindingCodes: [], pdus: [],
      logons: [
        logon({
          initiator: ini, portal: { address: '10.90.6.20', socket: 3260 }, discoveredBy: ['sendtargets'],
          connections: [{ tcp: 'established', frames: [dh[0]!, dh[1]!], login: okLogin(disc.login, HOST(6), null, 'Discovery') }, { tcp: 'established', frames: [h1[0]!, h1[1]!], login: failed(l1) }],
          outcome: 'failed', findingCodes: ['ISCSI_LOGIN_FAILED'],
        }),
        logon({
          initiator: ini, portal: { address: '10.90.6.21', socket: 3261 }, discoveredBy: ['sendtargets'],
          connections: [{ tcp: 'established', frames: [h2[0]!, h2[1]!], login: failed(l2) }], outcome: 'failed', findingCodes: ['ISCSI_LOGIN_FAILED'],
        }),
      ],
      notes: `A Discovery session to 10.90.6.20:3260 (Login straight to full feature phase: AuthMethod None), SendTargets=All answered in two Text Response PDUs, the first cut 40 bytes into the text with C=1 (frame ${disc.answer} completes it): ${T} at 10.90.6.20:3260,1, [2001:db8:6::20]:3260,1 and 10.90.6.21:3261,2. Portal records gain the three (queried, no bitmap: BITMAP_ABSENT). Then CHAP logins (AuthMethod=CHAP,None offered, CHAP chosen, CHAP_A/CHAP_I/CHAP_C, CHAP_N/CHAP_R) to 10.90.6.20:3260 and 10.90.6.21:3261 (a port iSCSI is followed on only because SendTargets named it), both answered 0x0201 (Authentication failure).`,
    },
  };
}

/** (g) SYNs refused by RST, and SYNs never answered. */
function refused(): { bytes: Uint8Array; truth: LogonTruth } {
  const s = new Story('logon-refused.pcap');
  const A: ListedPortal = { ip: '10.90.7.20', port: 3260, bitmap: 0x01, target: 'iqn.2026-11.lab:t7', pgt: 1 };
  // B listens on 3262: connections to it are followed only because iSNS named the port.
  const B: ListedPortal = { ip: '10.90.7.21', port: 3262, bitmap: 0x01, target: 'iqn.2026-11.lab:t7', pgt: 1 };
  const fRsp = isnsQuery(s, '10.90.7.10', 49007, HOST(7), 1, 'lab.t7', [A, B]);
  const r1 = s.syn('10.90.7.10', 49700, A.ip, 3260, 'rst');
  const r2 = s.syn('10.90.7.10', 49701, A.ip, 3260, 'rst');
  const n1 = s.syn('10.90.7.10', 49702, B.ip, 3262, 'none', 3);
  return {
    bytes: pcapFile(s.frames),
    truth: {
      files: [s.file], portals: [queriedPortal(s, A, 'lab.t7', fRsp), queriedPortal(s, B, 'lab.t7', fRsp)], captureFindingCodes: [], pdus: s.pdus,
      logons: [
        logon({ initiator: '10.90.7.10', portal: { address: A.ip, socket: 3260 }, discoveredBy: ['isns'], securityBitmap: 0x01, securityBitmapSource: 'isns', connections: [{ tcp: 'refused', frames: r1, login: null }, { tcp: 'refused', frames: r2, login: null }], outcome: 'failed', findingCodes: ['ISCSI_CONNECT_FAILED'] }),
        logon({ initiator: '10.90.7.10', portal: { address: B.ip, socket: 3262 }, discoveredBy: ['isns'], securityBitmap: 0x01, securityBitmapSource: 'isns', connections: [{ tcp: 'no-response', frames: n1, login: null }], outcome: 'failed', findingCodes: ['ISCSI_CONNECT_FAILED'] }),
      ],
      notes: 'iSNS lists two portals with bitmap 0x01 (VALID only: no IPsec). Two connection attempts to 10.90.7.20:3260 are answered by RST/ACK; one to 10.90.7.21:3262 (a port iSCSI is followed on only because the iSNS answer named it) is a SYN sent three times (the same connection: same port and sequence number) with no answer.',
    },
  };
}

export const LOGON_STORIES = [ipsecOk, plaintext, aggressive, natT, v2, sendTargetsChap, refused] as const;

export function generateLogons(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const g of LOGON_STORIES) {
    const r = g();
    const name = r.truth.files[0]!;
    writeFileSync(join(dir, name), r.bytes);
    const truthName = name.replace(/\.pcap$/, '.truth.json');
    writeFileSync(join(dir, truthName), JSON.stringify(r.truth, null, 2) + '\n');
    written.push(name, truthName);
  }
  return written;
}

if (process.argv[1] && process.argv[1].endsWith('gen-logons.js')) {
  const dir = process.argv[2] ?? 'captures/crafted';
  const w = generateLogons(dir);
  console.log(`wrote ${w.length} files to ${dir}`);
}
