/**
 * Notify payloads — the typed notifications, the notify data Wireshark
 * decodes for IKEv1 and IKEv2, 3GPP private types — and Delete payloads.
 */
import type { ByteView } from '../core/byteview.js';
import { bytesToHex } from '../core/field.js';
import { notifyName } from './names.js';
import type { IsakmpDelete, IsakmpNotification } from './result.js';
import type { Node, Walker } from './walker.js';
import { attribute } from './attributes.js';

/**
 * ENC_BCD_DIGITS_0_9 (tvb_get_bcd_string): per byte the low nibble, then the
 * high nibble unless it is the 0xF filler, which ends the string; nibbles
 * above 9 print as '?'.
 */
function bcdString(v: ByteView, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = v.u8(o + i);
    const lo = b & 0x0f;
    const hi = b >> 4;
    s += lo <= 9 ? String(lo) : '?';
    if (hi === 0x0f) break;
    s += hi <= 9 ? String(hi) : '?';
  }
  return s;
}

export function notify(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  const ver = w.version;
  const end = o + length;
  let doi: number | null = null;
  if (ver === 1) {
    doi = v.u32(o);
    w.item(t, 'isakmp.notify.doi', o, 4);
    o += 4;
    length -= 4;
  }
  const { protocolId, spiSize } = w.protocolAndSpiSize(t, 'isakmp.notify.protoid', o);
  o += 2;
  length -= 2;
  const type = v.u16(o);
  const name = notifyName(type, ver);
  if (ver === 1) w.item(t, 'isakmp.notify.msgtype', o, 2);
  else if (ver === 2) {
    const nm = type < 8192 || (type > 16383 && type < 40959) ? name : 'Unknown';
    w.val(t, 'isakmp.notify.msgtype', o, 2, type, 1, `Notify Message Type: ${nm} (${type})`);
    if (t) t.text = `Payload: Notify (41) - ${nm}`;
  }
  o += 2;
  length -= 2;
  const spi = w.spi(t, o, spiSize);
  o += spiSize;
  length -= spiSize;
  const dataNode = w.item(t, 'isakmp.notify.data', o, length);
  const note: { -readonly [K in keyof IsakmpNotification]: IsakmpNotification[K] } = {
    type, name, error: type < 16384, protocolId, doi, spi, data: bytesToHex(dataNode.value as Uint8Array),
  };
  w.r.notifications.push(note);
  if (ver === 1) {
    switch (type) {
      case 24576:
        if (protocolId === 1) while (o < end) o += attribute(w, dataNode, o, 'rl_ike');
        else if (protocolId > 1 && doi === 1) while (o < end) o += attribute(w, dataNode, o, 'rl_ipsec');
        break;
      case 36136:
        w.item(t, 'isakmp.notify.data.dpd.are_you_there', o, length);
        break;
      case 36137:
        w.item(t, 'isakmp.notify.data.dpd.are_you_there_ack', o, length);
        break;
      case 40501:
        w.item(t, 'isakmp.notify.data.unity.load_balance', o, length);
        break;
      default:
        break;
    }
    return;
  }
  if (ver !== 2) return;
  const N = 'isakmp.notify.data';
  switch (type) {
    case 17:
      note.acceptedGroup = v.u16(o);
      w.item(t, `${N}.accepted_dh_group`, o, 2);
      break;
    case 16387:
      w.item(t, `${N}.ipcomp.cpi`, o, 2);
      w.item(t, `${N}.ipcomp.transform_id`, o + 2, 1);
      break;
    case 16403: {
      const secs = v.u32(o);
      w.val(t, `${N}.auth_lifetime`, o, length, secs);
      break;
    }
    case 16407:
    case 16408: {
      const from = type === 16408;
      w.item(t, `${N}.redirect.gw_ident.type`, o, 1);
      w.item(t, `${N}.redirect.gw_ident.len`, o + 1, 1);
      const gt = v.u8(o);
      const gl = v.u8(o + 1);
      const pre = from ? `${N}.redirect.org_resp_gw_ident` : `${N}.redirect.new_resp_gw_ident`;
      if (gt === 1) w.item(t, `${pre}.ipv4`, o + 2, 4);
      else if (gt === 2) w.item(t, `${pre}.ipv6`, o + 2, 16);
      else if (gt === 3 && !from) w.item(t, `${pre}.fqdn`, o + 2, gl);
      else w.item(t, `${pre}.data`, o + 2, gl);
      if (!from) {
        length -= v.u8(o + 1) + 2;
        o += v.u8(o + 1) + 2;
        if (length) w.item(t, `${N}.redirect.nonce_data`, o, length);
      }
      break;
    }
    case 16409:
      w.item(t, `${N}.ticket_opaque.lifetime`, o, 4);
      w.item(t, `${N}.ticket_opaque.data`, o + 4, length - 4);
      break;
    case 16413:
      w.item(t, `${N}.ticket_opaque.data`, o, length);
      break;
    case 16416:
      while (o < end) o += attribute(w, t, o, 'rohc');
      break;
    case 16419:
      w.item(t, `${N}.qcd.token_secret_data`, o, length);
      break;
    case 16422:
      w.item(t, `${N}.ha.nonce_data`, o, 4);
      w.item(t, `${N}.ha.expected_send_req_message_id`, o + 4, 4);
      w.item(t, `${N}.ha.expected_recv_req_message_id`, o + 8, 4);
      break;
    case 16423:
      w.item(t, `${N}.ha.incoming_ipsec_sa_delta_value`, o, length);
      break;
    case 16424:
      w.item(t, `${N}.secure_password_methods`, o, length);
      break;
    case 16431:
      while (o < end) {
        w.item(t, `${N}.signature_hash_algorithms`, o, 2);
        o += 2;
      }
      break;
    case 41041:
      w.item(t, 'isakmp.notify.priv.3gpp.backoff_timer_len', o, 1);
      v.u8(o + 1); // GPRS timer 3 (gsm_a fields)
      break;
    case 41101:
      deviceIdentity(w, t, o, length);
      break;
    case 41134:
      emergencyNumbers(w, t, o, length, end);
      break;
    default:
      break;
  }
}

/** 3GPP TS 24.302 §8.2.9.2 DEVICE_IDENTITY. */
function deviceIdentity(w: Walker, t: Node | null, o: number, length: number): void {
  if (length < 3) return;
  const v = w.v;
  const G = 'isakmp.notify.priv.3gpp';
  w.item(t, `${G}.device_identity_len`, o, 2);
  o += 2;
  const idType = v.u8(o) & 0x03;
  w.val(t, `${G}.device_identity_type`, o, 1, idType);
  o++;
  length -= 3;
  if (length === 0) return;
  if (idType === 1 || idType === 2) {
    const n = w.toEnd(o, length);
    w.ensure(o, n);
    w.val(t, `${G}.device_identity_${idType === 1 ? 'imei' : 'imeisv'}`, o, n, bcdString(v, o, n));
  } else {
    w.expert(t, `${G}.unknown_device_identity`, o, length, 'Type of device identity not known');
  }
}

/** 3GPP TS 24.302 §8.2.9.3 EMERGENCY_CALL_NUMBERS. */
function emergencyNumbers(w: Walker, t: Node | null, o: number, length: number, end: number): void {
  if (length <= 0) return;
  const v = w.v;
  const G = 'isakmp.notify.priv.3gpp';
  const main = w.label(t, 'Emergency Call Numbers', o, length);
  w.item(main, `${G}.emergency_call_numbers_len`, o, 1);
  o++;
  while (o < end) {
    // Wireshark keeps this length in a guint8: +1 and -2 wrap.
    let n = (v.u8(o) + 1) & 0xff;
    const el = w.label(main, 'Emergency Number', o, n);
    w.item(el, `${G}.emergency_call_numbers_element_len`, o, 1);
    o++;
    const f = w.item(el, `${G}.emergency_call_numbers_flags`, o, 1);
    w.item(f, `${G}.emergency_call_numbers_spare`, o, 1);
    w.item(f, `${G}.emergency_call_numbers_flag_b5_mountain_rescue`, o, 1);
    w.item(f, `${G}.emergency_call_numbers_b4_marine_guard`, o, 1);
    w.item(f, `${G}.emergency_call_numbers_flag_b3_fire_brigade`, o, 1);
    w.item(f, `${G}.emergency_call_numbers_flag_b2_ambulance`, o, 1);
    w.item(f, `${G}.emergency_call_numbers_flag_b1_police`, o, 1);
    o++;
    n = (n - 2) & 0xff;
    w.ensure(o, n);
    w.val(el, `${G}.emergency_call_number`, o, n, bcdString(v, o, n));
    o += n;
  }
}

export function deletePayload(w: Walker, t: Node | null, o: number, length: number): void {
  const v = w.v;
  if (w.version === 1) {
    w.item(t, 'isakmp.delete.doi', o, 4);
    o += 4;
    length -= 4;
  }
  const { protocolId, spiSize } = w.protocolAndSpiSize(t, 'isakmp.delete.protoid', o);
  o += 2;
  length -= 2;
  const count = v.u16(o);
  w.item(t, 'isakmp.spinum', o, 2);
  o += 2;
  length -= 2;
  const d: IsakmpDelete = { protocolId, spiSize, count, spis: [] };
  w.r.deletes.push(d);
  if (spiSize > 0) {
    while (length > 0) {
      w.item(t, 'isakmp.delete.spi', o, spiSize);
      d.spis.push(v.hex(o, spiSize));
      o += spiSize;
      length -= spiSize;
    }
  }
}
