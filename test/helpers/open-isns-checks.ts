/**
 * Portal records from real open-isns captures, checked against what the
 * recording script makes isnsd/isnsadm do (captures/record-open-isns.sh):
 * on the committed recordings (test/open-isns.test.ts) and on fresh ones
 * (test/live-recording.test.ts).
 */
import type { ExecutionContext } from 'ava';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';

type Check = (t: ExecutionContext, dir: string) => Promise<void>;

export const OPEN_ISNS_CHECKS: [string, Check][] = [
  ['basic: three entities registered, one portal and one entity deregistered, PGs from the server tie nodes', async (t, dir) => {
  const r = await analyze([join(dir, 'open-isns-basic.pcap')]);
  const by = new Map(r.portals.map((p) => [`${p.address}:${p.socket}`, p]));
  t.deepEqual([...by.keys()], ['10.0.0.11:3260', '10.0.0.12:3260', '10.0.0.13:3261', '10.0.1.21:3260', '10.0.2.31:860']);
  t.is(by.get('10.0.0.11:3260')!.state, 'registered');
  t.is(by.get('10.0.0.13:3261')!.state, 'deregistered', 'isnsadm --deregister portal=10.0.0.13:3261');
  t.is(by.get('10.0.1.21:3260')!.state, 'deregistered', 'isnsadm --deregister entity-id=lab.array2');
  t.is(by.get('10.0.0.11:3260')!.entityId, 'lab.array1');
  t.deepEqual(by.get('10.0.1.21:3260')!.iscsiNames.map((n) => n.name), ['iqn.2026-11.lab:array2.t1', 'iqn.2026-11.lab:array2.t2']);
  t.deepEqual(by.get('10.0.2.31:860')!.iscsiNames, [{ name: 'iqn.2026-11.lab:host1', nodeType: ['initiator'], pgTag: 1 }]);
  for (const p of r.portals) t.is(p.securityBitmapSource, 'none', 'isnsadm cannot send tag 27');
  t.deepEqual(r.findings, []);
  }],
  ['ESI: isnsd checks the portal on its announced ESI port (a new connection each time), every ESI answered', async (t, dir) => {
  const fids: number[] = [];
  const r = await analyze([join(dir, 'open-isns-esi.pcap')], { onIsnsPdu: (p, res) => fids.push(res.header!.functionId) });
  const esi = fids.filter((f) => f === 0x000d).length;
  t.true(esi >= 2, `${esi} ESI requests`);
  t.is(fids.filter((f) => f === 0x800d).length, esi);
  const p = r.portals.find((x) => x.address === '127.0.0.1' && x.socket === 3262)!;
  t.is(p.esiPort, 5000);
  t.is(p.esiInterval, 2);
  t.is(p.state, 'registered');
  t.false(r.findings.some((f) => f.code === 'UNANSWERED_REQUEST'));
  }],
  ['Security = 1: the enrolled-but-denied registrations are rejected with status 8', async (t, dir) => {
  const r = await analyze([join(dir, 'open-isns-auth.pcap')]);
  t.true(r.portals.length >= 1);
  for (const p of r.portals) {
    t.is(p.state, 'rejected');
    t.true(p.findings.some((f) => f.code === 'ISNS_ERROR_STATUS' && /8 Source Unauthorized/.test(f.message)));
  }
  }],
  ['SCN: isnsd notifies the registered SCN port of an object added and removed; every SCN answered', async (t, dir) => {
  const seen: [number, number][] = [];
  const bitmaps: number[] = [];
  const r = await analyze([join(dir, 'open-isns-scn.pcap')], {
    onMessage: (m) => {
      seen.push([m.message.functionId, m.last.frame]);
      if (m.message.functionId === 8) for (const a of m.message.attrs) if (a.tag === 35 && a.value.kind === 'bitmap') bitmaps.push(a.value.value);
    },
  });
  const scn = seen.filter(([f]) => f === 0x0008);
  t.is(scn.length, 2, 'one SCN for the registration, one for the deregistration');
  t.is(seen.filter(([f]) => f === 0x8008).length, 2);
  t.deepEqual(bitmaps, [0x0c, 0x10], 'object added+updated, then object removed (RFC 4171 §6.4.4)');
  const p = r.portals.find((x) => x.address === '127.0.0.1' && x.socket === 3263)!;
  t.is(p.scnPort, 5001);
  t.is(r.portals.find((x) => x.address === '10.9.0.1')!.state, 'deregistered');
  t.false(r.findings.some((f) => f.code === 'UNANSWERED_REQUEST'));
  }],
];
