/**
 * What discovery told each initiator: (initiator, portal address, port) →
 * iSNS and/or SendTargets. Facts come from the iSNS portal builder (a server
 * message listed the portal to that host) and the iSCSI binder (a SendTargets
 * answer sent to that host listed it). Bounded: MAX_DISCOVERED facts.
 */
import type { DiscoveredBy } from '../isns/portals/record.js';

/** (initiator, portal, port) facts remembered at most. */
export const MAX_DISCOVERED = 100_000;

const BIT: Record<DiscoveredBy, number> = { isns: 1, sendtargets: 2 };

export class DiscoveryStore {
  /** "initiator portal" → port → bits. */
  private readonly facts = new Map<string, Map<number, number>>();
  private count = 0;
  dropped = 0;

  add(initiator: string, address: string, port: number, by: DiscoveredBy): void {
    const k = `${initiator} ${address}`;
    let ports = this.facts.get(k);
    if (!ports) {
      if (this.count >= MAX_DISCOVERED) {
        this.dropped++;
        return;
      }
      ports = new Map();
      this.facts.set(k, ports);
    }
    const had = ports.get(port);
    if (had === undefined) {
      if (this.count >= MAX_DISCOVERED) {
        this.dropped++;
        return;
      }
      this.count++;
    }
    ports.set(port, (had ?? 0) | BIT[by]);
  }

  /** How `initiator` learned of address:port (in contract order: isns, sendtargets). */
  by(initiator: string, address: string, port: number): DiscoveredBy[] {
    const bits = this.facts.get(`${initiator} ${address}`)?.get(port) ?? 0;
    const out: DiscoveredBy[] = [];
    if (bits & 1) out.push('isns');
    if (bits & 2) out.push('sendtargets');
    return out;
  }

  /** The ports discovery named to `initiator` on host `address`. */
  ports(initiator: string, address: string): number[] {
    return [...(this.facts.get(`${initiator} ${address}`)?.keys() ?? [])];
  }
}
