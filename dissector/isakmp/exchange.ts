/**
 * Key exchange, identification, certificate, certificate request,
 * authentication, vendor ID and NAT original address payloads. (Hash,
 * signature, nonce and NAT-D are single items: chain.ts adds them.)
 */
import { MalformedError } from '../core/byteview.js';
import { bytesToHex } from '../core/field.js';
import { berHeader, berOverruns, berWalk, isSequence } from './ber.js';
import { idTypeName } from './names.js';
import { startsWith, vendorName, VID_ARUBA_VIA_AUTH_PROFILE, VID_CISCO_UNITY, VID_CP_01_R65, VID_FORTIGATE, VID_MS_NT5 } from './vendor-ids.js';
import type { Node, Walker } from './walker.js';

export function keyExchange(w: Walker, t: Node | null, o: number, length: number): void {
  let group: number | null = null;
  if (w.version === 2) {
    group = w.v.u16(o);
    w.item(t, 'isakmp.key_exchange.dh_group', o, 2);
    o += 2;
    length -= 2;
    w.item(t, 'isakmp.reserved', o, 2);
    o += 2;
    length -= 2;
  }
  const n = w.item(t, 'isakmp.key_exchange.data', o, length);
  w.r.keyExchange.push({ group, length: n.length });
}

export function identification(w: Walker, t: Node | null, o: number, length: number, payload: number): void {
  const v = w.v;
  const ver = w.version;
  const type = v.u8(o);
  w.versioned(t, 'isakmp.id.type', o, 1);
  o++;
  length--;
  let protocolId: number | null = null;
  let port: number | null = null;
  if (ver === 1) {
    protocolId = v.u8(o);
    if (protocolId === 0) w.val(t, 'isakmp.id.protoid', o, 1, 0, 0, 'Protocol ID: Unused');
    else w.item(t, 'isakmp.id.protoid', o, 1);
    o++;
    length--;
    port = v.u16(o);
    if (port === 0) w.val(t, 'isakmp.id.port', o, 2, 0, 0, 'Port: Unused');
    else w.item(t, 'isakmp.id.port', o, 2);
    o += 2;
    length -= 2;
  } else if (ver === 2) {
    w.item(t, 'isakmp.reserved', o, 3);
    o += 3;
    length -= 3;
  }
  const idt = w.item(t, 'isakmp.id.data', o, length);
  const value = dissectIdType(w, idt, o, length, type);
  w.r.ids.push({ payload, type, typeName: idTypeName(type, ver), protocolId, port, value });
}

/** dissect_id_type: the identification data by type; returns it as text. */
export function dissectIdType(w: Walker, t: Node | null, o: number, length: number, type: number): string {
  const v = w.v;
  const P = 'isakmp.id.data';
  switch (type) {
    case 1:
      return String(w.item(t, `${P}.ipv4_addr`, o, 4).value);
    case 2:
      return String(w.item(t, `${P}.fqdn`, o, length).value);
    case 3:
      return String(w.item(t, `${P}.user_fqdn`, o, length).value);
    case 4: {
      const a = w.item(t, `${P}.ipv4_addr`, o, 4).value;
      const m = w.item(t, `${P}.ipv4_subnet`, o + 4, 4).value;
      return `${a}/${m}`;
    }
    case 7: {
      const a = w.item(t, `${P}.ipv4_range_start`, o, 4).value;
      const b = w.item(t, `${P}.ipv4_range_end`, o + 4, 4).value;
      return `${a}-${b}`;
    }
    case 5:
      return String(w.item(t, `${P}.ipv6_addr`, o, 16).value);
    case 6: {
      const a = w.item(t, `${P}.ipv6_addr`, o, 16).value;
      const m = w.item(t, `${P}.ipv6_subnet`, o + 16, 16).value;
      return `${a}/${m}`;
    }
    case 8: {
      const a = w.item(t, `${P}.ipv6_range_start`, o, 16).value;
      const b = w.item(t, `${P}.ipv6_range_end`, o + 16, 16).value;
      return `${a}-${b}`;
    }
    case 11: {
      const n = w.item(t, `${P}.key_id`, o, length);
      return bytesToHex(n.value as Uint8Array);
    }
    case 9: {
      // DER_ASN1_DN: an X.509 Name (CHOICE of rdnSequence).
      berName(w, t, `${P}.der_asn1_dn`, o);
      const n = Math.max(0, Math.min(length, v.captured - o));
      return v.hex(o, n);
    }
    default:
      // tvb_bytes_to_str for the label: fails on a negative length and on no bytes.
      if (length <= 0) throw new MalformedError(`identification data of length ${length}`, v.abs(o));
      return v.hex(o, length);
  }
}

export function cert(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const ver = w.version;
  const type = v.u8(o);
  if (!w.versioned(t, 'isakmp.cert.encoding', o, 1)) return;
  w.r.certificates.push(type);
  o++;
  length--;
  if (ver === 2 && type === 12) {
    w.item(t, 'isakmp.cert.x509.hash', o, 20);
    w.item(t, 'isakmp.cert.x509.url', o + 20, length - 20);
    return;
  }
  // dissect_x509af_Certificate: the field is added whatever the element is (see ber.ts).
  const h = berHeader(v, o);
  w.val(t, 'isakmp.cert.data', o, Math.max(0, length), null);
  // BER goes into the content of a SEQUENCE or of an application/private element; anything else is reported and skipped.
  const entered = h.cls === 1 || h.cls === 3 || (h.cls === 0 && h.constructed && h.tag === 16);
  if (entered && berOverruns(v, o, h)) v.check(o, h.headerLength + h.length, 'certificate');
}

/** An X.509 Name (dissect_x509if_Name): see ber.ts. */
function berName(w: Walker, t: Node | null, abbrev: string, o: number): void {
  const v = w.v;
  const h = berHeader(v, o);
  if (!isSequence(h)) return;
  w.val(t, abbrev, o, h.headerLength + Math.max(0, h.length), 0);
  if (berOverruns(v, o, h)) v.check(o, h.headerLength + h.length, 'distinguished name');
}

export function certReq(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const ver = w.version;
  const type = v.u8(o);
  if (!w.versioned(t, 'isakmp.certreq.type', o, 1)) return;
  w.r.certRequests.push(type);
  o++;
  length--;
  if (ver === 1) {
    if (length === 0) return;
    if (type === 4) {
      berName(w, t, 'isakmp.ike.certreq.authority.sig', o);
      return;
    }
    w.item(t, 'isakmp.ike.certreq.authority', o, length);
    return;
  }
  while (length > 0) {
    w.item(t, 'isakmp.ike.certreq.authority', o, 20);
    o += 20;
    length -= 20;
  }
}

export function auth(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const method = v.u8(o);
  w.item(t, 'isakmp.auth.method', o, 1);
  w.r.authMethods.push(method);
  o++;
  length--;
  w.item(t, 'isakmp.reserved', o, 3);
  o += 3;
  length -= 3;
  const d = w.item(t, 'isakmp.auth.data', o, length);
  if (method === 14) {
    const alen = v.u8(o);
    w.item(d, 'isakmp.auth.data.sig.asn1.len', o, 1);
    o++;
    length--;
    if (alen > 0 && alen < length) {
      w.item(d, 'isakmp.auth.data.sig.asn1.data', o, alen);
      berWalk(v, o); // dissect_unknown_ber
      o += alen;
      length -= alen;
      w.item(d, 'isakmp.auth.data.sig.value', o, length);
    }
  }
}

export function vendorId(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const vid = v.bytes(o, length);
  const name = vendorName(vid);
  w.item(t, 'isakmp.vid_bytes', o, length);
  w.val(t, 'isakmp.vid_string', o, length, name);
  if (t) t.text = `Payload: Vendor ID (13) : ${name}`;
  w.r.vendorIds.push({ hex: bytesToHex(vid), name });
  const VP = 'isakmp.vid';
  if (length >= 24 && startsWith(vid, VID_CP_01_R65)) {
    o += 20;
    w.item(t, `${VP}.cp.product`, o, 4);
    w.item(t, `${VP}.cp.version`, o + 4, 4);
    w.item(t, `${VP}.cp.timestamp`, o + 8, 4);
    w.item(t, `${VP}.cp.reserved`, o + 12, 4);
    w.item(t, `${VP}.cp.features`, o + 16, 4);
    o += 20;
  }
  if (length >= 14 && startsWith(vid, VID_CISCO_UNITY)) {
    o += 14;
    w.item(t, `${VP}.cisco_unity.major`, o, 1);
    w.item(t, `${VP}.cisco_unity.minor`, o + 1, 1);
    o += 2;
  }
  if (length >= 16 && startsWith(vid, VID_MS_NT5)) {
    o += 16;
    w.item(t, `${VP}.ms_nt5_isakmpoakley`, o, 4);
    o += 4;
  }
  if (length >= 19 && startsWith(vid, VID_ARUBA_VIA_AUTH_PROFILE)) {
    o += 19;
    w.item(t, `${VP}.aruba_via_auth_profile`, o, length - 19);
    o += 4;
  }
  if (length >= 12 && startsWith(vid, VID_FORTIGATE)) {
    o += 12;
    w.item(t, `${VP}.fortinet.fortigate.release`, o, 2);
    w.item(t, `${VP}.fortinet.fortigate.build`, o + 2, 2);
  }
}

export function natOa(w: Walker, t: Node | null, o: number): void {
  const type = w.v.u8(o);
  w.versioned(t, 'isakmp.id.type', o, 1);
  o += 4;
  if (type === 1) w.item(t, 'isakmp.ike.nat_original_address_ipv4', o, 4);
  else if (type === 5) w.item(t, 'isakmp.ike.nat_original_address_ipv6', o, 16);
}
