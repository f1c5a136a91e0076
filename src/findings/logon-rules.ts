/**
 * The rules of logon-scope findings: what one logon record's facts (the
 * portal's bitmap, the IKE SA, quick mode, ESP, the TCP connections and their
 * logins) say about why an iSCSI (IPsec) logon failed, and the record's
 * outcome. The words are in logon-registry.ts.
 *
 * What the capture cannot show is said so, never guessed: the content of
 * encrypted IKE messages (main mode 5/6, quick mode, IKE_AUTH, encrypted
 * informational messages), and so PFS, transport vs tunnel mode and the
 * IKE_AUTH result.
 */
import type { EspState, SaState } from '../ike/tracker.js';
import type { ConnState } from '../iscsi/connections.js';
import { describeBitmap } from '../isns/bitmap.js';
import { phase1Outcome, type Phase2Facts } from '../logons/ike-summary.js';
import { statusHex, statusMeaning, statusName } from '../logons/status.js';
import { keepHidden } from './locate.js';
import { finding, type Finding } from './registry.js';

/** Frames listed in one logon finding. */
const MAX_FRAMES = 20;

export interface LogonFacts {
  /** "address:port" (IPv6 bracketed), or the address alone when no port is known. */
  portal: string;
  bitmap: number | null;
  source: 'isns' | 'default' | 'none';
  sa: SaState | null;
  phase2: Phase2Facts | null;
  esp: EspState | null;
  conns: readonly ConnState[];
}

const MODE: Record<number, string> = { 2: 'main', 4: 'aggressive', 34: 'IKE_SA_INIT' };

const NOTIFY_MEANING: Record<number, string> = {
  14: 'none of the proposals offered is acceptable to the receiver: encryption, hash, Diffie-Hellman group and authentication method must match on both ends',
  16: 'the receiver could not parse a message; after main mode message 5 this is how a responder that cannot decrypt it (different pre-shared keys) answers',
  17: 'the receiver rejects the Diffie-Hellman group or key exchange data (IKEv2: it names the group it accepts and the initiator normally retries with it)',
  18: 'the receiver does not accept the identity (ID payload) it was sent: the identities configured on the two ends differ',
  23: 'the hash check failed: typically different pre-shared keys on the two ends',
  24: 'the receiver refused the authentication: a pre-shared key, certificate or identity mismatch, or a responder that does not allow this mode with a pre-shared key (aggressive mode)',
};

const sorted = (fs: Iterable<number>): number[] => [...new Set(fs)].sort((a, b) => a - b).slice(0, MAX_FRAMES);

function bitmapValid(b: number | null): b is number {
  return b !== null && (b & 0x01) !== 0;
}

function ikeFindings(f: LogonFacts, out: Finding[]): void {
  const sa = f.sa!;
  if (bitmapValid(f.bitmap)) {
    if ((f.bitmap & 0x02) === 0) out.push(finding('IKE_TO_NON_IPSEC_PORTAL', { bitmap: describeBitmap(f.bitmap), frame: sa.firstFrame }, [sa.firstFrame]));
    else if (sa.version === 1 && (sa.phase1 === 2 || sa.phase1 === 4)) {
      const bit = sa.phase1 === 2 ? 0x04 : 0x08;
      if ((f.bitmap & bit) === 0) {
        const allowed = f.bitmap & 0x04 ? 'main mode only' : f.bitmap & 0x08 ? 'aggressive mode only' : 'neither main nor aggressive mode';
        out.push(finding('IKE_MODE_NOT_ALLOWED', { mode: MODE[sa.phase1]!, frame: sa.p1.frames[0] ?? sa.firstFrame, bitmap: describeBitmap(f.bitmap), allowed }, [sa.p1.frames[0] ?? sa.firstFrame]));
      }
    }
  }
  if (sa.phase1 !== null) {
    const outcome = phase1Outcome(sa);
    const exchange = sa.phase1 === 34 ? 'IKE_SA_INIT' : `${MODE[sa.phase1]} mode`;
    if (outcome === 'no-response') {
      out.push(finding('IKE_NO_RESPONSE', { version: sa.version, exchange, responder: sa.responder, port: sa.natT ? 4500 : 500, messages: sa.p1.fromInitiator, retransmissions: sa.p1.retransmissions }, sorted(sa.p1.frames)));
    } else if (outcome === 'incomplete') {
      out.push(finding('IKE_PHASE1_FAILED', phase1Detail(sa), sorted(sa.p1.frames)));
    } else if (sa.version === 1 && f.phase2 && f.phase2.outcome !== 'complete' && !(f.esp && f.esp.lastOrder > f.phase2.firstOrder)) {
      const enc = sa.encryptedInformational;
      const after = enc.length ? `; an encrypted informational message followed (${enc.map((e) => `frame ${e.frame} from the ${e.fromInitiator ? 'initiator' : 'responder'}`).join(', ')}): informational messages are how IKE reports errors, but this one is encrypted and cannot be read` : '';
      out.push(finding('IKE_PHASE2_FAILED', { messages: f.phase2.messages, outcome: f.phase2.outcome === 'no-response' ? 'no answer' : 'not finished', after }, sorted([...f.phase2.frames, ...enc.map((e) => e.frame)])));
    }
  }
  // Plaintext error notifications (types below 8192), one finding per type and sender.
  const byType = new Map<string, { name: string; type: number; fromInitiator: boolean; frames: number[] }>();
  for (const n of sa.notifications) {
    if (n.type >= 8192) continue;
    const k = `${n.type}|${n.fromInitiator}`;
    const e = byType.get(k) ?? { name: n.name, type: n.type, fromInitiator: n.fromInitiator, frames: [] };
    e.frames.push(n.frame);
    byType.set(k, e);
  }
  for (const e of byType.values()) {
    const meaning = NOTIFY_MEANING[e.type] ?? 'an error notification (RFC 2408 §3.14.1 / RFC 7296 §3.10.1): the exchange it answers failed';
    out.push(finding('IKE_ERROR_NOTIFY', { from: e.fromInitiator ? 'initiator' : 'responder', name: e.name, type: e.type, frames: sorted(e.frames), meaning }, sorted(e.frames)));
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What phase 1 shows and what it means (IKE_PHASE1_FAILED's facts). */
function phase1Detail(sa: SaState): { what: string; why: string } {
  const x = sa.p1;
  const n = x.fromInitiator + x.fromResponder;
  const notes = sa.notifications.filter((m) => !m.fromInitiator && m.type < 8192).map((m) => m.name);
  const told = notes.length ? `the responder answered with ${[...new Set(notes)].join(', ')} in the clear` : '';
  const encR = sa.encryptedInformational.filter((e) => !e.fromInitiator).map((e) => e.frame);
  const encText = encR.length ? `the responder answered with ${plural(encR.length, 'encrypted informational message')} (${encR.length === 1 ? 'frame' : 'frames'} ${encR.join(', ')}) whose content cannot be read` : '';
  const retr = x.retransmissions ? `message ${n} was sent ${x.retransmissions + 1} times` : '';
  const join = (...parts: string[]): string => parts.filter((p) => p.length > 0).join('; ');
  if (sa.phase1 === 34) {
    if (!sa.v2InitAccepted) return { what: `IKEv2 IKE_SA_INIT was not accepted (${plural(n, 'message')})`, why: join(told || 'the responder answered without an SA payload', retr) };
    return {
      what: `IKEv2 IKE_SA_INIT succeeded but IKE_AUTH got no answer (${plural(n, 'message')})`,
      why: join('IKE_AUTH carries the identities and the authentication, encrypted: why the responder did not answer cannot be read from the capture (a pre-shared key, certificate or identity mismatch is the usual cause)', retr, encText),
    };
  }
  const total = sa.phase1 === 2 ? 6 : 3;
  const what = `IKE ${MODE[sa.phase1!]} mode stopped after message ${n} of ${total}`;
  let why: string;
  if (sa.phase1 === 2 && n >= 4) why = 'messages 5 and 6 carry the identities and the authentication, encrypted with keys that depend on the pre-shared key or certificates: main mode stopping there is the sign of a pre-shared key or identity mismatch between the two ends';
  else if (sa.phase1 === 4 && n === 2) why = "message 3 (the initiator's authentication) did not follow: the initiator could not verify the responder's authentication in message 2, the sign of a pre-shared key or identity mismatch";
  else if (sa.phase1 === 2 && n >= 2) why = 'the responder accepted a proposal but the key exchange (messages 3 and 4) did not complete';
  else why = told || encText ? '' : 'the responder did not take up the exchange';
  return { what, why: join(why, told, encText, retr) };
}

function connectionFindings(f: LogonFacts, out: Finding[]): void {
  if (f.conns.length === 0) return;
  if (bitmapValid(f.bitmap) && f.bitmap & 0x02) {
    const logins = f.conns.filter((c) => c.login !== null).length;
    out.push(finding('IPSEC_REQUIRED_BUT_PLAINTEXT', { bitmap: describeBitmap(f.bitmap), source: f.source === 'default' ? 'the default bitmap' : "the portal's bitmap", connections: f.conns.length, logins }, sorted(f.conns.map((c) => c.tcpFrames[0] ?? c.login?.frames[0] ?? 0).filter((x) => x > 0))));
  }
  const refused = f.conns.filter((c) => c.tcp === 'refused');
  const unanswered = f.conns.filter((c) => c.tcp === 'no-response' && c.login === null);
  if (refused.length || unanswered.length) {
    const syns = unanswered.reduce((n, c) => n + Math.max(1, c.tcpFrames.length), 0);
    out.push(finding('ISCSI_CONNECT_FAILED', { portal: f.portal, refused: refused.length, unanswered: unanswered.length, syns }, sorted([...refused, ...unanswered].flatMap((c) => c.tcpFrames))));
  }
  const failed = new Map<number, { cs: ConnState[]; frames: number[] }>();
  const silent: { c: ConnState; frame: number }[] = [];
  for (const c of f.conns) {
    const l = c.login;
    if (!l) continue;
    if (l.outcome === 'failed' && l.statusClass !== null && l.statusDetail !== null) {
      const k = (l.statusClass << 8) | l.statusDetail;
      const e = failed.get(k) ?? { cs: [], frames: [] };
      e.cs.push(c);
      e.frames.push(l.frames[l.frames.length - 1]!);
      failed.set(k, e);
    } else if (l.awaiting && !l.finished) silent.push({ c, frame: l.awaitingFrames[0] ?? l.frames[0]! });
  }
  for (const [k, e] of failed) {
    const cls = k >> 8;
    const detail = k & 0xff;
    const l = e.cs[0]!.login!;
    const m = statusMeaning(cls, detail);
    out.push(finding('ISCSI_LOGIN_FAILED', { target: l.targetName ?? '', hex: statusHex(cls, detail), cls, detail, status: statusName(cls, detail), meaning: m.meaning, windows: m.windows, count: e.cs.length, authMethod: cls === 2 && detail === 1 ? authOf(l) : null }, sorted(e.frames)));
  }
  if (silent.length) {
    const l = silent[0]!.c.login!;
    out.push(finding('ISCSI_LOGIN_NO_RESPONSE', { target: l.targetName ?? '', frame: silent[0]!.frame, count: silent.length }, sorted(silent.map((s) => s.frame))));
  }
}

/** The authentication method of a login: the target's choice, else the offer, else None when security negotiation was skipped. */
export function authOf(l: NonNullable<ConnState['login']>): string | null {
  return l.authChosen ?? l.authOffered ?? (l.firstCsg === 1 ? 'None' : null);
}

/** Every logon-scope finding of one record. */
export function logonFindings(f: LogonFacts): Finding[] {
  const out: Finding[] = [];
  if (f.sa) ikeFindings(f, out);
  connectionFindings(f, out);
  return out.map((x) => keepHidden(x, { code: x.code, severity: x.severity, message: x.message, frames: x.frames, filter: x.filter ?? null }));
}

/**
 * The record's outcome. With connections, the last one decides: its login
 * succeeded → ok (failed if the portal requires IPsec and it went in the
 * clear); refused or unanswered SYN, a failed login, a login request left
 * unanswered on a connection that then closed → failed; else unknown. With
 * no connection seen: ESP both ways → ok (the login inside is encrypted);
 * else failed if an error finding explains why, else unknown.
 */
export function logonOutcome(f: LogonFacts, findings: readonly Finding[], espBoth: boolean): 'ok' | 'failed' | 'unknown' {
  const last = f.conns[f.conns.length - 1];
  if (last) {
    const l = last.login;
    if (last.tcp !== 'established' && !l) return 'failed';
    if (!l) return 'unknown';
    if (l.outcome === 'success') return findings.some((x) => x.code === 'IPSEC_REQUIRED_BUT_PLAINTEXT') ? 'failed' : 'ok';
    if (l.outcome === 'failed') return 'failed';
    return l.awaiting && last.ended ? 'failed' : 'unknown';
  }
  if (espBoth) return 'ok';
  return findings.some((x) => x.severity === 'error') ? 'failed' : 'unknown';
}
