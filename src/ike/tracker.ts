/**
 * IKE and ESP between host pairs: what the isakmp / udpencap binders and the
 * pipeline's ESP handler saw, kept per host pair and per IKE SA (keyed by the
 * initiator's SPI), for the logon records (src/logons/).
 *
 * Rules (RFC 2409, RFC 7296, RFC 3948):
 *  - the initiator of an IKE SA is the sender of a message with a zero
 *    responder SPI (IKEv2: the Initiator flag names it); when the capture holds
 *    no such message, the sender of the first message seen;
 *  - a retransmission (the same bytes again in the same direction, what
 *    strongSwan and Windows send) counts once: `distinct` messages per
 *    direction, every frame listed, retransmissions counted apart;
 *  - phase 1 is the first main (2) or aggressive (4) exchange of an IKEv1 SA,
 *    or IKE_SA_INIT (34) + IKE_AUTH (35) of an IKEv2 SA; quick mode (32) is
 *    tracked per message ID; informational exchanges give notifications
 *    (plaintext) or only their existence (encrypted);
 *  - ESP (IP protocol 50, or UDP 4500 after RFC 3948's rule) per host pair:
 *    SPIs with their direction, packets, whether UDP-encapsulated.
 * Everything is bounded (IKE_BOUNDS): beyond a bound the oldest SA goes, or
 * the new item is only counted.
 */
import type { IsakmpResult } from '../../dissector/isakmp/index.js';

export const IKE_BOUNDS = {
  /** Host pairs with IKE or ESP remembered. */
  hostPairs: 10_000,
  /** IKE SAs kept per host pair (the oldest goes first). */
  sasPerPair: 16,
  /** Message digests kept per SA to recognise retransmissions. */
  digestsPerSa: 64,
  /** Quick-mode exchanges kept per SA. */
  quickModesPerSa: 32,
  /** Plaintext notifications and encrypted informational messages kept per SA. */
  notificationsPerSa: 32,
  /** Frames listed per exchange. */
  framesListed: 32,
  /** ESP SPIs kept per host pair. */
  spisPerPair: 32,
} as const;

/** Messages of one exchange: distinct ones per direction, every frame. */
export interface Exchange {
  fromInitiator: number;
  fromResponder: number;
  retransmissions: number;
  frames: number[];
  /** Order (run-wide event counter) of its first and last message. */
  firstOrder: number;
  lastOrder: number;
}

export interface Notification {
  type: number;
  name: string;
  frame: number;
  fromInitiator: boolean;
}

export interface SaState {
  ispi: string;
  version: number;
  /** Addresses (and the initiator's first port, for a pair on one host). */
  initiator: string;
  responder: string;
  initiatorPort: number;
  firstOrder: number;
  lastOrder: number;
  firstFrame: number;
  /** 2 main, 4 aggressive, 34 IKE_SA_INIT; null when no phase-1 exchange was captured. */
  phase1: number | null;
  p1: Exchange;
  /** IKEv2: an IKE_SA_INIT response with an SA payload / an IKE_AUTH response. */
  v2InitAccepted: boolean;
  v2AuthAnswered: boolean;
  /** IKEv1 quick modes by message ID, with who started each. */
  quick: Map<number, Exchange & { starter: string }>;
  notifications: Notification[];
  /** Encrypted informational messages (their content cannot be read). */
  encryptedInformational: { frame: number; fromInitiator: boolean }[];
  /** Some message came from the responder. */
  responderSpoke: boolean;
  /** IKE on UDP 4500 (NAT traversal, RFC 3947/3948). */
  natT: boolean;
  /** The initiator's phase-1 offer in words (first SA payload), for the findings. */
  offer: string | null;
  /** Digests of the messages seen (direction included), for retransmissions. */
  digests: Set<number>;
}

export interface EspState {
  /** SPI (8 hex digits) → sender address. */
  spis: Map<string, string>;
  packets: number;
  udpEncapsulated: boolean;
  /** Packets sent by the pair's lower / higher address (both > 0: traffic both ways). */
  fromA: number;
  fromB: number;
  firstSender: string;
  firstOrder: number;
  lastOrder: number;
  firstFrame: number;
}

export interface HostPair {
  /** The two addresses, a < b as strings. */
  a: string;
  b: string;
  sas: Map<string, SaState>;
  esp: EspState | null;
}

/** A run-wide event counter: orders events of different binders on one timeline. */
export interface LogonClock {
  tick(): number;
}

export function newClock(): LogonClock {
  let n = 0;
  return { tick: () => ++n };
}

/** FNV-1a over the direction and the bytes (at most the first 4 KiB, and the length). */
function digest(fromInitiator: boolean, b: Uint8Array): number {
  let h = fromInitiator ? 0x811c9dc5 : 0x01000193;
  const n = Math.min(b.length, 4096);
  for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (Math.imul(h ^ b.length, 0x01000193) ^ (b.length >>> 16)) >>> 0;
}

function newExchange(order: number): Exchange {
  return { fromInitiator: 0, fromResponder: 0, retransmissions: 0, frames: [], firstOrder: order, lastOrder: order };
}

function note(x: Exchange, fromInitiator: boolean, dup: boolean, frame: number, order: number): void {
  if (dup) x.retransmissions++;
  else if (fromInitiator) x.fromInitiator++;
  else x.fromResponder++;
  if (x.frames.length < IKE_BOUNDS.framesListed) x.frames.push(frame);
  x.lastOrder = order;
}

/** The initiator's offer in a few words: encryption, hash/integrity, groups, authentication. */
function offerText(r: IsakmpResult): string | null {
  const parts: string[] = [];
  for (const sa of r.sa) {
    for (const p of sa.proposals) {
      const o = p.offer;
      const names = (xs: readonly { name: string; keyLength?: number }[]): string => [...new Set(xs.map((x) => (x.keyLength ? `${x.name}-${x.keyLength}` : x.name)))].join(', ');
      const bits = [names(o.encryption), names(o.hash.length ? o.hash : o.integrity), names(o.group), names(o.authMethod)].filter((s) => s.length > 0);
      if (bits.length) parts.push(bits.join(' / '));
      if (parts.length >= 4) break;
    }
  }
  return parts.length ? parts.join('; ') : null;
}

export interface IkeInput {
  readonly file: string;
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
}

export class IkeTracker {
  readonly pairs = new Map<string, HostPair>();
  /** Host pairs not tracked because the table was full. */
  droppedPairs = 0;

  constructor(private readonly clock: LogonClock) {}

  private pair(x: string, y: string): HostPair | null {
    const [a, b] = x < y ? [x, y] : [y, x];
    const k = `${a} ${b}`;
    let p = this.pairs.get(k);
    if (!p) {
      if (this.pairs.size >= IKE_BOUNDS.hostPairs) {
        this.droppedPairs++;
        return null;
      }
      p = { a, b, sas: new Map(), esp: null };
      this.pairs.set(k, p);
    }
    return p;
  }

  /** One ISAKMP message (`bytes`: the message itself, after any non-ESP marker). */
  message(m: IkeInput, bytes: Uint8Array, r: IsakmpResult, natT: boolean): void {
    if (!r.isIsakmp || r.ispi === '') return;
    const pair = this.pair(m.src, m.dst);
    if (!pair) return;
    const order = this.clock.tick();
    let sa = pair.sas.get(r.ispi);
    if (!sa) {
      if (pair.sas.size >= IKE_BOUNDS.sasPerPair) pair.sas.delete(pair.sas.keys().next().value!);
      // IKEv2 names the original initiator; IKEv1: the sender of the first message seen (a zero
      // responder SPI when the capture holds the exchange's start).
      const srcInitiates = r.version === 2 && r.initiator !== null ? r.initiator : true;
      sa = {
        ispi: r.ispi, version: r.version, initiator: srcInitiates ? m.src : m.dst, responder: srcInitiates ? m.dst : m.src,
        initiatorPort: srcInitiates ? m.sport : m.dport, firstOrder: order, lastOrder: order, firstFrame: m.frame,
        phase1: null, p1: newExchange(order), v2InitAccepted: false, v2AuthAnswered: false, quick: new Map(),
        notifications: [], encryptedInformational: [], responderSpoke: false, natT: false, offer: null, digests: new Set(),
      };
      pair.sas.set(r.ispi, sa);
    }
    const fromI = m.src !== m.dst ? m.src === sa.initiator : r.version === 2 && r.initiator !== null ? r.initiator : m.sport === sa.initiatorPort;
    const h = digest(fromI, bytes);
    const dup = sa.digests.has(h);
    if (!dup && sa.digests.size < IKE_BOUNDS.digestsPerSa) sa.digests.add(h);
    sa.lastOrder = order;
    if (!fromI) sa.responderSpoke = true;
    if (natT || m.sport === 4500 || m.dport === 4500) sa.natT = true;
    const x = r.exchangeType;
    // The phase-1 exchange this message belongs to: IKEv1 main / aggressive, IKEv2 IKE_SA_INIT (+ IKE_AUTH).
    const phase1 = r.version === 1 && (x === 2 || x === 4) ? x : r.version === 2 && (x === 34 || x === 35) ? 34 : null;
    if (phase1 !== null) {
      if (sa.phase1 === null) {
        sa.phase1 = phase1;
        sa.p1.firstOrder = order;
      }
      note(sa.p1, fromI, dup, m.frame, order);
      if (x !== 35 && fromI && sa.offer === null && r.sa.length) sa.offer = offerText(r);
      if (x === 34 && r.response === true && r.payloads.some((p) => p.type === 33)) sa.v2InitAccepted = true;
      if (x === 35 && r.response === true) sa.v2AuthAnswered = true;
    } else if (r.version === 1 && x === 32) {
      let q = sa.quick.get(r.messageId);
      if (!q) {
        if (sa.quick.size >= IKE_BOUNDS.quickModesPerSa) return;
        q = { ...newExchange(order), starter: m.src };
        sa.quick.set(r.messageId, q);
      }
      note(q, m.src === q.starter, dup, m.frame, order);
    } else if (r.encrypted || (r.version === 2 && r.encryptedData !== null)) {
      if (!dup && sa.encryptedInformational.length < IKE_BOUNDS.notificationsPerSa && (x === 5 || x === 37)) sa.encryptedInformational.push({ frame: m.frame, fromInitiator: fromI });
    }
    if (!dup) {
      for (const n of r.notifications) {
        if (sa.notifications.length >= IKE_BOUNDS.notificationsPerSa) break;
        sa.notifications.push({ type: n.type, name: n.name, frame: m.frame, fromInitiator: fromI });
      }
    }
  }

  /** One ESP packet (IP protocol 50, or ESP in UDP 4500). */
  esp(e: { frame: number; src: string; dst: string; spi: number }, udp: boolean): void {
    const pair = this.pair(e.src, e.dst);
    if (!pair) return;
    const order = this.clock.tick();
    let s = pair.esp;
    if (!s) {
      s = { spis: new Map(), packets: 0, udpEncapsulated: false, fromA: 0, fromB: 0, firstSender: e.src, firstOrder: order, lastOrder: order, firstFrame: e.frame };
      pair.esp = s;
    }
    s.packets++;
    s.lastOrder = order;
    if (udp) s.udpEncapsulated = true;
    if (e.src === pair.a) s.fromA++;
    else s.fromB++;
    const spi = (e.spi >>> 0).toString(16).padStart(8, '0');
    if (!s.spis.has(spi) && s.spis.size < IKE_BOUNDS.spisPerPair) s.spis.set(spi, e.src);
  }
}
