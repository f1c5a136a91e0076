/**
 * Hostile input to the logon binders: random and mutated IKE messages (UDP 500
 * and 4500), ESP, iSCSI PDUs and TCP control segments — seeds taken from the
 * logon story captures — never make the IKE tracker, the iSCSI connection
 * table, the SendTargets reader or the correlator throw, and what they keep
 * stays within its bounds. Runs: LOGON_RUNS (default 1000 per property).
 */
import test from 'ava';
import fc from 'fast-check';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ByteView } from '../dissector/core/byteview.js';
import { dissectIsakmp, dissectUdpEncap } from '../dissector/isakmp/index.js';
import { dissectIscsiPdu } from '../dissector/iscsi/iscsi.js';
import { analyze } from '../src/analyze.js';
import type { FramedPdu } from '../src/flow/pdu.js';
import { IsakmpBinder, UdpEncapBinder } from '../src/ike/binder.js';
import { IKE_BOUNDS, IkeTracker, newClock } from '../src/ike/tracker.js';
import { CONN_BOUNDS, IscsiConnections } from '../src/iscsi/connections.js';
import { parseTargetAddress } from '../src/iscsi/target-address.js';
import { buildLogons } from '../src/logons/build.js';
import { DiscoveryStore } from '../src/logons/discovery.js';
import { payloads, readCraftedPcap, type Payload } from './helpers/split-frames.js';
import { tempDir } from './helpers/tmp.js';

const RUNS = Number(process.env.LOGON_RUNS ?? 1000);
const CRAFTED = resolve(new URL('../../captures/crafted', import.meta.url).pathname);
const STORIES = readdirSync(CRAFTED).filter((f) => /^logon-.*\.pcap$/.test(f)).sort();
const SEEDS: Payload[] = STORIES.flatMap((f) => payloads(readCraftedPcap(readFileSync(join(CRAFTED, f)))));
const IKE_SEEDS = SEEDS.filter((p) => p.proto === 'udp' && (p.sport === 500 || p.dport === 500 || p.sport === 4500 || p.dport === 4500));
const ISCSI_SEEDS = SEEDS.filter((p) => p.proto === 'tcp' && (p.sport === 3260 || p.dport === 3260 || p.sport === 3261 || p.dport === 3261));
const HOSTS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '2001:db8::1'];

/** A seed (mutated at some positions, maybe cut) or random bytes. */
const bytesArb = (seeds: Payload[]) =>
  fc.oneof(
    fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 6 }), fc.option(fc.nat())).map(([i, muts, cut]) => {
      const b = seeds[i]!.bytes.slice();
      for (const [p, v] of muts) if (b.length) b[p % b.length] = v;
      return cut === null ? b : b.subarray(0, cut % (b.length + 1));
    }),
    fc.uint8Array({ maxLength: 300 }),
  );

function fakePdu(i: number, src: string, dst: string, sport: number, dport: number, bytes: Uint8Array, fromClient?: boolean): FramedPdu {
  const conversation = `tcp ${src}:${sport} ${dst}:${dport}`;
  return { file: 'x', transport: 'udp', src: { addr: src, port: sport }, dst: { addr: dst, port: dport }, conversation, streamIndex: 0, bytes, frames: [i], frame: i, ts: { sec: 0, nsec: 0, digits: 6 }, ...(fromClient === undefined ? {} : { fromClient }) };
}

test('random and mutated IKE / NAT-T / ESP input never throws; records stay bounded', (t) => {
  const event = fc.record({ b: bytesArb(IKE_SEEDS), s: fc.nat({ max: 3 }), d: fc.nat({ max: 3 }), natT: fc.boolean(), esp: fc.boolean(), spi: fc.nat() });
  fc.assert(
    fc.property(fc.array(event, { maxLength: 40 }), fc.option(fc.nat({ max: 0x7f })), (evs, bitmap) => {
      const tracker = new IkeTracker(newClock());
      const v1 = new IsakmpBinder(tracker);
      const enc = new UdpEncapBinder(tracker);
      evs.forEach((e, i) => {
        const src = HOSTS[e.s]!;
        const dst = HOSTS[e.d]!;
        if (e.esp) tracker.esp({ frame: i + 1, src, dst, spi: e.spi }, false);
        else if (e.natT) enc.pdu(fakePdu(i + 1, src, dst, 4500, 4500, e.b), dissectUdpEncap(ByteView.of(e.b)).result);
        else v1.pdu(fakePdu(i + 1, src, dst, 500, 500, e.b), dissectIsakmp(ByteView.of(e.b)).result);
      });
      const logons = buildLogons({ pairs: tracker.pairs.values(), connections: [], discovery: new DiscoveryStore(), portals: [], defaultSecurityBitmap: bitmap });
      for (const l of logons) {
        if (l.ike?.phase1) t.true(l.ike.phase1.frames.length <= IKE_BOUNDS.framesListed && l.ike.phase1.messages <= evs.length);
        if (l.ike) t.true(l.ike.notifications.length <= IKE_BOUNDS.notificationsPerSa);
        if (l.esp) t.true(l.esp.spis.length <= IKE_BOUNDS.spisPerPair);
        t.true(['ok', 'failed', 'unknown'].includes(l.outcome));
      }
      t.true(logons.length <= tracker.pairs.size);
    }),
    { numRuns: RUNS },
  );
});

test('random and mutated iSCSI PDUs and TCP control segments never throw; logins and text stay bounded', (t) => {
  const pduEv = fc.record({ kind: fc.constant('pdu' as const), b: bytesArb(ISCSI_SEEDS), c: fc.nat({ max: 2 }), fromClient: fc.boolean() });
  const ctlEv = fc.record({ kind: fc.constant('ctl' as const), c: fc.nat({ max: 2 }), flags: fc.nat({ max: 0x3f }), fromClient: fc.boolean() });
  fc.assert(
    fc.property(fc.array(fc.oneof(pduEv, ctlEv), { maxLength: 40 }), (evs) => {
      const clock = newClock();
      const conns = new IscsiConnections(clock.tick);
      const discovery = new DiscoveryStore();
      evs.forEach((e, i) => {
        const [cl, sv] = [HOSTS[e.c]!, HOSTS[(e.c + 1) % 4]!];
        const src = e.fromClient ? { addr: cl, port: 49000 + e.c } : { addr: sv, port: 3260 };
        const dst = e.fromClient ? { addr: sv, port: 3260 } : { addr: cl, port: 49000 + e.c };
        const conversation = `tcp ${cl}:${49000 + e.c} ${sv}:3260`;
        if (e.kind === 'ctl') {
          conns.control({ conversation, app: null as never, file: 'x', frame: i + 1, ts: { sec: 0, nsec: 0, digits: 6 }, src, dst, fromClient: e.fromClient, flags: e.flags });
        } else {
          const p = fakePdu(i + 1, src.addr, dst.addr, src.port, dst.port, e.b, e.fromClient);
          const listed = conns.pdu({ ...p, transport: 'tcp', conversation }, dissectIscsiPdu(ByteView.of(e.b)));
          for (const x of listed ?? []) discovery.add(dst.addr, x.address, x.port, 'sendtargets');
        }
      });
      for (const c of conns.all) {
        t.true(c.tcpFrames.length <= CONN_BOUNDS.frames);
        if (c.login) t.true(c.login.frames.length <= CONN_BOUNDS.frames && c.login.req.bytes <= CONN_BOUNDS.loginTextBytes && c.login.rsp.bytes <= CONN_BOUNDS.loginTextBytes);
      }
      const logons = buildLogons({ pairs: [], connections: conns.all, discovery, portals: [], defaultSecurityBitmap: 0x07 });
      t.true(logons.reduce((n, l) => n + l.connections.length, 0) === conns.all.length);
    }),
    { numRuns: RUNS },
  );
});

test('TargetAddress text never throws; IP literals come back canonical', (t) => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      const a = parseTargetAddress(s);
      if (a) t.true(a.port >= 1 && a.port <= 65535 && a.address.length > 0);
    }),
    { numRuns: RUNS * 3 },
  );
  fc.assert(
    fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), fc.nat({ max: 65535 }), (ip, port, tag) => {
      t.deepEqual(parseTargetAddress(`${ip}:${port},${tag}`), { address: ip.split('.').map(Number).join('.'), port, tpgt: tag });
    }),
    { numRuns: RUNS },
  );
  // RFC 7143 §13.8 forms: bracketed IPv6 (RFC 5952 text back), no port (3260), a DNS name (no portal).
  t.deepEqual(parseTargetAddress('[2001:DB8:0:0:0:0:0:20]:3261,2'), { address: '2001:db8::20', port: 3261, tpgt: 2 });
  t.deepEqual(parseTargetAddress('[::ffff:192.0.2.7],1'), { address: '192.0.2.7', port: 3260, tpgt: 1 });
  t.deepEqual(parseTargetAddress('192.0.2.8'), { address: '192.0.2.8', port: 3260, tpgt: null });
  t.is(parseTargetAddress('array.example.com:3260,1'), null);
  t.is(parseTargetAddress('192.0.2.9:0,1'), null);
});

test('mutated story captures through the whole pipeline never throw', async (t) => {
  const tmp = tempDir('logon-mut-');
  try {
    const files = STORIES.map((f) => readFileSync(join(CRAFTED, f)));
    const cases = fc.sample(fc.tuple(fc.nat({ max: files.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 })), { numRuns: Math.min(RUNS, 300), seed: 14 });
    for (const [i, muts] of cases) {
      const b = files[i]!.slice();
      for (const [p, v] of muts) b[24 + (p % (b.length - 24))] = v; // after the file header
      const f = join(tmp, 'm.pcap');
      writeFileSync(f, b);
      const r = await analyze([f]);
      t.true(Array.isArray(r.logons));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
