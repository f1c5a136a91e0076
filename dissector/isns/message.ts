/**
 * An assembled iSNS message (all PDUs of one message joined, in sequence
 * order) parsed into attributes with their roles (RFC 4171 §5.6.1: source,
 * message key, delimiter, operating attributes) and the object each operating
 * attribute belongs to, or the Heartbeat's fixed layout (§5.6.5.14).
 * Values are decoded on first use through values.ts.
 */
import { ByteView } from '../core/byteview.js';
import { ANY_LENGTH, LENGTH_RULE, UNKNOWN_TAG, isObjectKey, tagSpec, type TagSpec } from './attrs.js';
import { parseHeartbeat, type IsnsHeartbeat } from './heartbeat.js';
import { FN, HEARTBEAT, functionName, isResponse } from './names.js';
import { decodeValue, u32of, valueProblem, type IsnsValue } from './values.js';

export type { HeartbeatServer, IsnsHeartbeat } from './heartbeat.js';

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
  /** The attributes as objects, made on first use (readers of a few attributes use table.ts on `offsets`). */
  readonly attrs: IsnsAttr[];
  /** The assembled payload the attributes lie in. */
  readonly payload: Uint8Array;
  /** The offset in payload of each attribute's TLV (its tag and length are read there; see table.ts). */
  readonly offsets: readonly number[];
  /** Number of attributes. */
  readonly count: number;
  /** The ROLE_* code of attribute i. */
  roleAt(i: number): number;
  /**
   * Where the roles lie (they are contiguous: source, keys, delimiter,
   * operating): key attributes are [keysFrom, keysTo), operating ones start at
   * opFrom; opClean is false when a further delimiter lies among them.
   */
  readonly keysFrom: number;
  readonly keysTo: number;
  readonly opFrom: number;
  readonly opClean: boolean;
  /**
   * Bit t is set when an attribute of tag t (t < 32) is present: a test
   * before a scan for a few tags (most messages hold none of the rarer ones).
   */
  readonly lowTags: number;
  /** Heartbeat (0x000E) only: its fixed, non-TLV layout. */
  heartbeat?: IsnsHeartbeat;
  problems: string[];
  /** The snaplen cut the payload: attributes are those wholly captured. */
  truncated?: boolean;
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
  constructor(
    readonly tag: number,
    readonly length: number,
    readonly offset: number,
    public role: AttrRole,
    private readonly spec: TagSpec | undefined,
    private src: Uint8Array,
  ) {}
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

/** Role codes (IsnsMessage.roleAt), in the order roles occur in a message. */
export const ROLE_SOURCE = 0;
export const ROLE_KEY = 1;
export const ROLE_DELIMITER = 2;
export const ROLE_OPERATING = 3;
const ROLE_NAMES: readonly AttrRole[] = ['source', 'key', 'delimiter', 'operating'];

class Message implements IsnsMessage {
  status: number | null = null;
  problems: string[] = [];
  heartbeat?: IsnsHeartbeat;
  truncated?: boolean;
  offsets: number[] = NO_OFFSETS;
  keysFrom = 0;
  keysTo = 0;
  opFrom = 0;
  opClean = true;
  lowTags = 0;
  /** Problems of single attributes, by index (rare: made only when one has a problem). */
  attrProblems: Map<number, string> | null = null;
  private made: IsnsAttr[] | null = null;
  constructor(
    public functionId: number,
    public name: string,
    public isResponse: boolean,
    public xid: number,
    public flags: number,
    public payload: Uint8Array,
  ) {}
  /** This object made a new message of other bytes (tableMessage's `into`): what the last one had is gone. */
  reset(functionId: number, flags: number, xid: number, payload: Uint8Array): this {
    this.functionId = functionId;
    this.name = functionName(functionId);
    this.isResponse = isResponse(functionId);
    this.xid = xid;
    this.flags = flags;
    this.payload = payload;
    this.status = null;
    if (this.problems.length > 0) this.problems = [];
    this.heartbeat = undefined;
    this.truncated = undefined;
    this.attrProblems = null;
    this.made = null;
    return this;
  }
  get count(): number {
    return this.offsets.length;
  }
  roleAt(i: number): number {
    if (u32of(this.payload, this.offsets[i]!) === 0) return ROLE_DELIMITER;
    return i < this.keysFrom ? ROLE_SOURCE : i < this.keysTo ? ROLE_KEY : ROLE_OPERATING;
  }
  get attrs(): IsnsAttr[] {
    if (this.made === null) {
      const out: IsnsAttr[] = [];
      const b = this.payload;
      const dds = isDdsMessage(this.functionId);
      let object = -1;
      let prevTag = -1;
      for (let i = 0; i < this.offsets.length; i++) {
        const o = this.offsets[i]!;
        const tag = u32of(b, o);
        const role = this.roleAt(i);
        const a = new Attr(tag, u32of(b, o + 4), o, ROLE_NAMES[role]!, tagSpec(tag), b);
        if (role === ROLE_OPERATING) {
          if (startsObject(tag, prevTag, dds) || object < 0) object++;
          a.object = object;
          prevTag = tag;
        }
        const pr = this.attrProblems?.get(i);
        if (pr !== undefined) a.problem = pr;
        out.push(a);
      }
      this.made = out;
    }
    return this.made;
  }
  /** Own the payload (see ownAttrBytes). */
  own(): void {
    const b = new Uint8Array(this.payload);
    this.payload = b;
    if (this.made) for (const a of this.made) a.raw = b.subarray(a.offset + 8, a.offset + 8 + a.length);
  }
  toJSON(): unknown {
    const { functionId, name, isResponse, xid, flags, status, attrs, problems, heartbeat, truncated } = this;
    // The keys in the order the message's fields were set before it was a class (a plain object).
    return { functionId, name, isResponse, xid, flags, status, attrs, problems, ...(truncated ? { truncated } : {}), ...(heartbeat ? { heartbeat } : {}) };
  }
}
const NO_OFFSETS: number[] = [];

/**
 * Give a message that will be kept (a request awaiting its response) its own
 * copy of its payload, so it no longer pins the shared buffers its PDU was
 * cut from (see keepBytes).
 */
export function ownAttrBytes(m: IsnsMessage): void {
  (m as Message).own();
}

/** The message's header fields and status, without attributes or problems (a waiting request, slimmed). */
export function hollowMessage(m: IsnsMessage): IsnsMessage {
  const h = new Message(m.functionId, m.name, m.isResponse, m.xid, m.flags, new Uint8Array(0));
  h.status = m.status;
  if (m.heartbeat) h.heartbeat = m.heartbeat;
  if (m.truncated) h.truncated = true;
  return h;
}

/**
 * Whether an operating attribute with `tag`, after one with `prevTag`, starts
 * a new object (RFC 4171 §6: each object starts with its key attribute). A PG
 * iSCSI Name (48) right after a PG Tag (51) or another 48 belongs to the
 * portal's portal-group list, not to a new PG object; in DDS messages a DD_ID
 * (2065) lists a member DD of the set, not a new object.
 */
export function startsObject(tag: number, prevTag: number, dds: boolean): boolean {
  if (isObjectKey(tag)) return !(dds && tag === 2065);
  return tag === 48 && prevTag !== 51 && prevTag !== 48;
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
  const m = new Message(functionId, functionName(functionId), resp, xid, flags, payload);
  // A payload the snaplen cut ends early: that is not a malformation, and no attribute is invented from its last bytes.
  if (truncated) m.truncated = true;
  let o = 0;
  if (functionId === HEARTBEAT) {
    const hb = parseHeartbeat(ByteView.of(payload), truncated === true, m.problems);
    if (hb) m.heartbeat = hb;
    return m;
  }
  const n = payload.length;
  if (resp) {
    if (n < 4) {
      if (!truncated) m.problems.push(`response of ${n} bytes has no 4-byte status`);
      return m;
    }
    m.status = u32of(payload, 0);
    o = 4;
  }
  const hasSource = !resp && !NO_SOURCE.has(functionId);
  // One pass over the attributes: each header read once (counting them first read every length twice).
  const offsets: number[] = [];
  let delimiter = -1;
  let lastDelimiter = -1;
  let badAttrs = 0;
  let lowTags = 0;
  while (n - o >= 8) {
    const len = u32of(payload, o + 4);
    if (len > n - o - 8) break;
    const tag = u32of(payload, o);
    const i = offsets.push(o) - 1;
    if (tag < 32) lowTags |= 1 << tag;
    if (tag === 0) {
      if (delimiter < 0) delimiter = i;
      lastDelimiter = i;
    }
    // The usual attribute has no problem: one table read says so (LENGTH_RULE); the problem's text is made only for the others.
    const rule = tag < 4096 ? LENGTH_RULE[tag]! : UNKNOWN_TAG;
    if (len !== 0 && !((rule === len || rule === ANY_LENGTH) && (len & 3) === 0 && tag !== 0)) {
      const spec = tagSpec(tag);
      let prob = valueProblem(spec, len);
      if (len % 4 !== 0) prob = (prob ? prob + '; ' : '') + `length ${len} is not a multiple of 4`;
      if (tag === 0) prob = (prob ? prob + '; ' : '') + `delimiter with length ${len}`;
      if (prob) {
        (m.attrProblems ??= new Map()).set(i, prob);
        // Listed up to a bound per message, then counted (7,000 bad attributes make one line, not 7,000).
        if (badAttrs++ < MAX_ATTR_PROBLEMS) m.problems.push(`attribute ${spec?.name ?? `Unknown attribute ${tag}`} (tag ${tag}) at offset ${o}: ${prob}`);
      }
    }
    o += 8 + len;
  }
  const count = offsets.length;
  m.offsets = offsets;
  if (o < n && !truncated) {
    if (n - o < 8) m.problems.push(`${n - o} stray bytes at offset ${o}, too few for an attribute header`);
    else m.problems.push(`attribute tag ${u32of(payload, o)} at offset ${o}: length ${u32of(payload, o + 4)} runs past the end of the message (${n - o - 8} bytes left)`);
  }
  m.lowTags = lowTags;
  if (badAttrs > MAX_ATTR_PROBLEMS) m.problems.push(`${badAttrs - MAX_ATTR_PROBLEMS} more attributes with problems (not listed one by one)`);
  const sourceFirst = hasSource && count > 0 && u32of(payload, offsets[0]!) !== 0;
  if (hasSource && count > 0 && !sourceFirst) m.problems.push('request without a source attribute: it starts with the delimiter (RFC 4171 §5.6.1)');
  m.keysFrom = sourceFirst ? 1 : 0;
  if (delimiter < 0 && (resp || NO_SOURCE.has(functionId))) {
    // Without a delimiter, messages that have none by design (SCN, ESI, their responses, and
    // responses in general) carry operating attributes only, after the source if any.
    m.keysTo = m.opFrom = m.keysFrom;
  } else {
    // Requests keep source and keys up to the first delimiter; operating attributes follow the delimiter(s).
    m.keysTo = delimiter < 0 ? count : delimiter;
    let o = m.keysTo;
    while (o < count && u32of(payload, offsets[o]!) === 0) o++;
    m.opFrom = o;
    m.opClean = lastDelimiter < o;
  }
  return m;
}

/** The attribute table parseIsnsMessage made of a message: what tableMessage takes to make the same message again. */
export interface MessageTable {
  readonly status: number | null;
  readonly offsets: readonly number[];
  readonly keysFrom: number;
  readonly keysTo: number;
  readonly opFrom: number;
  readonly opClean: boolean;
  readonly lowTags: number;
}

/**
 * The message parseIsnsMessage gives for these bytes, from the table it made
 * of them (passed on, e.g. to another thread) instead of a second parse: the
 * same attributes, roles and status. Its problems stay with the first parse:
 * `problems` is empty and no attribute has a problem. `into`: a message an
 * earlier call gave, made again in place (a reader of many messages that
 * keeps none of them then makes no object per message); `t.offsets` becomes
 * the message's own.
 */
export function tableMessage(functionId: number, flags: number, xid: number, payload: Uint8Array, t: MessageTable, truncated = false, into?: IsnsMessage): IsnsMessage {
  const m = into instanceof Message ? into.reset(functionId, flags, xid, payload) : new Message(functionId, functionName(functionId), isResponse(functionId), xid, flags, payload);
  if (truncated) m.truncated = true;
  m.status = t.status;
  m.offsets = t.offsets as number[];
  m.keysFrom = t.keysFrom;
  m.keysTo = t.keysTo;
  m.opFrom = t.opFrom;
  m.opClean = t.opClean;
  m.lowTags = t.lowTags;
  return m;
}
