/**
 * `npm run bench` — speed and memory, as ratios against baselines measured in
 * the same run (these machines are noisy).
 *
 *   npm run bench                          # mixed 1 GiB, dense 256 MiB (pcap + pcapng), 16 MiB small, 3 runs
 *   npm run bench -- --size 64 --runs 1    # quick: mixed 64 MiB, dense 16 MiB
 *   npm run bench -- --no-tshark
 *   npm run bench -- --baseline-cli /tmp/old/dist/bin/isns-dissector.js   # also time another build's CLI, interleaved
 *
 * Measured per file, interleaved run by run: the raw read floor (Node reading the
 * file, 1 MiB chunks), pcap-parser alone counting packets with the same stream
 * settings (the dependency's ceiling), `isns-dissector portals --format json`,
 * and tshark's `-Y isns -T fields -e isns.portal.ip_address -e isns.portal_port
 * -e isns.psb` when tshark is installed. Wall time and peak RSS come from
 * /usr/bin/time (GNU time) around each process.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { generate, type GenStats } from './gen.js';
import { pcapHeader, pcapRecord, ethTcp } from '../tools/craft.js';
import { V8_OPTIONS } from '../src/cli/launch.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const argv = process.argv.slice(2);
const opt = (n: string, d: number): number => {
  const i = argv.indexOf(`--${n}`);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const sizeMiB = opt('size', 1024);
const runs = opt('runs', 3);
const noTshark = argv.includes('--no-tshark');
const noStages = argv.includes('--no-stages');
/** Another build's CLI (e.g. the previous commit's), timed in the same interleaved runs. */
const baseCli = ((): string | null => {
  const i = argv.indexOf('--baseline-cli');
  return i >= 0 ? resolve(argv[i + 1]!) : null;
})();
const MiB = 1 << 20;

const dir = join(tmpdir(), 'isns-dissector-bench');
mkdirSync(dir, { recursive: true });

function gen(name: string, kind: 'mixed' | 'dense', bytes: number, pcapng: boolean): { path: string; stats: GenStats } {
  const path = join(dir, `${name}.${pcapng ? 'pcapng' : 'pcap'}`);
  const meta = `${path}.json`;
  const key = JSON.stringify({ kind, bytes, pcapng, v: 8 });
  if (existsSync(meta) && existsSync(path)) {
    const m = JSON.parse(readFileSync(meta, 'utf8'));
    if (m.key === key) return { path, stats: m.stats };
  }
  const t0 = Date.now();
  const stats = generate(kind, path, bytes, pcapng);
  writeFileSync(meta, JSON.stringify({ key, stats }));
  console.error(`bench: generated ${path} (${(stats.bytes / MiB).toFixed(0)} MiB, ${stats.packets} packets, ${stats.isnsPdus} iSNS PDUs) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { path, stats };
}

interface Measure {
  wall: number;
  rssKiB: number;
}

function measure(cmd: string, args: string[]): Measure {
  const p = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * MiB });
  const lines = (p.stderr?.toString() ?? '').trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  const [wall, rss] = last.split(' ').map(Number);
  if (p.status !== 0 && p.status !== 1) throw new Error(`${cmd} ${args.join(' ')} failed (${p.status}): ${lines.slice(-3).join(' | ')}`);
  return { wall: wall ?? NaN, rssKiB: rss ?? NaN };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const node = process.execPath;
/** The CLI as `npx isns-dissector` runs it: the package's bin (the bundle tools/bundle.ts makes). */
const cli = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin['isns-dissector']!);
const rawRead = join(ROOT, 'dist/bench/raw-read.js');
const ppCount = join(ROOT, 'dist/bench/pcapparser-count.js');
const haveTshark = !noTshark && spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

type Tool = 'raw' | 'pcap-parser' | 'portals' | 'portals@base' | 'tshark';
const toolCmd: Record<Tool, (f: string) => [string, string[]]> = {
  raw: (f) => [node, [rawRead, f]],
  'pcap-parser': (f) => [node, [ppCount, f]],
  portals: (f) => [node, [cli, 'portals', '--format', 'json', f]],
  'portals@base': (f) => [node, [baseCli!, 'portals', '--format', 'json', f]],
  tshark: (f) => ['tshark', ['-r', f, '-Y', 'isns', '-T', 'fields', '-e', 'isns.portal.ip_address', '-e', 'isns.portal_port', '-e', 'isns.psb']],
};

interface Row {
  file: string;
  tool: Tool;
  wall: number;
  rssMiB: number;
  mbps: number;
  pps: number;
  isnsps: number;
}

function bench(label: string, path: string, stats: GenStats, tools: Tool[], n: number): Row[] {
  const res = new Map<Tool, Measure[]>();
  for (let i = 0; i < n; i++) {
    for (const t of tools) {
      const [c, a] = toolCmd[t](path);
      const m = measure(c, a);
      res.set(t, [...(res.get(t) ?? []), m]);
    }
  }
  return tools.map((t) => {
    const ms = res.get(t)!;
    const wall = median(ms.map((m) => m.wall));
    return {
      file: label,
      tool: t,
      wall,
      rssMiB: Math.max(...ms.map((m) => m.rssKiB)) / 1024,
      mbps: stats.bytes / MiB / wall,
      pps: stats.packets / wall,
      isnsps: stats.isnsPdus / wall,
    };
  });
}

function fmtRow(r: Row): string {
  return `| ${r.file} | ${r.tool} | ${r.wall.toFixed(2)} | ${r.mbps.toFixed(0)} | ${Math.round(r.pps).toLocaleString('en-US')} | ${Math.round(r.isnsps).toLocaleString('en-US')} | ${r.rssMiB.toFixed(0)} |`;
}

const mixed = gen('mixed', 'mixed', sizeMiB * MiB, false);
const dense = gen('dense', 'dense', Math.max(4, sizeMiB / 4) * MiB, false);
const densePng = gen('dense', 'dense', Math.max(4, sizeMiB / 4) * MiB, true);
const small = gen('small', 'mixed', 16 * MiB, false);

// A record header claiming 4 GiB after a few good packets.
const huge = join(dir, 'huge-claim.pcap');
{
  const frames = [0, 1, 2].map((i) => pcapRecord({ data: ethTcp('10.0.0.1', '10.0.0.2', 40000, 3205, new Uint8Array(10), { seq: i * 10 }), sec: 1795464000 + i, nsec: 0 }));
  const bad = new Uint8Array(16 + 64);
  new DataView(bad.buffer).setUint32(8, 0xffffffff, true);
  new DataView(bad.buffer).setUint32(12, 0xffffffff, true);
  const parts = [pcapHeader({ snaplen: 65535 }), ...frames, bad];
  writeFileSync(huge, Buffer.concat(parts.map((p) => Buffer.from(p))));
}

const withT = (ts: Tool[]): Tool[] => [...ts, ...(baseCli ? (['portals@base'] as Tool[]) : []), ...(haveTshark ? (['tshark'] as Tool[]) : [])];
const rows: Row[] = [
  ...bench(`mixed ${(mixed.stats.bytes / MiB).toFixed(0)} MiB pcap`, mixed.path, mixed.stats, withT(['raw', 'pcap-parser', 'portals']), runs),
  ...bench(`dense ${(dense.stats.bytes / MiB).toFixed(0)} MiB pcap`, dense.path, dense.stats, withT(['raw', 'pcap-parser', 'portals']), runs),
  ...bench(`dense ${(densePng.stats.bytes / MiB).toFixed(0)} MiB pcapng`, densePng.path, densePng.stats, withT(['raw', 'portals']), runs),
  ...bench('small 16 MiB pcap', small.path, small.stats, baseCli ? ['raw', 'portals', 'portals@base'] : ['raw', 'portals'], runs),
];
const hugeRuns = [0, 1, 2].map(() => measure(node, [cli, 'portals', '--format', 'json', huge]));

/** The output is checked, not only timed: one record per portal the generator encoded. */
function verify(label: string, path: string, stats: GenStats): string {
  const p = spawnSync(node, [cli, 'portals', '--format', 'json', path], { maxBuffer: 1 << 30 });
  let got = -1;
  try {
    got = (JSON.parse(p.stdout.toString()) as { portals: unknown[] }).portals.length;
  } catch {
    /* reported below */
  }
  const ok = got === stats.portals;
  return `- ${label}: ${got} portal records, the generator encoded ${stats.portals} distinct portals — ${ok ? 'OK' : 'MISMATCH'}`;
}
/** Stage by stage on the dense pcapng (bench/stages.ts), with the V8 options the CLI runs with: what each layer adds. */
const stagesJs = join(ROOT, 'dist/bench/stages.js');
const stageNames = ['read', 'frame', 'dissect', 'messages', 'portals', 'thread'];
const stageWall = new Map<string, number[]>();
for (let i = 0; i < (noStages ? 0 : runs); i++) for (const st of stageNames) stageWall.set(st, [...(stageWall.get(st) ?? []), measure(node, [...V8_OPTIONS, stagesJs, st, densePng.path]).wall]);

const checks = [
  verify(`mixed ${(mixed.stats.bytes / MiB).toFixed(0)} MiB pcap`, mixed.path, mixed.stats),
  verify(`dense ${(dense.stats.bytes / MiB).toFixed(0)} MiB pcap`, dense.path, dense.stats),
  verify(`dense ${(densePng.stats.bytes / MiB).toFixed(0)} MiB pcapng`, densePng.path, densePng.stats),
];

const get = (file: string, tool: Tool): Row | undefined => rows.find((r) => r.file.startsWith(file) && r.tool === tool);
const ratio = (a?: Row, b?: Row): string => (a && b ? (b.wall / a.wall).toFixed(2) : 'n/a');

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const out: string[] = [];
out.push(`Machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}${haveTshark ? `, ${execFileSync('tshark', ['--version']).toString().split('\n')[0]}` : ', tshark not installed'}; ${runs} runs each, interleaved, median wall time, max peak RSS.`);
out.push('');
out.push('| file | tool | wall s | MB/s | packets/s | iSNS PDUs/s | peak RSS MiB |');
out.push('|---|---|---|---|---|---|---|');
for (const r of rows) out.push(fmtRow(r));
out.push('');
const pm = get('mixed', 'portals');
const pdn = get('dense', 'portals');
const pdng = rows.find((r) => r.file.includes('pcapng') && r.tool === 'portals');
out.push('Ratios (same run):');
out.push(`- mixed: portals takes ${ratio(get('mixed', 'pcap-parser'), pm)}× pcap-parser's count-only time (target ≤ 1.4) and ${ratio(get('mixed', 'raw'), pm)}× the raw read floor's; it is ${ratio(pm, get('mixed', 'tshark'))}× faster than tshark`);
out.push(`- dense pcap: portals is ${ratio(pdn, get('dense', 'tshark'))}× faster than tshark; ${ratio(pdn, get('dense', 'pcap-parser'))}× pcap-parser's count-only`);
const pdngT = rows.find((r) => r.file.includes('pcapng') && r.tool === 'tshark');
out.push(`- dense pcapng: portals is ${ratio(pdng, pdngT)}× faster than tshark (target ≥ 12)`);
const maxRss = Math.max(...rows.filter((r) => r.tool === 'portals').map((r) => r.rssMiB));
const smallRss = get('small', 'portals')?.rssMiB ?? NaN;
out.push(`- peak RSS of portals: max ${maxRss.toFixed(0)} MiB over all files (target ≤ 128); 16 MiB capture ${smallRss.toFixed(0)} MiB, so the largest file costs ${(maxRss - smallRss).toFixed(0)} MiB more (target ≤ 32)`);
if (baseCli) {
  for (const f of ['mixed', 'dense', 'small']) {
    for (const r of rows.filter((x) => x.file.startsWith(f) && x.tool === 'portals')) {
      const b = rows.find((x) => x.file === r.file && x.tool === 'portals@base');
      if (b) out.push(`- ${r.file}: portals takes ${(r.wall / b.wall).toFixed(3)}× the baseline build's time, peak RSS ${(r.rssMiB / b.rssMiB).toFixed(3)}× (${baseCli})`);
    }
  }
}
out.push(`- a record header claiming 4 GiB: rejected in ${median(hugeRuns.map((m) => m.wall)).toFixed(2)} s (median of 3, whole process; target ≤ 0.5), peak RSS ${(Math.max(...hugeRuns.map((m) => m.rssKiB)) / 1024).toFixed(0)} MiB`);
out.push('');
out.push(`Where the time goes on the dense pcapng (one process per stage, median wall s; tshark/12 = ${pdngT ? (pdngT.wall / 12).toFixed(2) : 'n/a'} s):`);
out.push('');
out.push('| stage | wall s | added by this stage s |');
out.push('|---|---|---|');
let prevStage = 0;
const stageMedian = new Map<string, number>();
for (const st of stageNames) {
  if (noStages) break;
  const w = median(stageWall.get(st)!);
  stageMedian.set(st, w);
  // The thread stage replaces portals: what it adds is counted from messages.
  if (st === 'thread') prevStage = stageMedian.get('messages')!;
  out.push(`| ${st === 'thread' ? 'thread (portals on their own thread, instead of the line above)' : st} | ${w.toFixed(2)} | ${(w - prevStage).toFixed(2)} |`);
  prevStage = w;
}
if (pdng) out.push(`| portals --format json (the CLI) | ${pdng.wall.toFixed(2)} | ${(pdng.wall - prevStage).toFixed(2)} |`);
out.push('');
out.push('Output check:');
out.push(...checks);
console.log(out.join('\n'));
if (checks.some((c) => c.endsWith('MISMATCH'))) process.exitCode = 1;
writeFileSync(join(dir, 'results.md'), out.join('\n') + '\n');
void statSync;
