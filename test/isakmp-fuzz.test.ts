/**
 * Hostile input for the ISAKMP, UDP-encapsulation and ESP dissectors: random
 * bytes, random mutations of the crafted messages and every truncation of
 * them never throw from dissectPdu / tree / dissect; trees stay inside the
 * bytes; a capture cut short shows a prefix of what the whole message shows
 * (the walk stops where the bytes stop, like tshark); huge declared counts
 * and lengths cost nothing.
 */
import test from 'ava';
import fc from 'fast-check';
import { ByteView } from '../dissector/core/byteview.js';
import { tsharkValue, walk, type FieldNode } from '../dissector/core/field.js';
import { dissectIsakmp, isakmp } from '../dissector/isakmp/isakmp.js';
import { dissectUdpEncap, udpencap } from '../dissector/udpencap/udpencap.js';
import { dissectEsp, esp } from '../dissector/esp/esp.js';
import { be16, be32, concat } from '../tools/craft.js';
import { deleteV1, filler, ikeCaptures, message, nonEspMarker, pl, saV1, P, X } from '../tools/craft-ike.js';

const PDU = { transport: 'udp', srcPort: 500, dstPort: 500, tree: false } as const;

/** Every UDP payload of the crafted captures (ISAKMP, NAT-T datagrams, keepalives). */
const SEEDS: Uint8Array[] = ikeCaptures()
  .flatMap((c) => c.frames.map((f) => f.data))
  .filter((d) => d.length > 42 && d[23] === 17)
  .map((d) => Uint8Array.from(d.subarray(42)));

/** Run everything on a view; return the trees (and check the invariants every run must keep). */
function everything(v: ByteView): FieldNode[][] {
  const trees: FieldNode[][] = [];
  const d = dissectIsakmp(v);
  isakmp.dissectPdu(v, PDU);
  trees.push(d.tree, isakmp.tree!(v, { ...PDU, full: false }), isakmp.tree!(v, { ...PDU, full: true }));
  const u = dissectUdpEncap(v);
  udpencap.dissectPdu(v, { ...PDU, srcPort: 4500, dstPort: 4500 });
  trees.push(u.tree, udpencap.tree!(v, { ...PDU, full: false }));
  trees.push(dissectEsp(v).tree);
  const l = esp.dissect(v, { tree: true });
  if (l.tree) trees.push(l.tree);
  esp.dissect(v, { tree: false });
  return trees;
}

function checkTrees(trees: FieldNode[][], v: ByteView): boolean {
  for (const t of trees)
    for (const n of walk(t)) {
      tsharkValue(n);
      if (n.length < 0 || n.offset < v.abs(0)) return false;
      if (n.def.type !== 'protocol' && n.def.abbrev !== '' && n.offset + n.length > v.abs(0) + Math.max(v.length, v.captured) + 0) {
        // items whose length Wireshark does not check (payload items, values given by the dissector) may claim more
        if (!['isakmp.typepayload', 'isakmp.length', 'isakmp.sa.situation', 'isakmp.vid_string', 'isakmp.notify.data.auth_lifetime', 'isakmp.cert.data', 'isakmp.ike.certreq.authority.sig', 'isakmp.id.data.der_asn1_dn'].includes(n.def.abbrev)) return false;
      }
    }
  return true;
}

test('random bytes (0..400) never make any of the dissectors throw, and trees stay inside the bytes', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat({ max: 400 }), (b, cap) => {
      const v = new ByteView(b, 0, b.length, Math.min(cap, b.length));
      return checkTrees(everything(v), v);
    }),
    { numRuns: 4000, seed: 4500 },
  );
  t.pass();
});

test('random bytes after a valid 28-byte header (so the payload walk runs) never throw', (t) => {
  const h = message({ ispi: '0102030405060708', rspi: '1112131415161718', exchange: X.IDENTITY_PROTECTION }, []);
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(0x10, 0x20, 0x30), fc.nat({ max: 255 }), fc.boolean(), (body, ver, first, fixLen) => {
      const m = concat([h, body]);
      m[16] = first;
      m[17] = ver;
      if (fixLen) m.set(be32(m.length), 24);
      const v = ByteView.of(m);
      return checkTrees(everything(v), v) && dissectIsakmp(v).result.isIsakmp;
    }),
    { numRuns: 4000, seed: 500 },
  );
  t.pass();
});

test('random mutations of the crafted messages (writes, cuts, insertions, snaplen) never throw', (t) => {
  fc.assert(
    fc.property(
      fc.nat({ max: SEEDS.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }),
      fc.option(fc.nat()),
      fc.option(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 12 }))),
      fc.option(fc.nat()),
      (which, writes, cut, ins, snap) => {
        let m: Uint8Array = Uint8Array.from(SEEDS[which]!);
        for (const [p, x] of writes) if (m.length) m[p % m.length] = x;
        if (ins) m = concat([m.subarray(0, ins[0] % (m.length + 1)), ins[1], m.subarray(ins[0] % (m.length + 1))]);
        if (cut !== null) m = m.subarray(0, cut % (m.length + 1));
        const v = new ByteView(m, 0, m.length, snap === null ? m.length : snap % (m.length + 1));
        return checkTrees(everything(v), v);
      },
    ),
    { numRuns: 6000, seed: 3948 },
  );
  t.pass();
});

/** Every column of a tree in one walk: abbrev → values in tree order. */
function columns(tree: FieldNode[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const n of walk(tree)) {
    const l = m.get(n.def.abbrev);
    if (l) l.push(tsharkValue(n));
    else m.set(n.def.abbrev, [tsharkValue(n)]);
  }
  return m;
}

test('every truncation of every crafted message: no throw; a capture cut at n bytes shows a prefix of every column', (t) => {
  let checked = 0;
  const seen = new Set<string>();
  for (const m of SEEDS) {
    const key = Buffer.from(m).toString('hex');
    if (seen.has(key)) continue;
    seen.add(key);
    const isIke = dissectIsakmp(ByteView.of(m)).result.isIsakmp;
    const full = columns(isIke ? dissectIsakmp(ByteView.of(m)).tree : dissectUdpEncap(ByteView.of(m)).tree);
    for (let n = 0; n <= m.length; n++) {
      // the packet is whole, the capture holds n bytes (snaplen)
      const cutView = new ByteView(m, 0, m.length, n);
      t.true(checkTrees(everything(cutView), cutView));
      // the packet itself is n bytes long
      const short = ByteView.of(m.subarray(0, n));
      t.true(checkTrees(everything(short), short));
      checked++;
      if (!isIke) continue;
      let differs = false;
      for (const [abbrev, got] of columns(dissectIsakmp(cutView).tree)) {
        const want = full.get(abbrev) ?? [];
        // FT_NONE items are clipped to the captured bytes but still print "1": values compare equal
        if (got.length > want.length || got.some((x, i) => x !== want[i])) t.fail(`${abbrev} at ${n}/${m.length}: ${got} is not a prefix of ${want}`);
        if (got.length !== want.length) differs = true;
      }
      if (n < m.length && (differs || full.size !== columns(dissectIsakmp(cutView).tree).size)) {
        const r = isakmp.dissectPdu(cutView, PDU);
        t.true(r.problems.some((p) => /truncated|cut at/.test(p)), `cut at ${n}/${m.length}: the result says the capture ends early (${r.problems.join(' | ')})`);
      }
    }
  }
  t.true(checked > 5000, `${checked}`);
});

test('huge declared counts and lengths cost nothing: time and nodes are bounded by the bytes present', (t) => {
  const h = { ispi: '0102030405060708', rspi: '1112131415161718', exchange: X.INFORMATIONAL };
  const msgs = [
    // 65535 SPIs of 255 bytes declared, 10 bytes present
    message(h, [pl(P.D, concat([deleteV1(3, [], 1, 255).subarray(0, 6), be16(0xffff), filler(10)]))]),
    // 255 transforms declared, one present
    message(h, [pl(P.SA, saV1([{ number: 0, protocol: 1, count: 255, transforms: [{ number: 0, id: 1, attrs: new Uint8Array(0) }] }]))]),
    // length 0xffffffff, payload lengths 0xffff
    message({ ...h, length: 0xffffffff }, [pl(P.VID, filler(4), { length: 0xffff })]),
    // key download: 65535 key packets declared
    message(h, [pl(17, concat([be16(0xffff), be16(0), filler(40)]))]),
    // 2000 attributes of 2 bytes in one transform
    message(h, [pl(P.SA, saV1([{ number: 0, protocol: 1, transforms: [{ number: 0, id: 1, attrs: new Uint8Array(4 * 2000).fill(0x80) }] }]))]),
    // ISAKMP inside the marker on 4500, SA nested as deep as the bytes allow
    nonEspMarker(concat([Uint8Array.from(message(h, []).subarray(0, 16)), Uint8Array.of(P.SA, 0x10, 5, 0), be32(0), be32(6028), new Uint8Array(6000).fill(1)])),
  ];
  for (const m of msgs) {
    const start = process.hrtime.bigint();
    const trees = everything(ByteView.of(m));
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    let nodes = 0;
    for (const tr of trees) for (const _ of walk(tr)) nodes++;
    t.true(ms < 250, `${ms} ms`);
    t.true(nodes <= 16 * m.length + 256, `${nodes} nodes for ${m.length} bytes`);
  }
});
