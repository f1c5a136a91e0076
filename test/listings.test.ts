/**
 * Who was told about which portal (src/isns/portals/listings.ts, fed by the
 * builder's walk: PortalOptions.onListed). The rule, checked here against a
 * plain model of it on random streams of query responses: a (portal, client) pair is passed on the first
 * time; again only when the portal already remembers MAX_LISTED_TO (64) other
 * clients; a listing to the client the portal was last listed to is never
 * passed on twice in a row.
 */
import test from 'ava';
import { parseIsnsMessage } from '../dissector/isns/message.js';
import { PortalBuilder, type ListedPortal } from '../src/isns/portals/builder.js';
import type { MessageEvent } from '../src/isns/assembler.js';
import { DELIM, pdu, rsp, tAddr, tPort, tStr, tU32 } from '../tools/craft-isns.js';
import { rng } from '../tools/craft.js';

const REMEMBERED = 64;

/** A DevAttrQry response to `client` listing the given portals (address, port). */
function queryResponse(client: string, portals: [string, number][]): MessageEvent {
  const attrs = [tStr(32, 'iqn.2026-12.test:t'), DELIM];
  for (const [a, p] of portals) attrs.push(tStr(32, `iqn.2026-12.test:${a}`), tU32(33, 1), tAddr(16, a), tPort(17, p));
  const bytes = pdu(0x8002, 1, rsp(0, ...attrs));
  const message = parseIsnsMessage(0x8002, 0x4c00, 1, bytes.subarray(12));
  const at = { file: 'x.pcap', frame: 1, ts: { sec: 0, nsec: 0, digits: 6 }, dst: { addr: client, port: 40000 } };
  return { message, pdus: [], first: at, last: at } as unknown as MessageEvent;
}

/** The rule, written plainly: per portal, the clients remembered (first 64) and the last one told. */
class Model {
  private readonly remembered = new Map<string, Set<string>>();
  private readonly last = new Map<string, string>();
  readonly told: string[] = [];

  list(client: string, portal: string): void {
    const r = this.remembered.get(portal) ?? new Set<string>();
    this.remembered.set(portal, r);
    if (this.last.get(portal) === client) return;
    if (r.has(client)) {
      this.last.set(portal, client);
      return;
    }
    if (r.size < REMEMBERED) {
      r.add(client);
      this.last.set(portal, client);
    }
    this.told.push(`${client} ${portal}`);
  }
}

test('each (portal, client) is passed on once, in order, for clients in any order', (t) => {
  const told: ListedPortal[] = [];
  const l = new PortalBuilder({ onListed: (x) => told.push(x) });
  l.message(queryResponse('10.0.0.9', [['10.1.0.1', 3260], ['10.1.0.2', 3260]]));
  l.message(queryResponse('10.0.0.3', [['10.1.0.1', 3260]]));
  l.message(queryResponse('10.0.0.9', [['10.1.0.2', 3260], ['10.1.0.1', 3260]]));
  l.message(queryResponse('10.0.0.5', [['10.1.0.1', 3260]]));
  l.message(queryResponse('10.0.0.3', [['10.1.0.1', 3260]]));
  l.message(queryResponse('10.0.0.9', [['10.1.0.1', 3260]]));
  t.deepEqual(
    told.map((x) => `${x.initiator} ${x.address}:${x.socket}/${x.transport}`),
    ['10.0.0.9 10.1.0.1:3260/tcp', '10.0.0.9 10.1.0.2:3260/tcp', '10.0.0.3 10.1.0.1:3260/tcp', '10.0.0.5 10.1.0.1:3260/tcp'],
  );
});

test('random streams over more clients than a portal remembers: what is passed on is what the rule says', (t) => {
  for (const seed of [1, 2, 3, 4]) {
    const r = rng(seed);
    const told: string[] = [];
    const l = new PortalBuilder({ onListed: (x) => told.push(`${x.initiator} ${x.address}:${x.socket}`) });
    const model = new Model();
    const clients = Array.from({ length: 150 }, (_, i) => `10.9.${i >> 8}.${i & 255}`);
    const portals = Array.from({ length: 12 }, (_, i): [string, number] => [`10.1.0.${i + 1}`, 3260 + (i % 3)]);
    for (let k = 0; k < 3000; k++) {
      // Clients come back often (repeated queries) and in bursts (the same client twice in a row).
      const client = clients[Math.floor(r() * r() * clients.length)]!;
      const listed = portals.filter(() => r() < 0.3);
      l.message(queryResponse(client, listed));
      for (const [a, p] of listed) model.list(client, `${a}:${p}`);
    }
    t.true(model.told.length > 12 * REMEMBERED, `seed ${seed}: the stream goes past the clients remembered (${model.told.length} passed on)`);
    t.deepEqual(told, model.told, `seed ${seed}`);
  }
});
