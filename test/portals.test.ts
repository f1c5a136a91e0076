/**
 * The portal record builder on hand-made iSNS messages: every state, both IPv4
 * encodings, IPv6, UDP portals, portal groups with NULL tags, conflicting
 * bitmaps, error statuses, default bitmaps. Expected values come from RFC 4171
 * and the contract, written out by hand here.
 */
import test from 'ava';
import { parseIsnsMessage, type AttrRole } from '../dissector/isns/index.js';
import type { MessageEvent } from '../src/isns/assembler.js';
import type { FramedPdu } from '../src/flow/pdu.js';
import { PortalBuilder } from '../src/isns/portals/builder.js';
import { bitmapFindings } from '../src/findings/portal-rules.js';
import { comparePortals, sortPortals } from '../src/output/order.js';
import { addressText as portalAddress } from '../dissector/isns/index.js';
import { ipv6Bytes, be32, concat } from '../tools/craft.js';
import { rawTlv } from './helpers/isns-encode.js';

// ------------------------------------------------------------ message builders

type A = { tag: number; role?: AttrRole; raw: Uint8Array };

const str = (tag: number, text: string, role: AttrRole = 'operating'): A => ({ tag, role, raw: new TextEncoder().encode(text + '\0') });
const u32 = (tag: number, v: number, role: AttrRole = 'operating'): A => ({ tag, role, raw: be32(v) });
const bmp = (v: number): A => ({ tag: 27, role: 'operating', raw: be32(v) });
const ip = (tag: number, text: string, role: AttrRole = 'operating'): A => ({ tag, role, raw: ipv6Bytes(text) });
const port = (tag: number, p: number, udp = false, role: AttrRole = 'operating'): A => ({ tag, role, raw: be32(p | (udp ? 0x10000 : 0)) });
const empty = (tag: number, role: AttrRole = 'operating'): A => ({ tag, role, raw: new Uint8Array(0) });
const bytes = (tag: number, hex: string): A => ({ tag, role: 'operating', raw: Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16))) });
const delim: A = { tag: 0, role: 'delimiter', raw: new Uint8Array(0) };

let frameNo = 0;
function ev(fid: number, attrs: A[], o: { status?: number; request?: MessageEvent; xid?: number; file?: string } = {}): MessageEvent {
  frameNo++;
  const pdu: FramedPdu = {
    file: o.file ?? 'x.pcap',
    transport: 'tcp',
    src: { addr: '192.0.2.1', port: 40000 },
    dst: { addr: '192.0.2.100', port: 3205 },
    conversation: 'c',
    streamIndex: 0,
    bytes: new Uint8Array(0),
    frames: [frameNo],
    frame: frameNo,
    ts: { sec: 1795464000 + frameNo, nsec: 123456000, digits: 6 },
  };
  // The message is parsed from its bytes, as the assembler does; the roles written here must be the ones parsing gives.
  const resp = (fid & 0x8000) !== 0;
  const payload = concat([...(resp ? [be32(o.status ?? 0)] : []), ...attrs.map((a) => rawTlv(a.tag, a.raw))]);
  const message = parseIsnsMessage(fid, 0x8c00, o.xid ?? 1, payload);
  message.attrs.forEach((x, i) => {
    if (x.role !== (attrs[i]!.role ?? 'operating')) throw new Error(`attribute ${i} (tag ${x.tag}) parses as ${x.role}, not ${attrs[i]!.role}`);
  });
  const e: MessageEvent = { message, pdus: [pdu], first: pdu, last: pdu, ...(o.request ? { request: o.request } : {}) };
  return e;
}

const SRC = str(32, 'iqn.2026-11.lab:init', 'source');

function regTarget(eid: string, portals: A[][], extra: A[] = []): A[] {
  return [SRC, str(1, eid, 'key'), delim, str(1, eid), u32(2, 2), ...portals.flat(), str(32, 'iqn.2026-11.lab:t1'), u32(33, 1), ...extra];
}

// ------------------------------------------------------------ tests

test('portalAddress: IPv4-mapped and IPv4-compatible become dotted IPv4; others RFC 5952', (t) => {
  t.is(portalAddress(ipv6Bytes('::ffff:192.0.2.10')), '192.0.2.10');
  t.is(portalAddress(ipv6Bytes('::192.0.2.10')), '192.0.2.10');
  t.is(portalAddress(ipv6Bytes('::127.0.0.1')), '127.0.0.1');
  t.is(portalAddress(ipv6Bytes('::1')), '::1');
  t.is(portalAddress(ipv6Bytes('2001:db8:0:0:0:0:0:10')), '2001:db8::10');
  t.is(portalAddress(new Uint8Array(4)), null);
});

test('accepted registration: registered, bitmap from iSNS, flags named lowest bit first, implicit PGT 1', (t) => {
  const b = new PortalBuilder();
  const req = ev(1, regTarget('ent1', [[ip(16, '::ffff:192.0.2.10'), port(17, 3260), bmp(0x37)]]));
  b.message(req);
  b.message(ev(0x8001, [str(1, 'ent1', 'key'), delim], { request: req }));
  const { portals } = b.finish();
  t.is(portals.length, 1);
  const p = portals[0]!;
  t.is(p.address, '192.0.2.10');
  t.is(p.socket, 3260);
  t.is(p.transport, 'tcp');
  t.is(p.securityBitmap, 0x37);
  t.is(p.securityBitmapSource, 'isns');
  t.deepEqual(p.securityFlags, [
    'ISCSI_SECURITY_FLAG_VALID',
    'ISCSI_SECURITY_FLAG_IKE_IPSEC_ENABLED',
    'ISCSI_SECURITY_FLAG_MAIN_MODE_ENABLED',
    'ISCSI_SECURITY_FLAG_PFS_ENABLED',
    'ISCSI_SECURITY_FLAG_TRANSPORT_MODE_PREFERRED',
  ]);
  t.is(p.state, 'registered');
  t.is(p.entityId, 'ent1');
  t.deepEqual(p.iscsiNames, [{ name: 'iqn.2026-11.lab:t1', nodeType: ['target'], pgTag: 1 }]);
  t.deepEqual(p.findings, []);
  t.is(p.firstSeen.frame, req.last.frame);
  t.regex(p.firstSeen.time, /^2026-11-\d\dT\d\d:\d\d:\d\d\.123456Z$/);
});

test('rejected registration: state rejected, ISNS_ERROR_STATUS names status, request and portal', (t) => {
  const b = new PortalBuilder();
  const req = ev(1, regTarget('ent2', [[ip(16, '::192.0.2.20'), port(17, 3260), bmp(0x01)]]));
  b.message(req);
  const rsp = ev(0x8001, [], { status: 8, request: req });
  b.message(rsp);
  const { portals } = b.finish();
  const p = portals[0]!;
  t.is(p.address, '192.0.2.20');
  t.is(p.state, 'rejected');
  const f = p.findings.find((x) => x.code === 'ISNS_ERROR_STATUS');
  t.truthy(f);
  t.is(f!.severity, 'error');
  t.regex(f!.message, /8 Source Unauthorized/);
  t.regex(f!.message, /DevAttrReg/);
  t.regex(f!.message, /192\.0\.2\.20:3260\/tcp/);
  t.deepEqual(f!.frames, [req.last.frame, rsp.last.frame]);
});

test('a portal refused again and again: one ISNS_ERROR_STATUS per function and status, with the count and the frames (bounded)', (t) => {
  const b = new PortalBuilder();
  const frames: number[] = [];
  for (let i = 0; i < 30; i++) {
    const req = ev(1, regTarget('ent3', [[ip(16, '::ffff:192.0.2.30'), port(17, 3260)]]));
    b.message(req);
    const rsp = ev(0x8001, [], { status: 8, request: req });
    b.message(rsp);
    frames.push(req.last.frame, rsp.last.frame);
  }
  // A different status is a different explanation.
  const req = ev(1, regTarget('ent3', [[ip(16, '::ffff:192.0.2.30'), port(17, 3260)]]));
  b.message(req);
  b.message(ev(0x8001, [], { status: 5, request: req }));
  const p = b.finish().portals[0]!;
  const errs = p.findings.filter((f) => f.code === 'ISNS_ERROR_STATUS');
  t.is(errs.length, 2);
  t.regex(errs[0]!.message, /8 Source Unauthorized.*came back 30 times in all/);
  t.deepEqual(errs[0]!.frames, frames.slice(0, 20));
  t.regex(errs[1]!.message, /status 5 /);
  t.notRegex(errs[1]!.message, /times in all/);
});

test('statuses past those RFC 4171 defines are told apart too: 8, 0x8008, 0x12345678 and 8 again make three ISNS_ERROR_STATUS', (t) => {
  const b = new PortalBuilder();
  for (const status of [8, 0x8008, 0x12345678, 8]) {
    const req = ev(1, regTarget('ent4', [[ip(16, '::ffff:192.0.2.31'), port(17, 3260)]]));
    b.message(req);
    b.message(ev(0x8001, [], { status, request: req }));
  }
  const errs = b.finish().portals[0]!.findings.filter((f) => f.code === 'ISNS_ERROR_STATUS');
  t.is(errs.length, 3);
  t.regex(errs[0]!.message, /status 8 .*came back 2 times in all/);
  t.regex(errs[1]!.message, /status 32776 /);
  t.regex(errs[2]!.message, /status 305419896 /);
});

test('deregistration by portal, by entity and by portal index; PORTAL_DEREGISTERED', (t) => {
  const b = new PortalBuilder();
  const req = ev(1, regTarget('ent3', [
    [ip(16, '::ffff:10.0.0.1'), port(17, 3260), u32(22, 7)],
    [ip(16, '::ffff:10.0.0.2'), port(17, 3260)],
    [ip(16, '::ffff:10.0.0.3'), port(17, 3260)],
  ]));
  b.message(req);
  b.message(ev(0x8001, [], { request: req }));
  const d1 = ev(4, [SRC, delim, ip(16, '::ffff:10.0.0.2'), port(17, 3260)]);
  b.message(d1);
  b.message(ev(0x8004, [], { request: d1 }));
  const d2 = ev(4, [SRC, delim, u32(22, 7)]);
  b.message(d2);
  b.message(ev(0x8004, [], { request: d2 }));
  const { portals } = b.finish();
  t.deepEqual(portals.map((p) => [p.address, p.state]), [
    ['10.0.0.1', 'deregistered'],
    ['10.0.0.2', 'deregistered'],
    ['10.0.0.3', 'registered'],
  ]);
  t.true(portals[0]!.findings.some((f) => f.code === 'PORTAL_DEREGISTERED'));

  const b2 = new PortalBuilder();
  const r2 = ev(1, regTarget('ent4', [[ip(16, '::ffff:10.0.1.1'), port(17, 3260)], [ip(16, '::ffff:10.0.1.2'), port(17, 3261)]]));
  b2.message(r2);
  b2.message(ev(0x8001, [], { request: r2 }));
  const d3 = ev(4, [SRC, delim, str(1, 'ent4')]);
  b2.message(d3);
  b2.message(ev(0x8004, [], { request: d3 }));
  t.deepEqual(b2.finish().portals.map((p) => p.state), ['deregistered', 'deregistered']);
});

test('a rejected deregistration leaves the portal registered and reports the status', (t) => {
  const b = new PortalBuilder();
  const r = ev(1, regTarget('e', [[ip(16, '::ffff:10.9.0.1'), port(17, 3260)]]));
  b.message(r);
  b.message(ev(0x8001, [], { request: r }));
  const d = ev(4, [SRC, delim, ip(16, '::ffff:10.9.0.1'), port(17, 3260)]);
  b.message(d);
  b.message(ev(0x8004, [], { request: d, status: 22 }));
  const p = b.finish().portals[0]!;
  t.is(p.state, 'registered');
  t.regex(p.findings.find((f) => f.code === 'ISNS_ERROR_STATUS')!.message, /22 Invalid Deregistration/);
});

test('queried only: state queried; query response bitmap differing from registration → BITMAP_CONFLICT', (t) => {
  const b = new PortalBuilder();
  const q = ev(2, [SRC, empty(32, 'key'), delim, empty(16), empty(17), empty(27)]);
  b.message(q);
  b.message(ev(0x8002, [empty(32, 'key'), delim, str(1, 'e9'), ip(16, '2001:db8::9'), port(17, 3260, true), bmp(0x0b)], { request: q }));
  let p = b.finish().portals[0]!;
  t.is(p.state, 'queried');
  t.is(p.address, '2001:db8::9');
  t.is(p.transport, 'udp');

  const b2 = new PortalBuilder();
  const r = ev(1, regTarget('e', [[ip(16, '::ffff:10.1.1.1'), port(17, 3260), bmp(0x37)]]));
  b2.message(r);
  b2.message(ev(0x8001, [], { request: r }));
  const q2 = ev(2, [SRC, empty(32, 'key'), delim]);
  b2.message(q2);
  const qr = ev(0x8002, [delim, ip(16, '::ffff:10.1.1.1'), port(17, 3260), bmp(0x35)], { request: q2 });
  b2.message(qr);
  p = b2.finish().portals[0]!;
  t.is(p.securityBitmap, 0x35, 'the last bitmap seen is reported');
  t.is(p.state, 'registered');
  const c = p.findings.find((f) => f.code === 'BITMAP_CONFLICT');
  t.truthy(c);
  t.deepEqual(c!.frames, [r.last.frame, qr.last.frame]);
  t.regex(c!.message, /0x00000037/);
  t.regex(c!.message, /0x00000035/);
});

test('explicit portal groups: NULL PGT ties nothing, explicit PGT overrides the implicit 1', (t) => {
  const b = new PortalBuilder();
  const r = ev(1, [
    SRC, str(1, 'pg', 'key'), delim, str(1, 'pg'),
    ip(16, '::ffff:10.2.0.1'), port(17, 3260), u32(51, 5), str(48, 'iqn.a'), str(48, 'iqn.b'),
    ip(16, '::ffff:10.2.0.2'), port(17, 3260), empty(51), str(48, 'iqn.a'),
    str(32, 'iqn.a'), u32(33, 1), str(32, 'iqn.b'), u32(33, 3),
  ]);
  b.message(r);
  b.message(ev(0x8001, [], { request: r }));
  const [p1, p2] = b.finish().portals;
  t.deepEqual(p1!.iscsiNames, [
    { name: 'iqn.a', nodeType: ['target'], pgTag: 5 },
    { name: 'iqn.b', nodeType: ['target', 'initiator'], pgTag: 5 },
  ]);
  // 10.2.0.2: iqn.a has a NULL PGT (no access); iqn.b is implicit PGT 1
  t.deepEqual(p2!.iscsiNames, [{ name: 'iqn.b', nodeType: ['target', 'initiator'], pgTag: 1 }]);
});

test('portal group objects in a query response (48,49,50,51,52) bind nodes to portals', (t) => {
  const b = new PortalBuilder();
  const q = ev(2, [SRC, empty(32, 'key'), delim]);
  b.message(q);
  b.message(ev(0x8002, [
    empty(32, 'key'), delim, str(1, 'isns.entity.0001'),
    str(32, 'iqn.t'), u32(33, 1),
    ip(16, '::127.0.0.1'), port(17, 3260), u32(22, 3),
    str(48, 'iqn.t'), ip(49, '::127.0.0.1'), port(50, 3260), u32(51, 1), u32(52, 1),
  ], { request: q }));
  const p = b.finish().portals[0]!;
  t.is(p.address, '127.0.0.1');
  t.is(p.portalIndex, 3);
  t.deepEqual(p.iscsiNames, [{ name: 'iqn.t', nodeType: ['target'], pgTag: 1 }]);
});

test('default security bitmap applies only to portals without one', (t) => {
  const b = new PortalBuilder({ defaultSecurityBitmap: 0x07 });
  const r = ev(1, regTarget('e', [[ip(16, '::ffff:10.3.0.1'), port(17, 3260), bmp(0x01)], [ip(16, '::ffff:10.3.0.2'), port(17, 3260)]]));
  b.message(r);
  b.message(ev(0x8001, [], { request: r }));
  const [a, c] = b.finish().portals;
  t.is(a!.securityBitmap, 1);
  t.is(a!.securityBitmapSource, 'isns');
  t.is(c!.securityBitmap, 7);
  t.is(c!.securityBitmapSource, 'default');
  t.true(c!.findings.some((f) => f.code === 'DEFAULT_BITMAP_APPLIED'));
  const none = new PortalBuilder();
  none.message(r);
  none.message(ev(0x8001, [], { request: r }));
  const n = none.finish().portals[1]!;
  t.is(n.securityBitmap, null);
  t.is(n.securityBitmapSource, 'none');
  t.deepEqual(n.securityFlags, []);
  t.true(n.findings.some((f) => f.code === 'BITMAP_ABSENT' && f.severity === 'info'));
});

test('bitmap checks follow RFC 4171 §6.3.9 semantics', (t) => {
  const codes = (v: number): string[] => bitmapFindings(v, [1], 'isns').map((f) => f.code).sort();
  t.deepEqual(codes(0x37), []); // valid, IKE, main, PFS, transport
  t.deepEqual(codes(0x3e), ['BITMAP_NOT_VALID']); // everything but VALID
  t.deepEqual(codes(0x80000000), ['BITMAP_NOT_VALID', 'UNKNOWN_BITMAP_BITS']); // mingw's shifted VALID
  t.deepEqual(codes(0x63), ['IKE_WITHOUT_PHASE1_MODE', 'TUNNEL_AND_TRANSPORT_PREFERRED']);
  t.deepEqual(codes(0x05), ['IPSEC_MODE_WITHOUT_IKE']); // main mode without IKE
  t.deepEqual(codes(0x03), ['IKE_WITHOUT_PHASE1_MODE']);
  t.deepEqual(codes(0x01), []); // valid, IPsec disabled: a consistent "no IPsec"
  t.deepEqual(codes(0x0b), []); // aggressive mode is a phase-1 mode
  t.deepEqual(codes(0x181), ['UNKNOWN_BITMAP_BITS']);
});

test('portal attributes: symbolic name, ESI, SCN, ISAKMP and certificate as key', (t) => {
  const b = new PortalBuilder();
  const r = ev(1, regTarget('e', [[
    ip(16, '::ffff:10.4.0.1'), port(17, 3260), str(18, 'eth0'), u32(19, 20), port(20, 5000), port(23, 5001, true),
    bytes(28, '01020304'), bytes(29, 'aabbccdd'), bytes(31, '3082000130'),
  ]]));
  b.message(r);
  b.message(ev(0x8001, [], { request: r }));
  const p = b.finish().portals[0]!;
  t.is(p.symbolicName, 'eth0');
  t.is(p.esiInterval, 20);
  t.is(p.esiPort, 5000);
  t.is(p.scnPort, 5001);
  t.is(p.isakmpPhase1, '01020304');
  t.is(p.isakmpPhase2, 'aabbccdd');
  t.is(p.key, '3082000130');
  t.is(p.keySize, 5);
});

test('SCN object-removed deregisters the named portal', (t) => {
  const b = new PortalBuilder();
  const r = ev(1, regTarget('e', [[ip(16, '::ffff:10.5.0.1'), port(17, 3260)]]));
  b.message(r);
  b.message(ev(0x8001, [], { request: r }));
  b.message(ev(8, [str(32, 'iqn.init', 'operating'), u32(4, 0), u32(35, 0x10), ip(16, '::ffff:10.5.0.1'), port(17, 3260)]));
  t.is(b.finish().portals[0]!.state, 'deregistered');
});

test('an unanswered registration still registers the portal', (t) => {
  const b = new PortalBuilder();
  // The assembler reports a request that got no response through unanswered().
  b.unanswered(ev(1, regTarget('e', [[ip(16, '::ffff:10.6.0.1'), port(17, 3260)]])));
  t.is(b.finish().portals[0]!.state, 'registered');
});

test('portals are sorted by address numerically (IPv4 before IPv6), then socket, then transport', (t) => {
  const ps = [
    { address: '2001:db8::2', socket: 1, transport: 'tcp' },
    { address: '10.0.0.10', socket: 3260, transport: 'udp' },
    { address: '10.0.0.9', socket: 3260, transport: 'tcp' },
    { address: '10.0.0.10', socket: 3260, transport: 'tcp' },
    { address: '2001:db8::10', socket: 1, transport: 'tcp' },
    { address: '10.0.0.10', socket: 860, transport: 'tcp' },
  ];
  const want = ['10.0.0.9:3260/tcp', '10.0.0.10:860/tcp', '10.0.0.10:3260/tcp', '10.0.0.10:3260/udp', '2001:db8::2:1/tcp', '2001:db8::10:1/tcp'];
  const fast = sortPortals([...ps].reverse());
  ps.sort(comparePortals);
  t.deepEqual(ps.map((p) => `${p.address}:${p.socket}/${p.transport}`), want);
  t.deepEqual(fast.map((p) => `${p.address}:${p.socket}/${p.transport}`), want);
  // sortPortals (addresses parsed once) orders exactly as comparePortals, on a random mix.
  let seed = 5;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const mix = Array.from({ length: 300 }, () => ({
    address: rnd(3) === 0 ? `2001:db8::${rnd(20).toString(16)}:${rnd(3)}` : `10.${rnd(3)}.${rnd(300) % 256}.${rnd(20)}`,
    socket: 3260 + rnd(3),
    transport: rnd(2) ? 'tcp' : 'udp',
  }));
  t.deepEqual(sortPortals(mix), [...mix].sort(comparePortals));
});

test('BITMAP_CONFLICT lists the first 16 distinct bitmaps in order with how often and where last each came; a known one seen past the bound is still counted', (t) => {
  const b = new PortalBuilder();
  const portal = (v: number): A[] => [ip(16, '::ffff:10.9.0.1'), port(17, 3260), bmp(v)];
  const reg = (v: number): MessageEvent => {
    const r = ev(1, regTarget('e', [portal(v)]));
    b.message(r);
    b.message(ev(0x8001, [], { request: r }));
    return r;
  };
  // 20 distinct valid bitmaps (0x01, 0x03, … 0x27), then the first again, the sixth twice, and the 18th again.
  const value = (i: number): number => 0x01 | (i << 1);
  const firsts = Array.from({ length: 20 }, (_, i) => reg(value(i)).last.frame);
  const again0 = reg(value(0)).last.frame;
  reg(value(5));
  const again5 = reg(value(5)).last.frame;
  const last = reg(value(17)).last.frame; // past the bound: not listed, but the reported bitmap
  const p = b.finish().portals[0]!;
  t.is(p.securityBitmap, value(17));
  const c = p.findings.find((f) => f.code === 'BITMAP_CONFLICT')!;
  t.regex(c.message, /^16 different security bitmaps for this portal: /);
  t.deepEqual(c.frames, firsts.slice(0, 16));
  const parts = c.message.slice(c.message.indexOf(': ') + 2, c.message.indexOf('. The last one seen')).split('; ');
  t.is(parts.length, 16);
  parts.forEach((s, i) => {
    const hex = `0x${value(i).toString(16).padStart(8, '0')}`;
    const times = i === 0 ? `, 2 times, last frame ${again0}` : i === 5 ? `, 3 times, last frame ${again5}` : '';
    t.true(s.startsWith(`${hex} (`) && s.endsWith(` from DevAttrReg (frame ${firsts[i]}${times})`), s);
  });
  t.false(c.message.includes(`0x${value(17).toString(16).padStart(8, '0')}`), 'the 18th bitmap is past the bound');
  t.true(last > again5);
});

test('ISAKMP and certificate values of any length are kept whole, and replaced when registered again (same length or not)', (t) => {
  const b = new PortalBuilder();
  const hexOf = (n: number, seed: number): string => Array.from({ length: n }, (_, i) => ((i * 7 + seed) & 0xff).toString(16).padStart(2, '0')).join('');
  const reg = (p1: string, p2: string, cert: string): void => {
    const r = ev(1, regTarget('e', [[ip(16, '::ffff:10.4.0.2'), port(17, 3260), bytes(28, p1), bytes(29, p2), bytes(31, cert)]]));
    b.message(r);
    b.message(ev(0x8001, [], { request: r }));
  };
  reg(hexOf(40, 1), hexOf(44, 2), hexOf(300, 3));
  let p = b.finish().portals[0]!;
  t.is(p.isakmpPhase1, hexOf(40, 1));
  t.is(p.isakmpPhase2, hexOf(44, 2));
  t.is(p.key, hexOf(300, 3));
  t.is(p.keySize, 300);
  reg(hexOf(40, 4), hexOf(44, 5), hexOf(300, 6)); // same lengths: the kept bytes are overwritten
  p = b.finish().portals[0]!;
  t.deepEqual([p.isakmpPhase1, p.isakmpPhase2, p.key], [hexOf(40, 4), hexOf(44, 5), hexOf(300, 6)]);
  reg(hexOf(44, 7), hexOf(8, 8), hexOf(52, 9)); // other lengths
  p = b.finish().portals[0]!;
  t.deepEqual([p.isakmpPhase1, p.isakmpPhase2, p.key, p.keySize], [hexOf(44, 7), hexOf(8, 8), hexOf(52, 9), 52]);
});

test('rehearsing the records (the portal thread does it while it waits for events) changes no record: rehearsed after every message, every capture gives the records of a builder never rehearsed', async (t) => {
  const { readdirSync } = await import('node:fs');
  const { analyze } = await import('../src/analyze.js');
  const dir = new URL('../../captures/crafted/', import.meta.url);
  const files = readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => new URL(f, dir).pathname);
  t.true(files.length >= 5, `${files.length} captures`);
  let portals = 0;
  let rehearsals = 0;
  for (const f of files) {
    const plain = new PortalBuilder();
    await analyze(f, { portalThread: false, onMessage: (m) => plain.message(m) });
    const rehearsed = new PortalBuilder();
    await analyze(f, {
      portalThread: false,
      onMessage: (m) => {
        rehearsed.message(m);
        rehearsed.rehearse(Number.MAX_SAFE_INTEGER);
        rehearsals++;
      },
    });
    const want = [...plain.records()];
    portals += want.length;
    t.is(JSON.stringify([...rehearsed.records()]), JSON.stringify(want), f);
  }
  t.true(portals > 10 && rehearsals > 50, `${portals} portals, ${rehearsals} rehearsals in all`);
});
