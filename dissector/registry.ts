/**
 * The default dissector tables, filled explicitly (no registration by import
 * side effects), keyed like Wireshark's. Link types follow the tcpdump.org
 * LINKTYPE_* numbers.
 */
import { Registry } from './core/table.js';
import { eth } from './link/eth.js';
import { vlan } from './link/vlan.js';
import { sll, sll2 } from './link/sll.js';
import { bsdNull, bsdLoop } from './link/null.js';
import { rawIp, rawIpv4, rawIpv6 } from './link/raw.js';
import { ipv4 } from './net/ipv4.js';
import { ipv6 } from './net/ipv6.js';
import { tcp } from './transport/tcp.js';
import { udp } from './transport/udp.js';
import { icmp, icmpv6 } from './net/icmp.js';
import { isns } from './isns/index.js';
import { iscsi, ISCSI_PORT } from './iscsi/iscsi.js';
import { esp, ESP_PROTO, isakmp, ISAKMP_PORT, NAT_T_PORT, udpencap } from './isakmp/index.js';

/** The iSNS well-known port (RFC 4171 §2.9), TCP and UDP. */
export const ISNS_PORT = 3205;

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OLD_12: 12,
  RAW_OLD_14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export interface RegistryOptions {
  /** Extra TCP/UDP ports to dissect as iSNS ("Decode As"; 3205 always is). */
  readonly isnsPorts?: readonly number[];
  /** Extra TCP ports to dissect as iSCSI (3260 always is). */
  readonly iscsiPorts?: readonly number[];
}

export function createRegistry(opts: RegistryOptions = {}): Registry {
  const r = new Registry();
  r.add('linktype', [LINKTYPE.ETHERNET], eth);
  r.add('linktype', [LINKTYPE.LINUX_SLL], sll);
  r.add('linktype', [LINKTYPE.LINUX_SLL2], sll2);
  r.add('linktype', [LINKTYPE.NULL], bsdNull);
  r.add('linktype', [LINKTYPE.LOOP], bsdLoop);
  r.add('linktype', [LINKTYPE.RAW, LINKTYPE.RAW_OLD_12, LINKTYPE.RAW_OLD_14], rawIp);
  r.add('linktype', [LINKTYPE.IPV4], rawIpv4);
  r.add('linktype', [LINKTYPE.IPV6], rawIpv6);
  r.add('ethertype', [0x8100, 0x88a8, 0x9100], vlan);
  r.add('ethertype', [0x0800], ipv4);
  r.add('ethertype', [0x86dd], ipv6);
  r.add('ip.proto', [6], tcp);
  r.add('ip.proto', [17], udp);
  r.add('ip.proto', [ESP_PROTO], esp);
  r.add('ip.proto', [1], icmp);
  r.add('ip.proto', [58], icmpv6);
  r.add('tcp.port', [ISNS_PORT], isns);
  r.add('udp.port', [ISNS_PORT], isns);
  r.add('tcp.port', [ISCSI_PORT], iscsi);
  r.add('udp.port', [ISAKMP_PORT], isakmp);
  r.add('udp.port', [NAT_T_PORT], udpencap);
  for (const p of validPorts(opts.isnsPorts)) {
    r.tcpPort.addIfAbsent(p, isns);
    r.udpPort.addIfAbsent(p, isns);
  }
  for (const p of validPorts(opts.iscsiPorts)) r.tcpPort.addIfAbsent(p, iscsi);
  return r;
}

/** "Decode As" ports, each checked (a bad one throws). */
function validPorts(ports: readonly number[] | undefined): readonly number[] {
  for (const p of ports ?? []) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`invalid port ${p}`);
  return ports ?? [];
}
