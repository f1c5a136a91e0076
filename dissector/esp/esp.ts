/**
 * ESP (RFC 4303), IP protocol 50 — and the same bytes after a UDP-encapsulation
 * header on port 4500 (RFC 3948).
 *
 * Layout: SPI (4) | sequence number (4) | payload (IV, ciphertext, padding,
 * pad length, next header — all encrypted) | ICV. Without the keys nothing
 * past the sequence number can be read, and tshark 4.0 (default preferences:
 * no decryption, no NULL-encryption heuristic) shows exactly esp.spi and
 * esp.sequence.
 *
 * tshark also checks sequence numbers per SPI across frames
 * (esp.sequence-analysis.*). That needs state, so it is not part of the pure
 * dissector: EspSequenceAnalysis reproduces it for a caller that feeds it
 * the packets in capture order.
 */
import type { ByteView } from '../core/byteview.js';
import type { FieldDef, FieldNode } from '../core/field.js';
import { problemOf, table } from '../core/layer.js';
import type { DissectContext, LayerProblem, LayerResult, Protocol } from '../core/protocol.js';

export const ESP_PROTO = 50;

export interface EspInfo {
  readonly spi: number;
  /** null when the packet ends before the sequence number. */
  readonly seq: number | null;
  /** Bytes after the sequence number (IV, ciphertext, ICV), as present. */
  readonly payloadLength: number;
}

/** Wireshark 4.0's 15 esp.* fields (`tshark -G fields`, checked by a test). */
export const ESP_FIELDS: readonly FieldDef[] = [
  { abbrev: 'esp.spi', name: 'ESP SPI', type: 'uint32', base: 'hex' },
  { abbrev: 'esp.sequence', name: 'ESP Sequence', type: 'uint32', base: 'dec' },
  { abbrev: 'esp.pad', name: 'Pad', type: 'bytes' },
  { abbrev: 'esp.pad_len', name: 'ESP Pad Length', type: 'uint8', base: 'dec' },
  { abbrev: 'esp.protocol', name: 'ESP Next Header', type: 'uint8', base: 'hex' },
  { abbrev: 'esp.iv', name: 'ESP IV', type: 'bytes' },
  { abbrev: 'esp.encrypted_data', name: 'ESP Encrypted Data', type: 'bytes' },
  { abbrev: 'esp.decrypted_data', name: 'ESP Decrypted Data', type: 'bytes' },
  { abbrev: 'esp.contained_data', name: 'ESP Contained Data', type: 'bytes' },
  { abbrev: 'esp.icv', name: 'ESP ICV', type: 'bytes' },
  { abbrev: 'esp.icv_good', name: 'Good', type: 'boolean' },
  { abbrev: 'esp.icv_bad', name: 'Bad', type: 'boolean' },
  { abbrev: 'esp.sequence-analysis.expected-sn', name: 'Expected SN', type: 'uint32', base: 'dec' },
  { abbrev: 'esp.sequence-analysis.previous-frame', name: 'Previous Frame', type: 'uint32', base: 'dec' },
  { abbrev: 'esp.sequence-analysis.wrong-sequence-number', name: 'Wrong Sequence Number', type: 'none' },
];

const F = table(ESP_FIELDS);
const PROTO: FieldDef = { abbrev: 'esp', name: 'Encapsulating Security Payload', type: 'protocol' };

const hex8 = (n: number): string => n.toString(16).padStart(8, '0');

/**
 * SPI and sequence number, with tshark's tree (`withTree` false: `tree` is [],
 * nothing is built — the per-packet path). Never throws.
 */
export function dissectEsp(v: ByteView, withTree = true): { info: EspInfo | null; tree: FieldNode[]; problems: LayerProblem[] } {
  if (v.length === 0) {
    // tshark's IP hands no subdissector an empty payload: no esp at all.
    return { info: null, tree: [], problems: [{ kind: 'malformed', offset: v.abs(0), message: 'ESP: empty payload' }] };
  }
  const s = v.abs(0);
  const children: FieldNode[] = [];
  const tree: FieldNode[] = withTree ? [{ def: PROTO, value: null, offset: s, length: v.captured, children }] : [];
  const problems: LayerProblem[] = [];
  let info: EspInfo | null = null;
  try {
    v.check(0, 4, 'ESP SPI');
    const spi = v.u32(0);
    if (withTree) children.push({ def: F['esp.spi']!, value: spi, offset: s, length: 4, text: `ESP SPI: 0x${hex8(spi)} (${spi})` });
    info = { spi, seq: null, payloadLength: 0 };
    v.check(4, 4, 'ESP sequence number');
    const seq = v.u32(4);
    if (withTree) children.push({ def: F['esp.sequence']!, value: seq, offset: s + 4, length: 4 });
    info = { spi, seq, payloadLength: v.remaining(8) };
  } catch (e) {
    problems.push(problemOf(e, 'ESP'));
  }
  return { info, tree, problems };
}

export const esp: Protocol<EspInfo | null> = {
  abbrev: 'esp',
  name: 'Encapsulating Security Payload',
  fields: ESP_FIELDS,
  dissect(view: ByteView, ctx: DissectContext): LayerResult<EspInfo | null> {
    const d = dissectEsp(view, ctx.tree);
    return {
      info: d.info,
      ...(ctx.tree ? { tree: d.tree } : {}),
      ...(d.problems.length ? { problems: d.problems } : {}),
    };
  },
};

/**
 * tshark's ESP sequence analysis (on by default): per SPI — whatever the
 * addresses or the encapsulation — the previous sequence number and the
 * frame it came in. A packet whose sequence number is not previous + 1
 * (32-bit wrap) gets esp.sequence-analysis.expected-sn, the expert item
 * esp.sequence-analysis.wrong-sequence-number and
 * esp.sequence-analysis.previous-frame. Every packet with a sequence number
 * updates the state, right or wrong; the first one of an SPI only records.
 * Feed packets in capture order (tshark's single pass).
 */
export class EspSequenceAnalysis {
  private readonly last = new Map<number, { seq: number; frame: number }>();

  /** Bound on the SPIs remembered (oldest forgotten first); tshark keeps them all. */
  constructor(private readonly maxSpis = 65536) {}

  /** The analysis nodes for this packet (to append under its `esp` node); [] when in order. */
  observe(frame: number, info: EspInfo | null, offset = 0): FieldNode[] {
    if (!info || info.seq === null) return [];
    const prev = this.last.get(info.spi);
    if (prev) this.last.delete(info.spi);
    else if (this.last.size >= this.maxSpis) this.last.delete(this.last.keys().next().value!);
    this.last.set(info.spi, { seq: info.seq, frame });
    if (!prev) return [];
    const expected = (prev.seq + 1) >>> 0;
    if (info.seq === expected) return [];
    const missing = info.seq > expected ? ` (${info.seq - expected} SNs missing)` : '';
    return [
      {
        def: F['esp.sequence-analysis.expected-sn']!,
        value: expected,
        offset,
        length: 0,
        text: `[Expected SN: ${expected}${missing}]`,
        children: [{ def: F['esp.sequence-analysis.wrong-sequence-number']!, value: null, offset, length: 0, text: `Wrong Sequence Number for SPI ${hex8(info.spi)}` }],
      },
      { def: F['esp.sequence-analysis.previous-frame']!, value: prev.frame, offset, length: 0, text: `[Previous Frame: ${prev.frame}]` },
    ];
  }
}
