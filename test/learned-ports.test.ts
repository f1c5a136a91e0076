/** Learned (announced) ports: only with their peer, never beyond the per-host bound, never on a claimed port. */
import test from 'ava';
import { LearnedPorts, MAX_PER_HOST } from '../src/flow/learned-ports.js';
import { Pipeline } from '../src/flow/pipeline.js';
import { createRegistry } from '../dissector/registry.js';
import { isns } from '../dissector/isns/index.js';

test('a port learned with a peer applies to traffic with that peer only, in both directions', (t) => {
  const l = new LearnedPorts();
  l.add('tcp', '10.0.0.5', 4000, isns, '10.0.0.1');
  t.is(l.get('tcp', '10.0.0.1', 51000, '10.0.0.5', 4000), isns); // server opens ESI to host:4000
  t.is(l.get('tcp', '10.0.0.5', 4000, '10.0.0.1', 51000), isns); // host answers
  t.is(l.get('tcp', '10.0.0.9', 51000, '10.0.0.5', 4000), undefined); // someone else
  t.true(l.mayMatch('tcp', 0x0a000001, 51000, 0x0a000005, 4000));
  t.false(l.mayMatch('tcp', 0x0a000001, 51000, 0x0a000006, 4000)); // the same port on another host
});

test(`at most ${MAX_PER_HOST} ports per host are learned (announcing 65,535 ports learns ${MAX_PER_HOST})`, (t) => {
  const l = new LearnedPorts();
  for (let p = 1; p <= 65535; p++) l.add('tcp', '10.0.0.5', p, isns, '10.0.0.1');
  t.is(l.size, MAX_PER_HOST);
});

test('a port the dissector tables give to a protocol (3260: iSCSI) is never learned for iSNS', (t) => {
  const p = new Pipeline(createRegistry(), { pdu: () => {}, finding: () => {} });
  p.addConversationPort('tcp', '10.0.0.5', 3260, isns, '10.0.0.1');
  p.addConversationPort('tcp', '10.0.0.5', 4000, isns, '10.0.0.1');
  const learned = (p as unknown as { learned: LearnedPorts }).learned;
  t.is(learned.size, 1);
  t.is(learned.get('tcp', '10.0.0.1', 50000, '10.0.0.5', 3260), undefined);
});
