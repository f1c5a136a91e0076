/**
 * The field tree of one iSCSI PDU.
 *
 * {full: false} — exactly the iscsi.* items tshark 4.0.17 shows (protocol
 * version preference at its default, "Draft 13"), including its quirks,
 * verified against tshark on crafted captures (test/iscsi-tshark.test.ts):
 *  - only the fields its Draft 13 branches add: no iscsi.X, iscsi.login.X,
 *    iscsi.isid8/type/namingauthority/qualifier, iscsi.tsid or
 *    iscsi.scsicommand.crn; no TotalAHSLength/DataSegmentLength in a Task
 *    Management Function Response; no I bit for Login, SCSI Data-Out, SNACK;
 *    the NSG only when T is set; the LUN and TTT of a Data-In only with A set;
 *  - key=value text: each string runs to the next NUL wherever it is (past the
 *    data segment, into padding or digest bytes); a string without "=" (also
 *    an empty one) is shown and ends the text without being consumed; a string
 *    with no NUL before the end of the PDU is an exception (nothing after it);
 *  - "Padding" is 4 - (offset & 3) bytes from wherever the text or data ended,
 *    and the data digest is read right after it (so after a text that stopped
 *    early, both come from inside the data segment);
 *  - a Reject's data is dissected again as a PDU header (its fields repeat,
 *    an undefined opcode adds iscsi.opcode.invalid), with its own header
 *    digest when digests are on;
 *  - Async Message event data runs from after the sense data to the end of
 *    the PDU (padding and data digest included);
 *  - digests are shown on every PDU but Login ones once the connection uses
 *    them, whether or not they verify.
 * tshark reads a few of these past the PDU, up to the end of its TCP segment
 * (the next PDU's bytes): we stop at the end of the PDU. See the module
 * comment of test/iscsi-tshark.test.ts for those differences.
 *
 * {full: true} — the same header items, then RFC 7143's reading where tshark
 * has quirks: every key=value pair of the data segment (UTF-8, a cut pair
 * marked), padding and digests at their RFC places with their verification,
 * the LUN, AHS of any opcode, the login status class/detail, problems.
 *
 * The request/response cross-references (iscsi.request_frame, iscsi.time,
 * ...) need the PDUs before this one: IscsiTaskTracker (tasks.ts) adds them.
 *
 * This module dispatches by opcode (and dissects a Reject's rejected header
 * again); the items of each opcode are in tree-login.ts, tree-scsi.ts and
 * tree-task.ts, the primitives they share in tree-builder.ts.
 */
import { ByteView, MalformedError, TruncatedError } from '../core/byteview.js';
import type { FieldNode } from '../core/field.js';
import { BHS_LENGTH, OP, bhsProblem, digestsApply, inferDigests, isTargetOpcode, type IscsiDigests } from './bhs.js';
import { OPCODE_NAMES } from './fields.js';
import { Builder, n, Stop } from './tree-builder.js';
import { login, logout, logoutResponse, text } from './tree-login.js';
import { dataIn, dataOut, scsiCommand, scsiResponse } from './tree-scsi.js';
import { asyncMessage, nop, r2t, snack, taskManagement, taskManagementResponse } from './tree-task.js';

export interface IscsiTreeOptions {
  /** false: tshark 4.0's items exactly; true: our complete decode. */
  readonly full: boolean;
  /** Digests in use on the PDU's connection (after login); inferred from the PDU's length when absent. */
  readonly digests?: Readonly<IscsiDigests>;
}

const MAX_DEPTH = 8;

/** dissect_iscsi_pdu for the PDU (or rejected header) at `off`; `dsl` is the data length to use. */
function pduTree(b: Builder, out: FieldNode[], off: number, dsl: number, depth: number): void {
  if (depth > MAX_DEPTH) throw new Stop();
  const op = b.u8(off) & 0x3f;
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  out.push(n('iscsi.opcode', op, off, 1));
  if (!isTargetOpcode(op) && op !== OP.DATA_OUT && op !== OP.LOGIN && op !== OP.SNACK) b.bit(out, 'iscsi.I', off);
  switch (op) {
    case OP.NOP_OUT:
    case OP.NOP_IN:
      return nop(b, out, off, op, dsl);
    case OP.SCSI_CMD:
      return scsiCommand(b, out, off, dsl);
    case OP.SCSI_RSP:
      return scsiResponse(b, out, off, dsl);
    case OP.TMF:
      return taskManagement(b, out, off);
    case OP.TMF_RSP:
      return taskManagementResponse(b, out, off);
    case OP.LOGIN:
    case OP.LOGIN_RSP:
      return login(b, out, off, op, dsl);
    case OP.TEXT:
    case OP.TEXT_RSP:
      return text(b, out, off, op, dsl);
    case OP.DATA_OUT:
      return dataOut(b, out, off, dsl);
    case OP.DATA_IN:
      return dataIn(b, out, off, dsl);
    case OP.LOGOUT:
      return logout(b, out, off);
    case OP.LOGOUT_RSP:
      return logoutResponse(b, out, off);
    case OP.SNACK:
      return snack(b, out, off);
    case OP.R2T:
      return r2t(b, out, off);
    case OP.ASYNC:
      return asyncMessage(b, out, off, dsl);
    case OP.REJECT: {
      it('iscsi.reject.reason', 2, 1);
      b.ahsLen(out, off);
      b.dsl(out, off);
      b.statSN(out, off);
      it('iscsi.datasn', 36, 4);
      const o = b.headerDigest(out, off, BHS_LENGTH);
      if (b.full) {
        // the rejected header, on its own: 48 bytes, no digests
        const len = Math.min(dsl, b.end - o);
        if (len > 0) out.push(n('iscsix.data', b.bytes(o, len), o, len));
        if (len >= BHS_LENGTH) pduTree(new Builder(b.v.sub(0, o + BHS_LENGTH), false, false, true), out, o, 0, depth + 1);
        return;
      }
      pduTree(b, out, o, 0, depth + 1);
      return;
    }
    case OP.VENDOR_I0:
    case OP.VENDOR_I1:
    case OP.VENDOR_I2:
    case OP.VENDOR_T0:
    case OP.VENDOR_T1:
    case OP.VENDOR_T2: {
      b.ahsLen(out, off);
      b.dsl(out, off);
      const o = b.headerDigest(out, off, BHS_LENGTH);
      b.dataSegment(out, o, dsl, 'iscsi.vendorspecificdata');
      return;
    }
    default:
      // only reached for a rejected header: tshark's top level refuses undefined opcodes
      out.push(n('iscsi.opcode.invalid', null, off, 1));
  }
}

/** The field tree of one framed PDU (see the module comment). Never throws. */
export function iscsiTree(pdu: ByteView | Uint8Array, o: IscsiTreeOptions): FieldNode[] {
  const v = pdu instanceof ByteView ? pdu : ByteView.of(pdu);
  const out: FieldNode[] = [];
  if (!v.has(0, BHS_LENGTH)) return out;
  const op = v.u8(0) & 0x3f;
  const dg = o.digests ?? inferDigests(v);
  const on = digestsApply(op);
  const b = new Builder(v, on && dg.header, on && dg.data, o.full);
  try {
    if (!OPCODE_NAMES.has(op)) out.push(n('iscsi.opcode', op, 0, 1), n('iscsi.opcode.invalid', null, 0, 1));
    else pduTree(b, out, 0, v.u24(5), 0);
  } catch (e) {
    if (!(e instanceof Stop || e instanceof TruncatedError || e instanceof MalformedError)) throw e;
  }
  if (o.full) {
    const why = bhsProblem(v, 0xffffff);
    if (why) out.push(n('iscsix.problem', why, 0, BHS_LENGTH));
  }
  return out;
}
