/**
 * GDOI (RFC 6407) payloads: SA KEK, SA TEK and key download.
 */
import { PT } from './constants.js';
import type { Node, Walker } from './walker.js';
import { attribute } from './attributes.js';
import { dissectIdType } from './exchange.js';

export function saKek(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const K = 'isakmp.sak';
  const next = v.u8(o);
  const plen = v.u16(o + 2);
  const end = o + plen;
  w.item(t, `${K}.nextpayload`, o, 1);
  w.item(t, `${K}.reserved`, o + 1, 1);
  w.item(t, `${K}.payload_len`, o + 2, 2);
  o += 4;
  w.item(t, `${K}.protoid`, o, 1);
  o++;
  for (const side of ['src', 'dst'] as const) {
    w.item(t, `${K}.${side}_id_type`, o, 1);
    w.item(t, `${K}.${side}_id_port`, o + 1, 2);
    const idLen = v.u8(o + 3);
    w.item(t, `${K}.${side}_id_length`, o + 3, 1);
    o += 4;
    if (idLen > 0) {
      w.item(t, `${K}.${side}_id_data`, o, idLen);
      o += idLen;
    }
  }
  w.item(t, `${K}.spi`, o, 16);
  o += 16;
  w.item(t, 'isakmp.reserved', o, 4);
  o += 4;
  while (o < end) o += attribute(w, t, o, 'ipsec');
  if (next === PT.SAT) saTek(w, t, o, length);
}

/** SA TEK payloads; a chain of them (Next Payload 16) is walked in a loop, each with the same length bound. */
export function saTek(w: Walker, tree: Node | null, o: number, length: number): void {
  const v = w.v;
  const S = 'isakmp.sat';
  for (;;) {
    const end = o + length;
    const next = v.u8(o);
    const plen = v.u16(o + 2);
    const pend = o + plen;
    const t = w.val(tree, 'isakmp.typepayload', o, plen, PT.SAT);
    w.item(t, `${S}.nextpayload`, o, 1);
    w.item(t, `${S}.reserved`, o + 1, 1);
    w.item(t, `${S}.payload_len`, o + 2, 2);
    o += 4;
    const proto = v.u8(o);
    w.item(t, `${S}.protocol_id`, o, 1);
    o++;
    if (proto !== 1 && proto !== 2) {
      w.item(t, `${S}.payload`, o, end - o);
      return;
    }
    w.item(t, `${S}.protocol`, o, 1);
    o++;
    for (const side of ['src', 'dst'] as const) {
      const idType = v.u8(o);
      w.item(t, `${S}.${side}_id_type`, o, 1);
      w.item(t, `${S}.${side}_id_port`, o + 1, 2);
      const idLen = v.u16(o + 3);
      w.item(t, `${S}.${side}_id_length`, o + 3, 2);
      o += 5;
      if (idLen > 0) {
        const idt = w.item(t, `${S}.${side}_id_data`, o, idLen);
        dissectIdType(w, idt, o, idLen, idType);
        o += idLen;
      }
    }
    w.item(t, `${S}.transform_id`, o, 1);
    o++;
    w.item(t, `${S}.spi`, o, 4);
    o += 4;
    while (o < pend) o += attribute(w, t, o, 'ipsec');
    if (next !== PT.SAT) return;
  }
}

export function keyDownload(w: Walker, t: Node | null, o: number, length: number): void {
  if (w.version !== 1) return;
  const v = w.v;
  const end = o + length;
  let count = v.u16(o);
  w.item(t, 'isakmp.kd.num_pkt', o, 2);
  o += 2;
  w.item(t, 'isakmp.reserved', o, 2);
  o += 2;
  while (count > 0 && end > o) {
    const kd = w.item(t, 'isakmp.kd.payload', o, v.u16(o + 2));
    w.item(kd, 'isakmp.kd.payload.type', o, 1);
    o++;
    w.item(kd, 'isakmp.reserved', o, 1);
    o++;
    const kl = v.u16(o);
    w.item(kd, 'isakmp.kd.payload.length', o, 2);
    const pend = o + kl - 2;
    o += 2;
    const spi = v.u8(o);
    w.item(kd, 'isakmp.kd.payload.spi_size', o, 1);
    o++;
    if (spi > 0) {
      w.item(kd, 'isakmp.kd.payload.spi', o, spi);
      o += spi;
    }
    while (o < pend) o += attribute(w, kd, o, 'tek');
    count--;
  }
}
