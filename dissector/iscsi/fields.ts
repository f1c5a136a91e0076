/**
 * iSCSI field table: Wireshark 4.0's 100 iscsi.* fields (abbreviation, name,
 * type, base and bitmask exactly as `tshark -G fields` registers them,
 * checked by test/iscsi-fields.test.ts), their value strings and true/false
 * texts (`tshark -G values`), then our own fields under iscsix.* for the full
 * decode. FT_FRAMENUM is 'framenum', FT_RELATIVE_TIME 'reltime', FT_STRINGZ
 * 'string', BASE_DEC_HEX 'dec_hex'.
 */
import { indexFields, type FieldDef } from '../core/field.js';
import { f } from '../core/layer.js';

const WS_FIELDS: FieldDef[] = [
  f('iscsi.request_frame', 'Request in', 'framenum'),
  f('iscsi.time', 'Time from request', 'reltime'),
  f('iscsi.data_in_frame', 'Data In in', 'framenum'),
  f('iscsi.data_out_frame', 'Data Out in', 'framenum'),
  f('iscsi.response_frame', 'Response in', 'framenum'),
  f('iscsi.ahs.length', 'AHS Length', 'uint16', 'dec'),
  f('iscsi.ahs.bidir.length', 'Bidirectional Read Data Length', 'uint32', 'dec'),
  f('iscsi.ahs.type', 'AHS Type', 'uint8', 'dec'),
  f('iscsi.ahs.extended_cdb', 'AHS Extended CDB', 'bytes'),
  f('iscsi.ahs.unknown_blob', 'Unknown AHS blob', 'bytes'),
  f('iscsi.padding', 'Padding', 'bytes'),
  f('iscsi.pingdata', 'PingData', 'bytes'),
  f('iscsi.immediatedata', 'ImmediateData', 'bytes'),
  f('iscsi.asynceventdata', 'AsyncEventData', 'bytes'),
  f('iscsi.vendorspecificdata', 'VendorSpecificData', 'bytes'),
  f('iscsi.headerdigest32', 'HeaderDigest', 'uint32', 'hex'),
  f('iscsi.datadigest32', 'DataDigest', 'uint32', 'hex'),
  f('iscsi.opcode', 'Opcode', 'uint8', 'hex', { bitmask: 0x3f }),
  f('iscsi.X', 'X', 'boolean', undefined, { bitmask: 0x80, bitWidth: 8 }),
  f('iscsi.I', 'I', 'boolean', undefined, { bitmask: 0x40, bitWidth: 8 }),
  f('iscsi.flags', 'Flags', 'uint8', 'hex'),
  f('iscsi.scsicommand.F', 'F', 'boolean', undefined, { bitmask: 0x80, bitWidth: 8 }),
  f('iscsi.scsicommand.R', 'R', 'boolean', undefined, { bitmask: 0x40, bitWidth: 8 }),
  f('iscsi.scsicommand.W', 'W', 'boolean', undefined, { bitmask: 0x20, bitWidth: 8 }),
  f('iscsi.scsicommand.attr', 'Attr', 'uint8', 'hex', { bitmask: 0x7 }),
  f('iscsi.scsicommand.crn', 'CRN', 'uint8', 'hex'),
  f('iscsi.datasegmentlength', 'DataSegmentLength', 'uint32', 'dec_hex'),
  f('iscsi.totalahslength', 'TotalAHSLength', 'uint8', 'dec_hex'),
  f('iscsi.initiatortasktag', 'InitiatorTaskTag', 'uint32', 'hex'),
  f('iscsi.scsicommand.expecteddatatransferlength', 'ExpectedDataTransferLength', 'uint32', 'dec_hex'),
  f('iscsi.cmdsn', 'CmdSN', 'uint32', 'dec_hex'),
  f('iscsi.expstatsn', 'ExpStatSN', 'uint32', 'dec_hex'),
  f('iscsi.scsiresponse.residualcount', 'ResidualCount', 'uint32', 'dec_hex'),
  f('iscsi.statsn', 'StatSN', 'uint32', 'dec_hex'),
  f('iscsi.expcmdsn', 'ExpCmdSN', 'uint32', 'dec_hex'),
  f('iscsi.maxcmdsn', 'MaxCmdSN', 'uint32', 'dec_hex'),
  f('iscsi.scsiresponse.o', 'o', 'boolean', undefined, { bitmask: 0x10, bitWidth: 8 }),
  f('iscsi.scsiresponse.u', 'u', 'boolean', undefined, { bitmask: 0x8, bitWidth: 8 }),
  f('iscsi.scsiresponse.O', 'O', 'boolean', undefined, { bitmask: 0x4, bitWidth: 8 }),
  f('iscsi.scsiresponse.U', 'U', 'boolean', undefined, { bitmask: 0x2, bitWidth: 8 }),
  f('iscsi.scsiresponse.status', 'Status', 'uint8', 'hex'),
  f('iscsi.scsiresponse.response', 'Response', 'uint8', 'hex'),
  f('iscsi.scsiresponse.bidireadresidualcount', 'BidiReadResidualCount', 'uint32', 'dec_hex'),
  f('iscsi.scsiresponse.senselength', 'SenseLength', 'uint16', 'dec_hex'),
  f('iscsi.scsidata.F', 'F', 'boolean', undefined, { bitmask: 0x80, bitWidth: 8 }),
  f('iscsi.scsidata.A', 'A', 'boolean', undefined, { bitmask: 0x40, bitWidth: 8 }),
  f('iscsi.scsidata.S', 'S', 'boolean', undefined, { bitmask: 0x1, bitWidth: 8 }),
  f('iscsi.scsidata.U', 'U', 'boolean', undefined, { bitmask: 0x2, bitWidth: 8 }),
  f('iscsi.scsidata.O', 'O', 'boolean', undefined, { bitmask: 0x4, bitWidth: 8 }),
  f('iscsi.targettransfertag', 'TargetTransferTag', 'uint32', 'hex'),
  f('iscsi.bufferOffset', 'BufferOffset', 'uint32', 'dec_hex'),
  f('iscsi.scsidata.readresidualcount', 'ResidualCount', 'uint32', 'dec_hex'),
  f('iscsi.datasn', 'DataSN', 'uint32', 'dec_hex'),
  f('iscsi.versionmax', 'VersionMax', 'uint8', 'hex'),
  f('iscsi.versionmin', 'VersionMin', 'uint8', 'hex'),
  f('iscsi.versionactive', 'VersionActive', 'uint8', 'hex'),
  f('iscsi.cid', 'CID', 'uint16', 'hex'),
  f('iscsi.isid8', 'ISID', 'uint16', 'hex'),
  f('iscsi.isid', 'ISID', 'bytes'),
  f('iscsi.isid.type', 'ISID_Type', 'uint8', 'hex'),
  f('iscsi.isid.namingauthority', 'ISID_NamingAuthority', 'uint24', 'hex'),
  f('iscsi.isid.qualifier', 'ISID_Qualifier', 'uint8', 'hex'),
  f('iscsi.isid.t', 'ISID_t', 'uint8', 'hex', { bitmask: 0xc0 }),
  f('iscsi.isid.a', 'ISID_a', 'uint8', 'hex', { bitmask: 0x3f }),
  f('iscsi.isid.b', 'ISID_b', 'uint16', 'hex'),
  f('iscsi.isid.c', 'ISID_c', 'uint8', 'hex'),
  f('iscsi.isid.d', 'ISID_d', 'uint16', 'hex'),
  f('iscsi.tsid', 'TSID', 'uint16', 'hex'),
  f('iscsi.tsih', 'TSIH', 'uint16', 'hex'),
  f('iscsi.login.T', 'T', 'boolean', undefined, { bitmask: 0x80, bitWidth: 8 }),
  f('iscsi.login.C', 'C', 'boolean', undefined, { bitmask: 0x40, bitWidth: 8 }),
  f('iscsi.login.X', 'X', 'boolean', undefined, { bitmask: 0x40, bitWidth: 8 }),
  f('iscsi.login.csg', 'CSG', 'uint8', 'hex', { bitmask: 0xc }),
  f('iscsi.login.nsg', 'NSG', 'uint8', 'hex', { bitmask: 0x3 }),
  f('iscsi.login.status', 'Status', 'uint16', 'hex'),
  f('iscsi.keyvalue', 'KeyValue', 'string'),
  f('iscsi.text.F', 'F', 'boolean', undefined, { bitmask: 0x80, bitWidth: 8 }),
  f('iscsi.text.C', 'C', 'boolean', undefined, { bitmask: 0x40, bitWidth: 8 }),
  f('iscsi.expdatasn', 'ExpDataSN', 'uint32', 'hex'),
  f('iscsi.r2tsn', 'R2TSN', 'uint32', 'dec_hex'),
  f('iscsi.taskmanfun.response', 'Response', 'uint8', 'hex'),
  f('iscsi.taskmanfun.referencedtasktag', 'ReferencedTaskTag', 'uint32', 'hex'),
  f('iscsi.refcmdsn', 'RefCmdSN', 'uint32', 'dec_hex'),
  f('iscsi.taskmanfun.function', 'Function', 'uint8', 'hex', { bitmask: 0x7f }),
  f('iscsi.logout.reason', 'Reason', 'uint8', 'hex', { bitmask: 0x7f }),
  f('iscsi.logout.response', 'Response', 'uint8', 'hex'),
  f('iscsi.time2wait', 'Time2Wait', 'uint16', 'hex'),
  f('iscsi.time2retain', 'Time2Retain', 'uint16', 'hex'),
  f('iscsi.desireddatalength', 'DesiredDataLength', 'uint32', 'dec_hex'),
  f('iscsi.asyncevent', 'AsyncEvent', 'uint8', 'hex'),
  f('iscsi.eventvendorcode', 'EventVendorCode', 'uint8', 'hex'),
  f('iscsi.parameter1', 'Parameter1', 'uint16', 'hex'),
  f('iscsi.parameter2', 'Parameter2', 'uint16', 'hex'),
  f('iscsi.parameter3', 'Parameter3', 'uint16', 'hex'),
  f('iscsi.reject.reason', 'Reason', 'uint8', 'hex'),
  f('iscsi.snack.type', 'S', 'uint8', 'dec', { bitmask: 0xf }),
  f('iscsi.snack.begrun', 'BegRun', 'uint32', 'hex'),
  f('iscsi.snack.runlength', 'RunLength', 'uint32', 'dec_hex'),
  f('iscsi.keyvalue.invalid', 'Invalid key/value pair', 'none'),
  f('iscsi.opcode.invalid', 'Invalid opcode', 'none'),
];

/** Fields beyond Wireshark (the full decode): RFC 7143 readings Wireshark 4.0 does not show. */
const X_FIELDS: FieldDef[] = [
  f('iscsix.lun', 'LUN', 'bytes'),
  f('iscsix.ahs', 'Additional Header Segment', 'none'),
  f('iscsix.ahs.length', 'AHSLength', 'uint16', 'dec'),
  f('iscsix.ahs.type', 'AHSType', 'uint8', 'dec'),
  f('iscsix.ahs.data', 'AHS-Specific', 'bytes'),
  f('iscsix.login.status_class', 'Status-Class', 'uint8', 'hex'),
  f('iscsix.login.status_detail', 'Status-Detail', 'uint8', 'hex'),
  f('iscsix.login.status_name', 'Status (RFC 7143)', 'string'),
  f('iscsix.snacktag', 'SNACK Tag', 'uint32', 'hex'),
  f('iscsix.data', 'Data Segment', 'bytes'),
  f('iscsix.keyvalue', 'Key=Value', 'string'),
  f('iscsix.key', 'Key', 'string'),
  f('iscsix.value', 'Value', 'string'),
  f('iscsix.keyvalue.partial', 'Pair cut at the end of the data segment (continued in the next PDU when C=1)', 'none'),
  f('iscsix.keyvalue.no_equals', 'Text without "=" (not a key=value pair)', 'none'),
  f('iscsix.headerdigest.computed', 'Computed HeaderDigest', 'uint32', 'hex'),
  f('iscsix.headerdigest.good', 'HeaderDigest is correct', 'boolean'),
  f('iscsix.datadigest.computed', 'Computed DataDigest', 'uint32', 'hex'),
  f('iscsix.datadigest.good', 'DataDigest is correct', 'boolean'),
  f('iscsix.problem', 'Problem', 'string'),
];

const STRINGS: Record<string, ReadonlyMap<number, string>> = {
  'iscsi.ahs.type': new Map([[1, 'Extended CDB'], [2, 'Expected Bidirection Read Data Length']]),
  'iscsi.opcode': new Map([[0x0, 'NOP Out'], [0x1, 'SCSI Command'], [0x2, 'Task Management Function'], [0x3, 'Login Command'], [0x4, 'Text Command'], [0x5, 'SCSI Data Out'], [0x6, 'Logout Command'], [0x10, 'SNACK Request'], [0x1c, 'Vendor Specific I0'], [0x1d, 'Vendor Specific I1'], [0x1e, 'Vendor Specific I2'], [0x20, 'NOP In'], [0x21, 'SCSI Response'], [0x22, 'Task Management Function Response'], [0x23, 'Login Response'], [0x24, 'Text Response'], [0x25, 'SCSI Data In'], [0x26, 'Logout Response'], [0x31, 'Ready To Transfer'], [0x32, 'Asynchronous Message'], [0x3f, 'Reject'], [0x3c, 'Vendor Specific T0'], [0x3d, 'Vendor Specific T1'], [0x3e, 'Vendor Specific T2']]),
  'iscsi.scsicommand.attr': new Map([[0x0, 'Untagged'], [0x1, 'Simple'], [0x2, 'Ordered'], [0x3, 'Head of Queue'], [0x4, 'ACA']]),
  'iscsi.scsiresponse.status': new Map([[0x0, 'Good'], [0x2, 'Check Condition'], [0x4, 'Condition Met'], [0x8, 'Busy'], [0x10, 'Intermediate'], [0x14, 'Intermediate Condition Met'], [0x18, 'Reservation Conflict'], [0x28, 'Task Set Full'], [0x30, 'ACA Active'], [0x40, 'Task Aborted']]),
  'iscsi.scsiresponse.response': new Map([[0x0, 'Command completed at target'], [0x1, 'Response does not contain SCSI status']]),
  'iscsi.isid.type': new Map([[0x0, 'IEEE OUI'], [0x1, 'IANA Enterprise Number'], [0x2, 'Random']]),
  'iscsi.isid.t': new Map([[0x0, 'IEEE OUI'], [0x1, 'IANA Enterprise Number'], [0x2, 'Random']]),
  'iscsi.login.csg': new Map([[0x0, 'Security negotiation'], [0x1, 'Operational negotiation'], [0x3, 'Full feature phase']]),
  'iscsi.login.nsg': new Map([[0x0, 'Security negotiation'], [0x1, 'Operational negotiation'], [0x3, 'Full feature phase']]),
  'iscsi.login.status': new Map([[0x0, 'Success'], [0x101, 'Target moved temporarily'], [0x102, 'Target moved permanently'], [0x200, 'Initiator error (miscellaneous error)'], [0x201, 'Authentication failed'], [0x202, 'Authorisation failure'], [0x203, 'Target not found'], [0x204, 'Target removed'], [0x205, 'Unsupported version'], [0x206, 'Too many connections'], [0x207, 'Missing parameter'], [0x208, "Can't include in session"], [0x209, 'Session type not supported'], [0x20a, 'Session does not exist'], [0x20b, 'Invalid request during login'], [0x300, 'Target error (miscellaneous error)'], [0x301, 'Service unavailable'], [0x302, 'Out of resources']]),
  'iscsi.taskmanfun.response': new Map([[0x0, 'Function complete'], [0x1, 'Task not in task set'], [0x2, 'LUN does not exist'], [0x3, 'Task still allegiant'], [0x4, 'Task failover not supported'], [0x5, 'Task management function not supported'], [0x6, 'Authorisation failed'], [0xff, 'Function rejected']]),
  'iscsi.taskmanfun.function': new Map([[0x1, 'Abort Task'], [0x2, 'Abort Task Set'], [0x3, 'Clear ACA'], [0x4, 'Clear Task Set'], [0x5, 'Logical Unit Reset'], [0x6, 'Target Warm Reset'], [0x7, 'Target Cold Reset'], [0x8, 'Target Reassign']]),
  'iscsi.logout.reason': new Map([[0x0, 'Close session'], [0x1, 'Close connection'], [0x2, 'Remove connection for recovery']]),
  'iscsi.logout.response': new Map([[0x0, 'Connection closed successfully'], [0x1, 'CID not found'], [0x2, 'Connection recovery not supported'], [0x3, 'Cleanup failed for various reasons']]),
  'iscsi.asyncevent': new Map([[0x0, 'A SCSI asynchronous event is reported in the sense data'], [0x1, 'Target requests logout'], [0x2, 'Target will/has dropped connection'], [0x3, 'Target will/has dropped all connections'], [0x4, 'Target requests parameter negotiation']]),
  'iscsi.reject.reason': new Map([[0x1, 'Full feature phase command before login'], [0x2, 'Data (payload) digest error'], [0x3, 'Data SNACK reject'], [0x4, 'Protocol error'], [0x5, 'Command not supported in this session type'], [0x6, 'Immediate command reject (too many immediate commands)'], [0x7, 'Task in progress'], [0x8, 'Invalid Data Ack'], [0x9, 'Invalid PDU field'], [0xa, 'Long operation reject'], [0xb, 'Negotiation reset'], [0xc, 'Waiting for logout']]),
  'iscsi.snack.type': new Map([[0, 'Data/R2T'], [1, 'Status'], [2, 'Data ACK'], [3, 'R-Data']]),
};
const TF: Record<string, readonly [string, string]> = {
  'iscsi.X': ['Retry', 'Not retry'],
  'iscsi.I': ['Immediate delivery', 'Queued delivery'],
  'iscsi.scsicommand.F': ['Final PDU in sequence', 'Not final PDU in sequence'],
  'iscsi.scsicommand.R': ['Data will be read from target', 'No data will be read from target'],
  'iscsi.scsicommand.W': ['Data will be written to target', 'No data will be written to target'],
  'iscsi.scsiresponse.o': ['Read part of bi-directional command overflowed', 'No overflow of read part of bi-directional command'],
  'iscsi.scsiresponse.u': ['Read part of bi-directional command underflowed', 'No underflow of read part of bi-directional command'],
  'iscsi.scsiresponse.O': ['Residual overflow occurred', 'No residual overflow occurred'],
  'iscsi.scsiresponse.U': ['Residual underflow occurred', 'No residual underflow occurred'],
  'iscsi.scsidata.F': ['Final PDU in sequence', 'Not final PDU in sequence'],
  'iscsi.scsidata.A': ['Acknowledge requested', 'Acknowledge not requested'],
  'iscsi.scsidata.S': ['Response contains SCSI status', 'Response does not contain SCSI status'],
  'iscsi.scsidata.U': ['Residual underflow occurred', 'No residual underflow occurred'],
  'iscsi.scsidata.O': ['Residual overflow occurred', 'No residual overflow occurred'],
  'iscsi.login.T': ['Transit to next login stage', 'Stay in current login stage'],
  'iscsi.login.C': ['Text is incomplete', 'Text is complete'],
  'iscsi.login.X': ['Reinstate failed connection', 'New connection'],
  'iscsi.text.F': ['Final PDU in sequence', 'Not final PDU in sequence'],
  'iscsi.text.C': ['Text is incomplete', 'Text is complete'],
};

const X_STRINGS: Record<string, ReadonlyMap<number, string>> = {
  'iscsix.login.status_class': new Map([[0, 'Success'], [1, 'Redirection'], [2, 'Initiator Error'], [3, 'Target Error']]),
  'iscsix.ahs.type': new Map([[1, 'Extended CDB'], [2, 'Bidirectional Read Expected Data Transfer Length']]),
};

/** Every field: Wireshark's iscsi.* (with its value strings), then ours. */
export const ISCSI_FIELDS: readonly FieldDef[] = [...WS_FIELDS, ...X_FIELDS].map((d) => {
  const tf = TF[d.abbrev];
  const st = STRINGS[d.abbrev] ?? X_STRINGS[d.abbrev];
  return tf || st ? { ...d, ...(tf ? { tf } : {}), ...(st ? { strings: st } : {}) } : d;
});

const BY_ABBREV = indexFields(ISCSI_FIELDS);

/** The definition of a field (a programming error if unknown). */
export function F(abbrev: string): FieldDef {
  const d = BY_ABBREV.get(abbrev);
  if (!d) throw new Error(`iscsi: no field ${abbrev}`);
  return d;
}

export const OPCODE_NAMES: ReadonlyMap<number, string> = STRINGS['iscsi.opcode']!;
export const LOGIN_STATUS_NAMES: ReadonlyMap<number, string> = STRINGS['iscsi.login.status']!;
export const STATUS_CLASS_NAMES: ReadonlyMap<number, string> = X_STRINGS['iscsix.login.status_class']!;
