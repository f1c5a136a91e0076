/**
 * `annotate`: the same packets as pcapng, a packet comment (opt_comment) on
 * every frame a finding names. Read back by tshark (`-T json -e
 * frame.comment`, `-Y 'frame.comment contains "IPSEC"'`) and compared field
 * by field and byte by byte (`-x`) with the input; read back by our own
 * reader too (so the round trip is checked where tshark is missing): pcap µs
 * and ns, pcapng little- and big-endian with ns resolution and simple/obsolete
 * packet blocks, gzip, stdin, several inputs (one section each), unreadable
 * inputs (exit 1, the others still written), filters.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCapture } from '../src/capture/read.js';
import { pcapFile, PcapngWriter } from '../tools/craft.js';
import type { Packet } from '../src/types.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const SAMPLE = join(ROOT, 'captures/crafted/sample.pcapng');
const EDGE = join(ROOT, 'captures/crafted/crafted-edge.pcapng');
const TIMELINE_A = join(ROOT, 'captures/crafted/timeline-a.pcap');
const dir = tempDir('annotate-');
const run = (args: string[], input?: Uint8Array) => spawnSync(process.execPath, [CLI, ...args], { input: input ?? '', maxBuffer: 64 << 20 });
const hasTshark = spawnSync('tshark', ['--version']).status === 0;
const tshark = (args: string[]): string => spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
const FIELDS = ['frame.number', 'frame.time_epoch', 'frame.len', 'frame.cap_len', 'frame.encap_type', 'frame.protocols'];
const fields = (f: string): string => tshark(['-r', f, '-T', 'fields', ...FIELDS.flatMap((x) => ['-e', x])]);

type Got = Omit<Packet, 'data' | 'file' | 'offset' | 'frame'> & { data: string };
async function packets(f: string): Promise<Got[]> {
  const out: Got[] = [];
  await readCapture(f, { packet: (p) => out.push({ linktype: p.linktype, iface: p.iface, ts: p.ts, caplen: p.caplen, origlen: p.origlen, data: Buffer.from(p.data).toString('hex') }), problem() {} });
  return out;
}
const noIface = (a: Got[]) => a.map(({ iface: _i, ...r }) => r);
/** A map as a plain object in frame order (Map equality depends on insertion order). */
const sorted = (m: Map<number, string[]>): Record<number, string[]> => Object.fromEntries([...m].sort((x, y) => x[0] - y[0]));

/** Frame -> comments, as tshark reads them back. */
function tsharkComments(f: string): Map<number, string[]> {
  const j = JSON.parse(tshark(['-r', f, '-T', 'json', '-e', 'frame.number', '-e', 'frame.comment']) || '[]') as { _source: { layers: Record<string, string[]> } }[];
  const m = new Map<number, string[]>();
  for (const p of j) {
    const c = p._source.layers['frame.comment'];
    if (c) m.set(+p._source.layers['frame.number']![0]!, c);
  }
  return m;
}

/** Frame -> comments the findings of `portals --format json` call for. */
function expected(args: string[], logons = args.length === 1): Map<number, string[]> {
  const j = JSON.parse(run(['portals', '--format', 'json', ...args]).stdout.toString());
  const m = new Map<number, string[]>();
  const add = (f: { code: string; severity: string; message: string; frames: number[] }, where: string | null): void => {
    for (const fr of new Set(f.frames)) {
      const text = `${f.code} (${f.severity})${where ? ` ${where}` : ''}: ${f.message}`;
      const a = m.get(fr) ?? [];
      if (!a.includes(text)) a.push(text);
      m.set(fr, a);
    }
  };
  for (const p of j.portals) for (const f of p.findings) add(f, `${p.address.includes(':') ? `[${p.address}]` : p.address}:${p.socket}/${p.transport}`);
  for (const f of j.findings) add(f, null);
  if (logons) {
    // One input: logon findings too (their frames are that file's).
    const l = JSON.parse(run(['logons', '--format', 'json', ...args]).stdout.toString());
    for (const r of l.logons) for (const f of r.findings) add(f, `${r.initiator} -> ${r.portal.address}${r.portal.socket === null ? '' : `:${r.portal.socket}`}`);
  }
  return m;
}

test('sample.pcapng: a comment with code and message on every frame a finding names; every other field and byte unchanged', async (t) => {
  const out = join(dir, 'out', 'sample.annotated.pcapng');
  const r = run(['annotate', SAMPLE, '-o', out]);
  t.is(r.status, 0, r.stderr.toString());
  t.regex(r.stderr.toString(), /annotate: .*sample\.annotated\.pcapng: 1 section\(s\), \d+ comment\(s\) on 9 frame\(s\)/);
  t.deepEqual(await packets(out), await packets(SAMPLE), 'our reader reads back the same packets (link type, interface, time with its precision, lengths, bytes)');
  if (!hasTshark) return t.log('tshark not installed: the read-back by tshark was not run');
  const got = tsharkComments(out);
  t.deepEqual([...got.keys()].sort((a, b) => a - b), [5, 11, 12, 17, 18, 23, 24, 25, 26]); // 25-26: the refused aggressive mode (sample.truth.json)
  t.deepEqual(sorted(got), sorted(expected([SAMPLE])));
  t.regex(got.get(12)![0]!, /^IPSEC_MODE_WITHOUT_IKE \(error\) 198\.51\.100\.5:3260\/udp: the bitmap 0x00000005/);
  t.is(tshark(['-r', out, '-Y', 'frame.comment contains "IPSEC"', '-T', 'fields', '-e', 'frame.number']), '12\n');
  t.is(fields(out), fields(SAMPLE));
  t.is(tshark(['-r', out, '-x']), tshark(['-r', SAMPLE, '-x']));
  // Wireshark's Expert Info lists the comments.
  t.regex(tshark(['-r', out, '-q', '-z', 'expert,comment']), /Comments \(\d+\)[\s\S]*IPSEC_MODE_WITHOUT_IKE/);
});

test('pcap µs and ns, big-endian pcapng with ns resolution and simple/obsolete packet blocks, gzip: times and bytes kept', async (t) => {
  const src = await packets(SAMPLE);
  const frames = src.map((p) => ({ data: Buffer.from(p.data, 'hex'), sec: p.ts.sec, nsec: p.ts.nsec + 123, origlen: p.origlen }));
  const ns = join(dir, 'sample-ns.pcap');
  writeFileSync(ns, pcapFile(frames, { nano: true }));
  const be = join(dir, 'sample-be.pcapng');
  const w = new PcapngWriter(true).section().iface({ linktype: 1, tsresol: 9 });
  frames.forEach((f, i) => (i === 0 ? w.simple(f.data) : i === 1 ? w.obsolete(0, BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec), f.data) : w.packet(0, BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec), f.data)));
  writeFileSync(be, w.bytes());
  const gz = join(dir, 'timeline-a.pcap.gz');
  writeFileSync(gz, gzipSync(readFileSync(TIMELINE_A)));
  for (const f of [ns, be, gz, TIMELINE_A, EDGE]) {
    const out = join(dir, `${f.split('/').pop()}.annotated.pcapng`);
    const r = run(['annotate', '-q', f, '-o', out]);
    t.is(r.status, 0, `${f}: ${r.stderr}`);
    t.is(r.stderr.toString(), '', '-q: no summary line');
    const a = await packets(f);
    const b = await packets(out);
    t.deepEqual(f.endsWith('.pcapng') ? b : noIface(b), f.endsWith('.pcapng') ? a : noIface(a), f);
    if (f === ns) t.true(b.every((p) => p.ts.digits === 9 && p.ts.nsec % 1000 === 123), 'nanoseconds kept');
    if (!hasTshark) continue;
    t.is(fields(out), fields(f), f);
    t.is(tshark(['-r', out, '-x']), tshark(['-r', f, '-x']), f);
    const want = expected([f]);
    if (f === be) want.delete(1); // the simple packet block has no timestamp; its comment makes it an EPB at time 0
    const got = tsharkComments(out);
    if (f === be) got.delete(1);
    t.deepEqual(sorted(got), sorted(want), f);
  }
});

test('several inputs: one section each, frames numbered on in the output; an unreadable input exits 1 and the others are written', async (t) => {
  const out = join(dir, 'two.pcapng');
  const missing = join(dir, 'missing.pcap');
  const r = run(['annotate', SAMPLE, missing, TIMELINE_A, '-o', out]);
  t.is(r.status, 1);
  t.regex(r.stderr.toString(), /missing\.pcap: cannot read: no such file or directory/);
  t.regex(r.stderr.toString(), /2 section\(s\)/);
  const a = await packets(SAMPLE);
  const b = await packets(TIMELINE_A);
  const o = await packets(out);
  t.is(o.length, a.length + b.length);
  t.deepEqual(noIface(o.slice(0, a.length)), noIface(a));
  t.deepEqual(noIface(o.slice(a.length)), noIface(b));
  if (!hasTshark) return;
  const got = tsharkComments(out);
  const want = expected([SAMPLE], false); // several inputs: no logon comments
  for (const [fr, c] of expected([TIMELINE_A])) want.set(fr + a.length, c);
  // (messages naming the files differ only for capture-level findings of the second file: none here)
  t.deepEqual(sorted(got), sorted(want));
});

test('stdin, filters, and usage errors', async (t) => {
  const out = join(dir, 'stdin.pcapng');
  const r = run(['annotate', '-', '-o', out], readFileSync(SAMPLE));
  t.is(r.status, 0, r.stderr.toString());
  t.deepEqual(await packets(out), await packets(SAMPLE));
  const only = join(dir, 'only.pcapng');
  t.is(run(['annotate', '--code', 'IPSEC_MODE_WITHOUT_IKE', SAMPLE, '-o', only]).status, 0);
  if (hasTshark) t.deepEqual([...tsharkComments(only).keys()], [12]);
  const e = run(['annotate', SAMPLE]);
  t.is(e.status, 2);
  t.regex(e.stderr.toString(), /-o\/--output <file\.pcapng> is required/);
  t.is(run(['annotate', '-o', join(dir, 'x.pcapng')]).status, 2);
  t.false(existsSync(join(dir, 'x.pcapng')));
});
