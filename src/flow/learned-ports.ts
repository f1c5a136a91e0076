/**
 * Ports learned at run time for one host (an ESI or SCN port a registration
 * announces, an iSCSI portal a discovery names): traffic to or from that
 * host's port is handed to the protocol that announced it, as Wireshark's
 * conversation-bound dissectors do — but only as far as the announcement
 * goes:
 *  - from the time it was seen (later packets only);
 *  - with a `peer` (the iSNS server that will open ESI connections to the
 *    host, or send it SCNs), only for traffic between the host's port and
 *    that peer;
 *  - never on a port the dissector tables already give to a protocol (a
 *    registration naming its own iSCSI port 3260 as its ESI port must not
 *    turn iSCSI data into iSNS);
 *  - at most MAX_PER_HOST ports per host and MAX_LEARNED_PORTS in all.
 */
import type { AppProtocol } from '../../dissector/core/protocol.js';
import { ipv4Number } from '../../dissector/net/ipv4.js';

/** Host ports learned from the traffic, at most. */
export const MAX_LEARNED_PORTS = 65536;
/** Ports learned for one host, at most. */
export const MAX_PER_HOST = 16;

interface Learned {
  readonly app: AppProtocol;
  readonly peer: string | null;
}

export class LearnedPorts {
  /** "tcp|addr|port" → protocol and peer. */
  private readonly byKey = new Map<string, Learned>();
  private readonly perHost = new Map<string, number>();
  /** IPv4 host·port numbers learned (ip32 · 65536 + port), per transport, for the fixed-offset skip. */
  private readonly tcp4 = new Set<number>();
  private readonly udp4 = new Set<number>();
  /** Whether a non-IPv4 host has learned ports (the fixed-offset skip then asks the layered path). */
  private other = false;
  /** The port the last get() found the protocol on. */
  lastPort = 0;

  get size(): number {
    return this.byKey.size;
  }

  /** Learn `host:port` for `app`; `peer`: only for traffic with that address. Refused beyond the bounds. */
  add(transport: 'tcp' | 'udp', host: string, port: number, app: AppProtocol, peer: string | null = null): void {
    if (port <= 0 || port > 65535) return;
    const k = `${transport}|${host}|${port}`;
    if (this.byKey.has(k) || this.byKey.size >= MAX_LEARNED_PORTS) return;
    const n = this.perHost.get(host) ?? 0;
    if (n >= MAX_PER_HOST) return;
    this.perHost.set(host, n + 1);
    this.byKey.set(k, { app, peer });
    const v4 = ipv4Number(host);
    if (v4 === null) this.other = true;
    else (transport === 'tcp' ? this.tcp4 : this.udp4).add(v4 * 65536 + port);
  }

  /** The protocol learned for a packet from src:sport to dst:dport, if any. */
  get(transport: 'tcp' | 'udp', src: string, sport: number, dst: string, dport: number): AppProtocol | undefined {
    if (this.byKey.size === 0) return undefined;
    const d = this.byKey.get(`${transport}|${dst}|${dport}`);
    if (d && (d.peer === null || d.peer === src)) {
      this.lastPort = dport;
      return d.app;
    }
    const s = this.byKey.get(`${transport}|${src}|${sport}`);
    if (s && (s.peer === null || s.peer === dst)) {
      this.lastPort = sport;
      return s.app;
    }
    return undefined;
  }

  /** Whether a packet between these IPv4 endpoints may be on a learned port (the fixed-offset skip's test). */
  mayMatch(transport: 'tcp' | 'udp', src: number, sport: number, dst: number, dport: number): boolean {
    if (this.byKey.size === 0) return false;
    if (this.other) return true;
    const s = transport === 'tcp' ? this.tcp4 : this.udp4;
    return s.has(src * 65536 + sport) || s.has(dst * 65536 + dport);
  }
}
