/**
 * The portal builder on its own thread (src/isns/portals/remote.ts) gives the
 * results of the builder run in line: portal records, findings (with the
 * properties they keep hidden), logons and input reports, on every bundled
 * capture (and, with logons off, the same but the logons), on a generated dense capture that goes round the ring many times,
 * and on a message too large for the ring.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, createReadStream, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyze, type AnalyzeOptions } from '../src/analyze.js';
import { generate } from '../bench/gen.js';
import { ChosenPortals } from '../src/isns/portals/choose.js';
import { prestartPortalThread, RING_BYTES, takePortalThread } from '../src/isns/portals/prestart.js';
import { RemotePortals } from '../src/isns/portals/remote.js';
import { PortalBuilder } from '../src/isns/portals/builder.js';
import { DiscoveryStore } from '../src/logons/discovery.js';
import { parseIsnsMessage } from '../dissector/isns/index.js';
import type { MessageEvent } from '../src/isns/assembler.js';
import { concat, pcapFile, TcpConn } from '../tools/craft.js';
import { DELIM, multiPdu, rsp, tAddr, tPort, tStr, tU32 } from '../tools/craft-isns.js';
import { captureFiles } from './helpers/captures.js';
import { ROOT } from './helpers/ike-frames.js';
import { tempFile } from './helpers/isns-encode.js';
import { tempDir } from './helpers/tmp.js';

/** A value with every own property, enumerable or not (hidden ones marked "~"), in order. */
function canon(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canon);
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const k of Object.getOwnPropertyNames(x)) {
    const d = Object.getOwnPropertyDescriptor(x, k)!;
    out[d.enumerable ? k : `~${k}`] = canon(d.value);
  }
  return out;
}

async function both(input: string, opts: AnalyzeOptions = {}): Promise<[unknown, unknown]> {
  const inline = await analyze(input, { ...opts, portalThread: false });
  const threaded = await analyze(input, { ...opts, portalThread: true });
  return [canon(threaded), canon(inline)];
}

test.serial('every bundled capture: the same results with the portal thread as without', async (t) => {
  const files = captureFiles(join(ROOT, 'captures'));
  t.true(files.length > 50, `${files.length} captures`);
  let portals = 0;
  for (const f of files) {
    const [threaded, inline] = await both(f);
    t.deepEqual(threaded, inline, f);
    portals += (inline as { portals: unknown[] }).portals.length;
  }
  t.true(portals > 100, `${portals} portal records compared`);
});

test.serial('every bundled capture: logons off (what `portals` and `check` run) gives the same portals, findings and inputs, in line and on the thread, and no logons', async (t) => {
  let logons = 0;
  for (const f of captureFiles(join(ROOT, 'captures'))) {
    const full = canon(await analyze(f, { portalThread: false })) as Record<string, unknown>;
    logons += (full.logons as unknown[]).length;
    delete full.logons;
    for (const portalThread of [false, true]) {
      const slim = canon(await analyze(f, { portalThread, logons: false })) as Record<string, unknown>;
      t.false('logons' in slim, f);
      t.deepEqual(slim, full, `${f} (portal thread ${portalThread})`);
    }
  }
  t.true(logons > 20, `${logons} logon records left out`);
});

test.serial('a dense generated capture (the ring goes round many times): the same results, every portal the generator encoded', async (t) => {
  const file = join(tempFile('x', new Uint8Array(0)), '..', 'dense.pcapng');
  // (32 MiB: the 8 MiB ring wraps 5 times, counted by a build that counts its WRAP records; 12 MiB: twice)
  const stats = generate('dense', file, 32 << 20, true, 7);
  const [threaded, inline] = await both(file);
  t.deepEqual(threaded, inline);
  t.is((threaded as { portals: unknown[] }).portals.length, stats.portals);
});

test.serial('a registration too large for the ring (over a quarter of it) goes across whole: 20000 portals, as in line', async (t) => {
  const N = 20000;
  const portals: Uint8Array[] = [];
  for (let i = 0; i < N; i++) portals.push(tAddr(16, `10.${(i >> 8) & 255}.${i & 255}.1`), tPort(17, 3260), tU32(27, 0x3b));
  const body = concat(portals);
  const eid = tStr(1, 'big.entity');
  const req = concat([tStr(32, 'iqn.2026-12.test:big'), eid, DELIM, eid, body]);
  const res = rsp(0, eid, DELIM, eid, body);
  const c = new TcpConn('192.0.2.1', 40000, '192.0.2.2', 3205);
  const cuts = (n: number): number[] => Array.from({ length: Math.ceil(n / 60000) - 1 }, (_, k) => (k + 1) * 60000);
  const frames = [...c.handshake()];
  for (const p of multiPdu(0x0001, 7, req, cuts(req.length))) frames.push(...c.send(0, p));
  for (const p of multiPdu(0x8001, 7, res, cuts(res.length))) frames.push(...c.send(1, p));
  // The record: both payloads, and 4 bytes per attribute offset (3 attributes per portal): more than a
  // quarter of the ring, past which a record goes through the port (remote.ts, BIG_SLOTS).
  t.true(req.length + res.length + 4 * 3 * 2 * N > RING_BYTES / 4, `${req.length + res.length} payload bytes`);
  const file = tempFile('big.pcap', pcapFile(frames.map((data, i) => ({ data, sec: 1_700_000_000 + i, nsec: 0 }))));
  const [threaded, inline] = await both(file);
  t.deepEqual(threaded, inline);
  const recs = (threaded as { portals: { securityBitmap: number; state: string }[] }).portals;
  t.is(recs.length, N);
  t.true(recs.every((r) => r.securityBitmap === 0x3b && r.state === 'registered'));
});

test.serial('an aborted run with the portal thread rejects and leaves no thread behind', async (t) => {
  const file = join(tempFile('x', new Uint8Array(0)), '..', 'abort.pcapng');
  generate('dense', file, 4 << 20, true, 3);
  const ac = new AbortController();
  const before = process.getActiveResourcesInfo().filter((r) => r === 'Worker' || r === 'MessagePort').length;
  await t.throwsAsync(analyze(file, { portalThread: true, signal: ac.signal, read: { highWaterMark: 64 * 1024, onProgress: () => ac.abort(new Error('stop')) } }), { message: 'stop' });
  await new Promise((r) => setTimeout(r, 200));
  const after = process.getActiveResourcesInfo().filter((r) => r === 'Worker' || r === 'MessagePort').length;
  t.is(after, before);
});

test.serial('the records get their own thread when the first thousand messages are one per five packets or more, in line otherwise; what waited comes first, in order', (t) => {
  const run = (messages: number, packets: number): { thread: boolean | null; seen: number[] } => {
    let thread: boolean | null = null;
    const seen: number[] = [];
    const sink = { message: (ev: { n: number }) => seen.push(ev.n), unanswered: () => {}, sendTargets: () => {} };
    const c = new ChosenPortals((th) => ((thread = th), sink as never), () => packets);
    for (let n = 0; n < messages; n++) c.message({ n } as never);
    c.decided();
    return { thread, seen };
  };
  const dense = run(1500, 3000);
  t.is(dense.thread, true);
  t.deepEqual(dense.seen, Array.from({ length: 1500 }, (_, i) => i));
  t.is(run(1500, 5001).thread, false, 'fewer than one message per five packets');
  t.is(run(999, 999).thread, false, 'too few messages to tell: in line');
});

test.serial('a thread started before the choice (large inputs): kept when the choice is the thread, stopped when it is in line or the run ends first', (t) => {
  const run = (messages: number, packets: number, closeEarly = false): { made: boolean[]; closed: string[]; seen: string[] } => {
    const made: boolean[] = [];
    const closed: string[] = [];
    const seen: string[] = [];
    const sink = (name: string): never => ({ message: (ev: { n: number }) => seen.push(`${name}${ev.n}`), unanswered: () => {}, sendTargets: () => {}, close: async () => void closed.push(name) }) as never;
    const c = new ChosenPortals((th) => (made.push(th), sink(th ? 'thread' : 'inline')), () => packets, true);
    t.deepEqual(made, [true], 'the thread is made at once');
    if (closeEarly) {
      c.close();
      return { made, closed, seen };
    }
    for (let n = 0; n < messages; n++) c.message({ n } as never);
    c.decided();
    return { made, closed, seen };
  };
  const dense = run(1200, 2000);
  t.deepEqual(dense.made, [true], 'the started thread is the one chosen: no second one');
  t.deepEqual(dense.closed, []);
  t.deepEqual(dense.seen, Array.from({ length: 1200 }, (_, i) => `thread${i}`));
  const mixed = run(1200, 100000);
  t.deepEqual(mixed.made, [true, false]);
  t.deepEqual(mixed.closed, ['thread'], 'an in-line choice stops the started thread');
  t.deepEqual(mixed.seen, Array.from({ length: 1200 }, (_, i) => `inline${i}`));
  t.deepEqual(run(0, 0, true).closed, ['thread'], 'a run that ends before the choice stops it too');
});

test.serial("a thread started first thing (the CLI's, for a large input) is the one the next run takes, made with that run's options, with the in-line results", async (t) => {
  // Portals without a bitmap of their own: the default security bitmap reaches the thread's builder (its first record).
  const f = join(ROOT, 'captures/crafted/crafted-escapes.pcap');
  for (const opts of [{ defaultSecurityBitmap: 0x3b, logons: false }, { defaultSecurityBitmap: 0x01 }, {}] as AnalyzeOptions[]) {
    prestartPortalThread();
    const threaded = canon(await analyze(f, { ...opts, portalThread: true })) as { portals: { securityBitmapSource: string }[] };
    const left = takePortalThread();
    if (left) void left.worker.terminate();
    t.is(left, null, 'the run took the started thread');
    t.deepEqual(threaded, canon(await analyze(f, { ...opts, portalThread: false })), JSON.stringify(opts));
    t.is(threaded.portals.some((p) => p.securityBitmapSource === 'default'), opts.defaultSecurityBitmap !== undefined);
  }
});

test('a thread started first thing that no run takes does not keep the process alive', (t) => {
  const url = pathToFileURL(join(ROOT, 'dist/src/isns/portals/prestart.js')).href;
  // (a script file: the thread is given the process's options, and --input-type would fail its start)
  const script = tempFile('prestart.mjs', new TextEncoder().encode(`import { prestartPortalThread } from ${JSON.stringify(url)};\nprestartPortalThread();\nconsole.log('started');\n`));
  const r = spawnSync(process.execPath, [script], { timeout: 30_000 });
  t.is(r.stdout.toString(), 'started\n');
  t.is(r.status, 0, `ended by ${r.signal ?? 'itself'}: ${r.stderr.toString().slice(0, 300)}`);
});

test('a portal thread that cannot start fails the run at once with an internal error (not after the 30 s a stuck thread is given)', (t) => {
  // The bin's files without its thread's (a broken install), beside the package's dependencies.
  const pkg = tempDir('nothread-');
  mkdirSync(join(pkg, 'dist'));
  cpSync(join(ROOT, 'dist/bin'), join(pkg, 'dist/bin'), { recursive: true });
  rmSync(join(pkg, 'dist/bin/thread.js'));
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
  // More events than the ring holds: the reader waits for a thread that never takes one.
  const file = join(pkg, 'dense.pcapng');
  generate('dense', file, 8 << 20, true, 11);
  const r = spawnSync(process.execPath, [join(pkg, 'dist/bin/isns-dissector.js'), 'portals', '--format', 'json', file], { env: { ...process.env, ISNS_DISSECTOR_THREAD: 'on' }, timeout: 20_000 });
  rmSync(pkg, { recursive: true, force: true });
  t.is(r.signal, null, 'ended by itself');
  t.is(r.status, 1);
  t.regex(r.stderr.toString(), /^isns-dissector: internal error: .*thread\.js/m);
});

for (const shared of ['host', 'file'] as const) {
  test.serial(`more file names and addresses than the thread numbers at once (65536): past it both sides start over, and every event still names its own (${shared}s in runs)`, async (t) => {
    // Query responses, each listing its own portal to a host, from a file: one of the two is new
    // for every event (so the names run out), the other is shared by sixteen events in a row (so
    // the event that starts the numbering over names the one the event before it named). The
    // records (where each portal was seen) and the discovery facts (host told of portal) show
    // which names each event arrived with.
    const N = 70_000;
    const events = (k: number): MessageEvent => {
      const h = shared === 'host' ? k >> 4 : k;
      const host = `10.${(h >> 16) & 255}.${(h >> 8) & 255}.${h & 255}`;
      const portal = `172.${16 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
      const pdu = { file: `f${shared === 'file' ? k >> 4 : k}.pcap`, frame: k + 1, ts: { sec: 1_700_000_000 + k, nsec: 0, digits: 6 }, dst: { addr: host, port: 40000 }, src: { addr: '192.0.2.1', port: 3205 } };
      const message = parseIsnsMessage(0x8002, 0x4c00, k & 0xffff, rsp(0, tStr(32, 'iqn.2026-12.test:t'), DELIM, tAddr(16, portal), tPort(17, 3260 + (k % 7))));
      return { message, pdus: [pdu], first: pdu, last: pdu } as unknown as MessageEvent;
    };
    const remote = new RemotePortals(null, true);
    const discovery = new DiscoveryStore();
    const inline = new PortalBuilder({ discovery });
    for (let k = 0; k < N; k++) {
      remote.message(events(k));
      inline.message(events(k));
    }
    const r = await remote.finish();
    const want = inline.finish();
    t.is(r.portals.length, N);
    t.deepEqual(canon(r.portals), canon(want.portals));
    const facts = (x: { facts: Map<string, Map<string, unknown>> }): string[] => [...x.facts].flatMap(([h, m]) => [...m.keys()].map((a) => `${h}>${a}`)).sort();
    const got = facts(r.discovery!);
    t.is(got.length, N);
    t.deepEqual(got, facts(discovery.state()));
  });
}

test.serial('a stream (size unknown) of a dense capture and of a mixed one: the same results as in line', async (t) => {
  const dir = join(tempFile('x', new Uint8Array(0)), '..');
  for (const kind of ['dense', 'mixed'] as const) {
    const file = join(dir, `${kind}.pcap`);
    generate(kind, file, 6 << 20, false, 5);
    const chosen = canon(await analyze({ name: file, data: createReadStream(file) }));
    const inline = canon(await analyze({ name: file, data: createReadStream(file) }, { portalThread: false }));
    t.deepEqual(chosen, inline, kind);
  }
});
