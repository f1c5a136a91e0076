/**
 * The pipeline's fixed-offset fast path for Ethernet/IPv4/TCP frames must do
 * exactly what the layered dissectors do. A registry whose Ethernet entry is a
 * copy of the Ethernet dissector (same behaviour, another object) turns the
 * fast path off; both runs must give the same PDUs, records and findings.
 */
import test from 'ava';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyze } from '../src/analyze.js';
import { createRegistry, LINKTYPE } from '../dissector/registry.js';
import { Registry } from '../dissector/core/table.js';
import { eth } from '../dissector/link/eth.js';
import { generate } from '../bench/gen.js';
import { Pipeline } from '../src/flow/pipeline.js';
import { readCapture } from '../src/capture/read.js';
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { rng } from '../tools/craft.js';
import { tempDir } from './helpers/tmp.js';

function layeredOnly(): Registry {
  const std = createRegistry();
  const r = new Registry();
  for (const name of ['linktype', 'ethertype', 'ip.proto', 'tcp.port', 'udp.port'] as const) {
    for (const k of std.table(name).keys()) {
      const p = std.table(name).get(k)!;
      r.table(name).add(k, (name === 'linktype' && k === LINKTYPE.ETHERNET ? { ...eth } : p) as never);
    }
  }
  return r;
}

async function run(files: string[], registry?: Registry): Promise<string> {
  const pdus: string[] = [];
  const res = await analyze(files, {
    ...(registry ? { registry } : {}),
    onIsnsPdu: (p, r) => pdus.push(`${p.frame} ${p.frames.join(',')} ${p.conversation} ${Buffer.from(p.bytes).toString('hex')} ${r.problems.join('|')}`),
  });
  return JSON.stringify({ res, pdus });
}

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const real = readdirSync(join(ROOT, 'captures')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(ROOT, 'captures', f));
const crafted = readdirSync(join(ROOT, 'captures/crafted')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(ROOT, 'captures/crafted', f));

test('fast path and layered path agree on every bundled capture', async (t) => {
  for (const f of [...real, ...crafted]) t.is(await run([f]), await run([f], layeredOnly()), f);
  t.true(real.length >= 4 && crafted.length >= 10);
});

test('fast path and layered path agree on generated mixed and dense captures (split and pipelined PDUs, UDP, many streams)', async (t) => {
  const dir = tempDir('fastpath-');
  for (const [kind, ng] of [['mixed', false], ['dense', false], ['dense', true]] as const) {
    const f = join(dir, `${kind}.${ng ? 'pcapng' : 'pcap'}`);
    const s = generate(kind, f, (kind === 'mixed' ? 8 : 2) << 20, ng, 7);
    t.true(s.isnsPdus > 100);
    t.is(await run([f]), await run([f], layeredOnly()), f);
  }
});

test('the fast path takes the frames of known conversations and nothing else', async (t) => {
  const dir = tempDir('fastpath-');
  const f = join(dir, 'dense.pcap');
  generate('dense', f, 1 << 20, false, 3);
  let pdus = 0;
  const on = new Pipeline(createRegistry(), { pdu: () => pdus++, finding: () => {} });
  await readCapture(f, on);
  // The layered path takes each direction's first packet (400 for 200 connections) and the UDP exchanges.
  t.true(on.fastPackets > on.packets * 0.85, `${on.fastPackets} of ${on.packets}`);
  const off = new Pipeline(layeredOnly(), { pdu: () => pdus--, finding: () => {} });
  await readCapture(f, off);
  t.is(off.fastPackets, 0);
  t.is(pdus, 0);
});

test('fast path and layered path agree on frames with corrupted Ethernet/IPv4/TCP headers', async (t) => {
  const dir = tempDir('fastpath-');
  const f = join(dir, 'dense.pcap');
  generate('dense', f, 256 << 10, false, 11);
  const base = readFileSync(f);
  // Classic pcap, little-endian: records after the 24-byte header.
  const records: number[] = [];
  for (let o = 24; o + 16 <= base.length; o += 16 + base.readUInt32LE(o + 8)) records.push(o + 16);
  const r = rng(99);
  const runStdin = async (bytes: Uint8Array, registry?: Registry): Promise<string> => {
    const pdus: string[] = [];
    const res = await analyze(['-'], {
      ...(registry ? { registry } : {}),
      read: { stdin: Readable.from([Buffer.from(bytes)]) },
      onIsnsPdu: (p, x) => pdus.push(`${p.frame} ${p.frames.join(',')} ${Buffer.from(p.bytes).toString('hex')} ${x.problems.join('|')}`),
    });
    return JSON.stringify({ res, pdus });
  };
  let differ = 0;
  for (let round = 0; round < 40; round++) {
    const b = Uint8Array.from(base);
    // Corrupt header bytes of 20 packets after the first 600 (conversations are known by then).
    for (let k = 0; k < 20; k++) {
      const d = records[600 + Math.floor(r() * (records.length - 600))]!;
      const field = [14, 16, 17, 20, 21, 23, 46, 47, 12, 13][Math.floor(r() * 10)]!; // IHL, total length, flags/offset, proto, TCP data offset, ethertype
      b[d + field] = Math.floor(r() * 256);
    }
    if ((await runStdin(b)) !== (await runStdin(b, layeredOnly()))) differ++;
  }
  t.is(differ, 0);
});
