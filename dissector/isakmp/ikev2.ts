/**
 * Traffic selector payloads (TSi, TSr), configuration payloads (IKEv2's CP
 * and IKEv1's Attribute payload, one layout) and what is emulated of the
 * EAP payload.
 */
import { MalformedError } from '../core/byteview.js';
import { payloadName } from './names.js';
import type { Node, Walker } from './walker.js';
import { attrHeader, labelled } from './attributes.js';

export function config(w: Walker, t: Node | null, o: number, length: number): void {
  const end = o + length;
  const ver = w.version;
  if (ver === 1) {
    w.item(t, 'isakmp.cfg.type', o, 1);
    w.item(t, 'isakmp.reserved', o + 1, 1);
    w.item(t, 'isakmp.cfg.identifier', o + 2, 2);
  } else if (ver === 2) {
    w.item(t, 'isakmp.cfg.type', o, 1, 1);
    w.item(t, 'isakmp.reserved', o + 1, 3);
  } else return;
  o += 4;
  while (o < end) o += cfgAttribute(w, t, o);
}

function cfgAttribute(w: Walker, tree: Node | null, o: number): number {
  const P = 'isakmp.cfg.attr';
  const { a, hlen, vlen: n, type } = attrHeader(w, tree, o, P, (t, l, name) => `Attribute Type: (t=${t},l=${l}) ${name}`);
  o += hlen;
  if (n === 0) {
    if (!w.isRequest) w.flag(a, 'isakmp.attribute_value_empty', o, 'Attribute value is empty');
    return hlen;
  }
  const each = (size: number, fields: readonly (readonly [string, number])[]): void => {
    if (n % size !== 0) return;
    let p = o;
    for (let i = 0; i < n / size; i++) for (const [f, width] of fields) {
      w.item(a, `${P}.${f}`, p, width);
      p += width;
    }
  };
  switch (type) {
    case 1: each(4, [['internal_ip4_address', 4]]); break;
    case 2: w.item(a, `${P}.internal_ip4_netmask`, o, 4); break;
    case 3: each(4, [['internal_ip4_dns', 4]]); break;
    case 4: each(4, [['internal_ip4_nbns', 4]]); break;
    case 5: w.item(a, `${P}.internal_address_expiry`, o, 4); break;
    case 6: each(4, [['internal_ip4_dhcp', 4]]); break;
    case 7: w.item(a, `${P}.application_version`, o, n); break;
    case 8: each(17, [['internal_ip6_address', 16], ['internal_ip6_address.prefix', 1]]); break;
    case 9: w.item(a, `${P}.internal_ip6_netmask`, o, 18); break;
    case 10: each(16, [['internal_ip6_dns', 16]]); break;
    case 11: each(16, [['internal_ip6_nbns', 16]]); break;
    case 12: each(16, [['internal_ip6_dhcp', 16]]); break;
    case 13: each(8, [['internal_ip4_subnet_ip', 4], ['internal_ip4_subnet_netmask', 4]]); break;
    case 14: each(2, [['supported_attributes', 2]]); break;
    case 15: each(17, [['internal_ip6_subnet_ip', 16], ['internal_ip6_subnet_prefix', 1]]); break;
    case 17:
      w.item(a, `${P}.internal_ip6_link_interface`, o, 8);
      w.item(a, `${P}.internal_ip6_link_id`, o + 8, n - 8);
      break;
    case 18: each(17, [['internal_ip6_prefix_ip', 16], ['internal_ip6_prefix_length', 1]]); break;
    case 20: each(4, [['p_cscf_ip4_address', 4]]); break;
    case 21: each(16, [['p_cscf_ip6_address', 16]]); break;
    case 16520: labelled(w, a, `${P}.xauth.type`, o, n); break;
    case 16521: w.item(a, `${P}.xauth.user_name`, o, n); break;
    case 16522: w.item(a, `${P}.xauth.user_password`, o, n); break;
    case 16523: w.item(a, `${P}.xauth.passcode`, o, n); break;
    case 16524: w.item(a, `${P}.xauth.message`, o, n); break;
    case 16525: w.item(a, `${P}.xauth.challenge`, o, n); break;
    case 16526: w.item(a, `${P}.xauth.domain`, o, n); break;
    case 16527: labelled(w, a, `${P}.xauth.status`, o, n); break;
    case 16528: w.item(a, `${P}.xauth.next_pin`, o, n); break;
    case 16529: w.item(a, `${P}.xauth.answer`, o, n); break;
    case 28672: w.item(a, `${P}.unity.banner`, o, n); break;
    case 28674: w.item(a, `${P}.unity.def_domain`, o, n); break;
    default: break;
  }
  return hlen + n;
}

export function trafficSelectors(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const end = o + length;
  w.item(t, 'isakmp.ts.number', o, 1);
  if (t) t.text = `Payload: ${payloadName(t.value as number)} # ${v.u8(o)}`;
  o++;
  w.item(t, 'isakmp.reserved', o, 3);
  o += 3;
  while (o < end) o += trafficSelector(w, t, o);
}

function trafficSelector(w: Walker, tree: Node | null, o: number): number {
  const v = w.v;
  const len = v.u16(o + 2);
  if (len < 4) return 4;
  const ts = w.item(tree, 'isakmp.ts.data', o, len);
  const type = v.u8(o);
  w.item(ts, 'isakmp.ts.type', o, 1);
  let p = o + 1;
  const T = 'isakmp.ts';
  if (type === 7 || type === 8) {
    const proto = v.u8(p);
    if (proto === 0) w.val(ts, `${T}.protoid`, p, 1, 0, 0, 'Protocol ID: Unused');
    else w.item(ts, `${T}.protoid`, p, 1);
    w.item(ts, `${T}.selector_length`, p + 1, 2);
    w.item(ts, `${T}.start_port`, p + 3, 2);
    w.item(ts, `${T}.end_port`, p + 5, 2);
    p += 7;
    if (type === 7) {
      w.item(ts, `${T}.start_ipv4`, p, 4);
      w.item(ts, `${T}.end_ipv4`, p + 4, 4);
    } else {
      w.item(ts, `${T}.start_ipv6`, p, 16);
      w.item(ts, `${T}.end_ipv6`, p + 16, 16);
    }
  } else if (type === 9) {
    w.item(ts, 'isakmp.reserved', p, 1);
    w.item(ts, `${T}.selector_length`, p + 1, 2);
    w.item(ts, 'isakmp.reserved', p + 3, 1);
    w.item(ts, `${T}.start_fc`, p + 4, 3);
    w.item(ts, 'isakmp.reserved', p + 7, 1);
    w.item(ts, `${T}.end_fc`, p + 8, 3);
    w.item(ts, `${T}.start_r_ctl`, p + 11, 1);
    w.item(ts, `${T}.end_r_ctl`, p + 12, 1);
    w.item(ts, `${T}.start_type`, p + 13, 1);
    w.item(ts, `${T}.end_type`, p + 14, 1);
  }
  return len;
}

/**
 * EAP payload: Wireshark hands the body to its EAP dissector (eap.* fields,
 * not reproduced). What is emulated is when that dissector gives up on the
 * packet — approximately: a body under 4 bytes (code, identifier, length);
 * for a Request or Response (codes 1, 2) a missing type byte, or type data
 * that the EAP length says runs past the body.
 */
export function eap(w: Walker, o: number, length: number): void {
  const v = w.v;
  const sub = v.subClipped(o, length);
  const code = sub.u8(0);
  const eapLen = sub.u16(2);
  if (code !== 1 && code !== 2) return;
  sub.u8(4);
  if (eapLen > 5 && eapLen > length) throw new MalformedError(`EAP: length ${eapLen} runs past the ${length}-byte payload`, v.abs(o + 2));
}
