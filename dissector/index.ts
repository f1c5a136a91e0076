/** The dissector layer: byte views, field tables, dissector tables and every protocol. */
export * from './byteview.js';
export * from './field.js';
export * from './protocol.js';
export * from './table.js';
export * from './registry.js';
export { eth } from './eth.js';
export { vlan } from './vlan.js';
export { sll, sll2 } from './sll.js';
export { bsdNull, bsdLoop } from './null.js';
export { rawIp, rawIpv4, rawIpv6 } from './raw.js';
export { ipv4 } from './ipv4.js';
export { ipv6 } from './ipv6.js';
export { tcp } from './tcp.js';
export { udp } from './udp.js';
export { isns } from './isns.js';
