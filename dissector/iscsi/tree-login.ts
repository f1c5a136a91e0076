/**
 * Tree items of the login-phase and text PDUs: Login, Text and Logout
 * requests and responses (see tree.ts for what {full} changes).
 */
import type { FieldNode } from '../core/field.js';
import { BHS_LENGTH, OP, loginStatusName } from './bhs.js';
import { n, type Builder } from './tree-builder.js';

/** Login Request / Login Response. */
export function login(b: Builder, out: FieldNode[], off: number, op: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  b.loginFlags(out, off);
  it('iscsi.versionmax', 2, 1);
  it(op === OP.LOGIN ? 'iscsi.versionmin' : 'iscsi.versionactive', 3, 1);
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.isid(out, off);
  it('iscsi.tsih', 14, 2);
  it('iscsi.initiatortasktag', 16, 4);
  if (op === OP.LOGIN) {
    it('iscsi.cid', 20, 2);
    b.cmdSN(out, off);
  } else {
    b.statSN(out, off);
    it('iscsi.login.status', 36, 2);
    if (b.full) {
      const st = b.u16(off + 36);
      out.push(
        n('iscsix.login.status_class', st >> 8, off + 36, 1),
        n('iscsix.login.status_detail', st & 0xff, off + 37, 1),
        n('iscsix.login.status_name', loginStatusName(st), off + 36, 2),
      );
    }
  }
  // no digests in the login phase
  b.textKeys(out, off + BHS_LENGTH, dsl, false);
}

/** Text Request / Text Response. */
export function text(b: Builder, out: FieldNode[], off: number, op: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  b.flags(out, off + 1, ['iscsi.text.F', 'iscsi.text.C']);
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.targettransfertag', 20, 4);
  if (op === OP.TEXT) b.cmdSN(out, off);
  else b.statSN(out, off);
  const o = b.headerDigest(out, off, BHS_LENGTH);
  b.textKeys(out, o, dsl, true);
}

/** Logout Request. */
export function logout(b: Builder, out: FieldNode[], off: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  it('iscsi.logout.reason', 1, 1);
  b.ahsLen(out, off);
  b.dsl(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.cid', 20, 2);
  b.cmdSN(out, off);
  b.headerDigest(out, off, BHS_LENGTH);
}

/** Logout Response. */
export function logoutResponse(b: Builder, out: FieldNode[], off: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  it('iscsi.logout.response', 2, 1);
  b.ahsLen(out, off);
  b.dsl(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  b.statSN(out, off);
  it('iscsi.time2wait', 40, 2);
  it('iscsi.time2retain', 42, 2);
  b.headerDigest(out, off, BHS_LENGTH);
}
