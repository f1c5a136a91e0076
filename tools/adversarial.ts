/**
 * Adversarial capture generators (issue 13): one per pattern the probe found,
 * each at a size `n` (the harness runs 1x/3x/10x of a pattern's base size),
 * with the ground truth the harness checks the CLI's output against. Not
 * shipped; run through `npm run fuzz -- --adversarial` (test/fuzz/adversarial.ts).
 *
 * Every pattern says what it runs (CLI arguments), which exit statuses the
 * contract allows, the bounds (peak RSS, output bytes as a function of n) and
 * a check of the output against what the generator encoded.
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { be32, concat } from './craft.js';
import { DELIM, multiPdu, pdu, tAddr, tlv, tPort, tStr, tU32 } from './craft-isns.js';
import { CapWriter, Conn, ip4, ip4Text, udpDatagram, udpFrame } from './fastcap.js';

const ISNS = 3205;
const SERVER = ip4('10.0.0.2');

// ---------------------------------------------------------------- iSNS messages

export interface PortalSpec {
  addr: string;
  port: number;
  udp?: boolean;
  esi?: number;
  sym?: string;
}

/** DevAttrReg payload: source, key EID, delimiter, EID, protocol, portals, nodes. */
export function regPayload(eid: string, portals: readonly PortalSpec[], nodes: readonly string[] = [], src = 'iqn.2026-11.adv:src'): Uint8Array {
  const parts: Uint8Array[] = [tStr(32, src), tStr(1, eid), DELIM, tStr(1, eid), tU32(2, 2)];
  for (const p of portals) {
    parts.push(tAddr(16, p.addr), tPort(17, p.port, p.udp));
    if (p.sym !== undefined) parts.push(tStr(18, p.sym));
    if (p.esi !== undefined) parts.push(tPort(20, p.esi));
  }
  for (const n of nodes) parts.push(tStr(32, n), tU32(33, 1));
  return concat(parts);
}

/** A DevAttrQry request (a small, valid PDU). */
export function qry(xid: number): Uint8Array {
  return pdu(0x0002, xid, concat([tStr(32, 'iqn.2026-11.adv:initiator'), DELIM, tlv(32, new Uint8Array(0))]));
}

/** A message as PDUs of at most `max` payload bytes (multi-PDU when needed). */
function pdus(fid: number, xid: number, payload: Uint8Array, max = 60000): Uint8Array[] {
  if (payload.length <= max) return [pdu(fid, xid, payload)];
  const cuts: number[] = [];
  for (let o = max; o < payload.length; o += max) cuts.push(o);
  return multiPdu(fid, xid, payload, cuts);
}

/** `count` one-byte attributes of an unknown tag (9 bytes each: no padding). */
function oneByteAttrs(count: number): Uint8Array {
  const b = new Uint8Array(count * 9);
  for (let i = 0; i < count; i++) {
    const o = i * 9;
    b[o + 2] = 0x12;
    b[o + 3] = 0x34;
    b[o + 7] = 1;
    b[o + 8] = 0x41;
  }
  return b;
}

/** `n` PDUs made for transaction ids 1, 2, … (wrapping at 65535), 30 per write. */
function pipeline(c: Conn, dir: 0 | 1, n: number, make: (xid: number) => Uint8Array): void {
  const batch: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    batch.push(make((i % 65535) + 1));
    if (batch.length === 30) c.send(dir, concat(batch.splice(0)));
  }
  if (batch.length) c.send(dir, concat(batch));
}

const v4 = (i: number, net = 10): string => `${net}.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;

/** Registrations of `portals` over one TCP connection, `per` portals a message, each answered with success. */
function registerAll(c: Conn, eid: string, portals: readonly PortalSpec[], per = 1500, xid0 = 1, nodes: readonly string[] = []): number {
  let xid = xid0;
  for (let i = 0; i < portals.length; i += per) {
    for (const p of pdus(1, xid, regPayload(eid, portals.slice(i, i + per)))) c.send(0, p);
    c.send(1, pdu(0x8001, xid, be32(0)));
    xid = (xid + 1) & 0xffff || 1;
  }
  for (let i = 0; i < nodes.length; i += 1000) {
    for (const p of pdus(1, xid, regPayload(eid, [], nodes.slice(i, i + 1000)))) c.send(0, p);
    c.send(1, pdu(0x8001, xid, be32(0)));
    xid = (xid + 1) & 0xffff || 1;
  }
  return xid;
}

// ---------------------------------------------------------------- the output the harness parses

export interface Outputs {
  /** stdout text (when it was kept: below the pattern's output bound). */
  stdout: string | null;
  stderr: string;
  /** Files the run wrote (JUnit, baseline), by the name the pattern gave. */
  files: Record<string, string | null>;
}

export interface RunSpec {
  /** Short label: the format or command. */
  label: string;
  /** CLI arguments; "{cap}" is the capture, "{dir}" the scale's directory. */
  args: string[];
  /** Exit statuses the contract allows for this input. */
  exit: number[];
  /** Output to check beyond the generic checks (null: fine). */
  check?: (o: Outputs, truth: Truth) => string | null;
  /** stdout may be empty (e.g. `check --update`). */
  quiet?: boolean;
}

export interface Truth {
  [k: string]: unknown;
}

export interface Pattern {
  name: string;
  /** The item number. */
  item: number;
  what: string;
  /** Size at 1x (the unit `gen` scales: PDUs, portals, connections, bytes...). */
  base: number;
  unit: string;
  /** Writes the capture to `cap` at size n; returns the ground truth. */
  gen(cap: string, n: number, dir: string): Truth | Promise<Truth>;
  runs: RunSpec[];
  /** Peak RSS bound (MiB) at every scale. */
  rssMiB: number;
  /** stdout bound in bytes at size n. */
  outBytes: (n: number) => number;
  /** A control capture (same bulk traffic without the attack): time(pattern) / time(control) must stay under `slowdown`. */
  control?: { gen(cap: string, n: number): void; slowdown: number };
}

// ---------------------------------------------------------------- output helpers for checks

function json(o: Outputs): { inputs: { error: string | null }[]; portals: Record<string, unknown>[]; findings: { code: string; message: string; frames: number[] }[] } | string {
  if (o.stdout === null) return 'stdout not kept (over the bound)';
  try {
    return JSON.parse(o.stdout);
  } catch (e) {
    return `stdout is not JSON: ${(e as Error).message.slice(0, 120)}`;
  }
}

function allFindings(j: { portals: Record<string, unknown>[]; findings: { code: string; message: string; frames: number[] }[] }): { code: string; message: string; frames: number[] }[] {
  const out = [...j.findings];
  for (const p of j.portals) for (const f of p.findings as { code: string; message: string; frames: number[] }[]) out.push(f);
  return out;
}

const MAX_FRAMES_PER_FINDING = 1000;

function framesCapped(o: Outputs): string | null {
  const j = json(o);
  if (typeof j === 'string') return j;
  let worst = 0;
  for (const f of allFindings(j)) worst = Math.max(worst, f.frames.length);
  return worst > MAX_FRAMES_PER_FINDING ? `a finding lists ${worst} frames (bound ${MAX_FRAMES_PER_FINDING})` : null;
}

function portalCount(want: (t: Truth) => number) {
  return (o: Outputs, t: Truth): string | null => {
    const j = json(o);
    if (typeof j === 'string') return j;
    return j.portals.length === want(t) ? null : `${j.portals.length} portals, the generator encoded ${want(t)}`;
  };
}

/** The CSV has one row per portal the generator encoded (and its header). */
function csvPortalCount(o: Outputs, t: Truth): string | null {
  if (o.stdout === null) return 'stdout not kept';
  const lines = o.stdout.split('\r\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const rows = lines.length - 1;
  return rows === t.portals ? null : `${rows} CSV rows, the generator encoded ${t.portals} portals`;
}

// ---------------------------------------------------------------- hostile strings (item 9)

/** What an attacker puts in iSNS strings: terminal escapes, CI workflow commands, bidi and line separators, C1 controls. */
export const HOSTILE = [
  '\x1b]0;pwned\x07',
  '\x1b[2J\x1b[31mred',
  'a\r\n::set-output name=x::pwned',
  'b\n::add-mask::secret',
  '\r::error::injected',
  'bidi\u202eevil',
  'line\u2028sep',
  'nel\u0085x',
  'csi\u009b31m',
  'ff\x0cvt\x0bbs\x08del\x7f',
  "=cmd|' /C calc'!A0",
];

// ---------------------------------------------------------------- the patterns

export const PATTERNS: Pattern[] = [
  {
    name: 'findings-flood',
    item: 1,
    what: 'UDP PDUs of ~7000 one-byte attributes of an unknown tag each',
    base: 30,
    unit: 'PDUs',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const attrs = oneByteAttrs(7000);
      for (let i = 0; i < n; i++) w.frame(udpFrame(ip4('10.0.0.1'), SERVER, ISNS, ISNS, pdu(0x0001, (i + 1) & 0xffff, attrs)));
      w.close();
      return { pdus: n };
    },
    runs: [
      { label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0], check: framesCapped },
      { label: 'table', args: ['portals', '--format', 'table', '{cap}'], exit: [0] },
    ],
    rssMiB: 512,
    outBytes: () => 16 << 20,
  },
  {
    name: 'rejected-portals',
    item: 2,
    what: 'one registration of P portals rejected: each portal finding names all P',
    base: 1000,
    unit: 'portals',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      const portals = Array.from({ length: n }, (_, i) => ({ addr: v4(i + 1), port: 3260 }));
      for (const p of pdus(1, 7, regPayload('adv.rejected', portals))) c.send(0, p);
      c.send(1, pdu(0x8001, 7, be32(3)));
      w.close();
      return { portals: n };
    },
    runs: [
      {
        label: 'json',
        args: ['portals', '--format', 'json', '{cap}'],
        exit: [0],
        check: (o, t) => portalCount((x) => x.portals as number)(o, t) ?? framesCapped(o),
      },
      { label: 'table', args: ['portals', '--format', 'table', '{cap}'], exit: [0] },
    ],
    rssMiB: 512,
    // Linear in the portals: a record and an explained finding each, and a bounded list of names.
    outBytes: (n) => 4096 * n + (1 << 20),
  },
  {
    name: 'trickle-pdu',
    item: 3,
    what: 'one PDU of one-byte attributes trickled one byte per TCP segment',
    base: 6552,
    unit: 'PDU bytes',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      const count = Math.min(7280, Math.floor(n / 9));
      c.send(0, pdu(0x0001, 1, oneByteAttrs(count)), 1);
      w.close();
      return { bytes: 12 + 9 * count };
    },
    runs: [
      { label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0], check: framesCapped },
      { label: 'table', args: ['portals', '--format', 'table', '{cap}'], exit: [0] },
      {
        label: 'check --junit',
        args: ['check', '{cap}', '--baseline', '{dir}/empty-baseline.json', '--junit', '{dir}/junit.xml'],
        exit: [0, 1],
        check: (o) => {
          const x = o.files['junit.xml'];
          if (x === null || x === undefined) return 'no JUnit file written';
          if (!/<\/testsuites>\n$/.test(x)) return 'JUnit file incomplete';
          return x.length > 16 << 20 ? `JUnit file of ${x.length} bytes` : null;
        },
      },
    ],
    rssMiB: 512,
    outBytes: () => 16 << 20,
  },
  {
    name: 'table-portals',
    item: 4,
    what: '`table` (and csv) over many portals',
    base: 13000,
    unit: 'portals',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      registerAll(c, 'adv.many', Array.from({ length: n }, (_, i) => ({ addr: v4(i + 1), port: 3260 })));
      w.close();
      return { portals: n };
    },
    runs: [
      {
        label: 'table',
        args: ['portals', '--format', 'table', '{cap}'],
        exit: [0],
        check: (o, t) => {
          const rows = (o.stdout ?? '').split('\n').filter((l) => /^10\.\S+:3260\/tcp /.test(l)).length;
          return rows === t.portals ? null : `${rows} table rows, the generator encoded ${t.portals} portals`;
        },
      },
      { label: 'csv', args: ['portals', '--format', 'csv', '{cap}'], exit: [0], check: csvPortalCount },
    ],
    rssMiB: 768,
    outBytes: (n) => 1024 * n + (1 << 20),
  },
  {
    name: 'table-halfopen',
    item: 4,
    what: '`table` over many connections that each send half a PDU',
    base: 15000,
    unit: 'connections',
    gen: (cap, n) => halfOpen(cap, n),
    runs: [{ label: 'table', args: ['portals', '--format', 'table', '{cap}'], exit: [0] }],
    // The table must not throw; the memory of many half-open streams is item 8's row (halfpdu-memory).
    rssMiB: 1024,
    outBytes: (n) => 400 * n + (1 << 20),
  },
  {
    name: 'gzip-huge-record',
    item: 5,
    what: 'gzip pcap, snaplen 0xFFFFFFFF, one record claiming a huge body',
    base: 20,
    unit: 'MiB body',
    async gen(cap, n) {
      const head = new CapWriter(cap + '.head', 'pcap', 0xffffffff);
      const c = new Conn(head, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      registerAll(c, 'adv.gz', [{ addr: '192.0.2.10', port: 3260 }]);
      head.close();
      const { readFileSync, unlinkSync } = await import('node:fs');
      const prefix = readFileSync(cap + '.head');
      unlinkSync(cap + '.head');
      const body = n << 20;
      const rec = Buffer.alloc(16);
      rec.writeUInt32LE(1795464100, 0);
      rec.writeUInt32LE(body, 8);
      rec.writeUInt32LE(body, 12);
      const gz = createGzip({ level: 1 });
      const out = createWriteStream(cap);
      gz.pipe(out);
      gz.write(prefix);
      gz.write(rec);
      const zero = Buffer.alloc(1 << 20);
      for (let i = 0; i < n; i++) if (!gz.write(zero)) await once(gz, 'drain');
      gz.end();
      await once(out, 'close');
      return { portals: 1, frames: head.frames, body };
    },
    runs: [
      {
        label: 'json',
        args: ['portals', '--format', 'json', '{cap}'],
        exit: [0, 1],
        check: (o, t) => {
          const j = json(o);
          if (typeof j === 'string') return j;
          if (j.portals.length !== t.portals) return `${j.portals.length} portals before the huge record, the generator encoded ${t.portals}`;
          // Over the largest record accepted (16 MiB whatever the snaplen says): rejected, with its offset.
          if ((t.body as number) <= 16 << 20) return null;
          if (!j.inputs[0]?.error) return `the ${t.body}-byte record is not reported in inputs[].error`;
          return /frame \d+: byte offset \d+/.test(o.stderr) ? null : 'stderr does not name the frame and byte offset';
        },
      },
    ],
    rssMiB: 256,
    outBytes: () => 1 << 20,
  },
  {
    name: 'esi-own-port',
    item: 6,
    what: 'ESI port = own iSCSI port (spoofed portal in iSCSI data) + all 65535 ports announced, then bulk iSCSI',
    base: 32,
    unit: 'MB iSCSI',
    gen: (cap, n) => esi(cap, n, true),
    control: { gen: (cap, n) => void esi(cap, n, false), slowdown: 3 },
    runs: [
      {
        label: 'json',
        args: ['portals', '--format', 'json', '{cap}'],
        exit: [0],
        check: (o, t) => {
          const j = json(o);
          if (typeof j === 'string') return j;
          const spoofed = j.portals.filter((p) => p.address === t.spoofed);
          return spoofed.length ? `the portal ${t.spoofed} spoofed inside iSCSI data on port 3260 was reported` : null;
        },
      },
    ],
    rssMiB: 256,
    outBytes: () => 1 << 20,
  },
  {
    name: 'pending-one-conv',
    item: 7,
    what: 'unanswered requests pipelined in one conversation',
    base: 20000,
    unit: 'requests',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      pipeline(c, 0, n, qry);
      w.close();
      return { requests: n };
    },
    runs: [{ label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0] }],
    rssMiB: 512,
    outBytes: () => 1 << 20,
  },
  {
    name: 'pipelined-answered',
    item: 7,
    what: 'requests pipelined, then all their responses',
    base: 10000,
    unit: 'requests',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      pipeline(c, 0, n, qry);
      pipeline(c, 1, n, (x) => pdu(0x8002, x, be32(0)));
      w.close();
      return { requests: n };
    },
    runs: [{ label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0] }],
    rssMiB: 512,
    outBytes: () => 1 << 20,
  },
  {
    name: 'ooo-one-byte',
    item: 7,
    what: 'a TCP stream of registrations sent one byte per segment, in reverse order',
    base: 30000,
    unit: 'segments',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      const msgs: Uint8Array[] = [];
      let len = 0;
      let k = 0;
      while (len < n) {
        const m = pdu(1, (k % 65535) + 1, regPayload(`adv.ooo.${k}`, [{ addr: v4(k + 1), port: 3260 }]));
        msgs.push(m);
        len += m.length;
        k++;
      }
      const stream = concat(msgs);
      for (let i = stream.length - 1; i >= 1; i--) c.sendAt(0, i, stream.subarray(i, i + 1));
      c.sendAt(0, 0, stream.subarray(0, 1)).advance(0, stream.length);
      w.close();
      return { portals: k };
    },
    runs: [{ label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0], check: portalCount((t) => t.portals as number) }],
    rssMiB: 512,
    outBytes: (n) => 16 * n + (1 << 20),
  },
  {
    name: 'fastpath-one-bucket',
    item: 7,
    what: 'flows whose addresses xor to one value, same ports (one fast-path hash bucket)',
    base: 10000,
    unit: 'flows',
    gen(cap, n) {
      const w = new CapWriter(cap);
      for (let i = 0; i < n; i++) {
        const a = (ip4('10.0.0.0') + i + 1) >>> 0;
        const c = new Conn(w, a, 40000, (a ^ 0x00ff0000) >>> 0, ISNS).handshake();
        c.send(0, qry(1));
        c.send(1, pdu(0x8002, 1, be32(0)));
      }
      w.close();
      return { flows: n };
    },
    runs: [{ label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0] }],
    rssMiB: 768,
    outBytes: () => 1 << 20,
  },
  {
    name: 'dereg-nodes',
    item: 7,
    what: 'DevDereg naming K nodes of an entity with 10K/3 portals',
    base: 3000,
    unit: 'nodes',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      const P = Math.round((10 * n) / 3);
      const nodes = Array.from({ length: n }, (_, i) => `iqn.2026-11.adv:node${i}`);
      let xid = registerAll(c, 'adv.dereg', Array.from({ length: P }, (_, i) => ({ addr: v4(i + 1), port: 3260 })), 1500, 1, nodes);
      for (let i = 0; i < n; i += 1000) {
        const parts = [tStr(32, 'iqn.2026-11.adv:src'), DELIM, ...nodes.slice(i, i + 1000).map((x) => tStr(32, x))];
        for (const p of pdus(4, xid, concat(parts))) c.send(0, p);
        c.send(1, pdu(0x8004, xid, be32(0)));
        xid = (xid + 1) & 0xffff || 1;
      }
      w.close();
      return { portals: P };
    },
    runs: [
      {
        label: 'csv',
        args: ['portals', '--format', 'csv', '{cap}'],
        exit: [0],
        check: (o, t) => csvPortalCount(o, t) ?? ((o.stdout ?? '').includes('iqn.2026-11.adv:node') ? 'a deregistered node is still listed' : null),
      },
    ],
    rssMiB: 768,
    outBytes: (n) => 1024 * n + (1 << 20),
  },
  {
    name: 'portals-one-ip',
    item: 7,
    what: 'many portals on one IP address (distinct ports and transports)',
    base: 10000,
    unit: 'portals',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      registerAll(c, 'adv.oneip', Array.from({ length: n }, (_, i) => ({ addr: '10.9.9.9', port: 1 + (i >> 1), udp: (i & 1) === 1 })));
      w.close();
      return { portals: n };
    },
    runs: [
      { label: 'csv', args: ['portals', '--format', 'csv', '{cap}'], exit: [0], check: csvPortalCount },
    ],
    rssMiB: 768,
    outBytes: (n) => 1024 * n + (1 << 20),
  },
  {
    name: 'halfpdu-memory',
    item: 8,
    what: 'connections that each send half a PDU',
    base: 100000,
    unit: 'connections',
    gen: (cap, n) => halfOpen(cap, n),
    runs: [{ label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0] }],
    rssMiB: 512,
    outBytes: () => 32 << 20,
  },
  {
    name: 'hostile-strings',
    item: 9,
    what: 'portal names and entity ids with terminal escapes, CI workflow commands, bidi/C1 controls',
    base: 5000,
    unit: 'portals',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const c = new Conn(w, ip4('10.0.0.1'), 40000, SERVER, ISNS).handshake();
      const names: Record<string, string> = {};
      const per = 500;
      let xid = 1;
      for (let i = 0; i < n; i += per) {
        const eid = `eid${i}${HOSTILE[(i / per) % HOSTILE.length]}`;
        const portals: PortalSpec[] = [];
        for (let k = i; k < Math.min(n, i + per); k++) {
          const addr = v4(k + 1);
          const sym = `p${k}${HOSTILE[k % HOSTILE.length]}`;
          names[addr] = sym;
          portals.push({ addr, port: 3260, sym });
        }
        c.send(0, pdu(1, xid, regPayload(eid, portals)));
        c.send(1, pdu(0x8001, xid, be32(0)));
        xid++;
      }
      w.close();
      return { portals: n, names };
    },
    runs: [
      { label: 'csv', args: ['portals', '--format', 'csv', '{cap}'], exit: [0], check: hostileCsv },
      { label: 'json', args: ['portals', '--format', 'json', '{cap}'], exit: [0], check: hostileJson },
      { label: 'ndjson', args: ['portals', '--format', 'ndjson', '{cap}'], exit: [0], check: hostileNdjson },
      { label: 'table', args: ['portals', '--format', 'table', '{cap}'], exit: [0], check: (o) => rawControls(o.stdout ?? '', /[\n]/) },
      {
        label: 'packets -e',
        args: ['packets', '-e', 'frame.number', '-e', 'isns.portal.symbolic_name', '-e', 'isns.entity_identifier', '{cap}'],
        exit: [0],
        // tshark 4.0 -T fields escapes \b \t \n \f \r in strings (and shows other bytes as they are): one line per frame, 3 columns.
        check: (o) => {
          const lines = (o.stdout ?? '').split('\n').filter(Boolean);
          const bad = lines.find((l) => l.split('\t').length !== 3 || /[\b\f\r]/.test(l));
          return bad ? `a -e line is not 3 escaped columns: ${JSON.stringify(bad.slice(0, 80))}` : null;
        },
      },
    ],
    rssMiB: 512,
    outBytes: (n) => 4096 * n + (1 << 20),
  },
  {
    name: 'ip-frag-conflict',
    item: 10,
    what: 'first IPv4 fragment sent twice with different bytes',
    base: 20000,
    unit: 'datagrams',
    gen(cap, n) {
      const w = new CapWriter(cap);
      const src = ip4('10.0.0.1');
      // Query responses (nothing awaits an answer), each naming one of 2000 portals.
      for (let i = 0; i < n; i++) {
        const rsp = concat([be32(0), tStr(32, 'iqn.2026-11.adv:t'), DELIM, tAddr(16, v4((i % 2000) + 1)), tPort(17, 3260), tStr(18, `frag${i}`)]);
        const d = udpDatagram(ISNS, ISNS, pdu(0x8002, (i % 65535) + 1, rsp));
        const id = i & 0xffff;
        const first = d.subarray(0, 48);
        const other = Uint8Array.from(first);
        other[40] ^= 0xff;
        w.frame(udpFrame(SERVER, src, 0, 0, first, { id, offset: 0, more: true }));
        w.frame(udpFrame(SERVER, src, 0, 0, other, { id, offset: 0, more: true }));
        w.frame(udpFrame(SERVER, src, 0, 0, d.subarray(48), { id, offset: 48, more: false }));
      }
      w.close();
      return { datagrams: n };
    },
    runs: [
      {
        label: 'json',
        args: ['portals', '--format', 'json', '{cap}'],
        exit: [0],
        check: (o) => {
          const j = json(o);
          if (typeof j === 'string') return j;
          return allFindings(j).some((f) => /disagree|conflict/i.test(f.message)) ? null : 'no finding reports the conflicting first fragments';
        },
      },
    ],
    rssMiB: 512,
    outBytes: () => 16 << 20,
  },
  {
    name: 'midfile-fatal',
    item: 11,
    what: 'pcapng: valid frames, then a block claiming 0xFFFFFFF0 bytes',
    base: 100000,
    unit: 'frames',
    gen(cap, n) {
      const w = new CapWriter(cap, 'pcapng');
      // Query responses (nothing awaits an answer): each names one of 5000 portals.
      for (let i = 0; i < n; i++) {
        const rsp = concat([be32(0), tStr(32, 'iqn.2026-11.adv:t'), DELIM, tAddr(16, v4((i % 5000) + 1)), tPort(17, 3260)]);
        w.frame(udpFrame(SERVER, ip4('10.0.0.1'), ISNS, ISNS, pdu(0x8002, (i % 65535) + 1, rsp)));
      }
      const bad = Buffer.alloc(12);
      bad.writeUInt32LE(6, 0);
      bad.writeUInt32LE(0xfffffff0, 4);
      w.put(bad);
      w.close();
      return { portals: Math.min(n, 5000), frames: n };
    },
    runs: [
      {
        label: 'json',
        args: ['portals', '--format', 'json', '{cap}'],
        exit: [0, 1],
        check: (o, t) => {
          const j = json(o);
          if (typeof j === 'string') return j;
          if (!j.inputs[0]?.error) return 'json inputs[0].error is null';
          if (j.portals.length !== t.portals) return `${j.portals.length} portals, the ${t.frames} frames before the bad block hold ${t.portals}`;
          const e = o.stderr.split('\n').filter((l) => l.includes('0xfffffff0') || l.includes('4294967280'));
          return e.length === 1 && /frame \d+/.test(e[0]!) && /byte offset \d+/.test(e[0]!) ? null : 'stderr has no one-line error naming frame and byte offset';
        },
      },
      {
        label: 'ndjson',
        args: ['portals', '--format', 'ndjson', '{cap}'],
        exit: [0, 1],
        check: (o) => {
          const lines = (o.stdout ?? '').split('\n').filter(Boolean);
          for (const l of lines) {
            try {
              const x = JSON.parse(l);
              if (x.type === 'input' && typeof x.error === 'string' && x.error.length) return null;
            } catch {
              return 'an ndjson line is not JSON';
            }
          }
          return 'no {"type":"input", "error": ...} line';
        },
      },
      {
        label: 'csv',
        args: ['portals', '--format', 'csv', '{cap}'],
        exit: [0, 1],
        check: (o) => (/4294967280|0xfffffff0/.test(o.stdout ?? '') ? null : 'the read error is not in the CSV'),
      },
      {
        label: 'check --update',
        args: ['check', '{cap}', '--baseline', '{dir}/partial-baseline.json', '--update'],
        exit: [1],
        quiet: true,
        check: (o) => (o.files['partial-baseline.json'] !== null ? 'a baseline was written from a partial read' : /partial|could not be read|stopped/i.test(o.stderr) ? null : 'no message says why the baseline was not written'),
      },
    ],
    rssMiB: 512,
    outBytes: () => 16 << 20,
  },
  {
    name: 'tcp-gap-first',
    item: 12,
    what: 'connections whose first data bytes are missing (a gap with no frame before it)',
    base: 6000,
    unit: 'connections',
    gen(cap, n) {
      const w = new CapWriter(cap);
      // Each connection closed (FIN both ways) before the next: the pattern is about the message, not about open streams.
      for (let i = 0; i < n; i++) {
        const c = new Conn(w, (ip4('10.64.0.0') + i) >>> 0, 40000, SERVER, ISNS).handshake();
        const q = qry(1);
        c.sendAt(0, 10, q.subarray(10)).advance(0, q.length).fin(0).fin(1);
      }
      w.close();
      return { connections: n };
    },
    runs: [
      {
        label: 'json',
        args: ['portals', '--format', 'json', '{cap}'],
        exit: [0],
        check: (o) => {
          const j = json(o);
          if (typeof j === 'string') return j;
          const gaps = allFindings(j).filter((f) => f.code === 'TCP_GAP');
          if (gaps.length === 0) return 'no TCP_GAP finding';
          const bad = gaps.find((f) => /between frames \d+\)/.test(f.message));
          return bad ? `TCP_GAP reads "${bad.message.slice(0, 100)}"` : null;
        },
      },
    ],
    // 10x is 60 000 closed streams, each with its TCP_GAP finding (item 1 bounds those).
    rssMiB: 768,
    outBytes: (n) => 1024 * n + (1 << 20),
  },
];

// ---------------------------------------------------------------- shared generators

/** n connections: a SYN, then the first half of a request PDU, never completed. */
function halfOpen(cap: string, n: number): Truth {
  const w = new CapWriter(cap);
  const half = qry(1).subarray(0, 20);
  for (let i = 0; i < n; i++) {
    const c = new Conn(w, (ip4('10.64.0.0') + i) >>> 0, 40000 + (i % 20000), SERVER, ISNS);
    c.syn().send(0, half);
  }
  w.close();
  return { connections: n };
}

/**
 * Bulk iSCSI traffic (n MB) to a target that announced its own iSCSI port as
 * its ESI port, the first data segment holding a spoofed iSNS registration;
 * with `attack`, also a host announcing every port as an ESI port.
 */
function esi(cap: string, n: number, attack: boolean): Truth {
  const w = new CapWriter(cap);
  const target = ip4('10.0.0.5');
  const spoofed = '203.0.113.66';
  if (attack) {
    const c = new Conn(w, target, 40001, SERVER, ISNS).handshake();
    c.send(0, pdu(1, 1, regPayload('adv.victim', [{ addr: ip4Text(target), port: 3260, esi: 3260 }])));
    c.send(1, pdu(0x8001, 1, be32(0)));
    const a = new Conn(w, ip4('10.0.0.66'), 40002, SERVER, ISNS).handshake();
    const parts: Uint8Array[] = [tStr(32, 'iqn.2026-11.adv:attacker'), tStr(1, 'adv.attacker'), DELIM, tStr(1, 'adv.attacker'), tU32(2, 2), tAddr(16, '10.0.0.66'), tPort(17, 3260)];
    for (let p = 1; p <= 65535; p++) parts.push(tPort(20, p));
    for (const p of pdus(1, 2, concat(parts))) a.send(0, p);
    a.send(1, pdu(0x8001, 2, be32(0)));
  }
  const iscsi = new Conn(w, ip4('10.0.0.9'), 50000, target, 3260).handshake();
  const spoof = pdu(1, 99, regPayload('adv.spoof', [{ addr: spoofed, port: 3260 }]));
  const first = new Uint8Array(1448);
  first.set(spoof);
  iscsi.send(0, first);
  const other = new Conn(w, ip4('10.200.0.1'), 51000, ip4('10.200.0.2'), 3260).handshake();
  const data = new Uint8Array(1448).fill(0x5a);
  const target_ = n * 1e6;
  while (w.bytes < target_) {
    iscsi.send(0, data);
    other.send(1, data);
    other.send(0, data.subarray(0, 48));
  }
  w.close();
  return { spoofed };
}

// ---------------------------------------------------------------- item 9 checks

/** Raw control characters (other than `allowed`), C1 controls or bidi/line separators in text meant for a terminal or a CI log. */
function rawControls(s: string, allowed: RegExp): string | null {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = ch.charCodeAt(0);
    if ((c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) && !allowed.test(ch)) {
      return `raw U+${c.toString(16).padStart(4, '0')} at character ${i}: ${JSON.stringify(s.slice(Math.max(0, i - 30), i + 10))}`;
    }
  }
  return null;
}

function hostileCsv(o: Outputs, t: Truth): string | null {
  if (o.stdout === null) return 'stdout not kept';
  const s = o.stdout;
  // Records end in CRLF; no other control character may appear, so no physical line starts with attacker text.
  const raw = rawControls(s.replace(/\r\n/g, ''), /$^/);
  if (raw) return raw;
  const lines = s.split('\r\n').slice(1).filter(Boolean);
  if (lines.length !== t.portals) return `${lines.length} CSV lines, the generator encoded ${t.portals} portals`;
  const bad = lines.find((l) => !/^10\.\d+\.\d+\.\d+,3260,tcp,/.test(l));
  return bad ? `a CSV line does not start with a portal address: ${JSON.stringify(bad.slice(0, 60))}` : null;
}

function hostileRecords(records: Record<string, unknown>[], t: Truth): string | null {
  const names = t.names as Record<string, string>;
  if (records.length !== t.portals) return `${records.length} records, the generator encoded ${t.portals}`;
  for (const p of records) {
    const want = names[p.address as string];
    if (p.symbolicName !== want) return `symbolicName of ${p.address} is ${JSON.stringify(p.symbolicName)}, the capture says ${JSON.stringify(want)}`;
  }
  return null;
}

function hostileJson(o: Outputs, t: Truth): string | null {
  if (o.stdout === null) return 'stdout not kept';
  const raw = rawControls(o.stdout, /\n/);
  if (raw) return raw;
  const j = json(o);
  return typeof j === 'string' ? j : hostileRecords(j.portals, t);
}

function hostileNdjson(o: Outputs, t: Truth): string | null {
  if (o.stdout === null) return 'stdout not kept';
  const raw = rawControls(o.stdout, /\n/);
  if (raw) return raw;
  const recs: Record<string, unknown>[] = [];
  for (const l of o.stdout.split('\n').filter(Boolean)) {
    const x = JSON.parse(l);
    if (x.type === undefined) recs.push(x);
  }
  return hostileRecords(recs, t);
}

/** Files a pattern's runs read besides the capture (e.g. an empty baseline). */
export function prepareDir(dir: string): void {
  writeFileSync(join(dir, 'empty-baseline.json'), '{"portals": []}\n');
}


