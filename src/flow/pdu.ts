/**
 * The record that leaves transport reassembly: one whole application PDU
 * (a framed TCP PDU, or one UDP datagram's payload), with the frames that
 * carried it.
 */
import { ByteView } from '../../dissector/core/byteview.js';
import type { Timestamp } from '../types.js';

export interface Endpoint {
  /** Address text (IPv4 dotted, IPv6 RFC 5952 / inet_ntop). */
  readonly addr: string;
  readonly port: number;
}

export interface FramedPdu {
  readonly file: string;
  readonly transport: 'tcp' | 'udp';
  readonly src: Endpoint;
  readonly dst: Endpoint;
  /** Stable conversation id: transport + both endpoints, order-independent. */
  readonly conversation: string;
  /** 0-based index of the conversation in order of first appearance (like tcp.stream). */
  readonly streamIndex: number;
  /** The PDU's bytes, owned (copied out of the capture's chunks). */
  readonly bytes: Uint8Array;
  /** Every frame that carried a byte of it, ascending, unique. */
  readonly frames: readonly number[];
  /** The frame holding its last byte: the PDU belongs to it (as in Wireshark). */
  readonly frame: number;
  /** Time of `frame`. */
  readonly ts: Timestamp;
  /** Bytes of the PDU the capture's snaplen cut (after `bytes`); absent or 0 for a whole PDU. */
  readonly missing?: number;
  /** TCP: the connection's state (AppProtocol.connection), if the protocol keeps one. */
  readonly connection?: unknown;
  /** Whether the sender is the client (the side that did not claim the protocol's port). */
  readonly fromClient?: boolean;
  /** The first PDU of its direction after bytes were lost or passed over: what came before it is unknown. */
  readonly resynced?: boolean;
  /** A datagram quoted in an ICMP error (for display only: not live traffic). */
  readonly quoted?: boolean;
}

/** A FramedPdu being made: its optional fields are set only when present (no object spread per PDU). */
export type FramedPduDraft = { -readonly [K in keyof FramedPdu]: FramedPdu[K] };

/** The PDU's bytes as a view whose declared length counts what the snaplen cut. */
export function pduView(p: FramedPdu): ByteView {
  return new ByteView(p.bytes, 0, p.bytes.length + (p.missing ?? 0), p.bytes.length);
}

export function conversationId(transport: 'tcp' | 'udp', a: Endpoint, b: Endpoint): string {
  const x = `${a.addr}:${a.port}`;
  const y = `${b.addr}:${b.port}`;
  return x < y ? `${transport} ${x} ${y}` : `${transport} ${y} ${x}`;
}
