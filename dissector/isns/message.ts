/**
 * An assembled iSNS message (all PDUs of one message joined, in sequence
 * order) parsed into attributes with their roles (RFC 4171 §5.6.1: source,
 * message key, delimiter, operating attributes) and the object each operating
 * attribute belongs to, or the Heartbeat's fixed layout (§5.6.5.14).
 * Values are decoded on first use through values.ts.
 */
import { ByteView, formatIpv6 } from '../core/byteview.js';
import { OBJECT_KEYS, tagSpec, type TagSpec } from './attrs.js';
import { FN, HEARTBEAT, functionName, isResponse } from './names.js';
import { decodeValue, ipv4Of, valueProblem, type IsnsValue } from './values.js';

export type AttrRole = 'source' | 'key' | 'delimiter' | 'operating';

export interface IsnsAttr {
  tag: number;
  length: number;
  /** Offset of the TLV within the message payload. */
  offset: number;
  role: AttrRole;
  /** Index of the object among operating attributes (-1 for source/key/delimiter). */
  object: number;
  /** Wireshark's value field where it has one, else ours (isnsx.*). */
  abbrev: string;
  /** RFC 4171 name. */
  name: string;
  value: IsnsValue;
  /** The value bytes. */
  raw: Uint8Array;
  /**
   * The bytes the TLV lies in (its value at offset + 8), when the attribute
   * was parsed from a message: readers of a few bytes use them without
   * making `raw`.
   */
  readonly buf?: Uint8Array;
  problem?: string;
}

export interface IsnsMessage {
  functionId: number;
  name: string;
  isResponse: boolean;
  xid: number;
  flags: number;
  /** Responses: the status at the start of the (assembled) payload. */
  status: number | null;
  attrs: IsnsAttr[];
  /** Heartbeat (0x000E) only: its fixed, non-TLV layout. */
  heartbeat?: IsnsHeartbeat;
  problems: string[];
  /** The snaplen cut the payload: attributes are those wholly captured. */
  truncated?: boolean;
}

/** A heartbeat server address with its ports (RFC 4171 §5.6.5.14). */
export interface HeartbeatServer {
  /** inet_ntop text of the 16 bytes. */
  address: string;
  /** Dotted quad when IPv4-mapped or -compatible (see ipv4Of). */
  ipv4: string | null;
  tcpPort: number;
  udpPort: number;
}

/** The Heartbeat payload: active server, interval, counter, backup servers, vendor bytes. */
export interface IsnsHeartbeat extends HeartbeatServer {
  interval: number;
  counter: number;
  /** Backup server count as sent (the list holds those actually present). */
  backupCount: number;
  backups: HeartbeatServer[];
  /** Vendor-specific bytes after the backup list. */
  vendor: Uint8Array;
}

/**
 * One TLV of a parsed message. Its bytes and decoded value are made on first
 * use (building portal records reads few of them); `raw` may be re-pointed to
 * an owned copy by whoever keeps the message (see ownAttrBytes).
 */
class Attr implements IsnsAttr {
  object = -1;
  problem?: string;
  private r: Uint8Array | null = null;
  private v: IsnsValue | null = null;
  /** raw was re-pointed (ownAttrBytes): the value no longer lies at offset + 8 of src. */
  private moved = false;
  constructor(
    readonly tag: number,
    readonly length: number,
    readonly offset: number,
    public role: AttrRole,
    private readonly spec: TagSpec | undefined,
    private src: Uint8Array,
  ) {}
  get buf(): Uint8Array | undefined {
    return this.moved ? undefined : this.src;
  }
  get abbrev(): string {
    const spec = this.spec;
    return spec ? (spec.wsField ?? spec.xField ?? 'isnsx.unknown_attribute') : 'isnsx.unknown_attribute';
  }
  get name(): string {
    return this.spec?.name ?? `Unknown attribute ${this.tag}`;
  }
  get raw(): Uint8Array {
    return (this.r ??= this.src.subarray(this.offset + 8, this.offset + 8 + this.length));
  }
  set raw(b: Uint8Array) {
    this.r = b;
    this.src = b;
    this.moved = true;
    this.v = null;
  }
  get value(): IsnsValue {
    return (this.v ??= decodeValue(this.spec, this.raw).value);
  }
  set value(x: IsnsValue) {
    this.v = x;
  }
  toJSON(): unknown {
    const { tag, length, offset, role, object, abbrev, name, value, raw, problem } = this;
    return { tag, length, offset, role, object, abbrev, name, value, raw, ...(problem !== undefined ? { problem } : {}) };
  }
}

/**
 * Give a message that will be kept (a request awaiting its response) its own
 * exactly-sized copy of its attribute bytes, so it no longer pins the shared
 * buffers its PDU was cut from (see keepBytes).
 */
export function ownAttrBytes(m: IsnsMessage): void {
  let total = 0;
  for (const a of m.attrs) total += a.length;
  const buf = new Uint8Array(total);
  let o = 0;
  for (const a of m.attrs) {
    const r = a.raw;
    buf.set(r, o);
    a.raw = buf.subarray(o, o + r.length);
    o += r.length;
  }
}

/**
 * Whether an operating attribute with `tag`, after one with `prevTag`, starts
 * a new object (RFC 4171 §6: each object starts with its key attribute). A PG
 * iSCSI Name (48) right after a PG Tag (51) or another 48 belongs to the
 * portal's portal-group list, not to a new PG object; in DDS messages a DD_ID
 * (2065) lists a member DD of the set, not a new object.
 */
export function startsObject(tag: number, prevTag: number, dds: boolean): boolean {
  return (OBJECT_KEYS.has(tag) && !(dds && tag === 2065)) || (tag === 48 && prevTag !== 51 && prevTag !== 48);
}

/** Whether a message is a DDS registration or deregistration (see startsObject). */
export function isDdsMessage(functionId: number): boolean {
  return (functionId & 0x7fff) === FN.DDSReg || (functionId & 0x7fff) === FN.DDSDereg;
}

/** Attribute problems listed one by one per message. */
const MAX_ATTR_PROBLEMS = 10;

/** Requests that carry no source attribute (RFC 4171 §5.6.5): SCN and ESI start with their own attributes. */
const NO_SOURCE = new Set([FN.SCN, FN.ESI, HEARTBEAT]);

/**
 * Decode an assembled message payload (all PDUs joined in sequence order):
 * status for responses, then TLVs with their roles. Never throws.
 */
export function parseIsnsMessage(functionId: number, flags: number, xid: number, payload: Uint8Array, truncated = false): IsnsMessage {
  const resp = isResponse(functionId);
  const m: IsnsMessage = { functionId, name: functionName(functionId), isResponse: resp, xid, flags, status: null, attrs: [], problems: [] };
  // A payload the snaplen cut ends early: that is not a malformation, and no attribute is invented from its last bytes.
  if (truncated) m.truncated = true;
  const v = ByteView.of(payload);
  let o = 0;
  if (functionId === HEARTBEAT) {
    parseHeartbeat(v, m);
    return m;
  }
  if (resp) {
    if (payload.length < 4) {
      if (!truncated) m.problems.push(`response of ${payload.length} bytes has no 4-byte status`);
      return m;
    }
    m.status = v.u32(0);
    o = 4;
  }
  const hasSource = !resp && !NO_SOURCE.has(functionId);
  let seenDelim = false;
  let object = -1;
  let prevTag = -1;
  const tlvs: IsnsAttr[] = [];
  let badAttrs = 0;
  while (o < payload.length) {
    if (payload.length - o < 8) {
      if (!truncated) m.problems.push(`${payload.length - o} stray bytes at offset ${o}, too few for an attribute header`);
      break;
    }
    const tag = v.u32(o);
    const len = v.u32(o + 4);
    if (len > payload.length - o - 8) {
      if (!truncated) m.problems.push(`attribute tag ${tag} at offset ${o}: length ${len} runs past the end of the message (${payload.length - o - 8} bytes left)`);
      break;
    }
    const spec = tagSpec(tag);
    const problem = valueProblem(spec, len);
    let role: AttrRole;
    if (tag === 0) {
      role = 'delimiter';
      seenDelim = true;
    } else if (hasSource && tlvs.length === 0) role = 'source';
    else if (!seenDelim) role = 'key';
    else role = 'operating';
    const a = new Attr(tag, len, o, role, spec, payload);
    let prob = problem;
    if (len % 4 !== 0) prob = (prob ? prob + '; ' : '') + `length ${len} is not a multiple of 4`;
    if (tag === 0 && len !== 0) prob = (prob ? prob + '; ' : '') + `delimiter with length ${len}`;
    if (prob) {
      a.problem = prob;
      // Listed up to a bound per message, then counted (7,000 bad attributes make one line, not 7,000).
      if (badAttrs++ < MAX_ATTR_PROBLEMS) m.problems.push(`attribute ${a.name} (tag ${tag}) at offset ${o}: ${prob}`);
    }
    tlvs.push(a);
    o += 8 + len;
  }
  if (badAttrs > MAX_ATTR_PROBLEMS) m.problems.push(`${badAttrs - MAX_ATTR_PROBLEMS} more attributes with problems (not listed one by one)`);
  // Without a delimiter, messages that have none by design (SCN, ESI, their responses, and
  // responses in general) carry operating attributes; requests keep source + key.
  if (!seenDelim && (resp || NO_SOURCE.has(functionId))) for (const a of tlvs) if (a.role === 'key') a.role = 'operating';
  if (hasSource && tlvs.length > 0 && tlvs[0]!.role !== 'source') m.problems.push('request without a source attribute: it starts with the delimiter (RFC 4171 §5.6.1)');
  // In DDS messages a DD_ID lists a member DD of the set, not a new object.
  const dds = isDdsMessage(functionId);
  for (const a of tlvs) {
    if (a.role === 'operating') {
      if (startsObject(a.tag, prevTag, dds) || object < 0) object++;
      a.object = object;
      prevTag = a.tag;
    }
  }
  m.attrs = tlvs;
  return m;
}

/** Heartbeat payload (RFC 4171 §5.6.5.14): fixed fields, a backup list bounded by the bytes present. */
function parseHeartbeat(v: ByteView, m: IsnsMessage): void {
  const len = v.captured;
  if (len < 32) {
    if (!m.truncated) m.problems.push(`heartbeat payload of ${len} bytes is shorter than its 32-byte fixed part`);
    if (len < 28) return;
  }
  const server = (o: number): HeartbeatServer => {
    const raw = v.bytes(o, 16);
    return { address: formatIpv6(raw, 0), ipv4: ipv4Of(raw), tcpPort: v.u16(o + 16), udpPort: v.u16(o + 18) };
  };
  const hb: IsnsHeartbeat = { ...server(0), interval: v.u32(20), counter: v.u32(24), backupCount: 0, backups: [], vendor: new Uint8Array(0) };
  let o = 28;
  if (len >= 32) {
    hb.backupCount = v.u16(30);
    o = 32;
    for (let i = 0; i < hb.backupCount; i++) {
      if (o + 20 > len) {
        if (!m.truncated) m.problems.push(`heartbeat announces ${hb.backupCount} backup servers but only ${i} fit in the payload`);
        break;
      }
      hb.backups.push(server(o));
      o += 20;
    }
  }
  hb.vendor = v.bytes(o, len - o);
  m.heartbeat = hb;
}
