/**
 * The shapes every dissector has: the plugin interface. A link/network/
 * transport dissector is a `Protocol`; something carried on a TCP/UDP port
 * (iSNS, or a user's own) is an `AppProtocol`.
 */
import type { ByteView } from './byteview.js';
import type { FieldDef, FieldNode } from './field.js';

/** Names of the dissector tables, keyed like Wireshark's. */
export type TableName = 'linktype' | 'ethertype' | 'ip.proto' | 'tcp.port' | 'udp.port';

export interface DissectContext {
  /** Build the field tree (false on the fast path: only `info`/`next` are needed). */
  readonly tree: boolean;
}

/** A problem found while dissecting a layer; the layer's partial result is kept. */
export interface LayerProblem {
  /** truncated: past the captured bytes (snaplen); malformed: past a declared length or an invalid value. */
  readonly kind: 'truncated' | 'malformed';
  /** Absolute byte offset within the frame. */
  readonly offset: number;
  readonly message: string;
}

export interface LayerResult<I = unknown> {
  /** Protocol-specific summary the pipeline uses (addresses, ports, ...). */
  readonly info: I;
  /** Which table to consult next, with the key (e.g. ethertype 0x0800). */
  readonly next?: { readonly table: TableName; readonly key: number };
  /** The bytes handed to the next dissector. */
  readonly payload?: ByteView;
  /** Field tree, only when ctx.tree. */
  readonly tree?: FieldNode[];
  readonly problems?: LayerProblem[];
}

export interface Protocol<I = unknown> {
  /** Filter abbreviation of the protocol (`eth`, `ip`, `tcp`, ...). */
  readonly abbrev: string;
  /**
   * 'network' for IP: its `info` is an IpInfo (addresses, protocol, fragment)
   * that the pipeline reads for reassembly and conversations.
   */
  readonly layer?: 'link' | 'network' | 'transport';
  /**
   * Its `next` payload is a quoted packet (an ICMP error's copy of the packet
   * that caused it): dissected for display only, never as live traffic.
   */
  readonly quotes?: boolean;
  readonly name: string;
  readonly fields: readonly FieldDef[];
  /**
   * Pure: bytes in, result out. Must not throw for any input; problems are
   * reported in `problems` with whatever could be decoded kept.
   */
  dissect(view: ByteView, ctx: DissectContext): LayerResult<I>;
}

/** Answer of a framing function on the bytes at the start of a would-be PDU. */
export type PduLength =
  /** The whole PDU is `length` bytes (header included). */
  | { readonly length: number }
  /** At least `need` bytes must be available to tell. */
  | { readonly need: number }
  /** These bytes do not start a PDU of this protocol. */
  | { readonly invalid: string };

/** TCP framing in the shape of Wireshark's tcp_dissect_pdus. */
export interface Framing {
  /** Bytes needed before `pduLength` can be asked. */
  readonly headerLength: number;
  /** Length of the PDU starting at offset 0 of `view` (which holds >= headerLength bytes). */
  pduLength(view: ByteView): PduLength;
  /**
   * pduLength's length for the bytes b[o..o+n), read without a view or a
   * result object, or -1 when pduLength gives no length (it is then asked,
   * and says why). Optional: a framer's fast path.
   */
  pduLengthAt?(b: Uint8Array, o: number, n: number): number;
  /** Largest PDU accepted (bytes); beyond it the length is treated as invalid. */
  readonly maxPduLength: number;
  /**
   * A stricter test for a stream that resynchronises (joined mid-way, after a
   * gap or garbage): could a sender's PDU really start here? Without it any
   * position `pduLength` accepts is a candidate.
   */
  plausible?(view: ByteView): boolean;
  /**
   * Whether fewer than headerLength bytes (all a snaplen left of a PDU) look
   * like the start of a header: the PDU is then kept, cut, for what its first
   * bytes say.
   */
  startsHeader?(view: ByteView): boolean;
}

/** Where a PDU came from; handed to an application dissector. */
export interface PduContext extends DissectContext {
  readonly transport: 'tcp' | 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  /** The connection's state (AppProtocol.connection), for protocols whose PDUs depend on what was negotiated. */
  readonly connection?: unknown;
}

/**
 * Per-connection state for a protocol whose framing depends on what the
 * connection negotiated (iSCSI digests): made when the pipeline first sees
 * the connection, read by each direction's framing and by dissectPdu, and
 * updated by the protocol's binder as PDUs pass.
 */
export interface ConnectionSpec<S = unknown> {
  open(sawSyn: boolean): S;
  /** The framing of one direction: `fromClient` when the sender is the side that did not claim the port. */
  framing(state: S, fromClient: boolean, sawSyn: boolean): Framing;
}

/** A protocol carried in TCP/UDP payloads, registered on `tcp.port` / `udp.port`. */
export interface AppProtocol<R = unknown> {
  readonly abbrev: string;
  readonly name: string;
  readonly fields: readonly FieldDef[];
  /** TCP framing; without it each TCP payload chunk is dissected as it comes. */
  readonly framing?: Framing;
  /** Per-connection state and framing (takes the place of `framing` for TCP). */
  readonly connection?: ConnectionSpec;
  /** Quick test: do these bytes look like this protocol (used for UDP and resynchronisation)? */
  probe?(view: ByteView): boolean;
  /** Dissect one PDU (TCP: one framed PDU; UDP: one datagram). Must not throw. */
  dissectPdu(view: ByteView, ctx: PduContext): R;
  /**
   * The field tree of one PDU for `packets` (text, JSON, `-e`): with `full`
   * false exactly the fields tshark 4.0 shows, with true our complete decode.
   * Must not throw.
   */
  tree?(view: ByteView, ctx: TreeContext): FieldNode[];
}

/** Where a PDU came from and which tree is wanted. */
export interface TreeContext {
  readonly transport: 'tcp' | 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  /** false: Wireshark 4.0's fields and limits; true: our complete decode (isnsx.*-style extras). */
  readonly full: boolean;
  /**
   * The connection's state (AppProtocol.connection), when the protocol keeps
   * one: trees that depend on earlier PDUs (iSCSI task references) read and
   * update it, so call tree() once per PDU, in capture order, before the
   * binder sees the PDU.
   */
  readonly connection?: unknown;
  /** The PDU's frame and its time (for such cross-references). */
  readonly frame?: number;
  readonly time?: { readonly sec: number; readonly nsec: number };
}
