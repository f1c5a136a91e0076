/**
 * The iSNS binder: every iSNS PDU → message assembly (assembler.ts, which also
 * pairs requests with responses) → portal records (portals/). It also learns
 * the ESI and SCN ports registrations announce, so traffic to them is
 * dissected as iSNS (as Wireshark does).
 */
import { isns, type IsnsPduResult } from '../../dissector/isns/index.js';
import type { AppBinding, BindContext, Binder } from '../binding.js';
import type { FramedPdu } from '../flow/pdu.js';
import { MessageAssembler, type MessageEvent } from './assembler.js';
import { PortalBuilder, type PortalsResult } from './portals/builder.js';

export interface IsnsBindOptions {
  readonly defaultSecurityBitmap?: number | null;
  readonly maxMessageBytes?: number;
  /** Every iSNS PDU with its dissection (for `packets`). */
  readonly onIsnsPdu?: (pdu: FramedPdu, result: IsnsPduResult) => void;
  /** Every assembled iSNS message. */
  readonly onMessage?: (m: MessageEvent) => void;
}

export class IsnsBinder implements Binder<IsnsPduResult> {
  private readonly builder: PortalBuilder;
  private readonly assembler: MessageAssembler;
  pdus = 0;
  private result: PortalsResult | null = null;

  constructor(
    private readonly ctx: BindContext,
    private readonly opts: IsnsBindOptions,
  ) {
    this.builder = new PortalBuilder({ defaultSecurityBitmap: opts.defaultSecurityBitmap ?? null });
    this.assembler = new MessageAssembler(
      {
        message: (m) => {
          this.builder.message(m);
          opts.onMessage?.(m);
          this.learnPorts(m);
        },
        unanswered: (req) => this.builder.unanswered(req),
        finding: (f) => ctx.finding(f),
      },
      opts.maxMessageBytes !== undefined ? { maxMessageBytes: opts.maxMessageBytes } : undefined,
    );
  }

  pdu(pdu: FramedPdu, r: IsnsPduResult): void {
    this.pdus++;
    this.opts.onIsnsPdu?.(pdu, r);
    this.assembler.pdu(pdu, r);
  }

  /** ESI/SCN ports announced in registrations: dissect their traffic too. */
  private learnPorts(ev: MessageEvent): void {
    const m = ev.message;
    const host = m.isResponse ? ev.first.dst.addr : ev.first.src.addr;
    for (const a of m.attrs) {
      if ((a.tag === 20 || a.tag === 23) && a.value.kind === 'port' && a.value.port > 0) {
        this.ctx.learnPort(a.value.udp ? 'udp' : 'tcp', host, a.value.port, isns);
      }
    }
  }

  finish(): void {
    this.assembler.finish();
    this.result = this.builder.finish();
  }

  /** The portal records and this binder's capture-level findings (after finish). */
  portals(): PortalsResult {
    return this.result ?? { portals: [], findings: [] };
  }
}

export const isnsApp: AppBinding<IsnsPduResult, IsnsBinder, IsnsBindOptions> = {
  protocol: isns,
  bind: (ctx, opts) => new IsnsBinder(ctx, opts),
};
