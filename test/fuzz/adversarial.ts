/**
 * Adversarial mode of `npm run fuzz` (issue 13): every pattern of
 * tools/adversarial.ts generated at 1x/3x/10x of its base size and run through
 * the CLI as a child process under GNU time, asserting
 *  - the exit status the contract allows, never a crash, a hang or a kill;
 *  - output produced, within the pattern's bound (bytes as a function of size),
 *    and correct against the generator's ground truth;
 *  - peak RSS under the pattern's bound;
 *  - near-linear time: time(3x)/time(1x) ≤ 5 and time(10x)/time(1x) ≤ 15.5
 *    (1.5·s + 0.5; times under 0.3 s count as 0.3 s, so start-up noise does
 *    not decide); and for a pattern with a control capture (the same bulk
 *    traffic without the attack), time(attack)/time(control) under its bound.
 *
 *   npm run fuzz -- --adversarial                       # every pattern, 1x/3x/10x
 *   npm run fuzz -- --adversarial --quick               # 1x/3x only
 *   npm run fuzz -- --adversarial --pattern trickle-pdu,7 --scale 1,3
 *   npm run fuzz -- --adversarial --timeout 120 --keep  # per-run limit (s); keep the captures
 *   npm run fuzz -- --adversarial --cli /tmp/old/dist/bin/isns-dissector.js   # another build's CLI
 *
 * A benchmark-style check: not part of `npm test`. Exits 1 on any failure.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PATTERNS, prepareDir, type Outputs, type Pattern, type RunSpec, type Truth } from '../../tools/adversarial.js';
import { CLI as BIN } from '../helpers/cli.js';

/** The CLI run: this build's, or another build's with --cli (e.g. a copy of dist/ before a change). */
const CLI = (() => {
  const i = process.argv.indexOf('--cli');
  return i >= 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]!) : BIN;
})();
/** Times under this count as this much in the ratios. */
const FLOOR_S = 0.3;
const CRASH = /internal error|FATAL ERROR|Maximum call stack|heap out of memory|Invalid string length|Invalid array length|RangeError|TypeError|\n\s+at \S+ \(?\S+:\d+:\d+\)?/;

export interface RunResult {
  wall: number;
  rssMiB: number;
  exit: number | null;
  signal: string | null;
  outBytes: number;
  killed: string | null;
  problem: string | null;
}

function argList(name: string): string[] | null {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]!.split(',').map((s) => s.trim()).filter(Boolean) : null;
}

/** Resident set size of a process in MiB (0 when gone). */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** One CLI run under /usr/bin/time, stdout counted (kept up to `keep` bytes), killed on timeout or runaway memory. */
function runCli(args: string[], keep: number, timeoutS: number, killMiB: number, timeFile: string): Promise<RunResult & { stdout: string | null; stderr: string }> {
  return new Promise((done) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('/usr/bin/time', ['-f', '%e %M', '-o', timeFile, process.execPath, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let outBytes = 0;
    let kept = true;
    let stderr = '';
    let killed: string | null = null;
    let peak = 0;
    p.stdout.on('data', (c: Buffer) => {
      outBytes += c.length;
      if (kept && outBytes <= keep) chunks.push(c);
      else if (kept) {
        kept = false;
        chunks.length = 0;
      }
    });
    p.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 1 << 16) stderr += c.toString('utf8');
    });
    const kill = (why: string): void => {
      if (killed) return;
      killed = why;
      for (const c of childrenOf(p.pid!)) {
        try {
          process.kill(c, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    };
    const watch = setInterval(() => {
      for (const c of childrenOf(p.pid!)) peak = Math.max(peak, rssOf(c));
      if (peak > killMiB) kill(`killed: RSS over ${killMiB} MiB`);
    }, 200);
    const timer = setTimeout(() => kill(`killed: no result within ${timeoutS} s`), timeoutS * 1000);
    p.on('close', (code, signal) => {
      clearInterval(watch);
      clearTimeout(timer);
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      let rssMiB = peak;
      let exit = code;
      try {
        const t = readFileSync(timeFile, 'utf8').trim().split('\n');
        const last = t[t.length - 1]!.split(' ');
        rssMiB = Math.max(rssMiB, Number(last[1]) / 1024);
        // GNU time reports "Command exited with non-zero status N" / "Command terminated by signal N" first.
        const sig = /terminated by signal (\d+)/.exec(t.join('\n'));
        if (sig) signal = `signal ${sig[1]}` as NodeJS.Signals;
      } catch {
        /* killed before time wrote it */
      }
      const stdout = kept ? Buffer.concat(chunks).toString('utf8') : null;
      done({ wall, rssMiB, exit, signal: signal ?? null, outBytes, killed, problem: null, stdout, stderr });
    });
  });
}

function filesIn(dir: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  return new Proxy(out, {
    get(_, name: string) {
      const p = join(dir, name);
      try {
        return statSync(p).size > 64 << 20 ? '(over 64 MiB)' : readFileSync(p, 'utf8');
      } catch {
        return null;
      }
    },
  });
}

/** The generic checks of one run, then the pattern's own. */
function judge(pat: Pattern, run: RunSpec, n: number, r: RunResult & { stdout: string | null; stderr: string }, truth: Truth, dir: string): string | null {
  if (r.killed) return r.killed;
  if (r.signal) return `ended by ${r.signal}`;
  const crash = CRASH.exec(r.stderr);
  if (crash) return `crash: ${crash[0].trim().slice(0, 100)}`;
  if (r.exit === null || !run.exit.includes(r.exit)) return `exit ${r.exit} (allowed: ${run.exit.join(', ')}); stderr: ${r.stderr.trim().split('\n')[0]?.slice(0, 120) ?? ''}`;
  if (!run.quiet && r.outBytes === 0) return 'no output';
  const bound = pat.outBytes(n);
  if (r.outBytes > bound) return `output ${(r.outBytes / 1048576).toFixed(1)} MiB over the bound ${(bound / 1048576).toFixed(1)} MiB`;
  if (r.rssMiB > pat.rssMiB) return `peak RSS ${r.rssMiB.toFixed(0)} MiB over the bound ${pat.rssMiB} MiB`;
  const o: Outputs = { stdout: r.stdout, stderr: r.stderr, files: filesIn(dir) };
  return run.check ? run.check(o, truth) : null;
}

interface Row {
  pattern: Pattern;
  run: RunSpec;
  times: Map<number, number>;
  rss: number;
  outMax: number;
  problems: string[];
  stopped: boolean;
  control?: number;
}

const fmtT = (t: number | undefined): string => (t === undefined ? '—' : t.toFixed(2));

export async function adversarial(): Promise<number> {
  const quick = process.argv.includes('--quick');
  const scales = (argList('scale') ?? (quick ? ['1', '3'] : ['1', '3', '10'])).map(Number).filter((x) => x > 0).sort((a, b) => a - b);
  const want = argList('pattern');
  const timeoutS = Number(argList('timeout')?.[0] ?? (quick ? 30 : 60));
  const keepFiles = process.argv.includes('--keep');
  const pats = PATTERNS.filter((p) => !want || want.some((w) => w === p.name || w === String(p.item)));
  if (pats.length === 0) {
    console.error(`adversarial: no pattern matches ${want?.join(', ')} (${PATTERNS.map((p) => p.name).join(', ')})`);
    return 2;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'isns-adversarial-'));
  const t0 = Date.now();
  const rows: Row[] = [];
  for (const pat of pats) {
    const prow = pat.runs.map((run) => ({ pattern: pat, run, times: new Map<number, number>(), rss: 0, outMax: 0, problems: [] as string[], stopped: false }) as Row);
    rows.push(...prow);
    for (const s of scales) {
      if (prow.every((r) => r.stopped)) break;
      const n = Math.round(pat.base * s);
      const dir = join(tmp, `${pat.name}-${s}x`);
      mkdirSync(dir, { recursive: true });
      const cap = join(dir, 'capture');
      const g0 = Date.now();
      const truth = await pat.gen(cap, n, dir);
      const capMiB = statSync(cap).size / 1048576;
      console.error(`adversarial: ${pat.name} ${s}x (${n} ${pat.unit}): capture ${capMiB.toFixed(1)} MiB in ${((Date.now() - g0) / 1000).toFixed(1)} s`);
      for (let k = 0; k < pat.runs.length; k++) {
        const row = prow[k]!;
        if (row.stopped) continue;
        const runDir = join(dir, `run${k}`);
        mkdirSync(runDir, { recursive: true });
        prepareDir(runDir);
        const args = row.run.args.map((a) => a.replace('{cap}', cap).replace('{dir}', runDir));
        const keep = Math.min(pat.outBytes(n), 256 << 20);
        const r = await runCli(args, keep, timeoutS, Math.max(3072, 4 * pat.rssMiB), join(runDir, 'time.txt'));
        const bad = judge(pat, row.run, n, r, truth, runDir);
        row.times.set(s, r.wall);
        row.rss = Math.max(row.rss, r.rssMiB);
        row.outMax = Math.max(row.outMax, r.outBytes);
        console.error(`  ${row.run.label}: ${r.wall.toFixed(2)} s, ${r.rssMiB.toFixed(0)} MiB, ${(r.outBytes / 1048576).toFixed(2)} MiB out, exit ${r.exit}${bad ? ` — FAIL: ${bad}` : ''}`);
        if (bad) row.problems.push(`${s}x: ${bad}`);
        if (r.killed) row.stopped = true;
      }
      if (pat.control && s === scales[scales.length - 1]) {
        const ccap = join(dir, 'control');
        pat.control.gen(ccap, n);
        for (const row of prow) {
          if (!row.times.has(s)) continue;
          const r = await runCli(row.run.args.map((a) => a.replace('{cap}', ccap).replace('{dir}', join(dir, 'run0'))), 1 << 20, timeoutS, 3072, join(dir, 'control-time.txt'));
          row.control = r.wall;
          const slow = row.times.get(s)! / Math.max(r.wall, FLOOR_S);
          console.error(`  ${row.run.label} control: ${r.wall.toFixed(2)} s (attack ${slow.toFixed(1)}× slower)`);
          if (slow > pat.control.slowdown) row.problems.push(`${s}x: ${slow.toFixed(1)}× the time of the same traffic without the attack (bound ${pat.control.slowdown}×)`);
        }
      }
      if (!keepFiles) rmSync(dir, { recursive: true, force: true });
    }
    // Near-linear time, against the smallest scale run.
    for (const row of prow) {
      const s0 = scales[0]!;
      const base = row.times.get(s0);
      if (base === undefined) continue;
      for (const s of scales.slice(1)) {
        const t = row.times.get(s);
        if (t === undefined) {
          if (row.stopped && !row.problems.some((p) => p.startsWith(`${s}x`))) row.problems.push(`${s}x: not run (a smaller scale was killed)`);
          continue;
        }
        const k = s / s0;
        const ratio = t / Math.max(base, FLOOR_S);
        if (ratio > 1.5 * k + 0.5) row.problems.push(`time(${s}x)/time(${s0}x) = ${ratio.toFixed(1)} (bound ${(1.5 * k + 0.5).toFixed(1)})`);
      }
    }
  }
  if (!keepFiles) rmSync(tmp, { recursive: true, force: true });
  else console.error(`adversarial: captures kept in ${tmp}`);

  const head = ['#', 'pattern', 'run', ...scales.map((s) => `${s}x s`), 'peak RSS MiB', 'max out MiB', 'verdict'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  let failed = 0;
  for (const r of rows) {
    const ok = r.problems.length === 0;
    if (!ok) failed++;
    const verdict = ok ? 'ok' : `FAIL: ${r.problems.join('; ')}`;
    lines.push(`| ${r.pattern.item} | ${r.pattern.name} | ${r.run.label} | ${scales.map((s) => fmtT(r.times.get(s))).join(' | ')} | ${r.rss.toFixed(0)} | ${(r.outMax / 1048576).toFixed(1)} | ${verdict}${r.control !== undefined ? ` (control ${r.control.toFixed(2)} s)` : ''} |`);
  }
  console.log(lines.join('\n'));
  console.log(`adversarial: ${rows.length - failed}/${rows.length} ok, ${failed} failed, in ${((Date.now() - t0) / 1000).toFixed(0)} s (scales ${scales.join('/')}x, per-run limit ${timeoutS} s)`);
  return failed ? 1 : 0;
}
