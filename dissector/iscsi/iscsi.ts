/**
 * iSCSI (RFC 7143) — the AppProtocol and the module's public surface.
 *
 *  - framing: iscsiFraming(digests) per connection (bhs.ts); the `iscsi`
 *    object's own framing assumes no digests (a connection that negotiated
 *    them must be framed with its own state, see DigestNegotiation);
 *  - dissectPdu / dissectIscsiPdu: the typed IscsiPdu a binder reads;
 *  - tree / iscsiTree: tshark 4.0's iscsi.* items, or our full decode;
 *  - parseKeyValues: login/text key=value pairs (keyvalues.ts);
 *  - IscsiTaskTracker: tshark's request/response frame references (tasks.ts).
 * Wireshark's fields are iscsi.*, ours iscsix.*.
 */
import { ByteView } from '../core/byteview.js';
import type { FieldDef } from '../core/field.js';
import type { AppProtocol, PduContext, TreeContext } from '../core/protocol.js';
import { BHS_LENGTH, NO_DIGESTS, dissectIscsiPdu, iscsiFraming, iscsiProbe, type IscsiPdu } from './bhs.js';
import { ISCSI_FIELDS } from './fields.js';
import { iscsiTree } from './tree.js';

export * from './bhs.js';
export * from './keyvalues.js';
export { iscsiTree, type IscsiTreeOptions } from './tree.js';
export { IscsiTaskTracker, type FrameTime } from './tasks.js';
export { DigestNegotiation } from './digests.js';
export { crc32c, digestBytes } from './crc32c.js';
export { ISCSI_FIELDS, OPCODE_NAMES, LOGIN_STATUS_NAMES } from './fields.js';

/** The iSCSI well-known port (RFC 7143 §13.15 / IANA "iscsi-target"). */
export const ISCSI_PORT = 3260;

export const iscsi: AppProtocol<IscsiPdu> & { readonly fields: readonly FieldDef[] } = {
  abbrev: 'iscsi',
  name: 'iSCSI',
  fields: ISCSI_FIELDS,
  framing: iscsiFraming(NO_DIGESTS),
  probe: (v: ByteView) => iscsiProbe(v),
  dissectPdu(v: ByteView, _ctx: PduContext): IscsiPdu {
    return dissectIscsiPdu(v);
  },
  tree(v: ByteView, ctx: TreeContext) {
    return v.has(0, BHS_LENGTH) ? iscsiTree(v, { full: ctx.full }) : [];
  },
};
