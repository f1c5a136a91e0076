/**
 * SendTargets text (RFC 7143 §13.3, §13.8, Appendix C): `TargetName=` then one
 * or more `TargetAddress=domainname[:port][,portal-group-tag]`, where the
 * domain name is a DNS name, a dotted IPv4 address or a bracketed IPv6
 * address; no port means 3260. Only IP literals name a portal this tool can
 * tie to captured traffic: a DNS name is skipped.
 */
import { formatIpv6 } from '../../dissector/core/byteview.js';
import { ISCSI_PORT, type KeyValue } from '../../dissector/iscsi/iscsi.js';


export interface TargetAddress {
  /** IPv4 dotted, or RFC 5952 IPv6 text (an IPv4-mapped address as IPv4). */
  readonly address: string;
  readonly port: number;
  /** The portal group tag; null when the text gives none. */
  readonly tpgt: number | null;
}

function ipv4Text(s: string): string | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const n = [m[1], m[2], m[3], m[4]].map(Number);
  return n.every((x) => x <= 255) ? n.join('.') : null;
}

/** 16 bytes of an IPv6 text address (with an optional dotted IPv4 tail), or null. */
function ipv6Bytes(text: string): Uint8Array | null {
  const s = text.replace(/%.*$/, '');
  if (s.length === 0 || s.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(s)) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = ipv4Text(p);
        if (!v4) return null;
        const o = v4.split('.').map(Number);
        out.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      } else if (/^[0-9A-Fa-f]{1,4}$/.test(p)) out.push(parseInt(p, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const b = new Uint8Array(16);
  all.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 255;
  });
  return b;
}

/** An IPv6 text address as the tool writes addresses: IPv4-mapped ones dotted, others RFC 5952. */
function ipv6Text(text: string): string | null {
  const b = ipv6Bytes(text);
  if (!b) return null;
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  return formatIpv6(b, 0);
}

/** One TargetAddress value, or null when it names no IP portal (a DNS name, bad syntax). */
export function parseTargetAddress(value: string): TargetAddress | null {
  let v = value.trim();
  let tpgt: number | null = null;
  const comma = v.lastIndexOf(',');
  if (comma >= 0) {
    const t = v.slice(comma + 1);
    if (!/^\d{1,5}$/.test(t) || +t > 65535) return null;
    tpgt = +t;
    v = v.slice(0, comma);
  }
  let host: string;
  let portText: string | null = null;
  if (v.startsWith('[')) {
    const close = v.indexOf(']');
    if (close < 0) return null;
    host = v.slice(1, close);
    const rest = v.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return null;
      portText = rest.slice(1);
    }
  } else {
    const colons = v.split(':').length - 1;
    if (colons === 1) {
      host = v.slice(0, v.indexOf(':'));
      portText = v.slice(v.indexOf(':') + 1);
    } else host = v; // no port, or an unbracketed IPv6 address (not RFC syntax, read as an address)
  }
  let port = ISCSI_PORT;
  if (portText !== null) {
    if (!/^\d{1,5}$/.test(portText) || +portText < 1 || +portText > 65535) return null;
    port = +portText;
  }
  const address = ipv4Text(host) ?? (host.includes(':') ? ipv6Text(host) : null);
  return address === null ? null : { address, port, tpgt };
}

export interface SendTargetsEntry extends TargetAddress {
  /** The TargetName the address follows (null if none came before it). */
  readonly targetName: string | null;
}

/** Every portal a SendTargets answer lists, in order (at most `max`). */
export function sendTargetsEntries(pairs: readonly KeyValue[], max = 10_000): SendTargetsEntry[] {
  const out: SendTargetsEntry[] = [];
  let name: string | null = null;
  for (const p of pairs) {
    if (p.value === null || p.partial) continue;
    if (p.key === 'TargetName') name = p.value;
    else if (p.key === 'TargetAddress') {
      const a = parseTargetAddress(p.value);
      if (a && out.length < max) out.push({ ...a, targetName: name });
    }
  }
  return out;
}
