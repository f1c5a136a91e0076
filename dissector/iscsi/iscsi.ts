/**
 * iSCSI (RFC 7143) — the AppProtocol and the module's public surface.
 *
 *  - framing: iscsiFraming(digests, {sender, startInSync}) per connection
 *    direction (framing.ts); the `iscsi` object's own framing assumes no digests
 *    and no direction (a connection that negotiated digests must be framed
 *    with its own state, see below);
 *  - dissectPdu / dissectIscsiPdu: the typed IscsiPdu a binder reads;
 *  - tree / iscsiTree: tshark 4.0's iscsi.* items, or our full decode;
 *  - parseKeyValues / joinText: login and text key=value pairs (keyvalues.ts);
 *  - DigestNegotiation: per-connection digest state (digests.ts);
 *  - IscsiTaskTracker: tshark's request/response frame references (tasks.ts).
 * Wireshark's fields are iscsi.*, ours iscsix.*.
 *
 * Interface note for the binder (how test/helpers/iscsi-capture.ts wires it,
 * and how `packets -e` then equals tshark):
 *
 *   per TCP connection (both directions):
 *     neg   = new DigestNegotiation()      // neg.digests: {header, data}, mutated by observe()
 *     tasks = new IscsiTaskTracker()
 *   per direction:
 *     framing = iscsiFraming(neg.digests, { sender: toPort3260 ? 'initiator' : 'target',
 *                                           startInSync: sawSyn })
 *     framer  = new PduFramer(framing, events, { startInSync: sawSyn,
 *                                                maxBuffered: >= framing.maxPduLength })
 *     on a TCP gap: framer.gap(); framing.resync()
 *   per PDU, in stream order (both directions interleaved as captured):
 *     digests = { ...neg.digests }            // the state this PDU was framed with
 *     r       = dissectIscsiPdu(view, digests)
 *     tree    = iscsiTree(view, { full, digests })
 *     tree.push(...tasks.annotate(r, pdu.frame, frameTimestamp(pdu.frame)))
 *     neg.observe(r)                          // after the final Login Response: digests on
 *
 * The default PduFramer bound (256 KiB) is below iSCSI's largest PDU at the
 * default 256 KiB data segment bound (263220 bytes): raise maxBuffered. A
 * header announcing more data than the bound is invalid: its bytes are
 * skipped (MALFORMED_PDU) and the next header is searched with iscsiProbe.
 *
 * Login/Text text continued with C=1: join the data segments of one direction
 * of one exchange (same ITT) up to and including the PDU with C=0, then
 * parseKeyValues(joinText(parts)) — a pair may be cut anywhere, even in its
 * key. A failed login is explained by the Login Response's statusClass /
 * statusDetail / statusName and the joined text of the Login Requests
 * (TargetName, AuthMethod, CHAP_N, ...).
 */
import { ByteView } from '../core/byteview.js';
import type { FieldDef } from '../core/field.js';
import type { AppProtocol, PduContext, TreeContext } from '../core/protocol.js';
import { BHS_LENGTH, NO_DIGESTS, OP, dissectIscsiPdu, iscsiFraming, iscsiProbe, type IscsiPdu } from './bhs.js';
import { ISCSI_FIELDS } from './fields.js';
import { iscsiTree } from './tree.js';
import { DigestNegotiation } from './digests.js';
import { IscsiTaskTracker } from './tasks.js';

export * from './bhs.js';
export * from './keyvalues.js';
export { iscsiTree, type IscsiTreeOptions } from './tree.js';
export { IscsiTaskTracker, type FrameTime } from './tasks.js';
export { DigestNegotiation } from './digests.js';
export { crc32c, digestBytes } from './crc32c.js';
export { ISCSI_FIELDS, OPCODE_NAMES, LOGIN_STATUS_NAMES } from './fields.js';

/** The iSCSI well-known port (RFC 7143 §13.15 / IANA "iscsi-target"). */
export const ISCSI_PORT = 3260;

/** What one iSCSI connection carries through the pipeline: its digest negotiation and tshark's task references. */
export interface IscsiConnection {
  readonly neg: DigestNegotiation;
  readonly tasks: IscsiTaskTracker;
}

export const iscsi: AppProtocol<IscsiPdu> & { readonly fields: readonly FieldDef[] } = {
  abbrev: 'iscsi',
  name: 'iSCSI',
  fields: ISCSI_FIELDS,
  framing: iscsiFraming(NO_DIGESTS),
  connection: {
    open: (): IscsiConnection => ({ neg: new DigestNegotiation(), tasks: new IscsiTaskTracker() }),
    framing: (state, fromClient, sawSyn) => iscsiFraming((state as IscsiConnection).neg.digests, { sender: fromClient ? 'initiator' : 'target', startInSync: sawSyn }),
  },
  probe: (v: ByteView) => iscsiProbe(v),
  dissectPdu(v: ByteView, ctx: PduContext): IscsiPdu {
    const c = ctx.connection as IscsiConnection | undefined;
    // The digests in force when the PDU was framed: the binder observes it after this.
    return dissectIscsiPdu(v, c ? { ...c.neg.digests } : undefined);
  },
  tree(v: ByteView, ctx: TreeContext) {
    if (!v.has(0, BHS_LENGTH)) return [];
    const c = ctx.connection as IscsiConnection | undefined;
    if (!c) return iscsiTree(v, { full: ctx.full });
    // The digests in force for this PDU, and tshark's task references (which record it).
    const digests = { ...c.neg.digests };
    const tree = iscsiTree(v, { full: ctx.full, digests });
    if (ctx.frame !== undefined && ctx.time) {
      // The tracker reads the opcode, ITT and flags (and a Reject's rejected header): no full decode for the others.
      const op = v.u8(0) & 0x3f;
      const p = op === OP.REJECT ? dissectIscsiPdu(v, digests) : { opcode: op, itt: v.u32(16), flags: v.u8(1) };
      tree.push(...c.tasks.annotate(p, ctx.frame, ctx.time));
    }
    return tree;
  },
};
