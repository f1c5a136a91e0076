/**
 * What discovery told each initiator: (initiator, portal address, port) →
 * iSNS and/or SendTargets. Facts come from the iSNS portal builder (a server
 * message listed the portal to that host) and the iSCSI binder (a SendTargets
 * answer sent to that host listed it). Bounded: MAX_DISCOVERED facts.
 *
 * Memory: most (initiator, address) pairs name one port, kept as one number
 * (port · 4 + bits) in the entry; a pair with several ports gets a Map.
 */
import type { DiscoveredBy } from '../isns/portals/record.js';

/** (initiator, portal, port) facts remembered at most. */
export const MAX_DISCOVERED = 100_000;

const BIT: Record<DiscoveredBy, number> = { isns: 1, sendtargets: 2 };

/** Facts per initiator: portal address → port · 4 + bits (one port), or port → bits. */
type Facts = Map<string, Map<string, number | Map<number, number>>>;

/** A DiscoveryStore's contents (see state()). */
export interface DiscoveryState {
  facts: Facts;
  count: number;
  dropped: number;
}

export class DiscoveryStore {
  /** Two levels, initiator then address: no key text made per fact (the address strings are shared). */
  private facts: Facts = new Map();
  private count = 0;
  dropped = 0;

  /** Everything the store holds, for another thread (structured-cloneable). */
  state(): DiscoveryState {
    return { facts: this.facts, count: this.count, dropped: this.dropped };
  }

  /** Take over what another store held (its state()). */
  load(s: DiscoveryState): void {
    this.facts = s.facts;
    this.count = s.count;
    this.dropped = s.dropped;
  }

  add(initiator: string, address: string, port: number, by: DiscoveredBy): void {
    let at = this.facts.get(initiator);
    const bit = BIT[by];
    const v = at?.get(address);
    if (typeof v === 'number' && v >> 2 === port) {
      at!.set(address, v | bit);
      return;
    }
    if (v instanceof Map && v.has(port)) {
      v.set(port, v.get(port)! | bit);
      return;
    }
    // A new fact.
    if (this.count >= MAX_DISCOVERED) {
      this.dropped++;
      return;
    }
    this.count++;
    if (!at) this.facts.set(initiator, (at = new Map()));
    if (v === undefined) at.set(address, port * 4 + bit);
    else if (typeof v === 'number') at.set(address, new Map([[v >> 2, v & 3], [port, bit]]));
    else v.set(port, bit);
  }

  /** How `initiator` learned of address:port (in contract order: isns, sendtargets). */
  by(initiator: string, address: string, port: number): DiscoveredBy[] {
    const v = this.facts.get(initiator)?.get(address);
    const bits = v === undefined ? 0 : typeof v === 'number' ? (v >> 2 === port ? v & 3 : 0) : (v.get(port) ?? 0);
    const out: DiscoveredBy[] = [];
    if (bits & 1) out.push('isns');
    if (bits & 2) out.push('sendtargets');
    return out;
  }

  /** The ports discovery named to `initiator` on host `address`. */
  ports(initiator: string, address: string): number[] {
    const v = this.facts.get(initiator)?.get(address);
    return v === undefined ? [] : typeof v === 'number' ? [v >> 2] : [...v.keys()];
  }
}
