/**
 * The declarative iSNS field table against Wireshark 4.0's own registration:
 * the committed `tshark -G fields` and `tshark -G values` snapshots (and, when
 * tshark is installed, the snapshots against the installed tshark).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FUNCTION_NAMES, isns, functionName as rfcFunctionName, wsFunctionName as functionName, wsStatusName as statusName, isResponse } from '../dissector/isns/index.js';
import type { FieldDef } from '../dissector/core/field.js';
import { HAVE_TSHARK, ROOT } from './helpers/isns-encode.js';

const rows = (file: string): string[][] =>
  readFileSync(join(ROOT, 'test/fixtures', file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
const FIELDS_SNAP = rows('tshark-G-fields-isns.tsv');
const VALUES_SNAP = rows('tshark-G-values-isns.tsv');
const BY = new Map<string, FieldDef>(isns.fields.map((f) => [f.abbrev, f]));

const TYPE: Record<string, string> = {
  none: 'FT_NONE',
  boolean: 'FT_BOOLEAN',
  uint16: 'FT_UINT16',
  uint24: 'FT_UINT24',
  uint32: 'FT_UINT32',
  uint64: 'FT_UINT64',
  ipv6: 'FT_IPv6',
  string: 'FT_STRING',
  bytes: 'FT_BYTES',
};

test('the snapshots are what the installed tshark reports', (t) => {
  if (!HAVE_TSHARK) return t.pass(t.log('tshark not installed: checked against the committed snapshots only') as unknown as string);
  const g = (what: string): string => spawnSync('tshark', ['-G', what], { maxBuffer: 1 << 28 }).stdout.toString();
  // (the committed files were trimmed: compare without trailing whitespace)
  const fields = g('fields').split('\n').filter((l) => l.split('\t')[4] === 'isns').map((l) => l.trimEnd());
  t.deepEqual(fields, FIELDS_SNAP.map((r) => r.join('\t').trimEnd()));
  const values = g('values').split('\n').filter((l) => /^[VTE]\tisns\./.test(l)).map((l) => l.trimEnd());
  t.deepEqual(values, VALUES_SNAP.map((r) => r.join('\t').trimEnd()));
});

test('all 103 isns.* fields: abbreviation, name, type, base, bitmask and parent protocol as Wireshark registers them', (t) => {
  t.is(FIELDS_SNAP.length, 103);
  const ours = isns.fields.filter((f) => f.abbrev.startsWith('isns.'));
  t.deepEqual(ours.map((f) => f.abbrev).sort(), FIELDS_SNAP.map((r) => r[2]!).sort(), 'exactly the same isns.* names');
  for (const [kind, name, abbrev, type, parent, base, mask] of FIELDS_SNAP) {
    const f = BY.get(abbrev!)!;
    t.is(kind, 'F');
    t.is(parent, 'isns', abbrev);
    t.is(f.name, name, `${abbrev} name`);
    t.is(TYPE[f.type], type, `${abbrev} type`);
    if (type === 'FT_BOOLEAN') t.is(String(f.bitWidth), base, `${abbrev}: boolean over a ${base}-bit parent`);
    else if (/^FT_UINT/.test(type!)) t.is(f.base === 'hex' ? 'BASE_HEX' : 'BASE_DEC', base, `${abbrev} base`);
    t.is(f.bitmask ?? 0, Number(mask), `${abbrev} bitmask`);
  }
});

test('value strings and true/false texts equal tshark -G values', (t) => {
  const seen = new Set<string>();
  for (const r of VALUES_SNAP) {
    const f = BY.get(r[1]!);
    t.truthy(f, r[1]);
    if (r[0] === 'V') {
      t.is(f!.strings?.get(Number(r[2])), r[3], `${r[1]} ${r[2]}`);
      seen.add(`${r[1]}=${r[2]}`);
    } else if (r[0] === 'T') {
      t.deepEqual(f!.tf ?? ['True', 'False'], [r[2], r[3]], r[1]);
    }
  }
  // and no value strings of our own beyond Wireshark's in isns.* fields
  for (const f of isns.fields) if (f.abbrev.startsWith('isns.') && f.strings) for (const k of f.strings.keys()) t.true(seen.has(`${f.abbrev}=${k}`), `${f.abbrev}=${k}`);
});

test('our own fields live under isnsx.*, unique, and clash with nothing of Wireshark', (t) => {
  const names = isns.fields.map((f) => f.abbrev);
  t.is(new Set(names).size, names.length, 'no duplicate abbreviation');
  for (const n of names) t.true(n.startsWith('isns.') || n.startsWith('isnsx.'), n);
  const ws = new Set(FIELDS_SNAP.map((r) => r[2]));
  for (const n of names.filter((x) => x.startsWith('isns.'))) t.true(ws.has(n), `${n} is a Wireshark field`);
  for (const need of ['isnsx.auth.bsd', 'isnsx.auth.length', 'isnsx.auth.timestamp', 'isnsx.auth.spi', 'isnsx.auth.signature', 'isnsx.portal_isakmp_phase1', 'isnsx.portal_certificate', 'isnsx.protocol_version_range.min', 'isnsx.protocol_version_range.max', 'isnsx.fc_port_type', 'isnsx.dd_features'])
    t.true(names.includes(need), need);
  t.is(isns.abbrev, 'isns');
});

test('RFC function names (what messages and findings say): every id 0x0000-0xffff and beyond named as FUNCTION_NAMES has it', (t) => {
  const known: [number, string][] = [[0x0001, 'DevAttrReg'], [0x8001, 'DevAttrRegRsp'], [0x0004, 'DevDereg'], [0x0013, 'GetDomId'], [0x8013, 'GetDomIdRsp'], [0x000e, 'Heartbeat']];
  for (const [id, name] of known) t.is(rfcFunctionName(id), name);
  for (const unknown of [0x0000, 0x000f, 0x0010, 0x0014, 0x001f, 0x0020, 0x800e, 0x8000, 0x801f, 0x8021, 0x0a81, 0xffff, 0x10001, 0x18001])
    t.is(rfcFunctionName(unknown), `unknown function 0x${unknown.toString(16).padStart(4, '0')}`);
  let differ = 0;
  for (let id = 0; id < 0x20000; id++) if (rfcFunctionName(id) !== (FUNCTION_NAMES.get(id) ?? `unknown function 0x${id.toString(16).padStart(4, '0')}`)) differ++;
  t.is(differ, 0);
  t.is(FUNCTION_NAMES.size, 17 + 16);
});

test('function, status and direction helpers use Wireshark names (DeregDev, not DevDereg)', (t) => {
  t.is(functionName(0x0004), 'DeregDev');
  t.is(functionName(0x8004), 'DeregDevRsp');
  t.is(functionName(0x000e), 'Heartbeat');
  t.is(functionName(0x800e), 'Unknown function ID 0x800e');
  t.is(functionName(0x0101), 'Unknown function ID 0x0101');
  t.is(statusName(0), 'No Error');
  t.is(statusName(9), 'No such Entry');
  t.is(statusName(24), 'Unknown (24)');
  t.true(isResponse(0x8001));
  t.false(isResponse(0x000d));
});

test('messages name functions and statuses by RFC 4171 (DevDereg, "9 No Such Entry"); the field table keeps Wireshark\'s value strings', async (t) => {
  const { functionName: rfc, statusText, WS_FUNCTION_NAMES } = await import('../dissector/isns/index.js');
  t.is(rfc(0x0004), 'DevDereg');
  t.is(rfc(0x8004), 'DevDeregRsp');
  t.is(rfc(0x800e), 'unknown function 0x800e');
  t.is(statusText(0), '0 Successful');
  t.is(statusText(9), '9 No Such Entry');
  t.is(statusText(15), '15 Message (FUNCTION_ID) Not Supported');
  t.is(statusText(40), '40 Reserved');
  const fid = isns.fields.find((f) => f.abbrev === 'isns.functionid')!;
  t.is(fid.strings, WS_FUNCTION_NAMES);
  t.is(fid.strings!.get(4), 'DeregDev');
});
