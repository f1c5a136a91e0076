/**
 * The TCP_GAP message (issue 13, item 12): a hole with no frame before it (the
 * stream's first bytes were never captured) never reads "between frames N".
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { concat, ethTcp, pcapFile, TCP_ACK, TCP_PSH, TCP_SYN } from '../tools/craft.js';
import { DELIM, pdu, tStr } from '../tools/craft-isns.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const dir = tempDir('gap-');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { maxBuffer: 16 << 20 });

test('TCP_GAP: a hole with no frame before it reads "at the start of the stream, before frame N", two frames "between frames A and B"', (t) => {
  // A real stream: SYN, SYN/ACK, then data whose first 10 bytes were never captured.
  const q = pdu(2, 1, concat([tStr(32, 'iqn.x'), DELIM]));
  const frames = [
    ethTcp('10.0.0.1', '10.0.0.2', 40000, 3205, new Uint8Array(0), { seq: 100, flags: TCP_SYN }),
    ethTcp('10.0.0.2', '10.0.0.1', 3205, 40000, new Uint8Array(0), { seq: 500, ack: 101, flags: TCP_SYN | TCP_ACK }),
    ethTcp('10.0.0.1', '10.0.0.2', 40000, 3205, q.subarray(10), { seq: 111, ack: 501, flags: TCP_ACK | TCP_PSH }),
  ];
  const cap = join(dir, 'gap.pcap');
  writeFileSync(cap, pcapFile(frames.map((data, i) => ({ data, sec: 1795464000 + i, nsec: 0 }))));
  const j = JSON.parse(run(['portals', '--format', 'json', cap]).stdout.toString());
  const gap = j.findings.find((f: { code: string }) => f.code === 'TCP_GAP');
  t.truthy(gap);
  t.deepEqual(gap.frames, [3]);
  t.regex(gap.message, /from 10\.0\.0\.1:40000: 10 bytes are missing from the capture \(at the start of the stream, before frame 3\)/);
  t.notRegex(gap.message, /between frames 3\b/);
});
