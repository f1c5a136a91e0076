/**
 * Test-side iSNS helpers: raw TLVs (with exactly the bytes given, no
 * padding), the 103 Wireshark field names from the committed snapshot, a
 * runner for live tshark, and our own `-e` lines for a capture computed the
 * way `packets -e` does (one line per frame carrying iSNS).
 *
 * Well-formed TLVs / PDUs come from src/craft-isns.ts (shared with the
 * capture generator); what it cannot express (unpadded or lying lengths,
 * truncated TLVs) is built here byte by byte.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { be16, be32, concat } from '../../tools/craft.js';
import { isnsTree } from '../../dissector/isns/index.js';
import { tsharkValue, walk, type FieldNode } from '../../dissector/core/field.js';
import { analyze } from '../../src/analyze.js';
import { tempDir } from './tmp.js';

export const ROOT = resolve(new URL('../../..', import.meta.url).pathname);

/** tshark on PATH? (tests that need it log a reason and skip when not). */
export const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** The 103 isns.* field abbreviations of Wireshark 4.0, from the committed `tshark -G fields` snapshot. */
export const WS_FIELDS: readonly string[] = readFileSync(join(ROOT, 'test/fixtures/tshark-G-fields-isns.tsv'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('\t')[2]!);

/** A TLV with exactly these value bytes and this declared length (default: the value's length, unpadded). */
export function rawTlv(tag: number, value: Uint8Array, declared = value.length): Uint8Array {
  return concat([be32(tag >>> 0), be32(declared >>> 0), value]);
}

/** A 12-byte header followed by `rest` (payload and whatever else), with every field given. */
export function rawPdu(fid: number, len: number, flags: number, xid: number, seq: number, rest: Uint8Array, version = 1): Uint8Array {
  return concat([be16(version), be16(fid), be16(len), be16(flags), be16(xid), be16(seq), rest]);
}

export const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
export const ascii = (s: string): Uint8Array => Uint8Array.from([...s].map((c) => c.charCodeAt(0) & 0xff));

/** Write bytes to a fresh temp file and return its path. */
export function tempFile(name: string, data: Uint8Array): string {
  const f = join(tempDir('isns-test-'), name);
  writeFileSync(f, data);
  return f;
}

/** tshark's `-T fields -E occurrence=a` lines for the iSNS frames of a capture. */
export function tsharkLines(file: string, fields: readonly string[], extra: readonly string[] = []): string[] {
  // `extra` comes last so it can override the defaults (e.g. -E occurrence=f).
  const r = spawnSync('tshark', ['-r', file, '-Y', 'isns', '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((x) => ['-e', x]), ...extra], { maxBuffer: 1 << 28 });
  const s = r.stdout.toString();
  return s === '' ? [] : s.replace(/\n$/, '').split('\n');
}

/** Our lines for the same command, built like `packets -e` (every PDU's tree, grouped by the frame that owns it). */
export async function ourLines(file: string, fields: readonly string[], full = false): Promise<string[]> {
  const frames: { frame: number; trees: FieldNode[][] }[] = [];
  await analyze([file], {
    onIsnsPdu: (p) => {
      const tree = isnsTree(p.bytes, { transport: p.transport, full });
      const last = frames[frames.length - 1];
      if (last && last.frame === p.frame) last.trees.push(tree);
      else frames.push({ frame: p.frame, trees: [tree] });
    },
  });
  return frames.map(({ frame, trees }) =>
    fields
      .map((f) => {
        if (f === 'frame.number') return String(frame);
        const v: string[] = [];
        for (const t of trees) for (const n of walk(t)) if (n.def.abbrev === f) v.push(tsharkValue(n));
        return v.join(',');
      })
      .join('\t'),
  );
}

/** Values of one field in a single PDU's tree, in tree order. */
export function values(pdu: Uint8Array, abbrev: string, transport: 'tcp' | 'udp' = 'tcp', full = false): string[] {
  const out: string[] = [];
  for (const n of walk(isnsTree(pdu, { transport, full }))) if (n.def.abbrev === abbrev) out.push(tsharkValue(n));
  return out;
}

/** Column-wise difference of two `-e` line sets, for readable failure messages. */
export function diffLines(fields: readonly string[], ours: readonly string[], theirs: readonly string[]): string[] {
  const out: string[] = [];
  const n = Math.max(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    const a = (ours[i] ?? '<missing>').split('\t');
    const b = (theirs[i] ?? '<missing>').split('\t');
    fields.forEach((f, k) => {
      if (a[k] !== b[k]) out.push(`line ${i + 1} (frame ${b[0]}): ${f}: ours ${JSON.stringify(a[k])} tshark ${JSON.stringify(b[k])}`);
    });
  }
  return out;
}
