/**
 * Ports learned at run time for one host (an ESI or SCN port a registration
 * announces): traffic to or from that host's port is handed to the protocol
 * that announced it, as Wireshark's conversation-bound dissectors do.
 */
import type { AppProtocol } from '../../dissector/core/protocol.js';

/** Host ports learned from the traffic, at most. */
export const MAX_LEARNED_PORTS = 65536;

export class LearnedPorts {
  /** "tcp|addr|port" → protocol. */
  private readonly byKey = new Map<string, AppProtocol>();
  /** Port numbers learned (any host), for the fixed-offset skip. */
  readonly tcp = new Set<number>();
  readonly udp = new Set<number>();

  get size(): number {
    return this.byKey.size;
  }

  add(transport: 'tcp' | 'udp', addr: string, port: number, app: AppProtocol): void {
    if (port <= 0 || port > 65535) return;
    const k = `${transport}|${addr}|${port}`;
    if (!this.byKey.has(k) && this.byKey.size < MAX_LEARNED_PORTS) {
      this.byKey.set(k, app);
      (transport === 'tcp' ? this.tcp : this.udp).add(port);
    }
  }

  /** The port the last get() found the protocol on. */
  lastPort = 0;

  /** The protocol learned for a packet from src:sport to dst:dport, if any. */
  get(transport: 'tcp' | 'udp', src: string, sport: number, dst: string, dport: number): AppProtocol | undefined {
    if (this.byKey.size === 0) return undefined;
    const a = this.byKey.get(`${transport}|${dst}|${dport}`);
    if (a) {
      this.lastPort = dport;
      return a;
    }
    this.lastPort = sport;
    return this.byKey.get(`${transport}|${src}|${sport}`);
  }

  /** Whether either port is learned for some host (the fast skip's test). */
  mayMatch(transport: 'tcp' | 'udp', sport: number, dport: number): boolean {
    const s = transport === 'tcp' ? this.tcp : this.udp;
    return s.size > 0 && (s.has(sport) || s.has(dport));
  }
}
