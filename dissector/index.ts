/** The dissector layer: byte views, field tables, dissector tables and every protocol. */
export * from './core/byteview.js';
export * from './core/field.js';
export * from './core/protocol.js';
export * from './core/table.js';
export * from './registry.js';
export { eth } from './link/eth.js';
export { vlan } from './link/vlan.js';
export { sll, sll2 } from './link/sll.js';
export { bsdNull, bsdLoop } from './link/null.js';
export { rawIp, rawIpv4, rawIpv6 } from './link/raw.js';
export { ipv4 } from './net/ipv4.js';
export { ipv6 } from './net/ipv6.js';
export { tcp } from './transport/tcp.js';
export { udp } from './transport/udp.js';
export { icmp, icmpv6 } from './net/icmp.js';
export { isns } from './isns/index.js';
export { iscsi } from './iscsi/iscsi.js';
export { isakmp, esp, udpencap } from './isakmp/index.js';
