/**
 * SA attributes (TV or TLV) of every family — transform attributes (IKEv1
 * IKE and IPsec, IKEv2), responder-lifetime and ROHC notify data, GDOI
 * key download — and the values that fill the summary of the transform being
 * decoded.
 */
import { rangeName } from './names.js';
import type { TransformSummary } from './result.js';
import type { Node, Walker } from './walker.js';

export type AttrFamily = 'ike' | 'ipsec' | 'rl_ike' | 'rl_ipsec' | 'ike2' | 'rohc' | 'tek';

const FAMILY_PREFIX: Record<AttrFamily, string> = {
  ike: 'isakmp.ike.attr',
  ipsec: 'isakmp.ipsec.attr',
  rl_ike: 'isakmp.notify.data.resp_lifetime.ike.attr',
  rl_ipsec: 'isakmp.notify.data.resp_lifetime.ipsec.attr',
  ike2: 'isakmp.ike2.attr',
  rohc: 'isakmp.notify.data.rohc.attr',
  tek: 'isakmp.key_download.attr',
};

const ATTR_LABEL: Record<AttrFamily, string> = {
  ike: 'IKE Attribute',
  ipsec: 'IPsec Attribute',
  rl_ike: 'IKE Attribute',
  rl_ipsec: 'IPsec Attribute',
  ike2: 'Transform Attribute',
  rohc: 'ROHC Attribute Type',
  tek: 'Key download Tek Attribute',
};

const ROHC_FIELDS: Record<number, string> = { 1: 'max_cid', 2: 'profile', 3: 'integ', 4: 'icv_len', 5: 'mrru' };

/**
 * dissect_attribute_header: the attribute item (text from `label`) and its
 * format, type, length and value items, under the prefix `P`. TV attributes
 * (high bit of the type set) have a 2-byte value and no length.
 */
export function attrHeader(
  w: Walker,
  tree: Node | null,
  o: number,
  P: string,
  label: (type: number, vlen: number, typeName: string) => string,
): { a: Node; type: number; typeName: string; hlen: number; vlen: number } {
  const v = w.v;
  const tf = v.u16(o);
  const hasLen = !(tf & 0x8000);
  const type = tf & 0x7fff;
  const hlen = hasLen ? 4 : 2;
  const vlen = hasLen ? v.u16(o + 2) : 2;
  const typeName = rangeName(`${P}.type`, type, w.variant) ?? `Unknown Attribute Type (${String(type).padStart(2, '0')})`;
  const a = w.item(tree, P, o, hlen + vlen, 0, label(type, vlen, typeName));
  w.item(a, `${P}.format`, o, 2);
  w.val(a, `${P}.type`, o, 2, type, w.variant);
  if (hasLen) w.item(a, `${P}.length`, o + 2, 2);
  if (vlen > 0) w.item(a, `${P}.value`, o + hlen, vlen);
  return { a, type, typeName, hlen, vlen };
}

/**
 * One attribute (its header + the family's value fields).
 * Returns the bytes it covers (>= 2).
 */
export function attribute(w: Walker, tree: Node | null, o: number, family: AttrFamily): number {
  const v = w.v;
  const P = FAMILY_PREFIX[family];
  const { a, type, typeName, hlen, vlen } = attrHeader(w, tree, o, P, (t, l, name) => `${ATTR_LABEL[family]} (t=${t},l=${l}): ${name}`);
  const vo = o + hlen;
  const tr = w.transform;
  if (tr && (family === 'ike' || family === 'ipsec' || family === 'ike2')) {
    tr.attributes.push({ type, name: typeName, value: vlen >= 1 && vlen <= 4 ? w.readUint(vo, vlen) >>> 0 : null, hex: v.hex(vo, vlen) });
  }
  if (vlen === 0) {
    w.flag(a, 'isakmp.attribute_value_empty', o, 'Attribute value is empty');
    return hlen;
  }
  switch (family) {
    case 'ike':
      ikeAttrValue(w, a, type, vo, vlen);
      break;
    case 'ipsec':
      ipsecAttrValue(w, a, type, vo, vlen);
      break;
    case 'rl_ike':
      if (type === 11) labelled(w, a, `${P}.life_type`, vo, vlen);
      else if (type === 12) lifeDuration(w, a, P, vo, vlen);
      break;
    case 'rl_ipsec':
      if (type === 1) labelled(w, a, `${P}.life_type`, vo, vlen);
      else if (type === 2) lifeDuration(w, a, P, vo, vlen);
      break;
    case 'ike2':
      if (type === 14) {
        const kl = labelled(w, a, 'isakmp.ike2.attr.key_length', vo, vlen);
        if (tr) tr.summary.keyLength = kl;
      }
      break;
    case 'rohc': {
      const f = ROHC_FIELDS[type];
      if (f) w.item(a, `${P}.${f}`, vo, vlen);
      break;
    }
    case 'tek':
      break;
  }
  return hlen + vlen;
}

/** A value's item, then the tvb_get_ntohs Wireshark labels it with (it needs 2 bytes even for a 1-byte value). */
export function labelled(w: Walker, a: Node, abbrev: string, o: number, n: number): number {
  w.item(a, abbrev, o, n);
  return w.v.u16(o);
}

/** The same for an algorithm, group or mode: its ID and name for the transform summary. */
function algorithm(w: Walker, a: Node, abbrev: string, o: number, n: number): { id: number; name: string } {
  const id = labelled(w, a, abbrev, o, n);
  return { id, name: rangeName(abbrev, id) ?? `Unknown ${id}` };
}

function lifeDuration(w: Walker, a: Node, P: string, o: number, n: number): number | null {
  const v = w.v;
  if (n >= 1 && n <= 4) {
    const x = w.readUint(o, n) >>> 0;
    w.val(a, `${P}.life_duration`, o, n, x);
    return x;
  }
  if (n >= 5 && n <= 8) {
    let x = 0n;
    for (let i = 0; i < n; i++) x = (x << 8n) | BigInt(v.u8(o + i));
    w.val(a, `${P}.life_duration64`, o, n, x);
    return Number(x);
  }
  w.item(a, `${P}.life_duration_bytes`, o, n);
  v.u32(o + 4); // tvb_get_ntoh64 for the label: 8 bytes
  return null;
}

function ikeAttrValue(w: Walker, a: Node, type: number, o: number, n: number): void {
  const s = w.transform?.summary;
  const P = 'isakmp.ike.attr';
  switch (type) {
    case 1: {
      const x = algorithm(w, a, `${P}.encryption_algorithm`, o, n);
      if (s) s.encryption = x;
      break;
    }
    case 2: {
      const x = algorithm(w, a, `${P}.hash_algorithm`, o, n);
      if (s) s.hash = x;
      break;
    }
    case 3: {
      const x = algorithm(w, a, `${P}.authentication_method`, o, n);
      if (s) s.authMethod = x;
      break;
    }
    case 4: {
      const x = algorithm(w, a, `${P}.group_description`, o, n);
      if (s) s.group = x;
      break;
    }
    case 5:
      labelled(w, a, `${P}.group_type`, o, n);
      break;
    case 6:
      w.item(a, `${P}.group_prime`, o, n);
      break;
    case 7:
      w.item(a, `${P}.group_generator_one`, o, n);
      break;
    case 8:
      w.item(a, `${P}.group_generator_two`, o, n);
      break;
    case 9:
      w.item(a, `${P}.group_curve_a`, o, n);
      break;
    case 10:
      w.item(a, `${P}.group_curve_b`, o, n);
      break;
    case 11:
      w.lifeType = labelled(w, a, `${P}.life_type`, o, n);
      break;
    case 12: {
      const d = lifeDuration(w, a, P, o, n);
      if (s && d !== null) setLife(w, s, d);
      break;
    }
    case 13:
      w.item(a, `${P}.prf`, o, n);
      break;
    case 14: {
      const kl = labelled(w, a, `${P}.key_length`, o, n);
      if (s) s.keyLength = kl;
      break;
    }
    case 15:
      w.item(a, `${P}.field_size`, o, n);
      break;
    case 16:
      w.item(a, `${P}.group_order`, o, n);
      break;
    case 17:
      w.item(a, `${P}.block_size`, o, n);
      break;
    case 20:
      labelled(w, a, `${P}.asymmetric_cryptographic_algorithm_type`, o, n);
      break;
    default:
      break;
  }
}

function setLife(w: Walker, s: TransformSummary, d: number): void {
  if (w.lifeType === 2) s.lifeKilobytes = d;
  else s.lifeSeconds = d;
}

function ipsecAttrValue(w: Walker, a: Node, type: number, o: number, n: number): void {
  const s = w.transform?.summary;
  const P = 'isakmp.ipsec.attr';
  const named = (field: string): number => labelled(w, a, `${P}.${field}`, o, n);
  switch (type) {
    case 1:
      w.lifeType = named('life_type');
      break;
    case 2: {
      const d = lifeDuration(w, a, P, o, n);
      if (s && d !== null) setLife(w, s, d);
      break;
    }
    case 3: {
      const x = algorithm(w, a, `${P}.group_description`, o, n);
      if (s) s.group = x;
      break;
    }
    case 4: {
      const x = algorithm(w, a, `${P}.encap_mode`, o, n);
      if (s) s.encapsulation = x;
      break;
    }
    case 5: {
      const x = algorithm(w, a, `${P}.auth_algorithm`, o, n);
      if (s) s.integrity = x;
      break;
    }
    case 6: {
      const kl = named('key_length');
      if (s) s.keyLength = kl;
      break;
    }
    case 7:
      named('key_rounds');
      break;
    case 8:
      w.item(a, `${P}.cmpr_dict_size`, o, n);
      break;
    case 9:
      w.item(a, `${P}.cmpr_algorithm`, o, n);
      break;
    case 10:
      named('ecn_tunnel');
      break;
    case 11:
      named('ext_seq_nbr');
      break;
    case 12:
      named('auth_key_length');
      break;
    case 13:
      w.item(a, `${P}.sig_enco_algorithm`, o, n);
      break;
    case 14:
      named('addr_preservation');
      break;
    case 15:
      named('sa_direction');
      break;
    default:
      break;
  }
}
