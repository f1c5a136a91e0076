/**
 * iSCSI connection attempts and their first plaintext Login phase, for the
 * logon records:
 *  - TCP (from the SYN/RST/FIN the pipeline reports): `established` once the
 *    portal answered the SYN (SYN-ACK, or any PDU from it), `refused` when it
 *    answered with RST first, `no-response` while only SYNs were seen;
 *  - Login (RFC 7143 §6.3, §11.12-13): SessionType (default Normal),
 *    InitiatorName, TargetName, AuthMethod (the target's choice, else the
 *    offer; "None" when the login starts at the operational stage, i.e. skips
 *    security negotiation), the final status, the frames. Text continued with
 *    C=1 is joined per direction before it is read. The phase ends with a
 *    status class other than 0 (failed) or a transit to full feature phase
 *    (success); later Login PDUs on the connection are not part of it;
 *  - SendTargets answers (Text Responses after a SendTargets= request, joined
 *    over C=1 and F=0 PDUs) are read into portal entries.
 * Bounds: CONN_BOUNDS (connections tracked, text bytes joined, frames listed).
 */
import { OP, joinText, lastValue, parseKeyValues, type IscsiPdu, type KeyValue } from '../../dissector/iscsi/iscsi.js';
import type { FramedPdu } from '../flow/pdu.js';
import type { TcpControl } from '../flow/pipeline.js';
import { sendTargetsEntries, type SendTargetsEntry } from './target-address.js';

export const CONN_BOUNDS = {
  /** Connection attempts remembered per run (beyond: counted, not described). */
  connections: 50_000,
  /** Login and SendTargets text held (not yet complete) over all connections at once. */
  textBytesTotal: 16 * 1024 * 1024,
  /** Login text joined per direction (C=1 continuations). */
  loginTextBytes: 64 * 1024,
  /** One SendTargets answer joined (C=1 / F=0 PDUs). */
  sendTargetsBytes: 1024 * 1024,
  /** Frames listed per connection attempt and per login. */
  frames: 32,
} as const;

export type TcpOutcome = 'established' | 'refused' | 'no-response';

export interface LoginState {
  sessionType: string | null;
  initiatorName: string | null;
  targetName: string | null;
  authOffered: string | null;
  authChosen: string | null;
  /** CSG of the first Login request (1: security negotiation skipped). */
  firstCsg: number | null;
  outcome: 'success' | 'failed' | 'no-response';
  statusClass: number | null;
  statusDetail: number | null;
  frames: number[];
  /** A request not answered (yet). */
  awaiting: boolean;
  /** Frames of the unanswered requests (up to the bound). */
  awaitingFrames: number[];
  finished: boolean;
  req: Text;
  rsp: Text;
}

interface Text {
  parts: Uint8Array[];
  bytes: number;
}

export interface ConnState {
  conversation: string;
  initiator: string;
  portal: string;
  port: number;
  file: string;
  order: number;
  tcp: TcpOutcome;
  tcpFrames: number[];
  ended: boolean;
  login: LoginState | null;
  /** A SendTargets request awaits its (possibly multi-PDU) answer. */
  sendTargets: Text | null;
}

const SYN = 0x02;
const RST = 0x04;
const FIN = 0x01;
const ACK = 0x10;

function push(list: number[], f: number): void {
  if (list.length < CONN_BOUNDS.frames && !list.includes(f)) list.push(f);
}

/** Text held by every connection's incomplete login or SendTargets answer (CONN_BOUNDS.textBytesTotal). */
class TextBudget {
  held = 0;
  append(t: Text, data: Uint8Array, max: number): void {
    const room = Math.min(max - t.bytes, CONN_BOUNDS.textBytesTotal - this.held);
    if (data.length === 0 || room <= 0) return;
    const part = data.subarray(0, room);
    t.parts.push(part.slice());
    t.bytes += part.length;
    this.held += part.length;
  }
  take(t: Text): KeyValue[] {
    const kv = parseKeyValues(joinText(t.parts));
    this.release(t);
    return kv;
  }
  release(t: Text): void {
    this.held -= t.bytes;
    t.parts = [];
    t.bytes = 0;
  }
}

function newLogin(): LoginState {
  return {
    sessionType: null, initiatorName: null, targetName: null, authOffered: null, authChosen: null, firstCsg: null,
    outcome: 'no-response', statusClass: null, statusDetail: null, frames: [], awaiting: false, awaitingFrames: [], finished: false,
    req: { parts: [], bytes: 0 }, rsp: { parts: [], bytes: 0 },
  };
}

/** Every connection attempt of a run, in order, with its login. */
export class IscsiConnections {
  /** Attempts in order of their first packet. */
  readonly all: ConnState[] = [];
  /** The current attempt of each conversation. */
  private readonly current = new Map<string, ConnState>();
  dropped = 0;
  private readonly text = new TextBudget();

  constructor(private readonly tick: () => number) {}

  /** Text bytes held now (incomplete logins and SendTargets answers). */
  get textHeld(): number {
    return this.text.held;
  }

  /** An attempt ends (FIN, RST, or a new attempt on its conversation): its unfinished text goes. */
  private end(s: ConnState): void {
    s.ended = true;
    if (s.login) {
      this.text.release(s.login.req);
      this.text.release(s.login.rsp);
    }
    if (s.sendTargets) this.text.release(s.sendTargets);
  }

  private open(conversation: string, client: { addr: string; port: number }, server: { addr: string; port: number }, file: string): ConnState | null {
    if (this.all.length >= CONN_BOUNDS.connections) {
      this.dropped++;
      return null;
    }
    const prev = this.current.get(conversation);
    if (prev) this.end(prev);
    const c: ConnState = {
      conversation, initiator: client.addr, portal: server.addr, port: server.port, file, order: this.tick(),
      tcp: 'no-response', tcpFrames: [], ended: false, login: null, sendTargets: null,
    };
    this.all.push(c);
    this.current.set(conversation, c);
    return c;
  }

  /** The SessionType the current login of a conversation asked for (text joined over C=1). */
  sessionType(conversation: string): string | null {
    return this.current.get(conversation)?.login?.sessionType ?? null;
  }

  control(c: TcpControl): void {
    const flags = c.flags;
    let s = this.current.get(c.conversation);
    const client = c.fromClient ? c.src : c.dst;
    const server = c.fromClient ? c.dst : c.src;
    if (flags & SYN && !(flags & ACK) && c.fromClient) {
      // A new attempt, unless this is a retransmitted SYN of the one in progress.
      if (!s || s.ended || s.tcp !== 'no-response') s = this.open(c.conversation, client, server, c.file) ?? undefined;
      if (s) push(s.tcpFrames, c.frame);
      return;
    }
    if (!s) {
      if (!(flags & SYN)) return;
      s = this.open(c.conversation, client, server, c.file) ?? undefined;
      if (!s) return;
    }
    if (flags & SYN && flags & ACK && !c.fromClient) {
      if (s.tcp === 'no-response') s.tcp = 'established';
      push(s.tcpFrames, c.frame);
    } else if (flags & RST) {
      if (!c.fromClient && s.tcp === 'no-response') {
        s.tcp = 'refused';
        push(s.tcpFrames, c.frame);
      }
      this.end(s);
    } else if (flags & FIN) this.end(s);
  }

  /** One iSCSI PDU; returns the portals of a SendTargets answer it completed, if any. */
  pdu(p: FramedPdu, r: IscsiPdu): SendTargetsEntry[] | null {
    let s = this.current.get(p.conversation);
    const fromClient = p.fromClient ?? r.initiator;
    if (!s) {
      s = this.open(p.conversation, fromClient ? p.src : p.dst, fromClient ? p.dst : p.src, p.file) ?? undefined;
      if (!s) return null;
      s.tcp = 'established';
    }
    if (!fromClient && s.tcp === 'no-response') s.tcp = 'established';
    if (r.opcode === OP.LOGIN && fromClient) this.loginRequest(s, p, r);
    else if (r.opcode === OP.LOGIN_RSP && !fromClient) this.loginResponse(s, p, r);
    else if (r.opcode === OP.TEXT && fromClient) {
      if (s.sendTargets === null && parseKeyValues(r.data.subarray(0, 256)).some((kv) => kv.key === 'SendTargets')) s.sendTargets = { parts: [], bytes: 0 };
    } else if (r.opcode === OP.TEXT_RSP && !fromClient && s.sendTargets) {
      this.text.append(s.sendTargets, r.data, CONN_BOUNDS.sendTargetsBytes);
      if (r.final && !r.cont) {
        const kv = this.text.take(s.sendTargets);
        s.sendTargets = null;
        return sendTargetsEntries(kv);
      }
    }
    return null;
  }

  private loginRequest(s: ConnState, p: FramedPdu, r: IscsiPdu): void {
    const l = (s.login ??= newLogin());
    if (l.finished) return;
    if (l.firstCsg === null) l.firstCsg = r.csg;
    push(l.frames, p.frame);
    if (!l.awaiting) l.awaitingFrames = [];
    push(l.awaitingFrames, p.frame);
    l.awaiting = true;
    this.text.append(l.req, r.data, CONN_BOUNDS.loginTextBytes);
    if (r.cont) return;
    const kv = this.text.take(l.req);
    l.initiatorName = lastValue(kv, 'InitiatorName') ?? l.initiatorName;
    l.targetName = lastValue(kv, 'TargetName') ?? l.targetName;
    l.sessionType = lastValue(kv, 'SessionType') ?? l.sessionType;
    l.authOffered = lastValue(kv, 'AuthMethod') ?? l.authOffered;
  }

  private loginResponse(s: ConnState, p: FramedPdu, r: IscsiPdu): void {
    const l = s.login;
    if (!l || l.finished) return;
    push(l.frames, p.frame);
    l.awaiting = false;
    l.statusClass = r.statusClass;
    l.statusDetail = r.statusDetail;
    this.text.append(l.rsp, r.data, CONN_BOUNDS.loginTextBytes);
    if (!r.cont) l.authChosen = lastValue(this.text.take(l.rsp), 'AuthMethod') ?? l.authChosen;
    if (r.statusClass !== null && r.statusClass !== 0) {
      l.outcome = 'failed';
      l.finished = true;
    } else if (r.statusClass === 0 && r.final && r.nsg === 3) {
      l.outcome = 'success';
      l.finished = true;
    }
    if (l.finished) {
      this.text.release(l.req);
      this.text.release(l.rsp);
    }
  }
}
