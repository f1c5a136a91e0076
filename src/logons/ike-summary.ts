/**
 * From the IKE tracker's state of one host pair to the record's `ike` and
 * `esp` objects.
 *
 * The `ike` object describes one IKE SA: the last one whose phase 1 the
 * capture holds (the latest attempt), else the last one seen. Outcomes:
 *  - main mode: `complete` when message 6 was seen (3 distinct messages each
 *    way), aggressive mode when message 3 was (2 + 1), IKEv2 when IKE_SA_INIT
 *    was accepted (a response with an SA payload) and IKE_AUTH answered. The
 *    IKE_AUTH response is encrypted: `complete` says it was answered, not that
 *    authentication succeeded (a responder can refuse inside it);
 *  - `no-response`: nothing came back from the responder for this SA;
 *  - `incomplete`: otherwise.
 * `messages` counts distinct messages (a retransmission counts once; every
 * frame is listed). Quick mode (IKEv1 exchange 32) per message ID: complete
 * with 2 messages from the side that started it and 1 from the other; the
 * record's `phase2` joins every quick mode of the SA (complete if one is).
 */
import { IKE_BOUNDS, type EspState, type HostPair, type SaState } from '../ike/tracker.js';
import type { IkeOutcome, LogonEsp, LogonIke } from './types.js';

const EXCHANGE: Record<number, 'main' | 'aggressive' | 'ike_sa_init'> = { 2: 'main', 4: 'aggressive', 34: 'ike_sa_init' };

/** The SA a record describes: the last with a captured phase 1, else the last seen. */
export function pickSa(pair: HostPair): SaState | null {
  let best: SaState | null = null;
  for (const sa of pair.sas.values()) {
    if (best === null) best = sa;
    else if ((sa.phase1 !== null) !== (best.phase1 !== null)) best = sa.phase1 !== null ? sa : best;
    else if (sa.firstOrder > best.firstOrder) best = sa;
  }
  return best;
}

export function phase1Outcome(sa: SaState): IkeOutcome {
  const x = sa.p1;
  if (sa.phase1 === 2 && x.fromInitiator >= 3 && x.fromResponder >= 3) return 'complete';
  if (sa.phase1 === 4 && x.fromInitiator >= 2 && x.fromResponder >= 1) return 'complete';
  if (sa.phase1 === 34 && sa.v2InitAccepted && sa.v2AuthAnswered) return 'complete';
  return sa.responderSpoke ? 'incomplete' : 'no-response';
}

export interface Phase2Facts {
  outcome: IkeOutcome;
  messages: number;
  frames: number[];
  /** Order of the first quick-mode message (to tell whether ESP followed). */
  firstOrder: number;
}

export function phase2Of(sa: SaState): Phase2Facts | null {
  if (sa.quick.size === 0) return null;
  let complete = false;
  let answered = false;
  let messages = 0;
  let firstOrder = Infinity;
  const frames: number[] = [];
  for (const q of sa.quick.values()) {
    if (q.fromInitiator >= 2 && q.fromResponder >= 1) complete = true;
    if (q.fromResponder > 0) answered = true;
    messages += q.fromInitiator + q.fromResponder;
    firstOrder = Math.min(firstOrder, q.firstOrder);
    for (const f of q.frames) if (frames.length < IKE_BOUNDS.framesListed) frames.push(f);
  }
  return { outcome: complete ? 'complete' : answered ? 'incomplete' : 'no-response', messages, frames: frames.sort((a, b) => a - b), firstOrder };
}

export function ikeSummary(sa: SaState): LogonIke {
  const ex = sa.phase1 === null ? undefined : EXCHANGE[sa.phase1];
  const p2 = sa.version === 1 ? phase2Of(sa) : null;
  return {
    version: sa.version,
    phase1: ex === undefined ? null : { exchange: ex, outcome: phase1Outcome(sa), messages: sa.p1.fromInitiator + sa.p1.fromResponder, frames: [...sa.p1.frames] },
    phase2: p2 === null ? null : { outcome: p2.outcome, messages: p2.messages, frames: p2.frames },
    notifications: sa.notifications.map((n) => ({ type: n.type, name: n.name, frame: n.frame })),
  };
}

export function espSummary(e: EspState): LogonEsp {
  return { spis: [...e.spis.keys()], packets: e.packets, udpEncapsulated: e.udpEncapsulated };
}

/** ESP went both ways between the two hosts. */
export function espBothWays(e: EspState | null): boolean {
  return e !== null && e.fromA > 0 && e.fromB > 0;
}
