/**
 * Tree items of the SCSI PDUs: Command (with its AHS), Response, Data-Out and
 * Data-In.
 */
import type { FieldNode } from '../core/field.js';
import { BHS_LENGTH } from './bhs.js';
import { pad4 } from './opcodes.js';
import { n, Stop, type Builder } from './tree-builder.js';

/** SCSI Command. */
export function scsiCommand(b: Builder, out: FieldNode[], off: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  const ahsLen = b.u8(off + 4) * 4;
  b.flags(out, off + 1, ['iscsi.scsicommand.F', 'iscsi.scsicommand.R', 'iscsi.scsicommand.W']);
  out[out.length - 1]!.children!.push(n('iscsi.scsicommand.attr', b.u8(off + 1) & 7, off + 1, 1));
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.scsicommand.expecteddatatransferlength', 20, 4);
  b.cmdSN(out, off);
  if (ahsLen > 0) wsAhs(b, out, off, ahsLen);
  const o = b.headerDigest(out, off, BHS_LENGTH + ahsLen);
  b.dataSegment(out, o, dsl, 'iscsi.immediatedata');
}

/** SCSI Response. */
export function scsiResponse(b: Builder, out: FieldNode[], off: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  const padded = pad4(dsl);
  b.flags(out, off + 1, ['iscsi.scsiresponse.o', 'iscsi.scsiresponse.u', 'iscsi.scsiresponse.O', 'iscsi.scsiresponse.U']);
  it('iscsi.scsiresponse.response', 2, 1);
  it('iscsi.scsiresponse.status', 3, 1);
  b.ahsLen(out, off);
  b.dsl(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  if (b.full) it('iscsix.snacktag', 20, 4);
  b.statSN(out, off);
  it('iscsi.expdatasn', 36, 4);
  it('iscsi.scsiresponse.bidireadresidualcount', 40, 4);
  it('iscsi.scsiresponse.residualcount', 44, 4);
  const o = b.headerDigest(out, off, BHS_LENGTH);
  b.dataDigest(out, o, padded);
  // after the PDU's items: the sense length of a CHECK CONDITION (the sense data itself is SCSI's)
  if (b.u8(off + 3) === 0x02 && b.end - o >= 2) out.push(n('iscsi.scsiresponse.senselength', b.u16(o), o, 2));
}

/** SCSI Data-Out. */
export function dataOut(b: Builder, out: FieldNode[], off: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  const padded = pad4(dsl);
  b.flags(out, off + 1, ['iscsi.scsidata.F']);
  b.ahsLen(out, off);
  b.dsl(out, off);
  b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  it('iscsi.targettransfertag', 20, 4);
  it('iscsi.expstatsn', 28, 4);
  it('iscsi.datasn', 36, 4);
  it('iscsi.bufferOffset', 40, 4);
  const o = b.headerDigest(out, off, BHS_LENGTH);
  b.dataDigest(out, o, padded);
}

/** SCSI Data-In. */
export function dataIn(b: Builder, out: FieldNode[], off: number, dsl: number): void {
  const it = (a: string, at: number, len: number): void => b.item(out, a, off + at, len);
  const padded = pad4(dsl);
  const b1 = b.u8(off + 1);
  b.flags(out, off + 1, ['iscsi.scsidata.F', 'iscsi.scsidata.A', 'iscsi.scsidata.O', 'iscsi.scsidata.U', 'iscsi.scsidata.S']);
  if (b1 & 0x01) it('iscsi.scsiresponse.status', 3, 1);
  b.ahsLen(out, off);
  b.dsl(out, off);
  if (b1 & 0x40) b.lun(out, off);
  it('iscsi.initiatortasktag', 16, 4);
  if (b1 & 0x40) it('iscsi.targettransfertag', 20, 4);
  b.statSN(out, off);
  it('iscsi.datasn', 36, 4);
  it('iscsi.bufferOffset', 40, 4);
  it('iscsi.scsidata.readresidualcount', 44, 4);
  const o = b.headerDigest(out, off, BHS_LENGTH);
  b.dataDigest(out, o, padded);
}

/** SCSI Command AHS as Wireshark walks it. */
function wsAhs(b: Builder, out: FieldNode[], off: number, ahsLen: number): void {
  let o = off + BHS_LENGTH;
  while (o < off + BHS_LENGTH + ahsLen) {
    const len = b.u16(o);
    out.push(n('iscsi.ahs.length', len, o, 2));
    o += 2;
    const type = b.u8(o);
    out.push(n('iscsi.ahs.type', type, o, 1));
    o++;
    if (type === 1) {
      const cdbLen = len - 1;
      if (cdbLen < 0) throw new Stop();
      out.push(n('iscsi.ahs.extended_cdb', b.bytes(o + 1, cdbLen), o + 1, cdbLen));
      o += len;
    } else if (type === 2) {
      o++;
      out.push(n('iscsi.ahs.bidir.length', b.u32(o), o, 4));
      o += 4;
    } else {
      out.push(n('iscsi.ahs.unknown_blob', b.bytes(o, len), o, len));
      o += len;
    }
    o = pad4(o);
  }
}
