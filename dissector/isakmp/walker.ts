/**
 * The walk over one message: its state (ISAKMP version, the SA and transform
 * being decoded, Wireshark's depth counter) and the tree primitives that
 * reproduce proto_tree_add_item & co. with exactly the checks Wireshark makes
 * (the rules are listed in isakmp.ts), plus the generic payload header. The
 * payload dissectors are functions of a Walker (chain.ts and the payload
 * modules); a Walker lives for one message.
 */
import { type ByteView, MalformedError } from '../core/byteview.js';
import { maskedValue, type FieldDef, type FieldValue } from '../core/field.js';
import { fd, variantOf, type Variant } from './names.js';
import { FLAG_R, PT } from './constants.js';
import type { IsakmpAttribute, IsakmpProposal, Mutable, TransformSummary } from './result.js';

export type Node = { def: FieldDef; value: FieldValue; offset: number; length: number; text?: string; children?: Node[] };

/** Wireshark's nesting guard fired. */
export class DepthStop extends Error {}

/** Wireshark's gui.max_tree_depth default: the nesting guard. */
const MAX_DEPTH = 500;

/** A text-only node (Wireshark's label items). Its abbrev matches no field. */
const LABEL: FieldDef = { abbrev: '', name: '', type: 'none' };

/** Wireshark's ENC_ASCII string: up to the first NUL, bytes >= 0x80 as U+FFFD. */
function asciiString(v: ByteView, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) {
    const b = v.u8(o + i);
    if (b === 0) break;
    s += b >= 0x80 ? '\ufffd' : String.fromCharCode(b);
  }
  return s;
}

export class Walker {
  /** Wireshark's dissection depth counter (shared by the whole message). */
  private depth = 0;
  /** Transform being decoded (attributes go into it). */
  transform: { attributes: IsakmpAttribute[]; summary: TransformSummary } | null = null;
  currentSa: { proposals: IsakmpProposal[] } | null = null;
  /** Life type of the transform being decoded (1 seconds, 2 kilobytes), for the duration that follows. */
  lifeType = 0;

  constructor(
    readonly v: ByteView,
    readonly r: Mutable,
    readonly top: Node,
  ) {}

  /** Major version from the header (0 until it is read). */
  get version(): number {
    return this.r.version;
  }

  /** No Response flag (IKEv2; IKEv1 never sets it). */
  get isRequest(): boolean {
    return !(this.r.flags & FLAG_R);
  }

  // ---------------------------------------------------------------- tree primitives

  private push(parent: Node | null, n: Node): Node {
    if (parent) (parent.children ??= []).push(n);
    return n;
  }

  /** tvb_ensure_bytes_exist. */
  ensure(o: number, n: number): void {
    this.v.check(o, n, 'isakmp');
  }

  /** A length of -1 means "to the end of the captured data" (at least one byte), below that is an error. */
  toEnd(o: number, n: number): number {
    if (n >= 0) return n;
    if (n === -1) {
      const rem = this.v.captured - o;
      if (rem <= 0) this.v.check(o, 1, 'isakmp');
      return rem;
    }
    throw new MalformedError(`isakmp: negative length ${n} at offset ${this.v.abs(o)}`, this.v.abs(o));
  }

  /** FT_NONE item length: clipped to the captured data; an offset past the data is an error. */
  private clip(o: number, n: number): number {
    if (n === -1) return this.toEnd(o, n);
    const rem = o > this.v.captured ? -1 : this.v.captured - o;
    if (rem < 0) this.v.check(o, 1, 'isakmp');
    return n < 0 || n > rem ? rem : n;
  }

  readUint(o: number, n: number): number {
    switch (n) {
      case 1:
        return this.v.u8(o);
      case 2:
        return this.v.u16(o);
      case 3:
        return this.v.u24(o);
      default:
        return this.v.u32(o);
    }
  }

  /** proto_tree_add_item: checks the bytes exist, reads the value by field type. */
  item(parent: Node | null, abbrev: string, o: number, n: number, variant: Variant = 0, text?: string): Node {
    const def = fd(abbrev, variant);
    let value: FieldValue = null;
    switch (def.type) {
      case 'none':
      case 'protocol':
        n = this.clip(o, n);
        break;
      case 'bytes':
        n = this.toEnd(o, n);
        this.ensure(o, n);
        value = this.v.bytes(o, n);
        break;
      case 'string':
        n = this.toEnd(o, n);
        this.ensure(o, n);
        value = asciiString(this.v, o, n);
        break;
      case 'uint8':
      case 'uint16':
      case 'uint24':
      case 'uint32': {
        if (n < 1) throw new MalformedError(`isakmp: integer field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        let x = this.readUint(o, n);
        if (def.bitmask) x = maskedValue(x, def.bitmask);
        value = x >>> 0;
        break;
      }
      case 'uint64': {
        if (n < 1) throw new MalformedError(`isakmp: integer field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        let x = 0n;
        for (let i = 0; i < Math.min(n, 8); i++) x = (x << 8n) | BigInt(this.v.u8(o + i));
        value = x;
        break;
      }
      case 'boolean': {
        if (n < 1) throw new MalformedError(`isakmp: boolean field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        value = ((this.readUint(o, n) & (def.bitmask ?? 0)) >>> 0) !== 0;
        break;
      }
      case 'ipv4':
        if (n < 0) throw new MalformedError(`isakmp: IPv4 field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        if (n < 4) throw new MalformedError(`isakmp: IPv4 field ${abbrev} of length ${n}`, this.v.abs(o));
        value = this.v.ipv4(o);
        break;
      case 'ipv6':
        if (n < 0) throw new MalformedError(`isakmp: IPv6 field ${abbrev} of length ${n}`, this.v.abs(o));
        this.ensure(o, n);
        if (n < 16) throw new MalformedError(`isakmp: IPv6 field ${abbrev} of length ${n}`, this.v.abs(o));
        value = this.v.ipv6(o);
        break;
      default:
        break;
    }
    const node: Node = { def, value, offset: this.v.abs(o), length: n };
    if (text !== undefined) node.text = text;
    return this.push(parent, node);
  }

  /** proto_tree_add_uint & co: a value given by the dissector, no length check. */
  val(parent: Node | null, abbrev: string, o: number, n: number, value: FieldValue, variant: Variant = 0, text?: string): Node {
    const def = fd(abbrev, variant);
    // Wireshark's item length rules: -1 means "to the end" for bytes, strings and FT_NONE only.
    if (n < 0) {
      if (n === -1 && (def.type === 'bytes' || def.type === 'string' || def.type === 'none')) n = this.toEnd(o, n);
      else throw new MalformedError(`isakmp: field ${abbrev} with length ${n}`, this.v.abs(o));
    }
    const node: Node = { def, value, offset: this.v.abs(o), length: n };
    if (text !== undefined) node.text = text;
    return this.push(parent, node);
  }

  /**
   * An expert item: its text item covers (o, n); the field under it is
   * `abbrev` (FT_NONE). As measured against tshark 4.0.17: a negative length
   * or a start past the data stops the dissection before the item; a length
   * running past the data adds the item (clipped), then stops it.
   */
  expert(parent: Node | null, abbrev: string, o: number, n: number, text: string): void {
    let overrun = false;
    if (n === -1) n = this.toEnd(o, n);
    else {
      if (n < 0) throw new MalformedError(`isakmp: negative length ${n} at offset ${this.v.abs(o)}`, this.v.abs(o));
      if (o > this.v.captured) this.v.check(o, 0, 'isakmp');
      overrun = o + n > this.v.captured;
      n = Math.min(n, this.v.captured - o);
    }
    if (parent) this.push(parent, { def: fd(abbrev), value: null, offset: this.v.abs(o), length: n, text });
    if (overrun) this.v.check(o, n + 1, 'isakmp');
  }

  /** expert_add_info on an existing item: the field under it, no check. */
  flag(parent: Node, abbrev: string, o: number, text: string): void {
    this.push(parent, { def: fd(abbrev), value: null, offset: this.v.abs(o), length: 0, text });
  }

  /**
   * A text-only subtree (proto_tree_add_subtree). Its bytes are checked
   * before anything else: -1 means to the end (at least one byte), other
   * lengths must fit the captured data (measured against tshark 4.0.17).
   */
  label(parent: Node | null, text: string, o: number, n: number): Node {
    if (n === -1) n = this.toEnd(o, n);
    else this.ensure(o, n);
    return this.push(parent, { def: LABEL, value: null, offset: this.v.abs(o), length: n, text });
  }

  enter(): void {
    this.depth++;
    if (this.depth >= MAX_DEPTH) throw new DepthStop(`nesting guard: dissection depth ${this.depth} reached Wireshark's limit (${MAX_DEPTH})`);
  }

  /** Which value strings: IKEv2's (1) or IKEv1's (0, also for any other version). */
  get variant(): Variant {
    return variantOf(this.version);
  }

  /** An item whose value strings depend on the version: added for IKEv1 and IKEv2 only. Returns whether it was. */
  versioned(parent: Node | null, abbrev: string, o: number, n: number): boolean {
    if (this.version !== 1 && this.version !== 2) return false;
    this.item(parent, abbrev, o, n, this.variant);
    return true;
  }

  problem(s: string): void {
    if (this.r.problems.length < 32) this.r.problems.push(s);
  }

  // ---------------------------------------------------------------- payload headers

  /** Protocol ID (`abbrev`) and SPI Size at `o`: how Proposal, Notify and Delete bodies start. */
  protocolAndSpiSize(parent: Node | null, abbrev: string, o: number): { protocolId: number; spiSize: number } {
    const protocolId = this.v.u8(o);
    this.versioned(parent, abbrev, o, 1);
    const spiSize = this.v.u8(o + 1);
    this.item(parent, 'isakmp.spisize', o + 1, 1);
    return { protocolId, spiSize };
  }

  /** An SPI of `size` bytes at `o`: its item and its hex ('' and no item when the size is 0). */
  spi(parent: Node | null, o: number, size: number): string {
    if (!size) return '';
    this.item(parent, 'isakmp.spi', o, size);
    return this.v.hex(o, size);
  }

  /** dissect_payload_header: adds the payload item and its generic header. */
  payloadHeader(tree: Node, o: number, length: number, payload: number): { node: Node | null; next: number; length: number; critical: boolean } {
    if (length < 4) {
      this.expert(tree, 'isakmp.payloadlength.invalid', o, length, 'Not enough room in payload for all transforms');
      this.problem(`${length} bytes at offset ${o} are too few for a payload header`);
      return { node: null, next: 0, length: 0, critical: false };
    }
    const v = this.v;
    const next = v.u8(o);
    const plen = v.u16(o + 2);
    const node = this.val(tree, 'isakmp.typepayload', o, plen, payload);
    this.item(node, 'isakmp.nextpayload', o, 1);
    let critical = false;
    if (this.version === 1 || payload === PT.P || payload === PT.T) this.item(node, 'isakmp.reserved', o + 1, 1);
    else if (this.version === 2) {
      critical = (v.u8(o + 1) & 0x80) !== 0;
      this.item(node, 'isakmp.criticalpayload', o + 1, 1);
      this.item(node, 'isakmp.reserved7', o + 1, 1);
    }
    this.item(node, 'isakmp.payloadlength', o + 2, 2);
    return { node, next, length: plen, critical };
  }
}
