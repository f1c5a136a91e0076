/**
 * The iSNS Heartbeat (function 0x000E, RFC 4171 §5.6.5.14): not TLVs but a
 * fixed layout — the active server's address and ports, interval, counter,
 * then a list of backup servers and vendor bytes.
 */
import { formatIpv6, type ByteView } from '../core/byteview.js';
import { ipv4Of } from './values.js';

/** A heartbeat server address with its ports (RFC 4171 §5.6.5.14). */
export interface HeartbeatServer {
  /** inet_ntop text of the 16 bytes. */
  address: string;
  /** Dotted quad when IPv4-mapped or -compatible (see ipv4Of). */
  ipv4: string | null;
  tcpPort: number;
  udpPort: number;
}

/** The Heartbeat payload: active server, interval, counter, backup servers, vendor bytes. */
export interface IsnsHeartbeat extends HeartbeatServer {
  interval: number;
  counter: number;
  /** Backup server count as sent (the list holds those actually present). */
  backupCount: number;
  backups: HeartbeatServer[];
  /** Vendor-specific bytes after the backup list. */
  vendor: Uint8Array;
}

/** Heartbeat payload (RFC 4171 §5.6.5.14): fixed fields, a backup list bounded by the bytes present; what is wrong with it goes to `problems` (unless the snaplen cut it). */
export function parseHeartbeat(v: ByteView, truncated: boolean, problems: string[]): IsnsHeartbeat | undefined {
  const len = v.captured;
  if (len < 32) {
    if (!truncated) problems.push(`heartbeat payload of ${len} bytes is shorter than its 32-byte fixed part`);
    if (len < 28) return undefined;
  }
  const server = (o: number): HeartbeatServer => {
    const raw = v.bytes(o, 16);
    return { address: formatIpv6(raw, 0), ipv4: ipv4Of(raw), tcpPort: v.u16(o + 16), udpPort: v.u16(o + 18) };
  };
  const hb: IsnsHeartbeat = { ...server(0), interval: v.u32(20), counter: v.u32(24), backupCount: 0, backups: [], vendor: new Uint8Array(0) };
  let o = 28;
  if (len >= 32) {
    hb.backupCount = v.u16(30);
    o = 32;
    for (let i = 0; i < hb.backupCount; i++) {
      if (o + 20 > len) {
        if (!truncated) problems.push(`heartbeat announces ${hb.backupCount} backup servers but only ${i} fit in the payload`);
        break;
      }
      hb.backups.push(server(o));
      o += 20;
    }
  }
  hb.vendor = v.bytes(o, len - o);
  return hb;
}
