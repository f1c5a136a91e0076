/**
 * Where the portal records are built, decided by the capture itself. The
 * first DECIDE_AT messages wait, in order, until the share of iSNS messages
 * among the packets read shows whether the portal walk is a large part of
 * the work (a capture of mostly iSNS: the walk on its own thread pays) or a
 * small one (a storage network's capture, a few per cent iSNS: a thread
 * would only cost memory and a little time); then they go to the builder
 * chosen, and so does everything after. A capture with fewer messages is
 * built in line. The thread may be started before the choice (its start,
 * some 150 ms, then overlaps the first messages); an in-line choice stops it.
 */
import type { FramedPdu } from '../../flow/pdu.js';
import type { MessageEvent } from '../assembler.js';
import type { PortalBuilder, SendTargetsListing } from './builder.js';
import type { RemotePortals } from './remote.js';

export type PortalSink = PortalBuilder | RemotePortals;

/** Messages seen before the choice. */
const DECIDE_AT = 1000;
/** iSNS messages per packet from which the records get their own thread. */
const DENSE = 0.2;

export class ChosenPortals {
  sink: PortalSink | null = null;
  private waiting: (() => void)[] = [];
  private messages = 0;
  /** The thread's builder, started before the choice (startThread). */
  private started: RemotePortals | null = null;

  /** `make(thread)`: the builder; `packets()`: packets read so far; `startThread`: make the thread's builder at once. */
  constructor(
    private readonly make: (thread: boolean) => PortalSink,
    private readonly packets: () => number,
    startThread = false,
  ) {
    if (startThread) this.started = make(true) as RemotePortals;
  }

  message(ev: MessageEvent): void {
    if (this.sink) return this.sink.message(ev);
    // A copy: the assembler may slim a waiting request's event once its handlers have seen it.
    const e = { ...ev };
    this.waiting.push(() => this.sink!.message(e));
    if (++this.messages >= DECIDE_AT) this.decide(this.messages / Math.max(1, this.packets()) >= DENSE);
  }

  unanswered(req: MessageEvent): void {
    if (this.sink) return this.sink.unanswered(req);
    const e = { ...req };
    this.waiting.push(() => this.sink!.unanswered(e));
  }

  sendTargets(t: SendTargetsListing, pdu: FramedPdu): void {
    if (this.sink) return this.sink.sendTargets(t, pdu);
    this.waiting.push(() => this.sink!.sendTargets(t, pdu));
  }

  /** The builder (in line if the choice was still open: few messages). */
  decided(): PortalSink {
    if (!this.sink) this.decide(false);
    return this.sink!;
  }

  /** Stop the thread, chosen or only started (a run that ended early). */
  close(): void {
    const t = this.started ?? this.sink;
    this.started = null;
    if (t && 'close' in t) void t.close();
  }

  private decide(thread: boolean): void {
    if (thread) this.sink = this.started ?? this.make(true);
    else {
      this.close();
      this.sink = this.make(false);
    }
    this.started = null;
    const w = this.waiting;
    this.waiting = [];
    for (const f of w) f();
  }
}
