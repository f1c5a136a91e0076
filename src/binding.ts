/** What binds an application protocol's PDUs to records: the shapes apps.ts rows and binders share. */
import type { AppProtocol } from '../dissector/core/protocol.js';
import type { Finding } from './findings/registry.js';
import type { FramedPdu } from './flow/pdu.js';
import type { TcpControl } from './flow/pipeline.js';

/** What a binder may ask of the run it is part of. */
export interface BindContext {
  finding(f: Finding): void;
  /**
   * Dissect traffic to/from one host's port as `app` from now on (a port
   * announced in the traffic); with `peer`, only traffic between it and that
   * address. Ports the dissector tables already give to a protocol are never
   * learned.
   */
  learnPort(transport: 'tcp' | 'udp', host: string, port: number, app: AppProtocol, peer?: string): void;
  /** Stop following a TCP conversation: its packets are skipped from now on. */
  ignoreConversation(conversation: string): void;
}

/** One run's consumer of a protocol's PDUs. */
export interface Binder<R = unknown> {
  /** Every PDU of the protocol, dissected, in capture order. */
  pdu(pdu: FramedPdu, result: R): void;
  /** A TCP conversation of the protocol seen for the first time: false to skip it from the start. */
  admit?(c: TcpControl): boolean;
  /** SYN, RST and FIN segments of the protocol's TCP conversations. */
  tcpControl?(c: TcpControl): void;
  /** End of the inputs. */
  finish(): void;
}

export interface AppBinding<R = unknown, B extends Binder<R> = Binder<R>, O = unknown> {
  readonly protocol: AppProtocol<R>;
  bind(ctx: BindContext, opts: O): B;
}
