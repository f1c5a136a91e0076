/**
 * Where the time goes, stage by stage, in one process per stage:
 *   node dist/bench/stages.js <stage> <capture>
 * Each stage runs the real pipeline up to a point and prints its wall time (ms):
 *   read      capture reader only (records and timestamps, nothing dissected)
 *   frame     + link/IP/TCP, reassembly and PDU framing (PDUs copied out)
 *   dissect   + the iSNS PDU header and authentication-block check per PDU
 *   messages  + message assembly, attribute parsing and request/response matching
 *   portals   + portal records and findings (the `portals` command without output)
 *   thread    messages, with the portal records built on their own thread
 *             (src/isns/portals/remote.ts, what the CLI does for large inputs)
 * Differences between consecutive stages are what each layer costs (thread: against messages).
 */
import { ByteView } from '../dissector/core/byteview.js';
import { createRegistry } from '../dissector/registry.js';
import { isns } from '../dissector/isns/index.js';
import { readCapture } from '../src/capture/read.js';
import { MessageAssembler } from '../src/isns/assembler.js';
import { Pipeline } from '../src/flow/pipeline.js';
import { PortalBuilder } from '../src/isns/portals/builder.js';
import { RemotePortals } from '../src/isns/portals/remote.js';

export const STAGES = ['read', 'frame', 'dissect', 'messages', 'portals', 'thread'] as const;
type Stage = (typeof STAGES)[number];

const [stage, file] = process.argv.slice(2) as [Stage, string];
if (!STAGES.includes(stage) || !file) {
  console.error(`usage: stages.js ${STAGES.join('|')} <capture>`);
  process.exit(2);
}
const t0 = performance.now();
let n = 0;
if (stage === 'read') {
  await readCapture(file, { packet: () => void n++, problem: () => {} });
} else {
  const builder = new PortalBuilder();
  const remote = stage === 'thread' ? new RemotePortals(null) : null;
  const asm = new MessageAssembler({
    message: (m) => (stage === 'portals' ? builder.message(m) : remote?.message(m)),
    unanswered: (m) => (stage === 'portals' ? builder.unanswered(m) : remote?.unanswered(m)),
    finding: () => {},
  });
  const pl = new Pipeline(createRegistry(), {
    pdu: (pdu) => {
      n++;
      if (stage === 'frame') return;
      const r = isns.dissectPdu(ByteView.of(pdu.bytes), { tree: false, transport: pdu.transport, srcPort: pdu.src.port, dstPort: pdu.dst.port });
      if (stage !== 'dissect') asm.pdu(pdu, r);
    },
    finding: () => {},
  });
  await readCapture(file, pl);
  pl.endFile();
  asm.finish();
  if (stage === 'portals') builder.finish();
  if (remote) await remote.finish();
}
console.log(`${stage} ${n} ${(performance.now() - t0).toFixed(0)}`);
