/**
 * Mutation fuzzing of the committed captures through the whole pipeline
 * (in-process) and the CLI (child processes).
 *
 *   npm run fuzz                       # default: 100 000 in-process + 300 CLI runs
 *   npm run fuzz -- --count 5000 --cli 20 --seed 7
 *   npm run fuzz -- --adversarial [--quick] [--pattern NAME,...] [--scale 1,3,10]
 *                                      # adversarial captures at growing sizes: time, memory,
 *                                      # output bounds and correctness (test/fuzz/adversarial.ts)
 *
 * The in-process runs format portals and logons in every format; the CLI runs
 * cycle through portals, logons, packets trees of every protocol (iSNS, iSCSI,
 * ISAKMP/IKE, UDP encapsulation, ESP) and -e fields of each.
 *
 * Mutations: bit flips, truncation, duplicated and deleted spans, and length
 * fields (pcap record lengths, pcapng block lengths, iSNS PDU and attribute
 * lengths, or any aligned word) set to 0 / 0xffff / 0xffffffff.
 * A failure is an exception escaping, a hang (no answer within the time limit),
 * or a CLI run that crashes or exits with a code outside 0/1. Every failing input
 * is written to test/fuzz/regressions/ (commit it: test/fuzz-regressions.test.ts
 * replays them all).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { analyze } from '../../src/analyze.js';
import { formatLogonsCsv } from '../../src/output/logons-csv.js';
import { formatLogonsJson, formatLogonsNdjson } from '../../src/output/logons-json.js';
import { formatLogonsTable } from '../../src/output/logons-table.js';
import { formatPortals } from '../../src/output/portals.js';
import { rng } from '../../tools/craft.js';
import { CLI } from '../helpers/cli.js';

const ROOT = resolve(new URL('../../..', import.meta.url).pathname);
const REGRESSIONS = join(ROOT, 'test/fuzz/regressions');

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}


export function loadCorpus(): { name: string; bytes: Uint8Array }[] {
  const dir = join(ROOT, 'captures');
  const out: { name: string; bytes: Uint8Array }[] = [];
  const walkDir = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walkDir(p);
      else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e.name)) {
        let b: Uint8Array = readFileSync(p);
        if (e.name.endsWith('.gz')) b = gunzipSync(b);
        if (b.length <= 2_000_000) out.push({ name: p.slice(dir.length + 1), bytes: b });
      }
    }
  };
  walkDir(dir);
  return out;
}

/** Offsets of length fields worth attacking: pcap record lengths, pcapng block lengths, iSNS lengths. */
function lengthOffsets(b: Uint8Array): number[] {
  const offs: number[] = [];
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (b.length >= 24) {
    const m = dv.getUint32(0, false);
    if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) {
      const le = m === 0xd4c3b2a1 || m === 0x4d3cb2a1;
      let o = 24;
      while (o + 16 <= b.length && offs.length < 5000) {
        offs.push(o + 8, o + 12);
        o += 16 + dv.getUint32(o + 8, le);
      }
    } else if (m === 0x0a0d0d0a) {
      let o = 0;
      let le = true;
      while (o + 12 <= b.length && offs.length < 5000) {
        if (dv.getUint32(o, false) === 0x0a0d0d0a && o + 12 <= b.length) le = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
        offs.push(o + 4);
        const len = dv.getUint32(o + 4, le);
        if (len < 12) break;
        offs.push(o + len - 4);
        o += len;
      }
    }
  }
  // iSNS headers: version 0x0001 followed by a known function id; PDU length at +4, TLV lengths after.
  for (let i = 0; i + 12 <= b.length && offs.length < 20000; i++) {
    if (b[i] === 0 && b[i + 1] === 1 && (b[i + 2] === 0 || b[i + 2] === 0x80) && b[i + 3]! > 0 && b[i + 3]! < 0x14) {
      offs.push(i + 4);
      for (let t = i + 12; t + 8 <= Math.min(b.length, i + 200); t += 4) offs.push(t + 4);
    }
  }
  return offs;
}

export function mutate(src: Uint8Array, r: () => number, targets: number[]): Uint8Array {
  let b = Uint8Array.from(src);
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const kind = Math.floor(r() * 6);
    const pos = Math.floor(r() * Math.max(1, b.length));
    switch (kind) {
      case 0: {
        const flips = 1 + Math.floor(r() * 8);
        for (let i = 0; i < flips && b.length; i++) b[Math.floor(r() * b.length)]! ^= 1 << Math.floor(r() * 8);
        break;
      }
      case 1:
        b = b.slice(0, pos);
        break;
      case 2: {
        // duplicate a span right after itself
        const len = Math.floor(r() * 64);
        const span = b.slice(pos, pos + len);
        const end = pos + span.length;
        const out = new Uint8Array(b.length + span.length);
        out.set(b.subarray(0, end));
        out.set(span, end);
        out.set(b.subarray(end), end + span.length);
        b = out;
        break;
      }
      case 3: {
        // delete a span
        const len = Math.floor(r() * 64);
        const out = new Uint8Array(Math.max(0, b.length - Math.min(len, b.length - pos)));
        out.set(b.subarray(0, pos));
        out.set(b.subarray(pos + len), pos);
        b = out;
        break;
      }
      default: {
        const o = targets.length && r() < 0.8 ? targets[Math.floor(r() * targets.length)]! : pos & ~3;
        const v = [0, 0xffff, 0xffffffff, 0x7fffffff][Math.floor(r() * 4)]!;
        const w = r() < 0.5 ? 4 : 2;
        for (let i = 0; i < w && o + i < b.length; i++) b[o + i] = w === 4 ? (v >>> (8 * (3 - i))) & 0xff : (v >>> (8 * (1 - i))) & 0xff;
        break;
      }
    }
  }
  return b;
}

const TIME_LIMIT_MS = 10_000;

const CLI_COMMANDS: ((fmt: string) => string[])[] = [
  (fmt) => ['portals', '--format', fmt, '-'],
  (fmt) => ['logons', '--format', fmt, '-'],
  () => ['packets', '--format', 'text', '--protocol', 'isns', '-'],
  () => ['packets', '--format', 'json', '--protocol', 'iscsi', '--protocol', 'isakmp', '-'],
  () => ['packets', '--format', 'text', '--protocol', 'isakmp', '--protocol', 'udpencap', '--protocol', 'esp', '-'],
  () => ['packets', '--format', 'text', '--protocol', 'iscsi', '-'],
  () => ['packets', '-e', 'frame.number', '-e', 'isns.functionid', '-e', 'isns.psb', '-e', 'isns.iscsi_name', '-'],
  () => ['packets', '-e', 'frame.number', '-e', 'iscsi.opcode', '-e', 'iscsi.keyvalue', '-e', 'iscsi.login.status', '-'],
  () => ['packets', '-e', 'frame.number', '-e', 'isakmp.ispi', '-e', 'isakmp.exchangetype', '-e', 'isakmp.notify.msgtype', '-e', 'esp.spi', '-'],
];

export async function runOnce(bytes: Uint8Array): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<string>((res) => {
    timer = setTimeout(() => res(`hang: no result within ${TIME_LIMIT_MS} ms`), TIME_LIMIT_MS);
  });
  const work = (async (): Promise<string | null> => {
    try {
      const r = await analyze(['-'], { read: { stdin: Readable.from([Buffer.from(bytes)]) } });
      for (const f of ['table', 'json', 'ndjson', 'csv'] as const) formatPortals(r, f);
      formatLogonsTable(r);
      formatLogonsJson(r);
      formatLogonsNdjson(r);
      formatLogonsCsv(r);
      return null;
    } catch (e) {
      return `exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
    }
  })();
  const res = await Promise.race([work, hang]);
  clearTimeout(timer);
  return res;
}

function save(bytes: Uint8Array, why: string): string {
  mkdirSync(REGRESSIONS, { recursive: true });
  const h = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const p = join(REGRESSIONS, `${h}.bin`);
  writeFileSync(p, bytes);
  writeFileSync(join(REGRESSIONS, `${h}.txt`), why.split('\n').slice(0, 8).join('\n') + '\n');
  return p;
}

async function main(): Promise<void> {
  if (process.argv.includes('--adversarial')) {
    const { adversarial } = await import('./adversarial.js');
    process.exitCode = await adversarial();
    return;
  }
  const count = arg('count', 100_000);
  const cliCount = arg('cli', 300);
  const seed = arg('seed', 1);
  const corpus = loadCorpus();
  if (corpus.length === 0) {
    console.error('fuzz: no captures found under captures/');
    process.exit(2);
  }
  const targets = corpus.map((c) => lengthOffsets(c.bytes));
  const r = rng(seed);
  let failures = 0;
  const t0 = Date.now();
  let bytesIn = 0;
  for (let i = 0; i < count; i++) {
    const k = Math.floor(r() * corpus.length);
    const m = mutate(corpus[k]!.bytes, r, targets[k]!);
    bytesIn += m.length;
    const res = await runOnce(m);
    if (res) {
      failures++;
      console.error(`fuzz: FAIL #${i} from ${corpus[k]!.name}: ${res.split('\n')[0]} → ${save(m, res)}`);
    }
    if ((i + 1) % 10000 === 0) console.error(`fuzz: ${i + 1}/${count} in-process, ${failures} failures, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const tIn = (Date.now() - t0) / 1000;
  const cli = CLI;
  let cliFail = 0;
  const t1 = Date.now();
  for (let i = 0; i < cliCount; i++) {
    const k = Math.floor(r() * corpus.length);
    const m = mutate(corpus[k]!.bytes, r, targets[k]!);
    const fmt = ['table', 'json', 'ndjson', 'csv'][i % 4]!;
    // Every command and every protocol's dissector: portals, logons, packets trees (text/json) of
    // each protocol, and tshark-style -e fields of each.
    const cmd = CLI_COMMANDS[i % CLI_COMMANDS.length]!(fmt);
    const p = spawnSync(process.execPath, [cli, ...cmd], { input: m, timeout: 30_000, maxBuffer: 64 << 20 });
    const stderr = p.stderr?.toString() ?? '';
    const bad =
      p.error ? `spawn error ${p.error.message}` :
      p.signal ? `killed by ${p.signal}` :
      p.status !== 0 && p.status !== 1 ? `exit ${p.status}: ${stderr.slice(0, 300)}` :
      /internal error|at .*\.js:\d+/.test(stderr) ? `crash: ${stderr.slice(0, 300)}` :
      stderr.split('\n').some((l) => l.length > 2000) ? 'stderr line over 2000 chars' :
      null;
    if (bad) {
      cliFail++;
      console.error(`fuzz: CLI FAIL #${i} (${cmd.join(' ')}) from ${corpus[k]!.name}: ${bad} → ${save(m, bad)}`);
    }
  }
  const tCli = (Date.now() - t1) / 1000;
  console.log(
    `fuzz: seed ${seed}; corpus ${corpus.length} captures; in-process ${count} mutated inputs (${(bytesIn / 1048576).toFixed(1)} MiB) in ${tIn.toFixed(1)} s, ${failures} failures; CLI ${cliCount} runs in ${tCli.toFixed(1)} s, ${cliFail} failures`,
  );
  process.exitCode = failures + cliFail > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) await main();
