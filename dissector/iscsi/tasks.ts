/**
 * tshark's request/response cross-references for SCSI tasks: the
 * iscsi.request_frame, iscsi.time, iscsi.data_in_frame, iscsi.data_out_frame
 * and iscsi.response_frame items it adds to SCSI Response, Data-In and
 * Data-Out PDUs. They depend on earlier PDUs of the same TCP connection, so
 * they are not part of iscsiTree: feed every PDU of a connection (both
 * directions, in frame order, PDUs of one frame in stream order) to one
 * IscsiTaskTracker and append what annotate() returns to the PDU's tree.
 *
 * Rules (tshark 4.0, one pass, as `tshark -T fields` runs; verified on
 * crafted captures): a SCSI Command opens a task keyed by its ITT (a later
 * command with the same ITT replaces it); other PDUs find the latest task of
 * their ITT and record themselves in it (Data-In as data_in_frame, and as the
 * response when its S bit is set; Data-Out as data_out_frame; SCSI Response
 * as the response). Then:
 *  - SCSI Response: request_frame + time since the command, data_in_frame, data_out_frame;
 *  - Data-In with S: request_frame + time, data_out_frame; without S:
 *    request_frame, response_frame (only if already seen), data_out_frame;
 *  - Data-Out: request_frame, data_in_frame, response_frame;
 *  - SCSI Command: data_in/data_out/response frames of its own task (always
 *    empty in one pass: the task is new).
 * A zero frame number means "not seen" and is not shown. A Reject's rejected
 * header takes part as if it were a PDU (tshark dissects it as one).
 */
import type { FieldNode } from '../core/field.js';
import { OP, type IscsiPdu } from './bhs.js';
import { F } from './fields.js';

interface Task {
  first: number;
  t0: bigint;
  dataIn: number;
  dataOut: number;
  last: number;
}

/** Frame timestamp. */
export interface FrameTime {
  readonly sec: number;
  readonly nsec: number;
}

function ns(t: FrameTime): bigint {
  return BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec);
}

function node(abbrev: string, value: number | bigint): FieldNode {
  return { def: F(abbrev), value, offset: 0, length: 0 };
}

/** One per TCP connection (tshark keeps this per conversation). Bounded: at most `maxTasks` open tasks (oldest dropped). */
export class IscsiTaskTracker {
  private readonly tasks = new Map<number, Task>();
  constructor(private readonly maxTasks = 65536) {}

  /** The cross-reference items for this PDU (in tshark's order); record it for the PDUs that follow. */
  annotate(p: Pick<IscsiPdu, 'opcode' | 'itt' | 'flags'> & { readonly rejected?: Pick<IscsiPdu, 'opcode' | 'itt' | 'flags'> | null }, frame: number, time: FrameTime): FieldNode[] {
    const out: FieldNode[] = [];
    this.one(p, frame, time, out);
    if (p.opcode === OP.REJECT && p.rejected) this.one(p.rejected, frame, time, out);
    return out;
  }

  private one(p: Pick<IscsiPdu, 'opcode' | 'itt' | 'flags'>, frame: number, time: FrameTime, out: FieldNode[]): void {
    const now = ns(time);
    let t: Task;
    if (p.opcode === OP.SCSI_CMD) {
      t = { first: frame, t0: now, dataIn: 0, dataOut: 0, last: 0 };
      this.tasks.delete(p.itt);
      this.tasks.set(p.itt, t);
      if (this.tasks.size > this.maxTasks) this.tasks.delete(this.tasks.keys().next().value!);
    } else t = this.tasks.get(p.itt) ?? { first: 0, t0: now, dataIn: 0, dataOut: 0, last: 0 };
    const s = (p.flags & 0x01) !== 0;
    switch (p.opcode) {
      case OP.SCSI_RSP:
        t.last = frame;
        if (t.first) out.push(node('iscsi.request_frame', t.first), node('iscsi.time', now - t.t0));
        if (t.dataIn) out.push(node('iscsi.data_in_frame', t.dataIn));
        if (t.dataOut) out.push(node('iscsi.data_out_frame', t.dataOut));
        break;
      case OP.DATA_IN:
        if (s) t.last = frame;
        t.dataIn = frame;
        if (!s) {
          if (t.first) out.push(node('iscsi.request_frame', t.first));
          if (t.last) out.push(node('iscsi.response_frame', t.last));
        } else if (t.first) out.push(node('iscsi.request_frame', t.first), node('iscsi.time', now - t.t0));
        if (t.dataOut) out.push(node('iscsi.data_out_frame', t.dataOut));
        break;
      case OP.DATA_OUT:
        t.dataOut = frame;
        if (t.first) out.push(node('iscsi.request_frame', t.first));
        if (t.dataIn) out.push(node('iscsi.data_in_frame', t.dataIn));
        if (t.last) out.push(node('iscsi.response_frame', t.last));
        break;
      case OP.SCSI_CMD:
        if (t.dataIn) out.push(node('iscsi.data_in_frame', t.dataIn));
        if (t.dataOut) out.push(node('iscsi.data_out_frame', t.dataOut));
        if (t.last) out.push(node('iscsi.response_frame', t.last));
        break;
    }
  }
}
