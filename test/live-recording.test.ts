/**
 * Real components, live: the recording scripts run again into a temporary
 * directory — isnsd and isnsadm on the loopback (with the ESI responder and
 * SCN client of captures/), tgtd and libiscsi's iscsi-ls/iscsi-inq on a private loopback,
 * two strongSwan charons in two network namespaces joined by a veth pair,
 * all recorded with tcpdump -U — and the fresh captures are checked against
 * the truths the scripts wrote, with the same checks as the committed
 * recordings (test/helpers/recorded.ts). New cookies, SPIs, ports and times
 * each run: nothing here is compared with a stored output.
 *
 * Needs root and the packages `.ci/run` installs (open-isns, tgt, libiscsi-bin,
 * strongswan-charon, strongswan-swanctl, tcpdump, iproute2); skips with the
 * reason when any is missing. LIVE_RECORDING=0 skips it on purpose.
 */
import test, { type ExecutionContext } from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OPEN_ISNS_CHECKS } from './helpers/open-isns-checks.js';
import { checkIkeRecording, checkIscsiRecording } from './helpers/recorded.js';
import { tempDir } from './helpers/tmp.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

function missing(tools: string[]): string[] {
  return tools.filter((x) => (x.startsWith('/') ? !existsSync(x) : spawnSync('sh', ['-c', `command -v ${x}`]).status !== 0));
}

function why(tools: string[]): string | null {
  if (process.env.LIVE_RECORDING === '0') return 'LIVE_RECORDING=0';
  if (process.getuid?.() !== 0) return 'not root (network namespaces need it)';
  const m = missing(tools);
  return m.length ? `missing ${m.join(', ')}` : null;
}

/** Run a recording script for some scenarios into a fresh directory; the directory, or the reason it failed. */
function record(script: string, scenarios: string[]): { dir: string } | { error: string } {
  const out = tempDir('live-rec-');
  const r = spawnSync('bash', [join(ROOT, 'captures', script), ...scenarios], { env: { ...process.env, RECORD_OUT: out }, encoding: 'utf8', timeout: 240_000 });
  if (r.status !== 0) return { error: `${script} exited ${r.status ?? r.signal}: ${(r.stderr ?? '').split('\n').slice(-6).join(' | ')}` };
  return { dir: out };
}

/** One live recording test: skip with the reason when a tool is missing, else record the scenarios into a fresh directory and check it. */
function live(title: string, tools: string[], script: string, scenarios: string[], body: (t: ExecutionContext, dir: string) => Promise<void>): void {
  test.serial(title, async (t) => {
    const skip = why(tools);
    if (skip) {
      t.log(`skipped: ${skip}`);
      return t.pass();
    }
    const rec = record(script, scenarios);
    if ('error' in rec) return t.fail(rec.error);
    await body(t, rec.dir);
  });
}

/** A live recording test of scenarios that each write a truth: expect one truth per scenario and check each. */
function liveScenarios(title: string, tools: string[], script: string, sub: string, scenarios: string[], check: (t: ExecutionContext, dir: string, truth: string) => Promise<void>): void {
  live(title, tools, script, scenarios, async (t, out) => {
    const dir = join(out, sub);
    const truths = readdirSync(dir).filter((f) => f.endsWith('.truth.json')).sort();
    t.deepEqual(truths, scenarios.map((s) => `${s}.truth.json`).sort());
    for (const tf of truths) await check(t, dir, tf);
  });
}

liveScenarios(
  'live iSCSI: tgtd and libiscsi recorded now; every scenario\'s logon record and portals say what the script did',
  ['tgtd', 'tgtadm', 'iscsi-ls', 'iscsi-inq', 'tcpdump', 'ip', 'unshare', 'nsenter'],
  'record-iscsi.sh',
  'iscsi',
  ['iscsi-sendtargets', 'iscsi-login-ok', 'iscsi-chap-bad', 'iscsi-unknown-target', 'iscsi-no-listener'],
  checkIscsiRecording,
);

liveScenarios(
  'live IKE: two strongSwan charons recorded now; every scenario\'s logon record says what the script did',
  ['/usr/lib/ipsec/charon', 'swanctl', 'tcpdump', 'ip', 'unshare', 'nsenter'],
  'record-ike.sh',
  'ike',
  ['ike-main-psk-mismatch', 'ike-aggr-refused', 'ike-no-proposal', 'ike-no-responder'],
  checkIkeRecording,
);

live('live open-isns: isnsd and isnsadm recorded now; the portal records say what the script did', ['isnsd', 'isnsadm', 'tcpdump', 'python3'], 'record-open-isns.sh', [], async (t, dir) => {
  for (const [name, check] of OPEN_ISNS_CHECKS) {
    t.log(name);
    await check(t, dir);
  }
});
