/**
 * The correlator: joins discovery (iSNS query responses and SCNs sent to an
 * initiator, SendTargets answers), IKE and ESP per host pair, and the iSCSI
 * connection attempts into one logon record per (initiator address, portal
 * address, portal TCP port).
 *
 * A record exists for every TCP connection attempt's (client, server, port)
 * and for every host pair with IKE or ESP. The IKE/ESP of a host pair belong
 * to each record of that pair; a pair with no TCP connection names its portal
 * port(s) from what the inputs know on the responder's host (discovery told
 * the initiator, a portal record, a connection); when nothing names one,
 * `portal.socket` is null. Orientation: the IKE initiator is the record's
 * initiator (for ESP alone, the first ESP sender), unless only the other host
 * has portals named.
 */
import { authOf, logonFindings, logonOutcome, type LogonFacts } from '../findings/logon-rules.js';
import type { HostPair } from '../ike/tracker.js';
import type { ConnState } from '../iscsi/connections.js';
import type { PortalRecord } from '../isns/portals/record.js';
import { comparePortals } from '../output/order.js';
import type { DiscoveryStore } from './discovery.js';
import { espBothWays, espSummary, ikeSummary, phase2Of, pickSa } from './ike-summary.js';
import { statusName } from './status.js';
import type { LogonConnection, LogonRecord } from './types.js';

export interface LogonInputs {
  readonly pairs: Iterable<HostPair>;
  readonly connections: readonly ConnState[];
  readonly discovery: DiscoveryStore;
  readonly portals: readonly PortalRecord[];
  readonly defaultSecurityBitmap: number | null;
}

/** Connections listed per record (the most recent ones). */
export const MAX_CONNECTIONS_PER_RECORD = 64;

interface Key {
  initiator: string;
  address: string;
  socket: number | null;
  conns: ConnState[];
}

const hostsKey = (x: string, y: string): string => (x < y ? `${x} ${y}` : `${y} ${x}`);

function label(address: string, socket: number | null): string {
  const a = address.includes(':') ? `[${address}]` : address;
  return socket === null ? a : `${a}:${socket}`;
}

function connection(c: ConnState): LogonConnection {
  const l = c.login;
  return {
    tcp: c.tcp,
    frames: [...c.tcpFrames],
    login: l === null ? null : {
      sessionType: l.sessionType ?? 'Normal',
      initiatorName: l.initiatorName,
      targetName: l.targetName,
      authMethod: authOf(l),
      outcome: l.outcome,
      statusClass: l.statusClass,
      statusDetail: l.statusDetail,
      status: l.statusClass !== null && l.statusDetail !== null ? statusName(l.statusClass, l.statusDetail) : null,
      frames: [...l.frames],
    },
  };
}

export function buildLogons(inp: LogonInputs): LogonRecord[] {
  const portalAt = new Map<string, PortalRecord>();
  const portsAt = new Map<string, Set<number>>();
  for (const p of inp.portals) {
    if (p.transport !== 'tcp') continue;
    portalAt.set(`${p.address} ${p.socket}`, p);
    let s = portsAt.get(p.address);
    if (!s) portsAt.set(p.address, (s = new Set()));
    s.add(p.socket);
  }
  const keys = new Map<string, Key>();
  const key = (initiator: string, address: string, socket: number | null): Key => {
    const k = `${initiator} ${address} ${socket ?? '-'}`;
    let e = keys.get(k);
    if (!e) keys.set(k, (e = { initiator, address, socket, conns: [] }));
    return e;
  };
  /** Ports of connections from initiator to address. */
  const connPorts = new Map<string, Set<number>>();
  for (const c of inp.connections) {
    key(c.initiator, c.portal, c.port).conns.push(c);
    const k = `${c.initiator} ${c.portal}`;
    let s = connPorts.get(k);
    if (!s) connPorts.set(k, (s = new Set()));
    s.add(c.port);
  }
  const portsOn = (host: string, peer: string): Set<number> =>
    new Set([...inp.discovery.ports(peer, host), ...(connPorts.get(`${peer} ${host}`) ?? []), ...(portsAt.get(host) ?? [])]);
  const pairs = new Map<string, HostPair>();
  for (const pair of inp.pairs) {
    const sa = pickSa(pair);
    if (!sa && !pair.esp) continue;
    pairs.set(hostsKey(pair.a, pair.b), pair);
    let ini = sa ? sa.initiator : pair.esp!.firstSender;
    let host = ini === pair.a ? pair.b : pair.a;
    let ports = portsOn(host, ini);
    if (ports.size === 0) {
      const other = portsOn(ini, host);
      if (other.size > 0) [ini, host, ports] = [host, ini, other];
    }
    if (ports.size === 0) key(ini, host, null);
    for (const p of ports) key(ini, host, p);
  }

  const out: LogonRecord[] = [];
  for (const k of keys.values()) {
    const pair = pairs.get(hostsKey(k.initiator, k.address)) ?? null;
    const sa = pair ? pickSa(pair) : null;
    const esp = pair?.esp ?? null;
    const portal = k.socket === null ? undefined : portalAt.get(`${k.address} ${k.socket}`);
    const bitmap = portal ? portal.securityBitmap : inp.defaultSecurityBitmap;
    const source = portal ? portal.securityBitmapSource : inp.defaultSecurityBitmap === null ? 'none' : 'default';
    const conns = k.conns.slice(-MAX_CONNECTIONS_PER_RECORD);
    const facts: LogonFacts = { portal: label(k.address, k.socket), bitmap, source, sa, phase2: sa && sa.version === 1 ? phase2Of(sa) : null, esp, conns };
    const findings = logonFindings(facts);
    out.push({
      initiator: k.initiator,
      portal: { address: k.address, socket: k.socket },
      discoveredBy: k.socket === null ? [] : inp.discovery.by(k.initiator, k.address, k.socket),
      securityBitmap: bitmap,
      securityBitmapSource: source,
      ike: sa ? ikeSummary(sa) : null,
      esp: esp ? espSummary(esp) : null,
      connections: conns.map(connection),
      outcome: logonOutcome(facts, findings, espBothWays(esp)),
      findings,
    });
  }
  return sortLogons(out);
}

/** Contract order: initiator, then portal address (numerically, IPv4 before IPv6), then socket (none first). */
export function sortLogons(rs: LogonRecord[]): LogonRecord[] {
  const addr = (a: string, b: string): number => comparePortals({ address: a, socket: 0, transport: '' }, { address: b, socket: 0, transport: '' });
  return rs.sort((x, y) => addr(x.initiator, y.initiator) || addr(x.portal.address, y.portal.address) || (x.portal.socket ?? -1) - (y.portal.socket ?? -1));
}
