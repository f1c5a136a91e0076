/**
 * What the pipeline hands on (its handlers) and its limits: application PDUs,
 * TCP connection control segments, ESP packets, findings.
 */
import type { AppProtocol } from '../../dissector/core/protocol.js';
import type { Finding } from '../findings/registry.js';
import type { Packet, Timestamp } from '../types.js';
import type { ReasmLimits } from './ipreasm.js';
import type { Endpoint, FramedPdu } from './pdu.js';
import type { TcpLimits } from './reassembly.js';

export interface PipelineLimits {
  /** Dissect the packets ICMP errors quote (UDP datagrams reach the handlers marked `quoted`; for display). */
  readonly quotes?: boolean;
  readonly tcp?: Partial<TcpLimits>;
  readonly ip?: Partial<ReasmLimits>;
  /** Bytes buffered by one framer while a PDU is incomplete. */
  readonly maxPduBuffer?: number;
}

/** A TCP segment with SYN, RST or FIN on a conversation a protocol claims (connection attempts and their answers). */
export interface TcpControl {
  readonly conversation: string;
  readonly app: AppProtocol;
  readonly file: string;
  readonly frame: number;
  readonly ts: Timestamp;
  /** The sender. */
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** Whether the sender is the client (its peer holds the claimed port). */
  readonly fromClient: boolean;
  /** TCP flags (FIN 1, SYN 2, RST 4, ACK 0x10). */
  readonly flags: number;
}

/** An ESP packet (IP protocol 50): who sent it to whom, its SPI and sequence number. */
export interface EspPacket {
  readonly file: string;
  readonly frame: number;
  readonly ts: Timestamp;
  readonly src: string;
  readonly dst: string;
  readonly spi: number;
  readonly seq: number | null;
  /** The ESP header's bytes as captured (SPI, sequence number); valid only during the call. */
  readonly bytes: Uint8Array;
}

export interface PipelineHandlers {
  /** Every ESP packet (IP protocol 50; ESP inside UDP comes as a PDU of udpencap). */
  esp?(e: EspPacket): void;
  /** A whole application PDU and the protocol whose table entry claimed it. */
  pdu(pdu: FramedPdu, app: AppProtocol): void;
  /** SYN, RST and FIN segments of claimed TCP conversations. */
  tcpControl?(c: TcpControl): void;
  /**
   * A claimed TCP conversation seen for the first time (with the flags of its
   * first segment): false to skip it from the start (e.g. an iSCSI connection
   * whose login was not captured).
   */
  admit?(c: TcpControl): boolean;
  finding(f: Finding): void;
  /** Called after each packet has been fully processed (PDUs of it emitted). */
  packetDone?(p: Packet): void;
}
