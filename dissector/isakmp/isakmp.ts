/**
 * ISAKMP / IKEv1 (RFC 2408, 2409) and IKEv2 (RFC 7296) — the dissector.
 *
 * Message layout: a 28-byte header — initiator SPI (8), responder SPI (8),
 * next payload (1), version (major/minor nibbles), exchange type (1), flags
 * (1), message ID (4), length (4, the whole message) — then a chain of
 * payloads, each with a 4-byte generic header (next payload, a reserved byte
 * that carries the critical bit in IKEv2, payload length) and a body. An SA
 * payload holds a chain of proposals, each a chain of transforms, each a list
 * of attributes (TV: 2-byte type with the high bit set + 2-byte value; TLV:
 * type, length, value). In IKEv1 the Encryption flag means every byte after
 * the header is ciphertext; in IKEv2 the Encrypted payload (SK, 46) hides the
 * payloads that follow it.
 *
 * One walk does both jobs: it builds the field tree tshark 4.0 shows and the
 * typed IsakmpResult for the binder. The walk follows Wireshark 4.0.17's
 * packet-isakmp.c step by step, because tshark's `-e` output is defined by
 * where that code reads and where it gives up:
 *  - reads go to the end of the UDP payload, not of the ISAKMP length or of
 *    the payload being dissected (a payload may spill into the next one);
 *  - a read past the captured bytes ends the dissection of the message (a
 *    Wireshark exception): what was added so far stays, nothing after it;
 *  - lengths are checked only where Wireshark checks them (e.g. the header
 *    check covers the message length minus 4, bytes items must fit, FT_NONE
 *    items are clipped to the data, integers of 1..4 bytes are read at the
 *    length given, more than 4 bytes read as the first 4);
 *  - every payload whose length is >= 4 adds 2 to a depth counter that stops
 *    the message at 500 (Wireshark's nesting guard, which 4.0.17 increments
 *    twice per payload — so at most 250 payloads are shown);
 *  - things Wireshark does outside the isakmp.* fields (X.509 via BER, EAP,
 *    Cisco fragment reassembly) are only emulated as far as they decide
 *    whether the isakmp fields continue: see ber.ts and the notes below.
 *
 * Never throws: a read past the data ends the walk (the result says where in
 * `problems`); loops advance by at least one byte per step over bytes that
 * exist; nothing is allocated from a length field (bytes are views).
 *
 * The modules: header.ts (the header, the acceptance test), chain.ts (payload
 * chains, the SA payload), one module per payload family (proposal.ts,
 * attributes.ts, exchange.ts, notify.ts, ikev2.ts, encrypted.ts, gdoi.ts),
 * walker.ts (the walk's state and tree primitives), result.ts (the typed
 * result) and constants.ts. This one is the entry point.
 */
import { type ByteView, TruncatedError, ViewError } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import type { AppProtocol, PduContext, TreeContext } from '../core/protocol.js';
import { ISAKMP_FIELDS } from './names.js';
import { isakmpProbe, message, notIsakmp } from './header.js';
import { emptyResult, type IsakmpResult } from './result.js';
import { DepthStop, Walker, type Node } from './walker.js';

export { ISAKMP_PORT } from './constants.js';
export { isakmpProbe } from './header.js';
export type {
  IsakmpAttribute,
  IsakmpDelete,
  IsakmpIdentification,
  IsakmpNotification,
  IsakmpPayload,
  IsakmpProposal,
  IsakmpResult,
  IsakmpSa,
  IsakmpTransform,
  ProposalOffer,
  TransformSummary,
} from './result.js';

const PROTOCOL: FieldDef = { abbrev: 'isakmp', name: 'Internet Security Association and Key Management Protocol', type: 'protocol' };

function problemText(e: unknown): string {
  return `stopped: ${e instanceof Error ? e.message : String(e)}${e instanceof TruncatedError ? ' (truncated)' : ''}`;
}

/**
 * Dissect one ISAKMP message (the UDP payload, or what follows the Non-ESP
 * marker on port 4500). Returns the typed result and the tshark field tree
 * (the `isakmp` protocol node; empty when tshark would not call this ISAKMP).
 * Never throws.
 */
export function dissectIsakmp(v: ByteView): { result: IsakmpResult; tree: FieldNode[] } {
  const r = emptyResult();
  const rejected = notIsakmp(v);
  if (rejected !== null) {
    r.problems.push(rejected);
    return { result: r, tree: [] };
  }
  const top: Node = { def: PROTOCOL, value: null, offset: v.abs(0), length: v.captured };
  const w = new Walker(v, r, top);
  try {
    message(w);
  } catch (e) {
    // Anything but a read past the data or the nesting guard is a bug of ours: report it rather than throw.
    r.problems.push(e instanceof ViewError || e instanceof DepthStop ? problemText(e) : `internal error: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { result: r, tree: [top] };
}

export const isakmp: AppProtocol<IsakmpResult> & { readonly fields: readonly FieldDef[] } = {
  abbrev: 'isakmp',
  name: 'ISAKMP',
  fields: ISAKMP_FIELDS,
  probe: isakmpProbe,
  dissectPdu(v: ByteView, _ctx: PduContext): IsakmpResult {
    return dissectIsakmp(v).result;
  },
  tree(v: ByteView, _ctx: TreeContext): FieldNode[] {
    return dissectIsakmp(v).tree;
  },
};