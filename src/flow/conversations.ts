/**
 * TCP conversations of an application protocol: per direction, stream
 * reassembly (reassembly.ts) feeding the protocol's framer (framer.ts), or
 * the raw in-order bytes when the protocol has no framing. Gaps, bytes that
 * are not a PDU, and a stream ending inside a PDU become findings.
 */
import type { AppProtocol } from '../../dissector/core/protocol.js';
import { finding, type Finding } from '../findings/registry.js';
import { PduFramer } from './framer.js';
import type { Endpoint } from './pdu.js';
import { TcpDirection, type OooBudget, type TcpLimits } from './reassembly.js';

export interface TcpSide {
  readonly conv: TcpConv;
  readonly dir: TcpDirection;
  framer: PduFramer | null;
  readonly src: Endpoint;
  readonly dst: Endpoint;
}

export interface TcpConv {
  readonly id: string;
  readonly index: number;
  readonly app: AppProtocol;
  /** Side keyed by "addr|port" of the sender. */
  readonly sides: Map<string, TcpSide>;
  readonly file: string;
  /** Its entry in the fixed-offset flow cache, if any (fastpath.ts). */
  fast?: unknown;
}

/** What a side needs from the pipeline. */
export interface SideDeps {
  readonly limits: TcpLimits;
  readonly budget: OooBudget;
  readonly maxPduBuffer: number | undefined;
  /** How PDU bytes are copied out (the pipeline's slab). */
  keep(b: Uint8Array, from?: number, to?: number): Uint8Array;
  /** A whole PDU of `side`: its bytes, every frame that carried them, the frame of its last byte. */
  pdu(side: TcpSide, bytes: Uint8Array, frames: number[], frame: number): void;
  finding(f: Finding): void;
}

/** One direction of a conversation: reassembly, then framing (framing starts once the first bytes arrive). */
export function openSide(conv: TcpConv, src: Endpoint, dst: Endpoint, deps: SideDeps): TcpSide {
  const app = conv.app;
  const side: TcpSide = { conv, src, dst, framer: null, dir: null as unknown as TcpDirection };
  const from = `${src.addr}:${src.port}`;
  const makeFramer = (inSync: boolean): PduFramer | null =>
    app.framing
      ? new PduFramer(
          app.framing,
          {
            pdu: (fp) => deps.pdu(side, fp.bytes, fp.frames, fp.frame),
            skipped: (bytes, frames, reason) => {
              if (reason.startsWith('resync-after-invalid')) {
                const text = `${bytes} bytes from ${from} are not a valid ${app.name} PDU (${reason}); skipped to the next plausible PDU header`;
                deps.finding(finding('MALFORMED_PDU', { conversation: conv.id, text }, frames, conv.file));
              }
            },
          },
          { startInSync: inSync, maxBuffered: deps.maxPduBuffer, keep: deps.keep },
        )
      : null;
  let started = false;
  (side as { dir: TcpDirection }).dir = new TcpDirection(
    {
      data: (bytes, frame) => {
        if (!started) {
          started = true;
          side.framer = makeFramer(side.dir.sawSyn);
        }
        if (side.framer) side.framer.push(bytes, frame);
        else deps.pdu(side, deps.keep(bytes), [frame], frame);
      },
      gap: (g) => {
        const frames = g.frameBefore === null ? [g.frameAfter] : [g.frameBefore, g.frameAfter];
        deps.finding(finding('TCP_GAP', { conversation: conv.id, bytes: g.bytes, from, frames, app: app.name }, frames, conv.file));
        side.framer?.gap();
      },
    },
    deps.limits,
    deps.budget,
  );
  return side;
}

/** End of a conversation: each side's held bytes are delivered, an unfinished PDU reported. */
export function closeSides(conv: TcpConv, report: (f: Finding) => void): void {
  for (const side of conv.sides.values()) {
    side.dir.finish();
    const left = side.framer?.end();
    if (left && left.bytes > 0) {
      const text = `the stream from ${side.src.addr}:${side.src.port} ends inside an ${conv.app.name} PDU (${left.bytes} bytes of an incomplete PDU)`;
      report(finding('MALFORMED_PDU', { conversation: conv.id, text }, left.frames, conv.file));
    }
  }
}
