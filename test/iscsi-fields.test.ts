/**
 * The iSCSI field table against Wireshark 4.0's own registration: the
 * committed `tshark -G fields` / `-G values` snapshots (and, with tshark
 * installed, the snapshots against the installed tshark).
 */
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldDef } from '../dissector/core/field.js';
import { iscsi, loginStatusName, opcodeName } from '../dissector/iscsi/iscsi.js';
import { HAVE_TSHARK, ROOT } from './helpers/iscsi-capture.js';

const rows = (file: string): string[][] =>
  readFileSync(join(ROOT, 'test/fixtures', file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t'));
const FIELDS_SNAP = rows('tshark-G-fields-iscsi.tsv');
const VALUES_SNAP = rows('tshark-G-values-iscsi.tsv');
const BY = new Map<string, FieldDef>(iscsi.fields.map((f) => [f.abbrev, f]));

const TYPE: Record<string, string> = {
  none: 'FT_NONE',
  boolean: 'FT_BOOLEAN',
  uint8: 'FT_UINT8',
  uint16: 'FT_UINT16',
  uint24: 'FT_UINT24',
  uint32: 'FT_UINT32',
  string: 'FT_STRINGZ',
  bytes: 'FT_BYTES',
  framenum: 'FT_FRAMENUM',
  reltime: 'FT_RELATIVE_TIME',
};
const BASE: Record<string, string> = { dec: 'BASE_DEC', hex: 'BASE_HEX', dec_hex: 'BASE_DEC_HEX' };

test('the snapshots are what the installed tshark reports', (t) => {
  if (!HAVE_TSHARK) return t.pass(t.log('tshark not installed: checked against the committed snapshots only') as unknown as string);
  const g = (what: string): string => spawnSync('tshark', ['-G', what], { maxBuffer: 1 << 28 }).stdout.toString();
  const fields = g('fields').split('\n').filter((l) => l.split('\t')[4] === 'iscsi').map((l) => l.trimEnd());
  t.deepEqual(fields, FIELDS_SNAP.map((r) => r.join('\t').trimEnd()));
  const values = g('values').split('\n').filter((l) => /^[VTE]\tiscsi\./.test(l)).map((l) => l.trimEnd());
  t.deepEqual(values, VALUES_SNAP.map((r) => r.join('\t').trimEnd()));
});

test('all 100 iscsi.* fields: abbreviation, name, type, base, bitmask as Wireshark registers them', (t) => {
  t.is(FIELDS_SNAP.length, 100);
  const ours = iscsi.fields.filter((f) => f.abbrev.startsWith('iscsi.'));
  t.deepEqual(ours.map((f) => f.abbrev), FIELDS_SNAP.map((r) => r[2]!), 'the same names, in registration order');
  for (const [kind, name, abbrev, type, parent, base, mask] of FIELDS_SNAP) {
    const f = BY.get(abbrev!)!;
    t.is(kind, 'F');
    t.is(parent, 'iscsi');
    t.is(f.name, name, `${abbrev} name`);
    t.is(TYPE[f.type], type, `${abbrev} type`);
    if (type === 'FT_BOOLEAN') t.is(String(f.bitWidth), base, `${abbrev}: boolean over a ${base}-bit parent`);
    else if (/^FT_UINT/.test(type!)) t.is(BASE[f.base!], base, `${abbrev} base`);
    t.is(f.bitmask ?? 0, Number(mask), `${abbrev} bitmask`);
  }
});

test('value strings and true/false texts equal tshark -G values, and none of our own in iscsi.* fields', (t) => {
  const seen = new Set<string>();
  for (const r of VALUES_SNAP) {
    const f = BY.get(r[1]!);
    t.truthy(f, r[1]);
    if (r[0] === 'V') {
      t.is(f!.strings?.get(Number(r[2])), r[3], `${r[1]} ${r[2]}`);
      seen.add(`${r[1]}=${Number(r[2])}`);
    } else if (r[0] === 'T') t.deepEqual(f!.tf, [r[2], r[3]], r[1]);
  }
  for (const f of iscsi.fields) if (f.abbrev.startsWith('iscsi.') && f.strings) for (const k of f.strings.keys()) t.true(seen.has(`${f.abbrev}=${k}`), `${f.abbrev}=${k}`);
});

test('our own fields live under iscsix.*, unique', (t) => {
  const names = iscsi.fields.map((f) => f.abbrev);
  t.is(new Set(names).size, names.length);
  for (const n of names) t.true(n.startsWith('iscsi.') || n.startsWith('iscsix.'), n);
  t.is(iscsi.abbrev, 'iscsi');
});

test('opcode and login status names are tshark\'s, unknown ones described', (t) => {
  t.is(opcodeName(0x03), 'Login Command');
  t.is(opcodeName(0x23), 'Login Response');
  t.is(opcodeName(0x31), 'Ready To Transfer');
  t.is(opcodeName(0x15), 'Unknown opcode 0x15');
  t.is(loginStatusName(0x0000), 'Success');
  t.is(loginStatusName(0x0201), 'Authentication failed');
  t.is(loginStatusName(0x0202), 'Authorisation failure');
  t.is(loginStatusName(0x0203), 'Target not found');
  t.is(loginStatusName(0x0208), "Can't include in session");
  t.is(loginStatusName(0x020b), 'Invalid request during login');
  t.is(loginStatusName(0x0302), 'Out of resources');
  t.is(loginStatusName(0x0250), 'Initiator Error, unknown detail 0x50');
  t.is(loginStatusName(0x0900), 'Unknown status class 0x09, unknown detail 0x00');
});
