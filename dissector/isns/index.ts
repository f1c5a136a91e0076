/**
 * iSNS (RFC 4171): the protocol descriptor the dissector tables hold, and the
 * grammar behind it — names.ts (function/status names, flags), attrs.ts (the
 * attribute tags), fields.ts (the field table), pdu.ts (framing, header,
 * authentication block), values.ts (the one value decoder), tree.ts (field
 * trees, Wireshark mode and full), message.ts (assembled messages).
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef } from '../core/field.js';
import type { AppProtocol, PduContext, TreeContext } from '../core/protocol.js';
import { ISNS_FIELDS } from './fields.js';
import { HEADER } from './names.js';
import { dissectIsnsPdu, isnsPduLength, isnsPduLengthAt, isnsPlausible, isnsProbe, isnsStartsHeader, MAX_AUTH, type IsnsPduResult } from './pdu.js';
import { isnsTree } from './tree.js';

export const isns: AppProtocol<IsnsPduResult> & { readonly fields: readonly FieldDef[] } = {
  abbrev: 'isns',
  name: 'iSNS',
  fields: ISNS_FIELDS,
  framing: { headerLength: HEADER, pduLength: isnsPduLength, pduLengthAt: isnsPduLengthAt, maxPduLength: HEADER + 65535 + MAX_AUTH, plausible: isnsPlausible, startsHeader: isnsStartsHeader },
  probe: isnsProbe,
  dissectPdu(v: ByteView, ctx: PduContext): IsnsPduResult {
    return dissectIsnsPdu(v, ctx.transport);
  },
  tree(v: ByteView, ctx: TreeContext) {
    return isnsTree(v.bytes(0, v.captured), { transport: ctx.transport, full: ctx.full });
  },
};

export * from './names.js';
export * from './attrs.js';
export * from './fields.js';
export * from './pdu.js';
export * from './values.js';
export * from './tree.js';
export * from './message.js';
export * from './table.js';
