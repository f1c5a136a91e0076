/**
 * Damaged real-world captures (issue 12), each with its ground truth written
 * by this generator from what it encoded (never by running the tool):
 * captures that start mid-stream, snaplen cuts (inside attributes and inside
 * a PDU header), lost TCP segments (one, two in a row, one PDU of a
 * multi-PDU message), and bytes on port 3205 that are not iSNS at all.
 *
 *   node dist/tools/gen-damaged.js captures/crafted
 *
 * Expectations follow the policy: every intact PDU is decoded and
 * matched; a cut PDU is kept with what was captured (TRUNCATED_PDU, one per
 * conversation direction); a hole or a mid-stream start is one TCP_GAP per
 * stream direction, with no MALFORMED_PDU for the bytes skipped to
 * resynchronise; bytes that are not iSNS are one NOT_ISNS per conversation;
 * UNANSWERED_REQUEST only for a request whose response is really absent.
 * Every capture is deterministic (fixed clock, fixed seed).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  be16, Clock, concat, ethTcp, ethUdp, ipv4, pcapFile, rng, tcp, TcpConn, type CraftFrame, type TcpOpts,
} from './craft.js';
import { DELIM, multiPdu, pdu, rsp, tAddr, tBytes, tEmpty, tPort, tStr, tU32 } from './craft-isns.js';
import { knownFunction } from '../dissector/isns/names.js';
import { hex, last, portal, type Truth } from './gen-crafted.js';
import type { TruthPortal } from './logon-story.js';

// ------------------------------------------------------------------ capture builder

type FrameFn = (src: string, dst: string, sp: number, dp: number, payload: Uint8Array, o: TcpOpts) => Uint8Array;
type Seen = { file: string; frame: number; time: string };

class Capture {
  readonly frames: CraftFrame[] = [];
  constructor(readonly file: string, readonly clock = new Clock(1795550400, 0, 1_250_000)) {}
  add(data: Uint8Array): number {
    const t = this.clock.tick();
    this.frames.push({ data, sec: t.sec, nsec: t.nsec });
    return this.frames.length;
  }
  conn(client: string, cport: number, isn: [number, number], frame: FrameFn = ethTcp): Conn {
    return new Conn(this, new TcpConn(client, cport, SERVER, 3205, isn, frame));
  }
  udp(src: string, sp: number, dst: string, dp: number, bytes: Uint8Array): number {
    return this.add(ethUdp(src, dst, sp, dp, bytes));
  }
  /** firstSeen/lastSeen of a frame (pcap: microseconds). */
  at(frame: number): Seen {
    const f = this.frames[frame - 1]!;
    const base = new Date(f.sec * 1000).toISOString().slice(0, 19);
    return { file: this.file, frame, time: `${base}.${String(f.nsec).padStart(9, '0').slice(0, 6)}Z` };
  }
}

class Conn {
  constructor(readonly cap: Capture, readonly c: TcpConn) {}
  open(): this {
    for (const f of this.c.handshake()) this.cap.add(f);
    return this;
  }
  /**
   * One application write split into segments at `splits`; the segments whose
   * index is in `lost` never reach the capture (their sequence space is used).
   * Returns the frame numbers of the captured segments.
   */
  send(dir: 0 | 1, bytes: Uint8Array, splits: number[] = [], lost: number[] = []): number[] {
    return this.c.send(dir, bytes, splits).flatMap((f, i) => (lost.includes(i) ? [] : [this.cap.add(f)]));
  }
  ack(dir: 0 | 1): number {
    return this.cap.add(this.c.ack(dir));
  }
  close(): number[] {
    return this.c.close().map((f) => this.cap.add(f));
  }
}

const SERVER = '10.0.0.1';

// ------------------------------------------------------------------ iSNS messages

interface PortalSpec {
  ip: string;
  port?: number;
  bitmap?: number;
  sym?: string;
  cert?: Uint8Array;
}
interface NodeSpec {
  name: string;
  type: number;
}

const portalTlvs = (p: PortalSpec): Uint8Array[] => [
  tAddr(16, p.ip), tPort(17, p.port ?? 3260),
  ...(p.sym !== undefined ? [tStr(18, p.sym)] : []),
  ...(p.bitmap !== undefined ? [tU32(27, p.bitmap)] : []),
  ...(p.cert ? [tBytes(31, p.cert)] : []),
];
const nodeTlvs = (n: NodeSpec): Uint8Array[] => [tStr(32, n.name), tU32(33, n.type)];
/** Portal Group objects as open-isns lists them in query responses: 48, 49, 50, 51 (PGT 1). */
const pgTlvs = (node: string, p: PortalSpec): Uint8Array[] => [tStr(48, node), tAddr(49, p.ip), tPort(50, p.port ?? 3260), tU32(51, 1)];

/** DevAttrReg payload: source node, entity key, delimiter, entity (protocol iSCSI), portals, nodes. */
function regPayload(src: string, eid: string, portals: PortalSpec[], nodes: NodeSpec[], proto = true): Uint8Array {
  return concat([tStr(32, src), tStr(1, eid), DELIM, tStr(1, eid), ...(proto ? [tU32(2, 2)] : []), ...portals.flatMap(portalTlvs), ...nodes.flatMap(nodeTlvs)]);
}
const reg = (xid: number, src: string, eid: string, portals: PortalSpec[], nodes: NodeSpec[], proto = true): Uint8Array => pdu(0x0001, xid, regPayload(src, eid, portals, nodes, proto));
/** DevAttrRegRsp as the sample's server answers: status, entity key, delimiter, entity. */
const regRsp = (xid: number, eid: string): Uint8Array => pdu(0x8001, xid, rsp(0, tStr(1, eid), DELIM, tStr(1, eid)));
/** DevAttrQry for every node's portals and bitmaps. */
const qry = (xid: number, initiator: string): Uint8Array => pdu(0x0002, xid, concat([tStr(32, initiator), tEmpty(32), DELIM, tEmpty(16), tEmpty(17), tEmpty(27)]));
/** DevAttrQryRsp payload: status, key echo, delimiter, the entity, its portals, its nodes, then Portal Groups. */
function qryRspPayload(eid: string, portals: PortalSpec[], nodes: NodeSpec[], pgs: boolean | PortalSpec[] = true): Uint8Array {
  const grouped = pgs === true ? portals : pgs === false ? [] : pgs;
  return rsp(0, tEmpty(32), DELIM, tStr(1, eid), tU32(2, 2), ...portals.flatMap(portalTlvs), ...nodes.flatMap(nodeTlvs),
    ...nodes.flatMap((n) => grouped.flatMap((p) => pgTlvs(n.name, p))));
}
const qryRsp = (xid: number, eid: string, portals: PortalSpec[], nodes: NodeSpec[], pgs: boolean | PortalSpec[] = true): Uint8Array => pdu(0x8002, xid, qryRspPayload(eid, portals, nodes, pgs));

/** Byte offset of the first occurrence of `needle` in `hay` (throws if absent). */
function indexOf(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  throw new Error('needle not found');
}

function expectLength(what: string, b: Uint8Array, n: number): Uint8Array {
  if (b.length !== n) throw new Error(`${what}: ${b.length} bytes, expected ${n}`);
  return b;
}

// ------------------------------------------------------------------ truth

/** Extra facts for test/damaged.test.ts: how many of each capture-level finding (the truth keeps only the set). */
export interface DamagedFacts {
  captureFindingCounts: Record<string, number>;
  /** Frames (named in the notes) the explicit assertions look at. */
  frames: Record<string, number>;
}

const target = (name: string): { name: string; nodeType: string[]; pgTag: number }[] => [{ name, nodeType: ['target'], pgTag: 1 }];

interface Generated {
  name: string;
  bytes: Uint8Array;
  truth: Truth;
  facts: DamagedFacts;
}

function counts(codes: string[]): { set: string[]; counts: Record<string, number> } {
  const c: Record<string, number> = {};
  for (const x of codes) c[x] = (c[x] ?? 0) + 1;
  return { set: Object.keys(c).sort(), counts: c };
}

// ------------------------------------------------------------------ 1. mid-stream, server side

function midstreamServer(): Generated {
  const name = 'damaged-midstream-server';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:ms.t1';
  const E = 'lab.ms';
  const P1: PortalSpec = { ip: '10.40.0.1', bitmap: 0x37 };
  const P2: PortalSpec = { ip: '10.40.0.2', bitmap: 0x27 };
  const N: NodeSpec = { name: T, type: 1 };
  const c = cap.conn('10.40.0.100', 51012, [0x1a2b3c4d, 0x5e6f7081]);
  // Before the capture: the client queried (xid 3) and the server's answer was in flight.
  // The capture starts with the last 30 bytes of that DevAttrQryRsp (the PG tag attribute,
  // value 1, is its last word: "00 00 00 01").
  const before = qryRsp(3, E, [P1, P2], [N]);
  c.c.skip(1, before.length - 30);
  const fTail = last(c.send(1, before.subarray(before.length - 30)));
  c.ack(0);
  const fReg = c.send(0, reg(4, T, E, [P1, P2], [N]), [96]);
  const fRegRsp = last(c.send(1, regRsp(4, E)));
  c.ack(0);
  const fQry = last(c.send(0, qry(5, 'iqn.1991-05.com.microsoft:host40')));
  const fQryRsp = last(c.send(1, qryRsp(5, E, [P1, P2], [N])));
  c.ack(0);
  const f = counts(['TCP_GAP']);
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { tail: fTail, reg: last(fReg), regRsp: fRegRsp, qry: fQry, qryRsp: fQryRsp } },
    truth: {
      files: [cap.file],
      portals: [
        portal({ address: P1.ip, socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'registered', firstSeen: cap.at(last(fReg)), lastSeen: cap.at(fQryRsp) }),
        portal({ address: P2.ip, socket: 3260, securityBitmap: 0x27, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'registered', firstSeen: cap.at(last(fReg)), lastSeen: cap.at(fQryRsp) }),
      ],
      captureFindingCodes: f.set,
      pdus: [[0, last(fReg), 1, 4], [0, fRegRsp, 0x8001, 4], [0, fQry, 2, 5], [0, fQryRsp, 0x8002, 5]],
      notes: `No SYN: the capture starts inside an established connection. Frame ${fTail} (server to client) is the 30-byte tail of a DevAttrQryRsp (transaction 3) whose start was never captured; it ends with PG Tag value 1 ("00 00 00 01"), so the bytes "00 01" followed by the next server PDU's "00 01 80 01" look like version 1 / DevAttrReg with PDU length 0x8001 (odd) and reserved flag bits: not a plausible header. The client's first segment (frame ${fReg[0]}) starts exactly on the DevAttrReg header (transaction 4, split over frames ${fReg.join(', ')}): no finding for that direction. The DevAttrRegRsp of frame ${fRegRsp} is decoded and matched to it (no UNANSWERED_REQUEST); the query (frame ${fQry}) and its response (frame ${fQryRsp}) too. Exactly one TCP_GAP (server to client, the 30 skipped bytes); no MALFORMED_PDU. The tail belongs to no PDU (tshark does not show frame ${fTail} as iSNS).`,
    },
  };
}

// ------------------------------------------------------------------ 2. mid-stream, client side

function midstreamClient(): Generated {
  const name = 'damaged-midstream-client';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:mc.t1';
  const E = 'lab.mc';
  const P1: PortalSpec = { ip: '10.41.0.1', bitmap: 0x37 };
  const P2: PortalSpec = { ip: '10.41.0.2', bitmap: 0x3b };
  const P3: PortalSpec = { ip: '10.41.0.3', bitmap: 0x27 };
  const N: NodeSpec = { name: T, type: 1 };
  const c = cap.conn('10.41.0.100', 49822, [0x0badcafe, 0x7fff0000]);
  // Before the capture: the client was sending a DevAttrReg (xid 7); the capture starts with its
  // last 30 bytes, ending with the node type (Target): "00 00 00 01".
  const before = reg(7, T, E, [P1, P2], [N]);
  c.c.skip(0, before.length - 30);
  const fTail = last(c.send(0, before.subarray(before.length - 30)));
  const fRsp7 = last(c.send(1, regRsp(7, E)));
  // The next client segment starts with the DevAttrQry header "00 01 00 02 00 30 ...": with the
  // tail's last two bytes it looks like version 1 / DevAttrReg / PDU length 2 / flags = its PDU length.
  const q8 = qry(8, 'iqn.1991-05.com.microsoft:host41');
  const fakeFlags = `0x${hex(q8.subarray(4, 6))}`;
  const fQry = last(c.send(0, q8));
  const fQryRsp = last(c.send(1, qryRsp(8, E, [P1, P2], [N])));
  const fReg = c.send(0, reg(9, T, E, [P3], [N]), [60]);
  const fRegRsp = last(c.send(1, regRsp(9, E)));
  c.ack(0);
  const f = counts(['TCP_GAP']);
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { tail: fTail, rsp7: fRsp7, qry: fQry, qryRsp: fQryRsp, reg: last(fReg), regRsp: fRegRsp } },
    truth: {
      files: [cap.file],
      portals: [
        portal({ address: P1.ip, socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'queried', firstSeen: cap.at(fQryRsp), lastSeen: cap.at(fQryRsp) }),
        portal({ address: P2.ip, socket: 3260, securityBitmap: 0x3b, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'queried', firstSeen: cap.at(fQryRsp), lastSeen: cap.at(fQryRsp) }),
        portal({ address: P3.ip, socket: 3260, securityBitmap: 0x27, entityId: E, iscsiNames: target(T), state: 'registered', firstSeen: cap.at(last(fReg)), lastSeen: cap.at(fRegRsp) }),
      ],
      captureFindingCodes: f.set,
      pdus: [[0, fRsp7, 0x8001, 7], [0, fQry, 2, 8], [0, fQryRsp, 0x8002, 8], [0, last(fReg), 1, 9], [0, fRegRsp, 0x8001, 9]],
      notes: `No SYN. Frame ${fTail} (client to server) is the 30-byte tail of a DevAttrReg (transaction 7) whose header was never captured; it ends with node type 1 ("00 00 00 01"). The server direction starts exactly on a header (DevAttrRegRsp 7, frame ${fRsp7}): decoded, no finding (a response whose request is not in the capture is not a finding). The next client segment (frame ${fQry}) starts with the DevAttrQry header; joined to the tail's last bytes it looks like version 1 / DevAttrReg / PDU length 2 / flags ${fakeFlags} (reserved bits): not plausible. The query (transaction 8) and the registration of 10.41.0.3 (transaction 9, frames ${fReg.join(', ')}) are decoded and matched. 10.41.0.1 and .2 are known only from the DevAttrQryRsp of frame ${fQryRsp} (queried; their registration is the lost transaction 7). Exactly one TCP_GAP (client to server); no MALFORMED_PDU, no UNANSWERED_REQUEST.`,
    },
  };
}

// ------------------------------------------------------------------ 3. mid-stream start on bytes that look like version 1

function midstreamV1(): Generated {
  const name = 'damaged-midstream-v1';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:v1.t1';
  const E = 'lab.v1';
  // The portal certificate of the response in flight when the capture started: its last 30 bytes
  // begin with "00 01 00 02 00 12 44 03 00 07 00 09": version 1, DevAttrQry, PDU length 18 (not a
  // multiple of 4), flags 0x4403 (First with reserved bits 0x0003) and sequence id 9 with First set.
  // The 18 bytes after it, read as an attribute, claim 0x0100 bytes: tshark shows the frame as a
  // malformed DevAttrQry.
  const fake = Uint8Array.from([0x00, 0x01, 0x00, 0x02, 0x00, 0x12, 0x44, 0x03, 0x00, 0x07, 0x00, 0x09]);
  const after = Uint8Array.from([0x30, 0x0d, 0x06, 0x09, 0x00, 0x00, 0x01, 0x00, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05]);
  const certHead = Uint8Array.from([0x30, 0x82, 0x01, 0x0a, 0x30, 0x81, 0xf3, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x14, 0x5b, 0x1c, 0x22, 0x7e, 0x43, 0x10, 0x9d, 0x61]);
  const cert = concat([certHead, fake, after]);
  const P1: PortalSpec = { ip: '10.42.0.1', bitmap: 0x37 };
  const P1c: PortalSpec = { ...P1, cert };
  const P2: PortalSpec = { ip: '10.42.0.2', bitmap: 0x37 };
  const N: NodeSpec = { name: T, type: 1 };
  const c = cap.conn('10.42.0.100', 50177, [0x00c0ffee, 0x31337000]);
  // The response in flight: portal attributes last, the certificate last of all.
  const before = pdu(0x8002, 11, rsp(0, tEmpty(32), DELIM, tStr(1, E), tU32(2, 2), ...nodeTlvs(N), ...portalTlvs(P2), ...portalTlvs(P1c)));
  const tail = before.subarray(before.length - 30);
  if (hex(tail.subarray(0, 12)) !== hex(fake)) throw new Error('midstream-v1: tail does not start with the fake header');
  c.c.skip(1, before.length - 30);
  const fTail = last(c.send(1, tail));
  c.ack(0);
  const fQry = last(c.send(0, qry(12, 'iqn.1991-05.com.microsoft:host42')));
  const fQryRsp = last(c.send(1, qryRsp(12, E, [P1, P2], [N])));
  c.ack(0);
  const fReg = last(c.send(0, reg(13, T, E, [{ ip: '10.42.0.3', bitmap: 0x37 }], [N])));
  const fRegRsp = last(c.send(1, regRsp(13, E)));
  c.ack(0);
  const f = counts(['TCP_GAP']);
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { tail: fTail, qry: fQry, qryRsp: fQryRsp, reg: fReg, regRsp: fRegRsp } },
    truth: {
      files: [cap.file],
      portals: [
        portal({ address: '10.42.0.1', socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'queried', firstSeen: cap.at(fQryRsp), lastSeen: cap.at(fQryRsp) }),
        portal({ address: '10.42.0.2', socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'queried', firstSeen: cap.at(fQryRsp), lastSeen: cap.at(fQryRsp) }),
        portal({ address: '10.42.0.3', socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), state: 'registered', firstSeen: cap.at(fReg), lastSeen: cap.at(fRegRsp) }),
      ],
      captureFindingCodes: f.set,
      pdus: [[0, fQry, 2, 12], [0, fQryRsp, 0x8002, 12], [0, fReg, 1, 13], [0, fRegRsp, 0x8001, 13]],
      notes: `No SYN. Frame ${fTail} (server to client, 30 bytes) is the tail of a portal certificate (tag 31) in a DevAttrQryRsp whose start was never captured. Its first bytes are ${hex(fake)}: version 1 and a known function id (DevAttrQry), but PDU length 18 is not a multiple of 4, flags 0x4403 set reserved bits, and sequence id 9 comes with First: not a plausible header, so the tool skips the 30 bytes (one TCP_GAP, server to client) and reports no PDU and no MALFORMED_PDU for them. tshark (version + function id only) shows frame ${fTail} as a malformed DevAttrQry; it is left out of the tshark comparison. The client direction starts on a header. The real PDUs that follow, each at a segment start, are decoded and matched (query 12, registration 13).`,
    },
  };
}

// ------------------------------------------------------------------ 4. snaplen 200

function snaplen(): Generated {
  const name = 'damaged-snaplen';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:snap.t1';
  const E = 'lab.snap';
  const A: PortalSpec = { ip: '10.43.0.1', bitmap: 0x37 };
  const B: PortalSpec = { ip: '10.43.0.2', bitmap: 0x37 };
  const N: NodeSpec = { name: T, type: 1 };
  const c = cap.conn('10.43.0.100', 53001, [0x20000000, 0x60000000]).open();
  // Ethernet + IPv4 + TCP = 54 bytes, so a 200-byte snaplen keeps 146 bytes of TCP payload:
  // the 12-byte header and 134 payload bytes of a PDU that starts its segment.
  // DevAttrReg (244 bytes): source 32, key 20, delimiter 8, entity 20, protocol 12 = 92; portal A
  // address [92,116), port [116,128), bitmap tag at 128, its length word at 132: the cut (134)
  // falls inside that length word. Portal B and the node are not captured at all.
  const r1 = expectLength('snaplen DevAttrReg', reg(1, T, E, [A, B], [N]), 244);
  const fReg = last(c.send(0, r1));
  const fRegRsp = last(c.send(1, regRsp(1, E)));
  const fQry = last(c.send(0, qry(2, 'iqn.1991-05.com.microsoft:host43')));
  // DevAttrQryRsp (456 bytes): status 4, key 8, delimiter 8, entity 20, protocol 12 = 52; portal A
  // [52,100) whole; portal B address [100,124), port tag/length [124,132), port value [132,136):
  // the cut (134) falls inside B's port value, so B's address+port pair is incomplete.
  const P3: PortalSpec = { ip: '10.43.0.3', bitmap: 0x37, sym: 'controller-b-port0-25GbE-slot3-ln' };
  const qr = expectLength('snaplen DevAttrQryRsp', qryRsp(2, E, [A, B, P3], [N], [A, B]), 456);
  const fQryRsp = last(c.send(1, qr));
  c.ack(0);
  // A registration that fits in 146 bytes (140).
  const C5: PortalSpec = { ip: '10.43.0.5', bitmap: 0x27 };
  const r3 = expectLength('snaplen small DevAttrReg', reg(3, 'iqn.2026-11.lab:s5', 'lab.s5', [C5], []), 140);
  const fReg3 = last(c.send(0, r3));
  const fReg3Rsp = last(c.send(1, regRsp(3, 'lab.s5')));
  c.close();
  const f = counts(['TRUNCATED_PDU', 'TRUNCATED_PDU']);
  return {
    name,
    bytes: pcapFile(cap.frames, { snaplen: 200 }),
    facts: { captureFindingCounts: f.counts, frames: { reg: fReg, regRsp: fRegRsp, qry: fQry, qryRsp: fQryRsp, reg3: fReg3, reg3Rsp: fReg3Rsp } },
    truth: {
      files: [cap.file],
      portals: [
        portal({ address: A.ip, socket: 3260, securityBitmap: 0x37, entityId: E, discoveredBy: ['isns'], state: 'registered', firstSeen: cap.at(fReg), lastSeen: cap.at(fQryRsp) }),
        portal({ address: C5.ip, socket: 3260, securityBitmap: 0x27, entityId: 'lab.s5', state: 'registered', firstSeen: cap.at(fReg3), lastSeen: cap.at(fReg3Rsp) }),
      ],
      captureFindingCodes: f.set,
      pdus: [[0, fReg, 1, 1], [0, fRegRsp, 0x8001, 1], [0, fQry, 2, 2], [0, fQryRsp, 0x8002, 2], [0, fReg3, 1, 3], [0, fReg3Rsp, 0x8001, 3]],
      notes: `pcap snaplen 200: every frame is cut to 200 bytes (146 bytes of TCP payload), origlen keeps the real size. Frame ${fReg}: a 244-byte DevAttrReg (transaction 1) cut after 146 bytes: kept with its header; source, key, entity, portal 10.43.0.1's address and port are captured, its bitmap attribute is cut inside its length word (tshark shows tag 27 and stops with "[Packet size limited during capture]"), portal 10.43.0.2 and the node are not captured: 10.43.0.1 gets no bitmap and no node from it, 10.43.0.2 does not appear. Frame ${fQryRsp}: a 456-byte DevAttrQryRsp cut after 146 bytes: 10.43.0.1 is listed whole (bitmap 0x37, which the record then carries: state stays registered, lastSeen this frame), 10.43.0.2's port value is cut (address+port incomplete: no record), the rest is not captured (no PG: no nodes). Frames ${fRegRsp}, ${fQry}, ${fReg3}, ${fReg3Rsp} fit and are decoded whole; both requests are answered. One TRUNCATED_PDU per direction that had a cut PDU (client to server, server to client): two, same code. A snaplen cut is not a hole in the stream and the PDUs were kept: no TCP_GAP, no MALFORMED_PDU, no UNANSWERED_REQUEST. (The issue asked for a 206-byte DevAttrReg; PDU length 194 is not a multiple of 4, so it is 244 bytes here; the cut positions are what matter.)`,
    },
  };
}

// ------------------------------------------------------------------ 4b. snaplen cut inside a PDU header

/** Linux cooked capture (SLL, linktype 113) header, as `tcpdump -i any` writes it. */
const sll = (ip: Uint8Array): Uint8Array => concat([Uint8Array.of(0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0x0a, 0, 0), be16(0x0800), ip]);
const sllTcp: FrameFn = (s, d, sp, dp, payload, o) => sll(ipv4(s, d, 6, tcp(s, d, sp, dp, payload, o)));

function snaplenHeader(): Generated {
  const name = 'damaged-snaplen-header';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:sh.target1';
  const E = 'lab.sh';
  const P: PortalSpec = { ip: '10.44.0.1', bitmap: 0x37 };
  // tcpdump -i any -s 200: SLL 16 + IPv4 20 + TCP 20 = 56, so 144 bytes of TCP payload are kept.
  const c = cap.conn('10.44.0.100', 53002, [0x11111111, 0x22222222], sllTcp).open();
  // The client writes a 136-byte DevAttrReg and a DevAttrQry back to back; they leave in one
  // segment, of which the capture keeps the registration and the first 8 bytes of the query's header.
  const r1 = expectLength('snaplen-header DevAttrReg', reg(1, T, E, [P], [], false), 136);
  const q2 = qry(2, 'iqn.1991-05.com.microsoft:host44');
  const fBoth = last(c.send(0, concat([r1, q2])));
  const fRsp1 = last(c.send(1, regRsp(1, E)));
  const fRsp2 = last(c.send(1, qryRsp(2, E, [P], [])));
  c.ack(0);
  const fQry3 = last(c.send(0, qry(3, 'iqn.1991-05.com.microsoft:host44')));
  const fRsp3 = last(c.send(1, qryRsp(3, E, [P], [])));
  c.close();
  const f = counts(['TRUNCATED_PDU']);
  return {
    name,
    bytes: pcapFile(cap.frames, { snaplen: 200, linktype: 113 }),
    facts: { captureFindingCounts: f.counts, frames: { both: fBoth, rsp1: fRsp1, rsp2: fRsp2, qry3: fQry3, rsp3: fRsp3 } },
    truth: {
      files: [cap.file],
      portals: [
        portal({ address: P.ip, socket: 3260, securityBitmap: 0x37, entityId: E, discoveredBy: ['isns'], state: 'registered', firstSeen: cap.at(fBoth), lastSeen: cap.at(fRsp3) }),
      ],
      captureFindingCodes: f.set,
      pdus: [[0, fBoth, 1, 1], [0, fBoth, -1, -1], [0, fRsp1, 0x8001, 1], [0, fRsp2, 0x8002, 2], [0, fQry3, 2, 3], [0, fRsp3, 0x8002, 3]],
      notes: `Linux cooked capture (linktype 113) with snaplen 200: 144 bytes of TCP payload per frame. Frame ${fBoth} carries a whole 136-byte DevAttrReg (transaction 1) and the start of a DevAttrQry (transaction 2) whose header is cut after 8 bytes (version, function id, PDU length, flags; no transaction or sequence id). tshark shows both PDUs in that frame, the second with PVer/functionid/pdulength/flags and "[Packet size limited during capture]". The tool reports the cut PDU too, with no header (the crafted test lists it as function -1, transaction -1), and one TRUNCATED_PDU (client to server). The query's transaction id is unknown, so nothing can be unanswered; its response (frame ${fRsp2}) is decoded. The registration is answered (frame ${fRsp1}). No TCP_GAP, no MALFORMED_PDU, no UNANSWERED_REQUEST. The registration carries the entity and one portal (no node); the query responses list the entity and the portal only: no node is tied to it.`,
    },
  };
}

// ------------------------------------------------------------------ 5. one lost segment inside a request

function lostSegment(): Generated {
  const name = 'damaged-lost-segment';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:lost.t1';
  const E = 'lab.lost';
  const N: NodeSpec = { name: T, type: 1 };
  const c = cap.conn('10.45.0.100', 55321, [0x40000000, 0x70000000]).open();
  const fReg1 = last(c.send(0, reg(1, T, E, [{ ip: '10.45.0.1', bitmap: 0x37 }], [N])));
  const fRsp1 = last(c.send(1, regRsp(1, E)));
  // DevAttrReg 2 carries a portal certificate; the segment after the lost one starts inside it, on
  // "00 01 00 01 00 01 80 03 0b 0c 00 05": version 1, DevAttrReg, PDU length 1, flags 0x8003
  // (reserved bits, no First) and sequence id 5.
  const fake = Uint8Array.from([0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x80, 0x03, 0x0b, 0x0c, 0x00, 0x05]);
  const cert = concat([Uint8Array.from([0x30, 0x82, 0x01, 0x22, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00, 0x03, 0x82, 0x01, 0x0f, 0x00, 0x30, 0x82, 0x01, 0x0a, 0x02, 0x82, 0x01, 0x01, 0x00, 0xb7, 0x4e, 0x12]), fake, new Uint8Array(16).fill(0x5c)]);
  const x = reg(2, T, E, [{ ip: '10.45.0.2', bitmap: 0x37, cert }], [N]);
  const fakeAt = indexOf(x, fake);
  const s1 = fakeAt - 60;
  const fX = c.send(0, x, [s1, fakeAt], [1]);
  const fRsp2 = last(c.send(1, regRsp(2, E)));
  c.ack(0);
  // An intact DevAttrReg of 336 bytes (PDU length 324) at a segment start.
  const Y = [
    { ip: '10.45.0.3', bitmap: 0x37, sym: 'ctrl-a-p3' },
    { ip: '10.45.0.4', bitmap: 0x37, sym: 'ctrl-a-port4' },
    { ip: '10.45.0.5', bitmap: 0x3b },
  ];
  const y = expectLength('lost-segment DevAttrReg 3', reg(3, T, E, Y, [N]), 336);
  const fY = last(c.send(0, y));
  const fRsp3 = last(c.send(1, regRsp(3, E)));
  c.close();
  const f = counts(['TCP_GAP']);
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { reg1: fReg1, rsp1: fRsp1, xHead: fX[0]!, xTail: fX[1]!, rsp2: fRsp2, y: fY, rsp3: fRsp3 } },
    truth: {
      files: [cap.file],
      portals: [
        portal({ address: '10.45.0.1', socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), state: 'registered', firstSeen: cap.at(fReg1), lastSeen: cap.at(fRsp1) }),
        ...Y.map((p) => portal({ address: p.ip, socket: 3260, securityBitmap: p.bitmap, symbolicName: p.sym ?? null, entityId: E, iscsiNames: target(T), state: 'registered', firstSeen: cap.at(fY), lastSeen: cap.at(fRsp3) })),
      ],
      captureFindingCodes: f.set,
      pdus: [[0, fReg1, 1, 1], [0, fRsp1, 0x8001, 1], [0, fRsp2, 0x8001, 2], [0, fY, 1, 3], [0, fRsp3, 0x8001, 3]],
      notes: `DevAttrReg 2 (${x.length} bytes, registering 10.45.0.2) is sent in three segments; the middle one (60 bytes) is missing from the capture. Frame ${fX[0]} holds its header and first ${s1} bytes, frame ${fX[1]} its last ${x.length - fakeAt} bytes, starting with ${hex(fake)} (inside its portal certificate): version 1, DevAttrReg, PDU length 1, reserved flag bits 0x0003, no First, sequence id 5: not a plausible header. The registration is lost (no PDU, no portal 10.45.0.2); its response (frame ${fRsp2}) is decoded (a response to a request the capture lost is not a finding). The intact 336-byte DevAttrReg 3 (PDU length 324) at the start of frame ${fY} is decoded and matched to frame ${fRsp3}: 10.45.0.3-5 registered. One TCP_GAP (client to server); no MALFORMED_PDU, no UNANSWERED_REQUEST. tshark keeps frame ${fX[1]} inside the unfinished reassembly of PDU 2 and decodes frame ${fY}.`,
    },
  };
}

// ------------------------------------------------------------------ 6. two lost segments in a row (and a lost response)

function twoLost(): Generated {
  const name = 'damaged-two-lost';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:two.t1';
  const E = 'lab.two';
  const N: NodeSpec = { name: T, type: 1 };
  const c = cap.conn('10.46.0.100', 55400, [0x7ffffff0, 0x0fffff00]).open();
  const P1: PortalSpec = { ip: '10.46.0.1', bitmap: 0x37 };
  const fReg1 = last(c.send(0, reg(1, T, E, [P1], [N])));
  const fRsp1 = last(c.send(1, regRsp(1, E)));
  // DevAttrReg 2 in four segments; the second and third are lost.
  const P2: PortalSpec = { ip: '10.46.0.2', bitmap: 0x37, sym: 'ctrl-a-port2' };
  const P3: PortalSpec = { ip: '10.46.0.3', bitmap: 0x3b, sym: 'ctrl-a-port3' };
  const P4: PortalSpec = { ip: '10.46.0.4', bitmap: 0x37, sym: 'ctrl-b-port4' };
  const x = reg(2, T, E, [P2, P3, P4], [N]);
  const q = Math.floor(x.length / 4);
  const fX = c.send(0, x, [q, 2 * q + 1, 3 * q + 2], [1, 2]);
  const fRsp2 = last(c.send(1, regRsp(2, E)));
  c.ack(0);
  const fQry3 = last(c.send(0, qry(3, 'iqn.1991-05.com.microsoft:host46')));
  const fRsp3 = last(c.send(1, qryRsp(3, E, [P1, P2, P3, P4], [N])));
  c.ack(0);
  // Query 4: the server's only segment carrying its response is lost; query 5 and its response follow.
  const fQry4 = last(c.send(0, qry(4, 'iqn.1991-05.com.microsoft:host46')));
  c.send(1, qryRsp(4, E, [P1], [N]), [], [0]);
  const fQry5 = last(c.send(0, qry(5, 'iqn.1991-05.com.microsoft:host46')));
  const fRsp5 = last(c.send(1, qryRsp(5, E, [P1], [N])));
  c.close();
  const f = counts(['TCP_GAP', 'TCP_GAP', 'UNANSWERED_REQUEST']);
  const queried = (p: PortalSpec): TruthPortal =>
    portal({ address: p.ip, socket: 3260, securityBitmap: p.bitmap, symbolicName: p.sym, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'queried', firstSeen: cap.at(fRsp3), lastSeen: cap.at(fRsp3) });
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { reg1: fReg1, rsp1: fRsp1, xHead: fX[0]!, xTail: fX[1]!, rsp2: fRsp2, qry3: fQry3, rsp3: fRsp3, qry4: fQry4, qry5: fQry5, rsp5: fRsp5 } },
    truth: {
      files: [cap.file],
      portals: [
        portal({ address: P1.ip, socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'registered', firstSeen: cap.at(fReg1), lastSeen: cap.at(fRsp5) }),
        queried(P2), queried(P3), queried(P4),
      ],
      captureFindingCodes: f.set,
      pdus: [[0, fReg1, 1, 1], [0, fRsp1, 0x8001, 1], [0, fRsp2, 0x8001, 2], [0, fQry3, 2, 3], [0, fRsp3, 0x8002, 3], [0, fQry4, 2, 4], [0, fQry5, 2, 5], [0, fRsp5, 0x8002, 5]],
      notes: `DevAttrReg 2 (${x.length} bytes, portals 10.46.0.2-4) is sent in four segments; the second and third (${q + 1} and ${q + 1} bytes) are lost in a row. Frame ${fX[0]} (its header) and frame ${fX[1]} (its tail) are captured; the registration is lost (no PDU, no MALFORMED_PDU); its response (frame ${fRsp2}) is decoded. The query of frame ${fQry3} (a segment start) is decoded and matched to frame ${fRsp3}, which lists all four portals: 10.46.0.2-4 are known only from it (queried). Query 4 (frame ${fQry4}) is really unanswered: the server's only segment carrying its response is lost; query 5 (frame ${fQry5}) and its response (frame ${fRsp5}, at the segment start right after the hole, listing 10.46.0.1: its lastSeen) are decoded and matched. Two TCP_GAP (one per direction: the two lost segments in a row client to server are one finding), one UNANSWERED_REQUEST (transaction 4), no MALFORMED_PDU.`,
    },
  };
}

// ------------------------------------------------------------------ 7. loss inside a multi-PDU message

function multipduLoss(): Generated {
  const name = 'damaged-multipdu-loss';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:mp.t1';
  const E = 'lab.mp';
  const N: NodeSpec = { name: T, type: 1 };
  const c = cap.conn('10.47.0.100', 56002, [0x01020304, 0x05060708]).open();
  const P1: PortalSpec = { ip: '10.47.0.1', bitmap: 0x37, sym: 'ctrl-a-port1' };
  const P2: PortalSpec = { ip: '10.47.0.2', bitmap: 0x3b, sym: 'ctrl-a-port2' };
  // DevAttrReg 5 in three PDUs (First+seq 0, seq 1, Last+seq 2), cut at attribute boundaries:
  // PDU 0 source/key/delimiter/entity, PDU 1 both portals, PDU 2 the node. PDU 1's segment is lost.
  const head = concat([tStr(32, T), tStr(1, E), DELIM, tStr(1, E), tU32(2, 2)]);
  const mid = concat([...portalTlvs(P1), ...portalTlvs(P2)]);
  const payload = concat([head, mid, ...nodeTlvs(N)]);
  const parts = multiPdu(0x0001, 5, payload, [head.length, head.length + mid.length]);
  const f0 = last(c.send(0, parts[0]!));
  c.send(0, parts[1]!, [], [0]);
  const f2 = last(c.send(0, parts[2]!));
  const fRsp5 = last(c.send(1, regRsp(5, E)));
  c.ack(0);
  // An intact query whose response is itself a three-PDU message (cut at attribute boundaries).
  const fQry6 = last(c.send(0, qry(6, 'iqn.1991-05.com.microsoft:host47')));
  const rp = qryRspPayload(E, [P1, P2], [N]);
  // PDU 0: status, key, delimiter, entity and the first portal; PDU 1: the second portal; PDU 2: node and Portal Groups.
  const cut1 = rsp(0, tEmpty(32), DELIM, tStr(1, E), tU32(2, 2)).length + concat(portalTlvs(P1)).length;
  const cut2 = cut1 + concat(portalTlvs(P2)).length;
  const rparts = multiPdu(0x8002, 6, rp, [cut1, cut2]);
  const fR = rparts.map((p) => last(c.send(1, p)));
  c.ack(0);
  c.close();
  const f = counts(['TCP_GAP']);
  const queried = (p: PortalSpec): TruthPortal =>
    portal({ address: p.ip, socket: 3260, securityBitmap: p.bitmap, symbolicName: p.sym, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'queried', firstSeen: cap.at(fR[0]!), lastSeen: cap.at(fR[2]!) });
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { pdu0: f0, pdu2: f2, rsp5: fRsp5, qry6: fQry6, rsp6a: fR[0]!, rsp6b: fR[1]!, rsp6c: fR[2]! } },
    truth: {
      files: [cap.file],
      portals: [queried(P1), queried(P2)],
      captureFindingCodes: f.set,
      pdus: [[0, f0, 1, 5], [0, f2, 1, 5], [0, fRsp5, 0x8001, 5], [0, fQry6, 2, 6], ...fR.map((fr) => [0, fr, 0x8002, 6] as [number, number, number, number])],
      notes: `DevAttrReg 5 is a three-PDU message (sequence ids 0, 1, 2; First on 0, Last on 2; one segment each), cut at attribute boundaries: PDU 0 (frame ${f0}) source, key, entity; PDU 1 (lost) both portals; PDU 2 (frame ${f2}) the node. PDUs 0 and 2 are intact and decoded (tshark decodes PDU 0's attributes and shows PDU 2 as "not the first PDU"). The message is incomplete: whether or not PDUs 0 and 2 are joined, it registers no portal (the portals were in the lost PDU), and the missing sequence id 1 is the capture's loss, not a MALFORMED_PDU. Its response (frame ${fRsp5}) is in the capture: no UNANSWERED_REQUEST. Query 6 (frame ${fQry6}) is answered by an intact three-PDU DevAttrQryRsp (frames ${fR.join(', ')}), assembled: 10.47.0.1-2 queried (firstSeen its first PDU's frame, lastSeen its last). One TCP_GAP (client to server).`,
    },
  };
}

// ------------------------------------------------------------------ 8. bytes that are not iSNS

/** 77 random bytes (fixed seed) that tshark cannot take for an iSNS header (version != 1 or unknown function id). */
function junkBytes(): Uint8Array {
  for (let seed = 3205; ; seed++) {
    const r = rng(seed);
    const b = Uint8Array.from({ length: 77 }, () => Math.floor(r() * 256));
    const ver = (b[0]! << 8) | b[1]!;
    const fid = (b[2]! << 8) | b[3]!;
    if (ver !== 1 || !knownFunction(fid)) return b;
  }
}

function junkUdp(): Generated {
  const name = 'damaged-junk-udp';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:ju.t1';
  const E = 'lab.ju';
  const P: PortalSpec = { ip: '10.48.0.1', bitmap: 0x37 };
  const N: NodeSpec = { name: T, type: 1 };
  const cl = '10.48.0.100';
  const fReg = cap.udp(cl, 40123, SERVER, 3205, reg(1, T, E, [P], [N]));
  const fRsp = cap.udp(SERVER, 3205, cl, 40123, regRsp(1, E));
  const junk = junkBytes();
  const fJunk = cap.udp('10.48.0.66', 61000, SERVER, 3205, junk);
  const fQry = cap.udp(cl, 40123, SERVER, 3205, qry(2, 'iqn.1991-05.com.microsoft:host48'));
  const fQryRsp = cap.udp(SERVER, 3205, cl, 40123, qryRsp(2, E, [P], [N]));
  const f = counts(['NOT_ISNS']);
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { reg: fReg, rsp: fRsp, junk: fJunk, qry: fQry, qryRsp: fQryRsp } },
    truth: {
      files: [cap.file],
      portals: [portal({ address: P.ip, socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'registered', firstSeen: cap.at(fReg), lastSeen: cap.at(fQryRsp) })],
      captureFindingCodes: f.set,
      pdus: [[0, fReg, 1, 1], [0, fRsp, 0x8001, 1], [0, fQry, 2, 2], [0, fQryRsp, 0x8002, 2]],
      notes: `Frame ${fJunk}: a 77-byte UDP datagram from 10.48.0.66:61000 to port 3205 of random bytes (first words ${hex(junk.subarray(0, 4))}: not version 1 with a known function id; tshark shows it as plain UDP data). It is not an iSNS PDU: not counted, no PDU, one NOT_ISNS (info) for its UDP conversation, no MALFORMED_PDU or UNANSWERED_REQUEST. The iSNS exchange over UDP from 10.48.0.100:40123 (registration and query, both answered) is unaffected.`,
    },
  };
}

function junkTcp(): Generated {
  const name = 'damaged-junk-tcp';
  const cap = new Capture(`${name}.pcap`);
  const T = 'iqn.2026-11.lab:jt.t1';
  const E = 'lab.jt';
  const P: PortalSpec = { ip: '10.49.0.1', bitmap: 0x37 };
  const N: NodeSpec = { name: T, type: 1 };
  // A web client pointed at the iSNS port.
  const h = cap.conn('10.49.0.66', 58000, [0x33333333, 0x44444444]).open();
  const http = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: 10.0.0.1:3205\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n');
  const fHttp = last(h.send(0, http));
  h.ack(1);
  h.close();
  const c = cap.conn('10.49.0.100', 58001, [0x55555555, 0x66666666]).open();
  const fReg = last(c.send(0, reg(1, T, E, [P], [N])));
  const fRsp = last(c.send(1, regRsp(1, E)));
  const fQry = last(c.send(0, qry(2, 'iqn.1991-05.com.microsoft:host49')));
  const fQryRsp = last(c.send(1, qryRsp(2, E, [P], [N])));
  c.close();
  const f = counts(['NOT_ISNS']);
  return {
    name,
    bytes: pcapFile(cap.frames),
    facts: { captureFindingCounts: f.counts, frames: { http: fHttp, reg: fReg, rsp: fRsp, qry: fQry, qryRsp: fQryRsp } },
    truth: {
      files: [cap.file],
      portals: [portal({ address: P.ip, socket: 3260, securityBitmap: 0x37, entityId: E, iscsiNames: target(T), discoveredBy: ['isns'], state: 'registered', firstSeen: cap.at(fReg), lastSeen: cap.at(fQryRsp) })],
      captureFindingCodes: f.set,
      pdus: [[0, fReg, 1, 1], [0, fRsp, 0x8001, 1], [0, fQry, 2, 2], [0, fQryRsp, 0x8002, 2]],
      notes: `Frame ${fHttp}: an HTTP GET (${http.length} bytes) on a TCP connection from 10.49.0.66:58000 to port 3205 (handshake and close captured; the server sends nothing). Not iSNS: one NOT_ISNS (info) for that TCP conversation, no PDU, no MALFORMED_PDU, no TCP_GAP (no byte is missing), no UNANSWERED_REQUEST. The iSNS connection from 10.49.0.100:58001 (registration and query, both answered) is unaffected.`,
    },
  };
}

// ------------------------------------------------------------------ main

export const DAMAGED = [midstreamServer, midstreamClient, midstreamV1, snaplen, snaplenHeader, lostSegment, twoLost, multipduLoss, junkUdp, junkTcp];

/** Every damaged capture with its truth and facts (nothing written). */
export function damagedCaptures(): Generated[] {
  return DAMAGED.map((g) => g());
}

/** Write the captures and their truths; returns the names written. */
export function generateDamaged(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const g of damagedCaptures()) {
    writeFileSync(join(dir, g.truth.files[0]!), g.bytes);
    writeFileSync(join(dir, `${g.name}.truth.json`), JSON.stringify(g.truth, null, 2) + '\n');
    written.push(g.truth.files[0]!, `${g.name}.truth.json`);
  }
  return written;
}

if (process.argv[1] && process.argv[1].endsWith('gen-damaged.js')) {
  const dir = process.argv[2] ?? 'captures/crafted';
  const w = generateDamaged(dir);
  console.log(`wrote ${w.length} files to ${dir}`);
}
