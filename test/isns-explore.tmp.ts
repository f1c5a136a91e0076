import { udpCorpus } from './helpers/isns-corpus.js';
import { WS_FIELDS, tempFile, tsharkLines, ourLines, diffLines } from './helpers/isns-encode.js';
import { ethUdp, pcapFile } from '../src/craft.js';
const cases = udpCorpus();
const f = tempFile('u.pcap', pcapFile(cases.map((c, i) => ({ data: ethUdp('10.0.0.2', '10.0.0.1', 40000 + (i % 1000), 3205, c.pdu), sec: 1795464000 + i, nsec: 0 }))));
const fields = ['frame.number', ...WS_FIELDS];
const ts = tsharkLines(f, fields);
const ours = await ourLines(f, fields);
console.log(cases.length, ts.length, ours.length);
const d = diffLines(fields, ours, ts);
for (const l of d.slice(0, 400)) { const fr = Number(/frame (\d+)/.exec(l)?.[1]); console.log(l.slice(0, 300), '|', cases[fr - 1]?.note); }
console.log(d.length, 'diffs');
