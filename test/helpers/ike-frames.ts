/**
 * Test-side plumbing for the IKE/ESP dissectors: read a capture with the
 * project's reader, strip Ethernet / IPv4 / UDP with the project's
 * dissectors, hand UDP port 500 to isakmp, 4500 to udpencap and IP protocol
 * 50 to esp (with tshark's per-SPI sequence analysis), and print each frame
 * the way `tshark -T fields -E occurrence=a -e frame.number -e ...` does for
 * `-Y 'isakmp || esp || udpencap'`. Also runs tshark itself, and reads the
 * tshark output committed next to a crafted capture.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ByteView } from '../../dissector/core/byteview.js';
import { tsharkColumn, walk, type FieldNode } from '../../dissector/core/field.js';
import { eth } from '../../dissector/link/eth.js';
import { ipv4 } from '../../dissector/net/ipv4.js';
import { udp } from '../../dissector/transport/udp.js';
import { dissectIsakmp } from '../../dissector/isakmp/isakmp.js';
import { dissectUdpEncap } from '../../dissector/udpencap/udpencap.js';
import { dissectEsp, EspSequenceAnalysis, type EspInfo } from '../../dissector/esp/esp.js';
import { readCapture } from '../../src/capture/read.js';

export const ROOT = resolve(new URL('../../..', import.meta.url).pathname);

export const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

function fixtureFields(name: string): string[] {
  return readFileSync(join(ROOT, 'test/fixtures', name), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('\t')[2]!);
}

export const ISAKMP_ABBREVS = fixtureFields('tshark-G-fields-isakmp.tsv');
export const ESP_ABBREVS = fixtureFields('tshark-G-fields-esp.tsv');
export const UDPENCAP_ABBREVS = fixtureFields('tshark-G-fields-udpencap.tsv');
/** frame.number and every field of the three protocols (1 + 357 + 15 + 2). */
export const ALL_FIELDS: readonly string[] = ['frame.number', ...ISAKMP_ABBREVS, ...ESP_ABBREVS, ...UDPENCAP_ABBREVS];
export const DISPLAY_FILTER = 'isakmp || esp || udpencap';

export interface FrameTrees {
  readonly frame: number;
  /** The trees of the IPsec-related protocols in this frame (isakmp / udpencap + inner / esp). */
  readonly trees: FieldNode[][];
}

/** Frame number → the tshark-style line over `fields` for every frame carrying isakmp, esp or udpencap. */
export async function ourLines(file: string, fields: readonly string[] = ALL_FIELDS): Promise<string[]> {
  const out: string[] = [];
  const seq = new EspSequenceAnalysis();
  await readCapture(file, {
    problem() {},
    packet(p) {
      if (p.linktype !== 1) return;
      const trees = frameTrees(p.data, p.caplen, p.origlen, p.frame, seq);
      if (!trees.length) return;
      // Lines are built here: tree values are views of the reader's reused buffer.
      out.push(fields.map((f) => (f === 'frame.number' ? String(p.frame) : tsharkColumn(trees, f))).join('\t'));
    },
  });
  return out;
}

const SHOWN = new Set(['isakmp', 'esp', 'udpencap']);

/** The IPsec trees of one Ethernet frame (empty when the frame carries none of them). */
export function frameTrees(data: Uint8Array, caplen: number, origlen: number, frame: number, seq: EspSequenceAnalysis): FieldNode[][] {
  const view = new ByteView(data, 0, origlen, caplen);
  const l2 = eth.dissect(view, { tree: false });
  if (!l2.payload || l2.next?.key !== 0x0800) return [];
  const l3 = ipv4.dissect(l2.payload, { tree: false });
  if (!l3.payload || !l3.next || !l3.info || l3.info.fragment) return [];
  const withSeq = (t: FieldNode[], info: EspInfo | null): FieldNode[] => {
    const extra = seq.observe(frame, info);
    if (extra.length) {
      const espNode = t.find((n) => n.def.abbrev === 'esp');
      espNode?.children?.push(...extra);
    }
    return t;
  };
  if (l3.next.key === 50) {
    const e = dissectEsp(l3.payload);
    return e.tree.length ? [withSeq(e.tree, e.info)] : [];
  }
  if (l3.next.key !== 17) return [];
  const l4 = udp.dissect(l3.payload, { tree: false });
  if (!l4.payload || !l4.info) return [];
  // Wireshark's UDP tries the lower port first.
  const ports = [l4.info.srcport, l4.info.dstport].sort((a, b) => a - b);
  for (const port of ports) {
    if (port === 500) {
      const t = dissectIsakmp(l4.payload).tree;
      return t.length ? [t] : [];
    }
    if (port === 4500) {
      const d = dissectUdpEncap(l4.payload);
      return d.tree.length ? [withSeq(d.tree, d.result.esp)] : [];
    }
  }
  return [];
}

/** Does a tree list hold one of the shown protocols? */
export function shows(trees: readonly FieldNode[][]): boolean {
  for (const t of trees) for (const n of walk(t)) if (SHOWN.has(n.def.abbrev)) return true;
  return false;
}

/** tshark's own lines (live). */
export function tsharkLines(file: string, fields: readonly string[] = ALL_FIELDS, filter = DISPLAY_FILTER): string[] {
  const r = spawnSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((f) => ['-e', f])], { maxBuffer: 1 << 28 });
  const s = r.stdout.toString();
  return s === '' ? [] : s.replace(/\n$/, '').split('\n');
}

/** The committed tshark output for a crafted capture (CAP.tshark-isakmp.tsv), or null. */
export function committedLines(cap: string): string[] | null {
  const f = committedPath(cap);
  if (!existsSync(f)) return null;
  const s = readFileSync(f, 'utf8');
  return s === '' ? [] : s.replace(/\n$/, '').split('\n');
}

export function committedPath(cap: string): string {
  return `${cap}.tshark-isakmp.tsv`;
}

/** Field-by-field differences of two line sets, for readable failures. */
export function diffLines(fields: readonly string[], ours: readonly string[], theirs: readonly string[], max = 40): string[] {
  const out: string[] = [];
  const n = Math.max(ours.length, theirs.length);
  for (let i = 0; i < n && out.length < max; i++) {
    const a = (ours[i] ?? '<missing line>').split('\t');
    const b = (theirs[i] ?? '<missing line>').split('\t');
    fields.forEach((f, k) => {
      if (a[k] !== b[k] && out.length < max) out.push(`line ${i + 1} (frame ${b[0] ?? a[0]}): ${f}: ours ${JSON.stringify(a[k])} tshark ${JSON.stringify(b[k])}`);
    });
  }
  return out;
}
