/**
 * Beyond Wireshark: authentication blocks (open-isns with Security = 1 signs
 * every PDU). Wireshark does not count the block in its framing and shows the
 * bytes after each PDU as a bogus, malformed PDU; we frame each PDU with its
 * block and lose none.
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { analyze } from '../src/analyze.js';
import type { IsnsPduResult } from '../dissector/isns/index.js';
import type { FramedPdu } from '../src/flow/pdu.js';
import { CLI } from './helpers/cli.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const CAP = join(ROOT, 'captures/open-isns-auth.pcap');

test('every PDU of the real Security=1 capture is framed with its authentication block', async (t) => {
  const got: { p: FramedPdu; r: IsnsPduResult }[] = [];
  const r = await analyze([CAP], { onIsnsPdu: (p, res) => got.push({ p, r: res }) });
  t.true(got.length >= 8);
  for (const { p, r: res } of got) {
    t.truthy(res.header, `frame ${p.frame}`);
    t.truthy(res.auth, `frame ${p.frame} has an authentication block`);
    t.is(res.auth!.bsd, 2, 'BSD 2: DSA with SHA-1');
    t.is(res.auth!.length, p.bytes.length - 12 - res.header!.pduLength, 'the block fills the rest of the PDU');
    t.true(res.auth!.spi.length > 0);
    t.deepEqual(res.problems, []);
  }
  // Requests and responses pair up: nothing unanswered, nothing malformed.
  t.deepEqual(r.findings.filter((f) => f.code === 'UNANSWERED_REQUEST' || f.code === 'MALFORMED_PDU'), []);
  t.is(r.inputs[0]!.isnsPdus, got.length);
});

test('where tshark reads an authenticated PDU, its header fields agree with ours', (t) => {
  if (spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status !== 0) return t.pass('tshark not installed');
  // tshark's first PDU in each frame is the real one; the rest are the misframed auth block.
  const ts = spawnSync('tshark', ['-r', CAP, '-Y', 'isns', '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.number', '-e', 'isns.functionid', '-e', 'isns.transactionid', '-e', 'isns.pdulength']).stdout.toString().trim().split('\n');
  const ours = spawnSync(process.execPath, [CLI, 'packets', '--full', '-e', 'frame.number', '-e', 'isns.functionid', '-e', 'isns.transactionid', '-e', 'isns.pdulength', CAP]).stdout.toString().trim().split('\n');
  t.deepEqual(ours, ts);
});

test('--full shows the decoded authentication block', (t) => {
  const out = spawnSync(process.execPath, [CLI, 'packets', '--full', '-e', 'frame.number', '-e', 'isnsx.auth.bsd', '-e', 'isnsx.auth.spi', CAP]).stdout.toString().trim().split('\n');
  t.true(out.length >= 8);
  for (const l of out) t.regex(l, /^\d+\t0x00000002\t\S+/);
});
