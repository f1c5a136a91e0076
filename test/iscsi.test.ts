/**
 * iSCSI grammar: framing lengths (AHS, padding, digests, login exemption),
 * header plausibility and the probe, the typed IscsiPdu of each opcode,
 * key=value parsing (cut pairs, pairs continued over PDUs), digest
 * negotiation, task cross-references, and the full decode.
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { tsharkValue, walk, type FieldNode } from '../dissector/core/field.js';
import {
  BHS_LENGTH,
  DEFAULT_MAX_DATA_SEGMENT,
  DigestNegotiation,
  IscsiTaskTracker,
  NO_DIGESTS,
  bhsProblem,
  crc32c,
  dissectIscsiPdu,
  inferDigests,
  iscsi,
  iscsiFraming,
  iscsiPduLength,
  iscsiProbe,
  iscsiTree,
  joinText,
  lastValue,
  maxPduLength,
  parseKeyValues,
} from '../dissector/iscsi/iscsi.js';
import {
  ISID,
  OP,
  STAGE,
  asyncMsg,
  bhs,
  dataIn,
  keys,
  loginReq,
  loginRsp,
  logoutReq,
  logoutRsp,
  nopIn,
  nopOut,
  pdu,
  r2t,
  rawText,
  reject,
  scsiCmd,
  scsiRsp,
  snack,
  textReq,
  textRsp,
  tmf,
  tmfRsp,
} from '../tools/craft-iscsi.js';
import { concat } from '../tools/craft.js';

const V = (b: Uint8Array): ByteView => ByteView.of(b);
const enc = new TextEncoder();
const LOGIN_KEYS = keys([['InitiatorName', 'iqn.1991-05.com.microsoft:host1'], ['AuthMethod', 'None']]);
const login = (o: Partial<Parameters<typeof loginReq>[0]> = {}, data = LOGIN_KEYS): Uint8Array =>
  loginReq({ transit: true, csg: STAGE.SECURITY, nsg: STAGE.OPERATIONAL, isid: ISID, itt: 7, cid: 1, cmdSN: 1, expStatSN: 0, ...o }, data);

function values(tree: FieldNode[], abbrev: string): string[] {
  const out: string[] = [];
  for (const n of walk(tree)) if (n.def.abbrev === abbrev) out.push(tsharkValue(n));
  return out;
}

test('crc32c: the RFC 3720 / iSCSI check values', (t) => {
  t.is(crc32c(enc.encode('123456789')), 0xe3069283);
  t.is(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  t.is(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // 32 bytes of ones
  t.is(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e); // incrementing
});

test('framing: BHS + AHS + padded data, digests only when on and never for Login PDUs', (t) => {
  const text = textReq({ itt: 1, cmdSN: 1, expStatSN: 1 }, keys([['SendTargets', 'All']])); // 16 bytes of data
  t.deepEqual(iscsiPduLength(V(text)), { length: 48 + 16 });
  t.deepEqual(iscsiPduLength(V(text), { header: true, data: false }), { length: 48 + 4 + 16 });
  t.deepEqual(iscsiPduLength(V(text), { header: true, data: true }), { length: 48 + 4 + 16 + 4 });
  const odd = textReq({ itt: 1, cmdSN: 1, expStatSN: 1 }, rawText('A=1\0')); // 4 bytes
  t.deepEqual(iscsiPduLength(V(pdu({ opcode: OP.TEXT, b1: 0x80, itt: 1, w20: 0xffffffff }, rawText('A=12\0')))), { length: 48 + 8 }, '5 bytes padded to 8');
  t.deepEqual(iscsiPduLength(V(odd), { header: false, data: true }), { length: 48 + 4 + 4 });
  const nop = nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 });
  t.deepEqual(iscsiPduLength(V(nop), { header: true, data: true }), { length: 48 + 4 }, 'no data, no data digest');
  const l = login();
  t.deepEqual(iscsiPduLength(V(l), { header: true, data: true }), { length: 48 + LOGIN_KEYS.length + ((4 - (LOGIN_KEYS.length % 4)) % 4) }, 'Login: never digests');
  const ahs = scsiCmd({ itt: 1, write: true, edtl: 3, cmdSN: 1, expStatSN: 1, cdb: Uint8Array.of(0x2a) }, Uint8Array.of(1, 2, 3), { ahs: new Uint8Array(12) });
  t.deepEqual(iscsiPduLength(V(ahs), { header: true, data: true }), { length: 48 + 12 + 4 + 4 + 4 });
  t.deepEqual(iscsiPduLength(V(text.subarray(0, 47))), { need: 48 });
});

test('framing: implausible headers are invalid, with the reason', (t) => {
  const why = (b: Uint8Array): string => {
    const r = iscsiPduLength(V(b));
    return 'invalid' in r ? r.invalid : 'valid';
  };
  t.regex(why(bhs({ opcode: 0x15, b1: 0x80 }, 0)), /undefined opcode 0x15/);
  t.regex(why(bhs({ opcode: OP.NOP_OUT, reserved80: true, b1: 0x80, itt: 1, w20: 0xffffffff }, 0)), /reserved bit 7/);
  t.regex(why(bhs({ opcode: OP.NOP_IN, immediate: true, b1: 0x80, itt: 1, w20: 0xffffffff }, 0)), /I bit set in a target PDU/);
  t.regex(why(bhs({ opcode: OP.NOP_OUT, b1: 0x00, itt: 1, w20: 0xffffffff }, 0)), /bit 7 must be 1/);
  t.regex(why(bhs({ opcode: OP.NOP_OUT, b1: 0x80, itt: 1, w20: 2 }, 0)), /one of them must be 0xffffffff/);
  t.regex(why(login({ transit: true, cont: true })), /T and C are both set/);
  t.regex(why(login({ transit: false, csg: 2 })), /CSG 2/);
  t.regex(why(login({ transit: true, nsg: 0 })), /T is set with NSG 0/);
  t.regex(why(login().map((b, i) => (i === 0 ? 0x03 : b))), /without the I bit/);
  t.regex(why(textReq({ itt: 1, final: true, cont: true }, new Uint8Array(0))), /F and C are both set/);
  t.regex(why(scsiCmd({ itt: 1, edtl: 512, cmdSN: 1, expStatSN: 1, cdb: Uint8Array.of(0) })), /without R or W/);
  t.regex(why(pdu({ opcode: OP.TEXT, b1: 0x80, totalAhs: 1, itt: 1, w20: 0xffffffff })), /TotalAHSLength 1, must be 0/);
  t.regex(why(bhs({ opcode: OP.NOP_IN, b1: 0x80, dsl: DEFAULT_MAX_DATA_SEGMENT + 1, itt: 1, w20: 0xffffffff }, 0)), /over the 262144-byte bound/);
  t.is(why(bhs({ opcode: OP.NOP_IN, b1: 0x80, dsl: DEFAULT_MAX_DATA_SEGMENT, itt: 1, w20: 0xffffffff }, 0)), 'valid');
  t.is(why(loginRsp({ csg: 0, isid: ISID, itt: 1, status: 0x0201 }, new Uint8Array(0))), 'valid', 'a failed login response has T=0');
});

test('framing: the bound on the data segment, maxPduLength, and a larger bound on request', (t) => {
  const huge = bhs({ opcode: OP.DATA_IN, b1: 0x80, dsl: 0xffffff, itt: 1 }, 0);
  t.true('invalid' in iscsiPduLength(V(huge)));
  const f = iscsiFraming(NO_DIGESTS, { maxDataSegment: 0xffffff });
  t.deepEqual(f.pduLength(V(huge)), { length: 48 + 0x1000000 });
  t.is(f.maxPduLength, maxPduLength(0xffffff));
  t.is(iscsiFraming(NO_DIGESTS).maxPduLength, 48 + 1020 + 4 + 262144 + 4);
  t.is(iscsi.framing!.maxPduLength, maxPduLength(DEFAULT_MAX_DATA_SEGMENT));
});

test('framing: digests are read from the shared object on every call', (t) => {
  const dg = { header: false, data: false };
  const f = iscsiFraming(dg);
  const nop = nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }, rawText('abcd'));
  t.deepEqual(f.pduLength(V(nop)), { length: 52 });
  dg.header = true;
  dg.data = true;
  t.deepEqual(f.pduLength(V(nop)), { length: 60 });
});

test('framing: a direction only accepts its own opcodes; while resynchronising a candidate must pass the probe', (t) => {
  const f = iscsiFraming(NO_DIGESTS, { sender: 'initiator' });
  t.true('invalid' in f.pduLength(V(nopIn({ itt: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }))));
  t.true(f.scanning);
  // a NOP-Out whose reserved bytes are not zero: plausible in sync, refused while scanning
  const odd = nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 });
  odd[40] = 1;
  t.true('invalid' in f.pduLength(V(odd)));
  t.deepEqual(f.pduLength(V(nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }))), { length: 48 });
  t.false(f.scanning);
  t.deepEqual(f.pduLength(V(odd)), { length: 48 }, 'in sync again: reserved bytes are ignored');
  f.resync();
  t.true(f.scanning);
  const g = iscsiFraming(NO_DIGESTS, { startInSync: false });
  t.true(g.scanning);
});

test('probe: whole well-formed headers of every opcode; reserved bytes, tags and vendor opcodes refused', (t) => {
  const good = [
    login(),
    loginRsp({ transit: true, csg: 0, nsg: 1, isid: ISID, itt: 1 }, new Uint8Array(0)),
    textReq({ itt: 1 }, keys([['SendTargets', 'All']])),
    textRsp({ itt: 1 }, new Uint8Array(0)),
    nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }),
    nopIn({ itt: 0xffffffff, ttt: 5, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }),
    scsiCmd({ itt: 1, read: true, edtl: 8, cmdSN: 1, expStatSN: 1, cdb: Uint8Array.of(0x28) }),
    scsiRsp({ itt: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }),
    dataIn({ itt: 1, expCmdSN: 1, maxCmdSN: 1, dataSN: 0, offset: 0 }, new Uint8Array(4)),
    r2t({ itt: 1, ttt: 2, statSN: 1, expCmdSN: 1, maxCmdSN: 1, r2tSN: 0, offset: 0, desired: 8 }),
    tmf({ fn: 1, itt: 1, rtt: 2, cmdSN: 1, expStatSN: 1, refCmdSN: 1 }),
    tmfRsp({ response: 0, itt: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }),
    logoutReq({ reason: 0, itt: 1, cid: 1, cmdSN: 1, expStatSN: 1 }),
    logoutRsp({ response: 0, itt: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }),
    snack({ type: 1, itt: 0xffffffff, expStatSN: 1, begRun: 1, runLength: 1 }),
    asyncMsg({ event: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }),
    reject({ reason: 9, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }, new Uint8Array(48)),
  ];
  for (const p of good) t.true(iscsiProbe(V(p)), `0x${(p[0]! & 0x3f).toString(16)}`);
  for (const p of good) t.true(iscsi.probe!(V(p)));
  const bad = login();
  bad[33] = 1;
  t.false(iscsiProbe(V(bad)), 'reserved byte of a Login Request');
  t.false(iscsiProbe(V(reject({ reason: 9, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }, new Uint8Array(48)).map((b, i) => (i === 16 ? 0 : b)))), 'Reject ITT must be 0xffffffff');
  t.false(iscsiProbe(V(pdu({ opcode: 0x1c, immediate: true, itt: 1 }))), 'vendor-specific: nothing to check');
  t.false(iscsiProbe(V(new Uint8Array(48))), 'zeros');
  t.false(iscsiProbe(V(new Uint8Array(47))));
});

test('IscsiPdu: Login Request and Response fields', (t) => {
  const r = dissectIscsiPdu(V(login({ versionMax: 0, versionMinOrActive: 0, tsih: 0x0101 })));
  t.like(r, { opcode: 3, opcodeName: 'Login Command', initiator: true, immediate: true, final: true, cont: false, csg: 0, nsg: 1, versionMax: 0, versionMin: 0, versionActive: null, isid: '400001370000', tsih: 0x0101, itt: 7, cid: 1, cmdSN: 1, expStatSN: 0, statSN: null, statusClass: null, lun: null, dataSegmentLength: LOGIN_KEYS.length, length: r.length });
  t.deepEqual(r.problems, []);
  t.deepEqual(Buffer.from(r.data).toString(), Buffer.from(LOGIN_KEYS).toString());
  t.deepEqual(r.keyValues!.map((k) => [k.key, k.value]), [['InitiatorName', 'iqn.1991-05.com.microsoft:host1'], ['AuthMethod', 'None']]);
  const s = dissectIscsiPdu(V(loginRsp({ csg: 0, isid: ISID, tsih: 0, itt: 7, statSN: 9, expCmdSN: 2, maxCmdSN: 3, status: 0x0201, versionMax: 0, versionMinOrActive: 0 }, new Uint8Array(0))));
  t.like(s, { opcode: 0x23, initiator: false, immediate: false, final: false, nsg: null, statSN: 9, expCmdSN: 2, maxCmdSN: 3, statusClass: 2, statusDetail: 1, statusName: 'Authentication failed', versionActive: 0, versionMin: null, cid: null, cmdSN: null });
  const u = dissectIscsiPdu(V(loginRsp({ csg: 0, isid: ISID, itt: 7, status: 0x0250 }, new Uint8Array(0))));
  t.is(u.statusName, 'Initiator Error, unknown detail 0x50');
  t.true(u.problems.some((p) => /not defined by RFC 7143/.test(p)));
});

test('IscsiPdu: other opcodes (text, logout, reject with its rejected header, SCSI, NOP, async)', (t) => {
  const tx = dissectIscsiPdu(V(textRsp({ final: false, cont: true, itt: 4, ttt: 0xabcd, statSN: 5, expCmdSN: 6, maxCmdSN: 7 }, rawText('TargetName=iqn.2026-11.lab:tg'))));
  t.like(tx, { opcode: 0x24, final: false, cont: true, ttt: 0xabcd, statSN: 5, lun: '0000000000000000' });
  t.deepEqual(tx.keyValues, [{ key: 'TargetName', value: 'iqn.2026-11.lab:tg', offset: 0, length: 29, partial: true }]);
  t.like(dissectIscsiPdu(V(logoutReq({ reason: 2, itt: 9, cid: 3, cmdSN: 4, expStatSN: 5 }))), { logoutReason: 2, cid: 3, cmdSN: 4, expStatSN: 5, immediate: true });
  t.like(dissectIscsiPdu(V(logoutRsp({ response: 1, itt: 9, statSN: 1, expCmdSN: 2, maxCmdSN: 3 }))), { logoutResponse: 1, statSN: 1 });
  const rj = dissectIscsiPdu(V(reject({ reason: 4, statSN: 1, expCmdSN: 2, maxCmdSN: 3 }, login().subarray(0, 48))));
  t.like(rj, { rejectReason: 4, itt: 0xffffffff, rejected: { opcode: 3, itt: 7, isid: '400001370000', problems: [] } });
  t.like(dissectIscsiPdu(V(scsiRsp({ itt: 2, status: 2, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }))), { scsiStatus: 2, scsiResponse: 0 });
  t.like(dissectIscsiPdu(V(tmf({ fn: 5, itt: 2, rtt: 1, cmdSN: 1, expStatSN: 1, refCmdSN: 1 }))), { tmfFunction: 5, lun: '0000000000000000' });
  t.like(dissectIscsiPdu(V(asyncMsg({ event: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1 }))), { asyncEvent: 1, itt: 0xffffffff });
  const nop = dissectIscsiPdu(V(nopOut({ itt: 0xffffffff, ttt: 0x1234, cmdSN: 1, expStatSN: 1 })));
  t.like(nop, { ttt: 0x1234, itt: 0xffffffff, keyValues: null });
  const ahs = dissectIscsiPdu(V(scsiCmd({ itt: 1, write: true, edtl: 3, cmdSN: 1, expStatSN: 1, cdb: Uint8Array.of(0x7f) }, Uint8Array.of(1, 2, 3), { ahs: concat([Uint8Array.of(0, 9, 1, 0), new Uint8Array(8).fill(0xee)]) })));
  t.is(ahs.totalAhsLength, 3);
  t.is(ahs.ahsLength, 12);
  t.like(ahs.ahs[0], { length: 9, type: 1, offset: 48 });
  t.deepEqual([...ahs.data], [1, 2, 3]);
});

test('IscsiPdu: digests read and verified; inferred from the length when not given', (t) => {
  const dg = { headerDigest: true, dataDigest: true };
  const good = nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }, rawText('abc'), dg);
  const r = dissectIscsiPdu(V(good), { header: true, data: true });
  t.like(r, { headerDigestOk: true, dataDigestOk: true, length: 48 + 4 + 4 + 4 });
  t.deepEqual(r.problems, []);
  t.deepEqual(inferDigests(V(good)), { header: true, data: true });
  const bad = nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }, rawText('abc'), { ...dg, badDigest: true });
  const b = dissectIscsiPdu(V(bad));
  t.like(b, { headerDigestOk: false, dataDigestOk: false });
  t.deepEqual(b.problems, ['header digest does not verify', 'data digest does not verify']);
  t.deepEqual(inferDigests(V(nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }, rawText('abc'), { headerDigest: true }))), { header: true, data: false });
  t.deepEqual(inferDigests(V(nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }, rawText('abc'), { dataDigest: true }))), { header: false, data: true });
  t.deepEqual(inferDigests(V(nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }, new Uint8Array(0), { headerDigest: true }))), { header: true, data: false });
  t.deepEqual(inferDigests(V(login())), { header: false, data: false });
});

test('IscsiPdu: short or inconsistent input is described, not thrown', (t) => {
  const r = dissectIscsiPdu(V(login().subarray(0, 20)));
  t.true(r.problems[0]!.includes('shorter than the 48-byte BHS'));
  const cut = dissectIscsiPdu(V(login().subarray(0, 60)));
  t.true(cut.problems.some((p) => /PDU of \d+ bytes by its header, 60 present/.test(p)));
  t.is(cut.data.length, 12);
  const long = dissectIscsiPdu(V(concat([nopOut({ itt: 1, cmdSN: 1, expStatSN: 1 }), new Uint8Array(8)])));
  t.true(long.problems.includes('8 bytes follow the PDU'));
});

test('parseKeyValues: pairs, a cut pair, text without "=", empty strings, UTF-8; joinText for C=1 continuations', (t) => {
  t.deepEqual(parseKeyValues(rawText('A=1\0B=\0\0C\0=x\0')), [
    { key: 'A', value: '1', offset: 0, length: 3, partial: false },
    { key: 'B', value: '', offset: 4, length: 2, partial: false },
    { key: 'C', value: null, offset: 8, length: 1, partial: false },
    { key: '', value: 'x', offset: 10, length: 2, partial: false },
  ]);
  t.deepEqual(parseKeyValues(enc.encode('TargetAlias=disque été\0Tail=ab')), [
    { key: 'TargetAlias', value: 'disque été', offset: 0, length: 24, partial: false },
    { key: 'Tail', value: 'ab', offset: 25, length: 7, partial: true },
  ]);
  t.deepEqual(parseKeyValues(new Uint8Array(0)), []);
  t.deepEqual(parseKeyValues(new Uint8Array(4)), []);
  // a pair cut over two PDUs: parse the joined text, not each PDU
  const all = keys([['InitiatorName', 'iqn.1991-05.com.microsoft:host1'], ['AuthMethod', 'CHAP,None']]);
  const a = all.subarray(0, 50);
  const b = all.subarray(50);
  t.true(parseKeyValues(a).at(-1)!.partial);
  t.is(parseKeyValues(a).at(-1)!.key, 'Auth', 'cut inside the key');
  t.is(parseKeyValues(b)[0]!.key, 'Method', 'the rest alone reads as a wrong pair: why the binder joins before parsing');
  t.deepEqual(parseKeyValues(joinText([a, b])).map((k) => `${k.key}=${k.value}`), ['InitiatorName=iqn.1991-05.com.microsoft:host1', 'AuthMethod=CHAP,None']);
  t.is(lastValue(parseKeyValues(rawText('HeaderDigest=CRC32C,None\0HeaderDigest=None\0')), 'HeaderDigest'), 'None');
});

test('DigestNegotiation: digests on only after the final Login Response, from the answers, text joined over C=1', (t) => {
  const neg = new DigestNegotiation();
  const see = (p: Uint8Array): void => neg.observe(dissectIscsiPdu(V(p)));
  const offer = keys([['HeaderDigest', 'CRC32C,None'], ['DataDigest', 'CRC32C,None']]);
  see(loginReq({ csg: 1, isid: ISID, itt: 1, cont: true }, offer.subarray(0, 20)));
  see(loginRsp({ csg: 1, isid: ISID, itt: 1 }, new Uint8Array(0)));
  see(loginReq({ transit: true, csg: 1, nsg: 3, isid: ISID, itt: 1 }, offer.subarray(20)));
  t.deepEqual(neg.digests, { header: false, data: false }, 'an offer decides nothing');
  const answer = keys([['HeaderDigest', 'CRC32C'], ['DataDigest', 'None']]);
  see(loginRsp({ csg: 1, isid: ISID, itt: 1, cont: true }, answer.subarray(0, 10)));
  t.deepEqual(neg.digests, { header: false, data: false });
  see(loginReq({ csg: 1, isid: ISID, itt: 1 }, new Uint8Array(0)));
  see(loginRsp({ transit: true, csg: 1, nsg: 3, isid: ISID, tsih: 5, itt: 1 }, answer.subarray(10)));
  t.deepEqual(neg.digests, { header: true, data: false });
  t.true(neg.fullFeature);
  t.is(neg.values.get('HeaderDigest'), 'CRC32C');

  const failed = new DigestNegotiation();
  failed.observe(dissectIscsiPdu(V(loginReq({ transit: true, csg: 1, nsg: 3, isid: ISID, itt: 1 }, keys([['HeaderDigest', 'CRC32C']])))));
  failed.observe(dissectIscsiPdu(V(loginRsp({ csg: 1, isid: ISID, itt: 1, status: 0x0201 }, new Uint8Array(0)))));
  t.deepEqual(failed.digests, { header: false, data: false }, 'no full feature phase, no digests');
});

test('IscsiTaskTracker: request/response/data frames and the time since the command, as tshark (one pass)', (t) => {
  const tr = new IscsiTaskTracker();
  const at = (frame: number, p: Uint8Array): string[] =>
    tr.annotate(dissectIscsiPdu(V(p)), frame, { sec: 100, nsec: frame * 1_000_000 }).map((n) => `${n.def.abbrev}=${tsharkValue(n)}`);
  t.deepEqual(at(10, scsiCmd({ itt: 5, write: true, edtl: 8, cmdSN: 1, expStatSN: 1, cdb: Uint8Array.of(0x2a) })), []);
  t.deepEqual(at(11, r2t({ itt: 5, ttt: 1, statSN: 1, expCmdSN: 1, maxCmdSN: 1, r2tSN: 0, offset: 0, desired: 8 })), []);
  t.deepEqual(at(12, pdu({ opcode: OP.DATA_OUT, b1: 0x80, itt: 5, w20: 1 }, new Uint8Array(8))), ['iscsi.request_frame=10']);
  t.deepEqual(at(13, scsiRsp({ itt: 5, statSN: 1, expCmdSN: 1, maxCmdSN: 1 })), ['iscsi.request_frame=10', 'iscsi.time=0.003000000', 'iscsi.data_out_frame=12']);
  t.deepEqual(at(14, dataIn({ itt: 5, expCmdSN: 1, maxCmdSN: 1, dataSN: 0, offset: 0 }, new Uint8Array(4))), ['iscsi.request_frame=10', 'iscsi.response_frame=13', 'iscsi.data_out_frame=12'], 'a late Data-In of the same task');
  t.deepEqual(at(15, dataIn({ itt: 6, status: 0, expCmdSN: 1, maxCmdSN: 1, dataSN: 0, offset: 0 }, new Uint8Array(4))), [], 'no command seen for ITT 6');
  t.deepEqual(at(16, scsiCmd({ itt: 5, read: true, edtl: 4, cmdSN: 2, expStatSN: 1, cdb: Uint8Array.of(0x28) })), [], 'ITT 5 reused: a new task');
  t.deepEqual(at(17, dataIn({ itt: 5, status: 0, expCmdSN: 1, maxCmdSN: 1, dataSN: 0, offset: 0 }, new Uint8Array(4))), ['iscsi.request_frame=16', 'iscsi.time=0.001000000']);
});

test('full tree: every key=value pair with key and value, RFC padding, digests verified, LUN, status class and detail', (t) => {
  const text = rawText('A=1\0Junk\0B=2\0');
  const full = iscsiTree(textReq({ itt: 1 }, text, { headerDigest: true, dataDigest: true }), { full: true, digests: { header: true, data: true } });
  t.deepEqual(values(full, 'iscsi.keyvalue'), ['A=1', 'Junk', 'B=2']);
  t.deepEqual(values(full, 'iscsix.key'), ['A', 'Junk', 'B']);
  t.deepEqual(values(full, 'iscsix.value'), ['1', '2']);
  t.deepEqual(values(full, 'iscsix.keyvalue.no_equals'), ['1']);
  t.deepEqual(values(full, 'iscsi.padding'), ['000000']);
  t.deepEqual(values(full, 'iscsix.headerdigest.good'), ['1']);
  t.deepEqual(values(full, 'iscsix.datadigest.good'), ['1']);
  t.deepEqual(values(full, 'iscsix.lun'), ['0000000000000000']);
  const ws = iscsiTree(textReq({ itt: 1 }, text, { headerDigest: true, dataDigest: true }), { full: false, digests: { header: true, data: true } });
  t.deepEqual(values(ws, 'iscsi.keyvalue'), ['A=1', 'Junk'], 'tshark stops at the string without "="');
  t.deepEqual(values(ws, 'iscsix.lun'), []);
  const st = iscsiTree(loginRsp({ csg: 0, isid: ISID, itt: 1, status: 0x0203 }, new Uint8Array(0)), { full: true });
  t.deepEqual(values(st, 'iscsix.login.status_class'), ['0x02']);
  t.deepEqual(values(st, 'iscsix.login.status_detail'), ['0x03']);
  t.deepEqual(values(st, 'iscsix.login.status_name'), ['Target not found']);
  t.deepEqual(values(iscsiTree(bhs({ opcode: OP.NOP_OUT, b1: 0x00, itt: 1 }, 0), { full: true }), 'iscsix.problem'), ['NOP Out: byte 1 bit 7 must be 1 (flags 0x00)']);
});

test('the AppProtocol: framing without digests, dissectPdu, tree in both modes', (t) => {
  t.is(iscsi.name, 'iSCSI');
  t.is(iscsi.framing!.headerLength, BHS_LENGTH);
  const p = login();
  t.like(iscsi.dissectPdu(V(p), { tree: false, transport: 'tcp', srcPort: 50000, dstPort: 3260 }), { opcode: 3 });
  const ctx = { transport: 'tcp' as const, srcPort: 50000, dstPort: 3260 };
  t.deepEqual(values(iscsi.tree!(V(p), { ...ctx, full: false }), 'iscsi.keyvalue'), ['InitiatorName=iqn.1991-05.com.microsoft:host1,AuthMethod=None'.split(',')[0]!, 'AuthMethod=None']);
  t.true(values(iscsi.tree!(V(p), { ...ctx, full: true }), 'iscsix.key').length === 2);
  t.deepEqual(iscsi.tree!(V(p.subarray(0, 10)), { ...ctx, full: false }), []);
  t.is(bhsProblem(V(p)), null);
});
