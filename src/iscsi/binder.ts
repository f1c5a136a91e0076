/**
 * The iSCSI binder: follows each connection through its login phase (digest
 * negotiation for framing; login and text exchanges for logons and
 * SendTargets discovery), then lets the pipeline skip a normal session's
 * full-feature traffic like any other data (unless every PDU is wanted, as
 * `packets` wants them).
 */
import { iscsi, ISCSI_PORT, OP, type IscsiConnection, type IscsiPdu } from '../../dissector/iscsi/iscsi.js';
import type { AppBinding, BindContext, Binder } from '../binding.js';
import type { FramedPdu } from '../flow/pdu.js';
import type { TcpControl } from '../flow/pipeline.js';
import type { IscsiConnections } from './connections.js';
import type { SendTargetsEntry } from './target-address.js';

export interface IscsiBindOptions {
  /** Follow every connection to its end (per-PDU output), not only login phases. */
  readonly followAll?: boolean;
  /** Every iSCSI PDU with its dissection (for `packets`). */
  readonly onPdu?: (pdu: FramedPdu, result: IscsiPdu) => void;
  /** Connection attempts and logins, for the logon records. */
  readonly connections?: IscsiConnections;
  /** Every portal a SendTargets answer lists (the answer's PDU: its destination is the initiator). */
  readonly onSendTargets?: (entry: SendTargetsEntry, pdu: FramedPdu) => void;
}

const SYN = 0x02;

export class IscsiBinder implements Binder<IscsiPdu> {
  pdus = 0;
  /** Connections whose login asked for a Discovery session (followed after login for SendTargets). */
  private readonly discovery = new Set<string>();

  constructor(
    private readonly ctx: BindContext,
    private readonly opts: IscsiBindOptions,
  ) {}

  /** A connection whose start was not captured has no login to follow. */
  admit(c: TcpControl): boolean {
    return this.opts.followAll === true || (c.flags & SYN) !== 0;
  }

  pdu(pdu: FramedPdu, r: IscsiPdu): void {
    this.pdus++;
    this.opts.onPdu?.(pdu, r);
    const conn = pdu.connection as IscsiConnection | undefined;
    if (!conn) return;
    const listed = this.opts.connections?.pdu(pdu, r);
    if (listed) {
      for (const e of listed) {
        // Connections to a discovered portal's port are followed like 3260's.
        if (e.port !== ISCSI_PORT) this.ctx.learnPort('tcp', e.address, e.port, iscsi);
        this.opts.onSendTargets?.(e, pdu);
      }
    }
    if (r.opcode === OP.LOGIN && (/SessionType=Discovery/.test(textOf(r)) || this.opts.connections?.sessionType(pdu.conversation) === 'Discovery')) this.discovery.add(pdu.conversation);
    const wasFull = conn.neg.fullFeature;
    conn.neg.observe(r);
    if (!wasFull && conn.neg.fullFeature && !this.opts.followAll && !this.discovery.has(pdu.conversation)) this.ctx.ignoreConversation(pdu.conversation);
  }

  tcpControl(c: TcpControl): void {
    this.opts.connections?.control(c);
  }

  finish(): void {}
}

/** A Login or Text PDU's pairs as text (already parsed by the dissector). */
function textOf(r: IscsiPdu): string {
  return (r.keyValues ?? []).map((kv) => `${kv.key}=${kv.value ?? ''}`).join('\n');
}

export const iscsiApp: AppBinding<IscsiPdu, IscsiBinder, IscsiBindOptions> = {
  protocol: iscsi,
  bind: (ctx, opts) => new IscsiBinder(ctx, opts),
};
