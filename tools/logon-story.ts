/**
 * Building blocks of the logon story captures (tools/gen-logons.ts) and of
 * the sample's IPsec story (tools/gen-crafted.ts): a capture with a fixed
 * clock, TCP conversations, iSNS queries answered with portals, IKEv1 main /
 * aggressive / quick mode, IKEv2, ESP, iSCSI logins and SendTargets — each
 * returning the frames it wrote, so the truths are written from what was
 * encoded.
 */
import { Clock, concat, ethTcp, ethUdp, TcpConn, TCP_ACK, TCP_RST, TCP_SYN, type CraftFrame } from './craft.js';
import {
  encryptedV1, esp as espBytes, ethEsp, filler, idV1, ikeAttrs, keV2, message, nonEspMarker, notifyV1, notifyV2, pl, saV1, saV2,
  F2, P, X, type Header,
} from './craft-ike.js';
import { DELIM, pdu as isnsPdu, rsp, tAddr, tEmpty, tPort, tStr, tU32 } from './craft-isns.js';
import { ISID, keys, loginReq, loginRsp, logoutReq, logoutRsp, STAGE, textReq, textRsp } from './craft-iscsi.js';
import { securityFlagNames } from '../src/isns/bitmap.js';
import type { PortalRecord } from '../src/isns/portals/builder.js';

export interface At {
  file: string;
  frame: number;
  time: string;
}

/** A portal as the contract shapes it, with the expected finding codes instead of the findings. */
export type TruthPortal = Omit<PortalRecord, 'findings'> & { findingCodes: string[] };

/** Where IKE messages are written: UDP datagrams between two endpoints; returns the frame number. */
export interface UdpSink {
  udp(src: string, sp: number, dst: string, dp: number, payload: Uint8Array): number;
}

export class Story implements UdpSink {
  readonly frames: CraftFrame[] = [];
  /** Every iSNS PDU: [file index, owning frame, function id, transaction id]. */
  readonly pdus: [number, number, number, number][] = [];
  constructor(
    readonly file: string,
    readonly clock = new Clock(1795470000, 0, 2_000_000),
    readonly digits: 6 | 9 = 6,
  ) {}
  add(data: Uint8Array): number {
    this.frames.push({ data, ...this.clock.tick() });
    return this.frames.length;
  }
  at(frame: number): At {
    const f = this.frames[frame - 1]!;
    const base = new Date(f.sec * 1000).toISOString().slice(0, 19);
    return { file: this.file, frame, time: `${base}.${String(f.nsec).padStart(9, '0').slice(0, this.digits)}Z` };
  }
  conn(client: string, cport: number, server: string, sport: number): Conn {
    return new Conn(this, new TcpConn(client, cport, server, sport, [0x10000 * (cport & 0xff) + 1, 0x20000 * (cport & 0xff) + 7]));
  }
  udp(src: string, sp: number, dst: string, dp: number, payload: Uint8Array): number {
    return this.add(ethUdp(src, dst, sp, dp, payload));
  }
  esp(src: string, dst: string, spi: number, seq: number, n = 96): number {
    return this.add(ethEsp(src, dst, espBytes(spi, seq, filler(n, seq * 131 + (spi & 0xff)))));
  }
  /** A SYN from client:cport answered by RST/ACK (or by nothing): the frames. */
  syn(client: string, cport: number, server: string, sport: number, answer: 'rst' | 'none', tries = 1): number[] {
    const out: number[] = [];
    const isn = 0x51000000 + cport;
    for (let i = 0; i < tries; i++) out.push(this.add(ethTcp(client, server, cport, sport, new Uint8Array(0), { seq: isn, flags: TCP_SYN })));
    if (answer === 'rst') out.push(this.add(ethTcp(server, client, sport, cport, new Uint8Array(0), { seq: 0, ack: isn + 1, flags: TCP_RST | TCP_ACK })));
    return out;
  }
}

export class Conn {
  constructor(readonly s: Story, readonly c: TcpConn) {}
  /** SYN, SYN-ACK, ACK. */
  open(): number[] {
    return this.c.handshake().map((f) => this.s.add(f));
  }
  /** One write; returns the frame of its last segment. */
  send(dir: 0 | 1, bytes: Uint8Array, splits: number[] = []): number {
    const fs = this.c.send(dir, bytes, splits).map((f) => this.s.add(f));
    return fs[fs.length - 1]!;
  }
  close(): number[] {
    return this.c.close().map((f) => this.s.add(f));
  }
}

// ------------------------------------------------------------------ iSNS

export interface ListedPortal {
  ip: string;
  port: number;
  bitmap: number;
  target: string;
  pgt: number;
}

export const ISNS_SERVER = '10.0.0.1';

/** A DevAttrQry from the initiator and the server's DevAttrQryRsp listing the portals (entity, portal, node, Portal Group). */
export function isnsQuery(s: Story, initiator: string, cport: number, node: string, xid: number, eid: string, portals: ListedPortal[]): number {
  const c = s.conn(initiator, cport, ISNS_SERVER, 3205);
  c.open();
  const fQ = c.send(0, isnsPdu(0x0002, xid, concat([tStr(32, node), tEmpty(32), DELIM, tEmpty(16), tEmpty(17), tEmpty(27)])));
  s.pdus.push([0, fQ, 0x0002, xid]);
  const attrs = portals.flatMap((p) => [tAddr(16, p.ip), tPort(17, p.port), tU32(27, p.bitmap)]);
  const nodes = [...new Set(portals.map((p) => p.target))].flatMap((t) => [tStr(32, t), tU32(33, 1)]);
  const pgs = portals.flatMap((p) => [tStr(48, p.target), tAddr(49, p.ip), tPort(50, p.port), tU32(51, p.pgt)]);
  const fR = c.send(1, isnsPdu(0x8002, xid, rsp(0, tEmpty(32), DELIM, tStr(1, eid), tU32(2, 2), ...attrs, ...nodes, ...pgs)));
  s.pdus.push([0, fR, 0x8002, xid]);
  return fR;
}

/** The truth record of a portal an iSNS query response (only) listed. */
export function queriedPortal(s: Story, p: ListedPortal, eid: string, frame: number, findingCodes: string[] = []): TruthPortal {
  return {
    address: p.ip, socket: p.port, transport: 'tcp', securityBitmap: p.bitmap, securityBitmapSource: 'isns', securityFlags: securityFlagNames(p.bitmap),
    keySize: 0, key: null, symbolicName: null, portalIndex: null, esiInterval: null, esiPort: null, scnPort: null, isakmpPhase1: null, isakmpPhase2: null,
    entityId: eid, iscsiNames: [{ name: p.target, nodeType: ['target'], pgTag: p.pgt }], state: 'queried', discoveredBy: ['isns'],
    firstSeen: s.at(frame), lastSeen: s.at(frame), findingCodes,
  };
}

// ------------------------------------------------------------------ IKE

/** strongSwan-like phase-1 offer: AES-128/SHA1/MODP2048 with a pre-shared key. */
const P1_SA = (): Uint8Array => saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: ikeAttrs({ enc: 7, keyLen: 128, hash: 2, auth: 1, group: 14, life: 10800 }) }] }]);

export interface MainModeOpts {
  ini: string;
  resp: string;
  ispi: string;
  rspi: string;
  /** UDP ports of each side on 500 and (from message 5, NAT-T) 4500. */
  iport?: number;
  iport2?: number;
  natT?: boolean;
  /** Messages sent: 6 = complete; 5 = message 5 without message 6. */
  upTo?: number;
  /** Copies of message 5 (retransmissions) when upTo is 5, each answered by an encrypted informational. */
  copies?: number;
  seed?: number;
}

/** IKEv1 main mode; returns the frames of the main-mode messages and of the informational answers. */
export function mainMode(s: UdpSink, o: MainModeOpts): { main: number[]; info: number[] } {
  const h: Header = { ispi: o.ispi, exchange: X.IDENTITY_PROTECTION };
  const hr: Header = { ...h, rspi: o.rspi };
  const ip = o.iport ?? 500;
  const ip2 = o.iport2 ?? 4500;
  const seed = o.seed ?? 1;
  const late = (src: string, sp: number, dst: string, dp: number, m: Uint8Array): number =>
    o.natT ? s.udp(src, sp, dst, dp, nonEspMarker(m)) : s.udp(src, sp, dst, dp, m);
  const lp = (side: 'i' | 'r'): number => (o.natT ? (side === 'i' ? ip2 : 4500) : side === 'i' ? ip : 500);
  const main: number[] = [];
  const info: number[] = [];
  main.push(s.udp(o.ini, ip, o.resp, 500, message(h, [pl(P.SA, P1_SA())])));
  main.push(s.udp(o.resp, 500, o.ini, ip, message(hr, [pl(P.SA, P1_SA())])));
  main.push(s.udp(o.ini, ip, o.resp, 500, message(hr, [pl(P.KE, filler(256, seed + 1)), pl(P.NONCE, filler(32, seed + 2)), pl(P.NAT_D, filler(20, seed + 3)), pl(P.NAT_D, filler(20, seed + 4))])));
  main.push(s.udp(o.resp, 500, o.ini, ip, message(hr, [pl(P.KE, filler(256, seed + 5)), pl(P.NONCE, filler(32, seed + 6)), pl(P.NAT_D, filler(20, seed + 7)), pl(P.NAT_D, filler(20, seed + 8))])));
  const upTo = o.upTo ?? 6;
  const m5 = encryptedV1(hr, P.ID, filler(80, seed + 9));
  for (let i = 0; i < (upTo === 5 ? (o.copies ?? 1) : 1); i++) {
    main.push(late(o.ini, lp('i'), o.resp, lp('r'), m5));
    if (upTo === 5) info.push(late(o.resp, lp('r'), o.ini, lp('i'), encryptedV1({ ...hr, exchange: X.INFORMATIONAL, messageId: 0x2e000000 + i * 0x1357 }, P.HASH, filler(64, seed + 20 + i))));
  }
  if (upTo >= 6) main.push(late(o.resp, lp('r'), o.ini, lp('i'), encryptedV1(hr, P.ID, filler(64, seed + 10))));
  return { main, info };
}

/** IKEv1 quick mode (3 encrypted messages) on an established phase-1 SA. */
export function quickMode(s: UdpSink, o: MainModeOpts, messageId: number): number[] {
  const q: Header = { ispi: o.ispi, rspi: o.rspi, exchange: X.QUICK, messageId };
  const seed = (o.seed ?? 1) + 40;
  const send = (src: string, sp: number, dst: string, dp: number, m: Uint8Array): number => (o.natT ? s.udp(src, sp, dst, dp, nonEspMarker(m)) : s.udp(src, sp, dst, dp, m));
  const ip = o.natT ? (o.iport2 ?? 4500) : (o.iport ?? 500);
  const rp = o.natT ? 4500 : 500;
  return [
    send(o.ini, ip, o.resp, rp, encryptedV1(q, P.HASH, filler(400, seed))),
    send(o.resp, rp, o.ini, ip, encryptedV1(q, P.HASH, filler(400, seed + 1))),
    send(o.ini, ip, o.resp, rp, encryptedV1(q, P.HASH, filler(48, seed + 2))),
  ];
}

/** IKEv1 aggressive mode message 1 answered by a plaintext Informational with `notify`. */
export function aggressiveRefused(s: UdpSink, ini: string, resp: string, ispi: string, rspi: string, notify: number): { m1: number; info: number } {
  const h: Header = { ispi, exchange: X.AGGRESSIVE };
  const m1 = s.udp(ini, 500, resp, 500, message(h, [pl(P.SA, P1_SA()), pl(P.KE, filler(256, 61)), pl(P.NONCE, filler(32, 62)), pl(P.ID, idV1(2, new TextEncoder().encode('host3.lab.example')))]));
  const info = s.udp(resp, 500, ini, 500, message({ ispi, rspi, exchange: X.INFORMATIONAL, messageId: 0x39690f0c }, [pl(P.N, notifyV1(notify, { protocol: 1, spi: new Uint8Array(0) }))]));
  return { m1, info };
}

/** IKEv2 IKE_SA_INIT (with NAT detection notifies) and IKE_AUTH (SK), both answered. */
export function ikev2(s: UdpSink, ini: string, resp: string, ispi: string, rspi: string): number[] {
  const i: Header = { ispi, version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };
  const r: Header = { ...i, rspi, flags: F2.RESPONSE };
  const sa = saV2([{ number: 1, protocol: 1, transforms: [{ type: 1, id: 12, attrs: Uint8Array.of(0x80, 14, 0, 128) }, { type: 3, id: 12 }, { type: 2, id: 5 }, { type: 4, id: 14 }] }]);
  const natd = (seed: number) => [pl(P.N2, notifyV2(16388, { data: filler(20, seed) })), pl(P.N2, notifyV2(16389, { data: filler(20, seed + 1) }))];
  return [
    s.udp(ini, 500, resp, 500, message(i, [pl(P.SA2, sa), pl(P.KE2, keV2(14, filler(256, 71))), pl(P.NONCE2, filler(32, 72)), ...natd(73)])),
    s.udp(resp, 500, ini, 500, message(r, [pl(P.SA2, sa), pl(P.KE2, keV2(14, filler(256, 75))), pl(P.NONCE2, filler(32, 76)), ...natd(77)])),
    s.udp(ini, 500, resp, 500, message({ ...i, rspi, exchange: X.IKE_AUTH, messageId: 1 }, [pl(P.SK, filler(272, 78), { next: P.IDI })])),
    s.udp(resp, 500, ini, 500, message({ ...r, exchange: X.IKE_AUTH, messageId: 1 }, [pl(P.SK, filler(224, 79), { next: P.IDR })])),
  ];
}

// ------------------------------------------------------------------ iSCSI

/** A Normal session login without authentication (security stage AuthMethod=None, then operational → full feature). */
export function loginNone(c: Conn, initiatorName: string, target: string): number[] {
  return [
    c.send(0, loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, itt: 1, cid: 1, cmdSN: 1 }, keys([['InitiatorName', initiatorName], ['SessionType', 'Normal'], ['TargetName', target], ['AuthMethod', 'None']]))),
    c.send(1, loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, itt: 1, statSN: 0x200, expCmdSN: 1, maxCmdSN: 1 }, keys([['AuthMethod', 'None'], ['TargetPortalGroupTag', '1']]))),
    c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 1, cid: 1, cmdSN: 1, expStatSN: 0x201 }, keys([['HeaderDigest', 'None'], ['DataDigest', 'None'], ['MaxRecvDataSegmentLength', '65536']]))),
    c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, tsih: 7, itt: 1, statSN: 0x201, expCmdSN: 1, maxCmdSN: 32 }, keys([['HeaderDigest', 'None'], ['DataDigest', 'None']]))),
  ];
}

/** A Normal session login with CHAP that the target answers with `status` after CHAP_N/CHAP_R. */
export function loginChap(c: Conn, initiatorName: string, target: string, status: number): number[] {
  return [
    c.send(0, loginReq({ csg: STAGE.SECURITY, isid: ISID, itt: 2, cid: 1, cmdSN: 1 }, keys([['InitiatorName', initiatorName], ['SessionType', 'Normal'], ['TargetName', target], ['AuthMethod', 'CHAP,None']]))),
    c.send(1, loginRsp({ csg: STAGE.SECURITY, isid: ISID, itt: 2, statSN: 0x300, expCmdSN: 1, maxCmdSN: 1 }, keys([['AuthMethod', 'CHAP'], ['TargetPortalGroupTag', '1']]))),
    c.send(0, loginReq({ csg: STAGE.SECURITY, isid: ISID, itt: 2, cid: 1, cmdSN: 1, expStatSN: 0x301 }, keys([['CHAP_A', '5']]))),
    c.send(1, loginRsp({ csg: STAGE.SECURITY, isid: ISID, itt: 2, statSN: 0x301, expCmdSN: 1, maxCmdSN: 1 }, keys([['CHAP_A', '5'], ['CHAP_I', '7'], ['CHAP_C', '0x5f3e1d2c4b6a79880a1b2c3d4e5f6071']]))),
    c.send(0, loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, itt: 2, cid: 1, cmdSN: 1, expStatSN: 0x302 }, keys([['CHAP_N', 'host6'], ['CHAP_R', '0x0f1e2d3c4b5a69788796a5b4c3d2e1f0']]))),
    c.send(1, loginRsp({ csg: STAGE.SECURITY, isid: ISID, itt: 2, statSN: 0x302, expCmdSN: 1, maxCmdSN: 1, status }, new Uint8Array(0))),
  ];
}

/**
 * A Discovery session: one Login (straight to full feature: no security stage), SendTargets=All
 * answered in two Text Response PDUs (C=1 cuts `cutAt` bytes into the text), Logout. Returns the
 * login frames and the frame of the answer's last PDU.
 */
export function discovery(c: Conn, initiatorName: string, answer: [string, string][], cutAt: number): { login: number[]; answer: number } {
  const login = [
    c.send(0, loginReq({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, itt: 0, cid: 0, cmdSN: 0 }, keys([['InitiatorName', initiatorName], ['SessionType', 'Discovery'], ['HeaderDigest', 'None'], ['DataDigest', 'None']]))),
    c.send(1, loginRsp({ transit: true, csg: STAGE.OPERATIONAL, nsg: STAGE.FFP, isid: ISID, tsih: 1, itt: 0, statSN: 0x100, expCmdSN: 0, maxCmdSN: 0 }, keys([['HeaderDigest', 'None'], ['DataDigest', 'None']]))),
  ];
  c.send(0, textReq({ immediate: true, itt: 1, cmdSN: 0, expStatSN: 0x101 }, keys([['SendTargets', 'All']])));
  const text = keys(answer);
  c.send(1, textRsp({ final: false, cont: true, itt: 1, ttt: 0x1234, statSN: 0x101, expCmdSN: 1, maxCmdSN: 1 }, text.subarray(0, cutAt)));
  // RFC 7143 §11.10.2: the initiator asks for the rest with an empty Text Request carrying the TTT.
  c.send(0, textReq({ itt: 1, ttt: 0x1234, cmdSN: 1, expStatSN: 0x101 }, new Uint8Array(0)));
  const last = c.send(1, textRsp({ itt: 1, statSN: 0x101, expCmdSN: 1, maxCmdSN: 1 }, text.subarray(cutAt)));
  c.send(0, logoutReq({ reason: 0, itt: 2, cid: 0, cmdSN: 1, expStatSN: 0x102 }));
  c.send(1, logoutRsp({ response: 0, itt: 2, statSN: 0x102, expCmdSN: 2, maxCmdSN: 2 }));
  return { login, answer: last };
}
