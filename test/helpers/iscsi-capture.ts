/**
 * Test-side iSCSI plumbing: our `-e` lines for a capture, computed the way the
 * lead's binder is meant to (and the way tshark 4.0 groups them), and tshark's
 * own lines for the same fields.
 *
 * Ours: read the capture (src/capture/read.ts), strip Ethernet/IP/TCP with the
 * project's dissectors, reassemble each TCP direction (src/flow/reassembly.ts),
 * frame it with iscsiFraming bound to the connection's DigestNegotiation
 * (src/flow/framer.ts), dissect each PDU, feed the negotiation and the
 * connection's IscsiTaskTracker, and collect every PDU's tree under the frame
 * holding its last byte. Port 3260 only, like tshark's defaults.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ByteView } from '../../dissector/core/byteview.js';
import { tsharkColumn, type FieldNode } from '../../dissector/core/field.js';
import type { Protocol } from '../../dissector/core/protocol.js';
import { createRegistry } from '../../dissector/registry.js';
import type { TcpInfo } from '../../dissector/transport/tcp.js';
import type { IpInfo } from '../../dissector/net/ipv4.js';
import { DigestNegotiation, IscsiTaskTracker, dissectIscsiPdu, iscsiFraming, iscsiTree, type IscsiPdu } from '../../dissector/iscsi/iscsi.js';
import { readCapture } from '../../src/capture/read.js';
import { PduFramer } from '../../src/flow/framer.js';
import { OooBudget, TcpDirection } from '../../src/flow/reassembly.js';
import type { Packet, Timestamp } from '../../src/types.js';

export const ROOT = resolve(new URL('../../..', import.meta.url).pathname);

export const HAVE_TSHARK = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

/** Wireshark 4.0's 100 iscsi.* fields, from the committed `tshark -G fields` snapshot. */
export const ISCSI_WS_FIELDS: readonly string[] = readFileSync(join(ROOT, 'test/fixtures/tshark-G-fields-iscsi.tsv'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('\t')[2]!);

/** frame.number and the 100 fields: the columns every comparison uses. */
export const COLUMNS: readonly string[] = ['frame.number', ...ISCSI_WS_FIELDS];

/** tshark's `-Y iscsi -T fields -E occurrence=a` lines. */
export function tsharkLines(file: string, fields: readonly string[] = COLUMNS, filter = 'iscsi'): string[] {
  const r = spawnSync('tshark', ['-r', file, '-Y', filter, '-T', 'fields', '-E', 'occurrence=a', ...fields.flatMap((x) => ['-e', x])], { maxBuffer: 1 << 28 });
  const s = r.stdout.toString();
  return s === '' ? [] : s.replace(/\n$/, '').split('\n');
}

export interface OurPdu {
  frame: number;
  /** Frames that carried its bytes. */
  frames: number[];
  conn: string;
  fromInitiator: boolean;
  bytes: Uint8Array;
  result: IscsiPdu;
  tree: FieldNode[];
}

export interface OurCapture {
  pdus: OurPdu[];
  /** Bytes the framers skipped (resynchronisation), with their reason. */
  skipped: { conn: string; bytes: number; frames: number[]; reason: string }[];
  /** Bytes left in a framer at the end (an unfinished PDU). */
  unfinished: { conn: string; bytes: number }[];
}

interface Side {
  dir: TcpDirection;
  framer: PduFramer | null;
}
interface Conn {
  key: string;
  neg: DigestNegotiation;
  tasks: IscsiTaskTracker;
  sides: Map<string, Side>;
}

const LIMITS = { maxOooBytesPerStream: 1 << 20, maxOooBytesTotal: 1 << 24, maxStreams: 1000 };

/** Decode every iSCSI PDU of a capture (TCP port 3260). */
export async function ourPdus(file: string, opts: { full?: boolean; port?: number } = {}): Promise<OurCapture> {
  const port = opts.port ?? 3260;
  const registry = createRegistry();
  const conns = new Map<string, Conn>();
  const times = new Map<number, Timestamp>();
  const budget = new OooBudget(LIMITS.maxOooBytesTotal);
  const out: OurCapture = { pdus: [], skipped: [], unfinished: [] };

  const sideOf = (c: Conn, src: string, fromInitiator: boolean): Side => {
    let s = c.sides.get(src);
    if (s) return s;
    const side: Side = { framer: null, dir: null as unknown as TcpDirection };
    let started = false;
    side.dir = new TcpDirection(
      {
        data: (bytes, frame) => {
          if (!started) {
            started = true;
            side.framer = new PduFramer(
              iscsiFraming(c.neg.digests, { startInSync: side.dir.sawSyn, sender: fromInitiator ? 'initiator' : 'target' }),
              {
                pdu: (p) => {
                  const v = ByteView.of(p.bytes);
                  const digests = { ...c.neg.digests };
                  const result = dissectIscsiPdu(v, digests);
                  const tree = iscsiTree(v, { full: opts.full ?? false, digests });
                  tree.push(...c.tasks.annotate(result, p.frame, times.get(p.frame)!));
                  c.neg.observe(result);
                  out.pdus.push({ frame: p.frame, frames: p.frames, conn: c.key, fromInitiator, bytes: p.bytes, result, tree });
                },
                skipped: (bytes, frames, reason) => out.skipped.push({ conn: c.key, bytes, frames, reason }),
              },
              { startInSync: side.dir.sawSyn },
            );
          }
          side.framer!.push(bytes, frame);
        },
        gap: () => side.framer?.gap(),
      },
      LIMITS,
      budget,
    );
    c.sides.set(src, side);
    return side;
  };

  const packet = (p: Packet): void => {
    times.set(p.frame, p.ts);
    let view = ByteView.of(p.data);
    let proto: Protocol | undefined = registry.linktype.get(p.linktype);
    let ip: IpInfo | null = null;
    while (proto) {
      const r = proto.dissect(view, { tree: false });
      if (proto.abbrev === 'ip' || proto.abbrev === 'ipv6') ip = r.info as IpInfo | null;
      if (proto.abbrev === 'tcp') {
        const t = r.info as TcpInfo | null;
        if (!t || !ip || (t.srcport !== port && t.dstport !== port)) return;
        const fromInitiator = t.dstport === port;
        const src = `${ip.src}:${t.srcport}`;
        const dst = `${ip.dst}:${t.dstport}`;
        const key = fromInitiator ? `${src}-${dst}` : `${dst}-${src}`;
        let c = conns.get(key);
        if (!c) {
          c = { key, neg: new DigestNegotiation(), tasks: new IscsiTaskTracker(), sides: new Map() };
          conns.set(key, c);
        }
        const payload = r.payload && r.payload.captured > 0 ? r.payload.bytes(0, r.payload.captured) : new Uint8Array(0);
        sideOf(c, src, fromInitiator).dir.segment({ frame: p.frame, ts: p.ts, seq: t.seq, flags: t.flags, payload });
        return;
      }
      if (!r.next || !r.payload) return;
      proto = registry.table(r.next.table).get(r.next.key) as Protocol | undefined;
      view = r.payload;
    }
  };
  const s = await readCapture(file, { packet, problem: () => undefined });
  if (s.error) throw new Error(s.error);
  for (const c of conns.values())
    for (const side of c.sides.values()) {
      side.dir.finish();
      const left = side.framer?.end();
      if (left && left.bytes > 0) out.unfinished.push({ conn: c.key, bytes: left.bytes });
    }
  return out;
}

/** Our `-e` lines: one per frame owning at least one PDU, PDUs' trees in stream order. */
export function linesOf(pdus: readonly OurPdu[], fields: readonly string[] = COLUMNS): string[] {
  const byFrame = new Map<number, FieldNode[][]>();
  for (const p of pdus) {
    const l = byFrame.get(p.frame);
    if (l) l.push(p.tree);
    else byFrame.set(p.frame, [p.tree]);
  }
  return [...byFrame.keys()]
    .sort((a, b) => a - b)
    .map((frame) => fields.map((f) => (f === 'frame.number' ? String(frame) : tsharkColumn(byFrame.get(frame)!, f))).join('\t'));
}

export async function ourLines(file: string, fields: readonly string[] = COLUMNS): Promise<string[]> {
  return linesOf((await ourPdus(file)).pdus, fields);
}

/** Column-wise differences of two line sets, for readable failures. */
export function diffLines(fields: readonly string[], ours: readonly string[], theirs: readonly string[]): string[] {
  const out: string[] = [];
  const n = Math.max(ours.length, theirs.length);
  for (let i = 0; i < n; i++) {
    const a = (ours[i] ?? '<missing>').split('\t');
    const b = (theirs[i] ?? '<missing>').split('\t');
    fields.forEach((f, k) => {
      if (a[k] !== b[k]) out.push(`line ${i + 1} (frame ours ${a[0]} / tshark ${b[0]}): ${f}: ours ${JSON.stringify(a[k])} tshark ${JSON.stringify(b[k])}`);
    });
  }
  return out;
}
