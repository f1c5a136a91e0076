/**
 * Tree items of the other PDUs of the full-feature phase: NOP-Out/In, task
 * management request and response, SNACK, R2T and the asynchronous message.
 */
import type { FieldNode } from '../core/field.js';
import { BHS_LENGTH, OP } from './bhs.js';
import { n, Stop, type Builder } from './tree-builder.js';

/** NOP-Out / NOP-In. */
export function nop(b: Builder, out: FieldNode[], off: number, op: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.targettransfertag', 20, 4);
  if (op === OP.NOP_OUT) b.cmdSN(out, off);
  else b.statSN(out, off);
  const o = b.headerDigest(out, off, BHS_LENGTH);
  b.dataSegment(out, o, dsl, 'iscsi.pingdata');
}

/** Task Management Function Request. */
export function taskManagement(b: Builder, out: FieldNode[], off: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  it('iscsi.taskmanfun.function', 1, 1);
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.taskmanfun.referencedtasktag', 20, 4);
  b.cmdSN(out, off);
  it('iscsi.refcmdsn', 32, 4);
  b.headerDigest(out, off, BHS_LENGTH);
}

/** Task Management Function Response. */
export function taskManagementResponse(b: Builder, out: FieldNode[], off: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  it('iscsi.taskmanfun.response', 2, 1);
  if (b.full) {
    b.ahsLen(out, off);
    b.dsl(out, off);
  }
  it('iscsi.initiatortasktag', 16, 4);
  b.statSN(out, off);
  b.headerDigest(out, off, BHS_LENGTH);
}

/** SNACK Request. */
export function snack(b: Builder, out: FieldNode[], off: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  it('iscsi.snack.type', 1, 1);
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.targettransfertag', 20, 4);
  it('iscsi.expstatsn', 28, 4);
  it('iscsi.snack.begrun', 40, 4);
  it('iscsi.snack.runlength', 44, 4);
  b.headerDigest(out, off, BHS_LENGTH);
}

/** Ready To Transfer. */
export function r2t(b: Builder, out: FieldNode[], off: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.targettransfertag', 20, 4);
  b.statSN(out, off);
  it('iscsi.r2tsn', 36, 4);
  it('iscsi.bufferOffset', 40, 4);
  it('iscsi.desireddatalength', 44, 4);
  b.headerDigest(out, off, BHS_LENGTH);
}

/** Asynchronous Message. */
export function asyncMessage(b: Builder, out: FieldNode[], off: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  b.ahsLen(out, off);
  const hdrDsl = b.u24(off + 5);
  b.dsl(out, off);
  b.lun(out, off);
  b.statSN(out, off);
  it('iscsi.asyncevent', 36, 1);
  it('iscsi.eventvendorcode', 37, 1);
  it('iscsi.parameter1', 38, 2);
  it('iscsi.parameter2', 40, 2);
  it('iscsi.parameter3', 42, 2);
  let o = b.headerDigest(out, off, BHS_LENGTH);
  if (b.full) {
    b.dataSegment(out, o, dsl, 'iscsi.asynceventdata');
    return;
  }
  // Wireshark reads the header's DataSegmentLength here (also in a rejected header)
  if (hdrDsl) {
    const senseLen = b.u16(o);
    o += 2;
    if (senseLen) {
      b.need(o, 0);
      if (o + senseLen > b.end) throw new Stop();
      o += senseLen;
    }
    if (b.end > o) out.push(n('iscsi.asynceventdata', b.bytes(o, b.end - o), o, b.end - o));
  }
}
