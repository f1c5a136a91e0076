/** Small per-packet helpers of the pipeline. */
import type { ByteView } from '../../dissector/core/byteview.js';
import type { AppProtocol } from '../../dissector/core/protocol.js';
import { finding, type Finding } from '../findings/registry.js';
import { Tally } from '../findings/tally.js';
import type { Packet, Timestamp } from '../types.js';
import type { TcpLimits } from './reassembly.js';

export const DEFAULT_TCP: Required<TcpLimits> = {
  maxOooBytesPerStream: 1 << 20,
  maxOooBytesTotal: 64 << 20,
  maxStreams: 32_768,
  maxBufferedBytes: 64 << 20,
};

/** Nesting bound for link/network layers (VLAN stacks, tunnels). */
export const MAX_LAYERS = 12;

export const EMPTY = new Uint8Array(0);
/** SYN, RST, FIN: a connection starts, is refused or ends. */
export const CONTROL_FLAGS = 0x07;

/** Dotted-quad text of an IPv4 address held as a number. */
export function ipv4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Bytes of a payload the capture's snaplen cut (not a length field's lie: the frame itself was cut). */
export function snaplenCut(p: Packet, payload: ByteView): number {
  return p.origlen > p.caplen ? Math.max(0, Math.min(payload.length - payload.captured, p.origlen - p.caplen)) : 0;
}

/** UDP conversations with datagrams the snaplen cut, told at the end of the file (bounded). */
export const MAX_UDP_CUT_CONVERSATIONS = 10_000;

/**
 * Timestamps of recent frames, to time PDUs completed by a held (earlier)
 * segment. Kept as numbers: holding the frames' own timestamp objects for
 * thousands of packets would move every one of them to V8's old heap.
 */
export class FrameTimes {
  private readonly frames = new Int32Array(4096).fill(-1);
  private readonly sec = new Float64Array(4096);
  private readonly nsec = new Int32Array(4096);
  private readonly digits = new Int8Array(4096);
  set(frame: number, ts: Timestamp): void {
    const i = frame & 4095;
    this.frames[i] = frame;
    this.sec[i] = ts.sec;
    this.nsec[i] = ts.nsec;
    this.digits[i] = ts.digits;
  }
  get(frame: number, fallback: Timestamp): Timestamp {
    const i = frame & 4095;
    return this.frames[i] === frame ? { sec: this.sec[i]!, nsec: this.nsec[i]!, digits: this.digits[i]! } : fallback;
  }
}

/** UDP datagrams the snaplen cut, per conversation: one TRUNCATED_PDU each at the end of the file (bounded). */
export class UdpCuts {
  private cuts = new Map<string, { tally: Tally; app: AppProtocol; file: string }>();

  add(cid: string, p: Packet, missing: number, app: AppProtocol): void {
    let e = this.cuts.get(cid);
    if (!e) {
      if (this.cuts.size >= MAX_UDP_CUT_CONVERSATIONS) return;
      e = { tally: new Tally(), app, file: p.file };
      this.cuts.set(cid, e);
    }
    e.tally.add(missing, [p.frame]);
  }

  flush(report: (f: Finding) => void): void {
    for (const [cid, e] of this.cuts) {
      const t = e.tally;
      const text = `the capture's snaplen cut ${t.bytes} bytes from ${t.count} datagram${t.count === 1 ? '' : 's'} (frame${t.frames.length > 1 ? 's' : ''} ${t.sorted().join(', ')}${t.count > t.frames.length ? ', …' : ''}): the ${e.app.name} PDUs in them are decoded only as far as they were captured`;
      report(finding('TRUNCATED_PDU', { conversation: cid, text }, t.sorted(), e.file));
    }
    this.cuts = new Map();
  }
}

/**
 * Conversation indexes in order of first appearance (like tcp.stream),
 * remembered for `max` conversations; beyond that a conversation seen again
 * gets a fresh index (the map must not grow with the capture).
 */
export class StreamIndexes {
  private readonly map = new Map<string, number>();
  private extra = 0;
  constructor(private readonly max: number) {}
  of(cid: string): number {
    const i = this.map.get(cid);
    if (i !== undefined) return i;
    const n = this.map.size;
    if (n < this.max) {
      this.map.set(cid, n);
      return n;
    }
    return n + this.extra++;
  }
  clear(): void {
    this.map.clear();
    this.extra = 0;
  }
}
