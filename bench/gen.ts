/**
 * Deterministic generator of large benchmark captures (written on demand to a
 * temporary directory, never committed).
 *
 * mixed  — Ethernet/IPv4, as a storage network's capture (issue 16's): ~93% of
 *          packets iSCSI on TCP 3260 — 24 sessions, 16 captured from their
 *          handshake and Login (Normal session, straight to full feature phase)
 *          and 8 joined mid-session — each a stream of READs answered by 64 KiB
 *          Data-In PDUs in 1448-byte segments, every second segment ACKed;
 *          ~3% UDP (DNS/NTP/mDNS-like datagrams, a tenth of them iSNS
 *          exchanges on 3205); ~4% iSNS on TCP 3205 in whole conversations
 *          (handshake, exchanges, FIN): DevAttrReg with 1–4 portals, bitmaps,
 *          ISAKMP and certificate attributes; responses, some with error
 *          statuses; queries listing several targets; GetNext; deregistrations;
 *          ~10% of PDUs split across segments.
 * dense  — nearly every packet iSNS, on many long-lived connections, PDUs of 16
 *          to ~1800 bytes, some split, some pipelined (several per segment).
 * Written as classic pcap (µs) or pcapng (ns).
 */
import { be32, concat, ethUdp, rng, TcpConn } from '../tools/craft.js';
import { CapWriter } from '../tools/fastcap.js';
export { rng };
import { DELIM, pdu as pduM, tAddr as tAddrM, tEmpty, tlv, tStr, tU32 } from '../tools/craft-isns.js';
import { dataIn, keys, loginReq, loginRsp, scsiCmd, STAGE } from '../tools/craft-iscsi.js';

// iSNS encoding shared with the crafted captures.
const tAddr = (tag: number, a: string): Uint8Array => tAddrM(tag, a, 'mapped');
const pdu = (fid: number, xid: number, payload: Uint8Array): Uint8Array => pduM(fid, xid, payload);


const BITMAPS = [0x37, 0x3b, 0x01, 0x3e, 0x03, 0x63, 0x07, 0x47];
/** Distinct targets in a generated capture (each with up to four portals): a realistic population. */
const TARGETS = 512;

/** One iSNS exchange: request and response PDUs for a target `n`. */
function exchange(r: () => number, n0: number, xid: number, seen: Set<string>): { req: Uint8Array; rsp: Uint8Array } {
  const n = n0 % TARGETS;
  const kind = Math.floor(r() * 10);
  const iqn = `iqn.2026-11.bench:target${n}`;
  const eid = `bench.entity.${n}`;
  const src = tStr(32, iqn);
  const host = `10.${(n >> 8) & 255}.${n & 255}.`;
  if (kind < 5) {
    // DevAttrReg with 1-4 portals, bitmaps, ISAKMP/certificate attributes
    const np = 1 + Math.floor(r() * 4);
    const parts: Uint8Array[] = [src, tStr(1, eid), DELIM, tStr(1, eid), tU32(2, 2)];
    const rparts: Uint8Array[] = [tStr(1, eid), DELIM, tStr(1, eid)];
    for (let i = 0; i < np; i++) {
      const portal = concat([tAddr(16, host + (10 + i)), tU32(17, 3260 + i), tU32(27, BITMAPS[Math.floor(r() * BITMAPS.length)]!)]);
      seen.add(`${host}${10 + i}:${3260 + i}`);
      parts.push(portal);
      rparts.push(portal);
      if (r() < 0.3) parts.push(tlv(28, new Uint8Array(40).fill(0x11)), tlv(29, new Uint8Array(52).fill(0x22)));
      if (r() < 0.2) parts.push(tlv(31, new Uint8Array(300).fill(0x30)));
    }
    parts.push(tStr(32, iqn), tU32(33, 1));
    const status = r() < 0.1 ? 8 : 0;
    return { req: pdu(0x0001, xid, concat(parts)), rsp: pdu(0x8001, xid, status ? be32(status) : concat([be32(0), ...rparts])) };
  }
  if (kind < 7) {
    // DevAttrQry listing several targets
    const nt = 2 + Math.floor(r() * 5);
    const parts: Uint8Array[] = [be32(0), tEmpty(32), DELIM];
    for (let i = 0; i < nt; i++) {
      const m = (n + i) % TARGETS;
      parts.push(tStr(32, `iqn.2026-11.bench:target${m}`), tU32(33, 1), tAddr(16, `10.${(m >> 8) & 255}.${m & 255}.10`), tU32(17, 3260), tU32(27, BITMAPS[m % BITMAPS.length]!));
      seen.add(`10.${(m >> 8) & 255}.${m & 255}.10:3260`);
    }
    return { req: pdu(0x0002, xid, concat([src, tEmpty(32), DELIM, tEmpty(16), tEmpty(17), tEmpty(27)])), rsp: pdu(0x8002, xid, concat(parts)) };
  }
  if (kind < 9) {
    // DevGetNext walk step
    const end = r() < 0.3;
    if (!end) seen.add(`${host}11:3260`);
    return {
      req: pdu(0x0003, xid, concat([src, tAddr(16, host + 10), tU32(17, 3260), DELIM])),
      rsp: pdu(0x8003, xid, end ? be32(9) : concat([be32(0), tAddr(16, host + 11), tU32(17, 3260), DELIM, tAddr(16, host + 11), tU32(17, 3260), tU32(22, n)])),
    };
  }
  // DevDereg of a portal
  return {
    req: pdu(0x0004, xid, concat([src, DELIM, tAddr(16, host + 10), tU32(17, 3260)])),
    rsp: pdu(0x8004, xid, be32(0)),
  };
}

export interface GenStats {
  bytes: number;
  packets: number;
  isnsPdus: number;
  /** Distinct portals (address:port) the iSNS messages name: the records `portals` must output. */
  portals: number;
}

const MSS = 1448;
const READ_BYTES = 65536;
const READ_DATA = new Uint8Array(READ_BYTES).fill(0x5a);
const CDB_READ10 = Uint8Array.of(0x28, 0, 0, 0, 0, 0, 0, 0, 128, 0);

/**
 * One iSCSI connection of the mixed capture: READ commands from the initiator,
 * each answered by one 64 KiB Data-In PDU (status included) that the target
 * sends in 1448-byte segments, every second one ACKed by the initiator.
 */
class IscsiSession {
  private readonly c: TcpConn;
  private out: Uint8Array = new Uint8Array(0);
  private at = 0;
  private segs = 0;
  private cmdSN = 1;
  private statSN = 1;
  private itt = 1;
  constructor(private readonly i: number) {
    this.c = new TcpConn(`10.20.${i >> 8}.${i & 255}`, 50000 + i, `10.30.0.${1 + (i % 8)}`, 3260, [7000 + i * 15485863, 9000 + i * 32452843]);
  }
  /** Its handshake and login (a session captured from its start). */
  open(): Uint8Array[] {
    const isid = `4000013700${(this.i & 255).toString(16).padStart(2, '0')}`;
    const req = loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid, itt: 0, cid: 0, cmdSN: 1, expStatSN: 0 }, keys([['InitiatorName', `iqn.1991-05.com.microsoft:bench${this.i}`], ['TargetName', `iqn.2026-11.bench:target${this.i % 8}`], ['SessionType', 'Normal'], ['AuthMethod', 'None'], ['HeaderDigest', 'None'], ['DataDigest', 'None']]));
    const rsp = loginRsp({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.FFP, isid, tsih: 1 + this.i, itt: 0, statSN: 0, expCmdSN: 1, maxCmdSN: 64 }, keys([['AuthMethod', 'None'], ['HeaderDigest', 'None'], ['DataDigest', 'None']]));
    return [...this.c.handshake(), ...this.c.send(0, req), ...this.c.send(1, rsp), this.c.ack(0)];
  }
  /** The next segment of the current Data-In (a READ first when one is done), with its ACK every second time. */
  next(): Uint8Array[] {
    const frames: Uint8Array[] = [];
    if (this.at >= this.out.length) {
      const itt = this.itt++;
      frames.push(...this.c.send(0, scsiCmd({ itt, read: true, edtl: READ_BYTES, cmdSN: this.cmdSN++, expStatSN: this.statSN, cdb: CDB_READ10 })));
      this.out = dataIn({ itt, status: 0, statSN: this.statSN++, expCmdSN: this.cmdSN, maxCmdSN: this.cmdSN + 63, dataSN: 0, offset: 0 }, READ_DATA);
      this.at = 0;
    }
    const end = Math.min(this.out.length, this.at + MSS);
    frames.push(...this.c.send(1, this.out.subarray(this.at, end)));
    this.at = end;
    if (++this.segs % 2 === 0) frames.push(this.c.ack(0));
    return frames;
  }
}

export function generate(kind: 'mixed' | 'dense', path: string, targetBytes: number, pcapng: boolean, seed = 42): GenStats {
  const r = rng(seed);
  // frames 37 µs apart
  const out = new CapWriter(path, pcapng ? 'pcapng' : 'pcap', 65535, 37);
  let isnsPdus = 0;
  const seen = new Set<string>();
  const conns: { c: TcpConn; xid: number; n: number }[] = [];
  const nConns = kind === 'dense' ? 200 : 50;
  for (let i = 0; i < nConns; i++) {
    const c = new TcpConn(`10.1.${i >> 8}.${i & 255}`, 40000 + i, '10.0.0.1', 3205, [1000 + i * 7919, 5000 + i * 104729]);
    conns.push({ c, xid: 1, n: i * 16 });
    for (const f of c.handshake()) out.frame(f);
  }
  const emitIsns = (): void => {
    const k = conns[Math.floor(r() * conns.length)]!;
    const { req, rsp } = exchange(r, k.n + Math.floor(r() * 16), k.xid, seen);
    k.xid = (k.xid + 1) & 0xffff || 1;
    isnsPdus += 2;
    if (kind === 'dense' && r() < 0.2) {
      // pipelined: two requests in one segment, then both responses
      const b = exchange(r, k.n, k.xid, seen);
      k.xid = (k.xid + 1) & 0xffff || 1;
      isnsPdus += 2;
      for (const f of k.c.send(0, concat([req, b.req]))) out.frame(f);
      for (const f of k.c.send(1, concat([rsp, b.rsp]))) out.frame(f);
      return;
    }
    const split = (p: Uint8Array): number[] => (r() < 0.1 && p.length > 16 ? [1 + Math.floor(r() * (p.length - 1))] : []);
    for (const f of k.c.send(0, req, split(req))) out.frame(f);
    for (const f of k.c.send(1, rsp, split(rsp))) out.frame(f);
    if (r() < 0.5) out.frame(k.c.ack(0));
  };
  const emitUdpIsns = (): void => {
    const n = Math.floor(r() * 1000);
    const { req, rsp } = exchange(r, n, 7, seen);
    out.frame(ethUdp('10.3.0.1', '10.0.0.1', 3205, 3205, req));
    out.frame(ethUdp('10.0.0.1', '10.3.0.1', 3205, 3205, rsp));
    isnsPdus += 2;
  };
  // mixed: iSCSI sessions (two thirds captured from their login), iSNS conversations opened and closed.
  const sessions = Array.from({ length: kind === 'mixed' ? 24 : 0 }, (_, i) => new IscsiSession(i));
  sessions.forEach((s, i) => {
    if (i % 3 !== 2) for (const f of s.open()) out.frame(f);
  });
  let nextConn = nConns;
  const isnsStep = (): void => {
    const x = r();
    if (x < 0.05 && conns.length > 4) {
      // a conversation ends
      const k = conns.splice(Math.floor(r() * conns.length), 1)[0]!;
      for (const f of k.c.close()) out.frame(f);
    } else if (x < 0.1) {
      // a new one starts
      const i = nextConn++;
      const c = new TcpConn(`10.1.${(i >> 8) & 255}.${i & 255}`, 40000 + (i % 20000), '10.0.0.1', 3205, [1000 + i * 7919, 5000 + i * 104729]);
      conns.push({ c, xid: 1, n: (i * 16) % TARGETS });
      for (const f of c.handshake()) out.frame(f);
    } else emitIsns();
  };
  while (out.bytes < targetBytes) {
    if (kind === 'dense') {
      if (r() < 0.03) emitUdpIsns();
      else emitIsns();
      continue;
    }
    // Packet shares (issue 16): iSNS steps ~2.8 packets, UDP 1 (iSNS ones 2), iSCSI ~1.5.
    const x = r();
    if (x < 0.0195) isnsStep();
    else if (x < 0.0635) {
      if (r() < 0.1) emitUdpIsns();
      else out.frame(ethUdp(`10.9.0.${1 + Math.floor(r() * 20)}`, '10.9.0.200', 1024 + Math.floor(r() * 60000), [53, 123, 5353][Math.floor(r() * 3)]!, new Uint8Array(40 + Math.floor(r() * 200))));
    } else for (const f of sessions[Math.floor(r() * sessions.length)]!.next()) out.frame(f);
  }
  out.close();
  return { bytes: out.bytes, packets: out.frames, isnsPdus, portals: seen.size };
}

if (process.argv[1] && process.argv[1].endsWith('gen.js')) {
  const [kind, path, size, fmt] = process.argv.slice(2);
  const s = generate(kind as 'mixed' | 'dense', path!, Number(size ?? 16 << 20), fmt === 'pcapng');
  console.log(JSON.stringify(s));
}
