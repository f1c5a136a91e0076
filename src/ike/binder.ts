/**
 * The IKE binders: ISAKMP on UDP 500 (isakmp) and UDP 4500 (udpencap: IKE
 * after the non-ESP marker, or ESP in UDP), feeding one IkeTracker per run;
 * the pipeline's ESP handler feeds the same tracker (analyze.ts).
 */
import { isakmp, udpencap, type IsakmpResult, type UdpEncapResult } from '../../dissector/isakmp/index.js';
import type { AppBinding, Binder } from '../binding.js';
import type { FramedPdu } from '../flow/pdu.js';
import type { IkeTracker } from './tracker.js';

export interface IkeBindOptions {
  readonly tracker: IkeTracker;
}

function input(p: FramedPdu): { file: string; frame: number; src: string; dst: string; sport: number; dport: number } {
  return { file: p.file, frame: p.frame, src: p.src.addr, dst: p.dst.addr, sport: p.src.port, dport: p.dst.port };
}

export class IsakmpBinder implements Binder<IsakmpResult> {
  pdus = 0;
  constructor(private readonly tracker: IkeTracker) {}
  pdu(p: FramedPdu, r: IsakmpResult): void {
    this.pdus++;
    this.tracker.message(input(p), p.bytes, r, false);
  }
  finish(): void {}
}

export class UdpEncapBinder implements Binder<UdpEncapResult> {
  pdus = 0;
  constructor(private readonly tracker: IkeTracker) {}
  pdu(p: FramedPdu, r: UdpEncapResult): void {
    this.pdus++;
    if (r.kind === 'ike' && r.ike) this.tracker.message(input(p), p.bytes.subarray(4), r.ike, true);
    else if (r.kind === 'esp' && r.esp) this.tracker.esp({ frame: p.frame, src: p.src.addr, dst: p.dst.addr, spi: r.esp.spi }, true);
  }
  finish(): void {}
}

export const isakmpApp: AppBinding<IsakmpResult, IsakmpBinder, IkeBindOptions> = {
  protocol: isakmp,
  bind: (_ctx, opts) => new IsakmpBinder(opts.tracker),
};

export const udpencapApp: AppBinding<UdpEncapResult, UdpEncapBinder, IkeBindOptions> = {
  protocol: udpencap,
  bind: (_ctx, opts) => new UdpEncapBinder(opts.tracker),
};
