/**
 * ESP (IP protocol 50, and after UDP encapsulation): SPI and sequence number
 * as tshark shows them without keys, the layer interface, and tshark's
 * per-SPI sequence analysis reproduced by EspSequenceAnalysis.
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { tsharkColumn, walk, type FieldNode } from '../dissector/core/field.js';
import { dissectEsp, esp, EspSequenceAnalysis, ESP_PROTO, type EspInfo } from '../dissector/esp/esp.js';
import { esp as espBytes, filler } from '../tools/craft-ike.js';

const col = (t: FieldNode[], f: string): string => tsharkColumn([t], f);

test('SPI (hex, as tshark prints BASE_HEX_DEC) and sequence number; nothing else without keys', (t) => {
  const b = espBytes(0xc0ffee01, 42, filler(64));
  const r = esp.dissect(ByteView.of(b), { tree: true });
  t.deepEqual(r.info, { spi: 0xc0ffee01, seq: 42, payloadLength: 64 });
  t.is(r.next, undefined, 'the payload is ciphertext: no next protocol');
  t.is(r.problems, undefined);
  t.is(col(r.tree!, 'esp.spi'), '0xc0ffee01');
  t.is(col(r.tree!, 'esp.sequence'), '42');
  t.deepEqual([...walk(r.tree!)].map((n) => n.def.abbrev), ['esp', 'esp.spi', 'esp.sequence']);
  t.is(esp.dissect(ByteView.of(b), { tree: false }).tree, undefined);
  t.is(ESP_PROTO, 50);
  t.is(esp.fields.length, 15);
});

test('short ESP: SPI only (malformed when the packet is short, truncated when the capture is); empty: no ESP at all', (t) => {
  const six = esp.dissect(ByteView.of(espBytes(0x0a0b0c0d, 3, new Uint8Array(0)).subarray(0, 6)), { tree: true });
  t.deepEqual(six.info, { spi: 0x0a0b0c0d, seq: null, payloadLength: 0 });
  t.is(six.problems![0]!.kind, 'malformed');
  t.is(col(six.tree!, 'esp.sequence'), '');
  const b = espBytes(0x0a0b0c0d, 3, filler(16));
  const cut = esp.dissect(new ByteView(b, 0, b.length, 5), { tree: true });
  t.is(cut.problems![0]!.kind, 'truncated');
  t.is(cut.info!.seq, null);
  const empty = dissectEsp(ByteView.of(new Uint8Array(0)));
  t.deepEqual(empty.tree, []);
  t.is(empty.info, null);
  t.is(dissectEsp(ByteView.of(Uint8Array.of(1, 2, 3))).info, null);
});

function analysis(a: EspSequenceAnalysis, frame: number, spi: number, seq: number | null): Record<string, string> {
  const info: EspInfo = { spi, seq, payloadLength: 0 };
  const nodes = a.observe(frame, info);
  const out: Record<string, string> = {};
  for (const f of ['esp.sequence-analysis.expected-sn', 'esp.sequence-analysis.previous-frame', 'esp.sequence-analysis.wrong-sequence-number']) {
    const v = tsharkColumn([nodes], f);
    if (v) out[f.slice('esp.sequence-analysis.'.length)] = v;
  }
  return out;
}

test('sequence analysis: in order is silent; a gap, a late packet and a replay each name the expected number and the previous frame', (t) => {
  const a = new EspSequenceAnalysis();
  t.deepEqual(analysis(a, 1, 0x1001, 1), {}, 'first packet of an SPI only records');
  t.deepEqual(analysis(a, 2, 0x1001, 2), {});
  t.deepEqual(analysis(a, 3, 0x1001, 5), { 'expected-sn': '3', 'previous-frame': '2', 'wrong-sequence-number': '1' });
  t.deepEqual(analysis(a, 4, 0x1001, 3), { 'expected-sn': '6', 'previous-frame': '3', 'wrong-sequence-number': '1' }, 'the state follows the last packet, right or wrong');
  t.deepEqual(analysis(a, 5, 0x2002, 7), {}, 'another SPI has its own state');
  t.deepEqual(analysis(a, 6, 0x1001, 3), { 'expected-sn': '4', 'previous-frame': '4', 'wrong-sequence-number': '1' }, 'replay');
  t.deepEqual(analysis(a, 7, 0x1001, null), {}, 'no sequence number: ignored, state unchanged');
  t.deepEqual(analysis(a, 8, 0x1001, 4), {});
  t.deepEqual(analysis(a, 9, 0x3003, 0xffffffff), {});
  t.deepEqual(analysis(a, 10, 0x3003, 0), {}, '32-bit wrap is in order');
});

test('sequence analysis remembers a bounded number of SPIs (oldest forgotten first)', (t) => {
  const a = new EspSequenceAnalysis(2);
  analysis(a, 1, 1, 1);
  analysis(a, 2, 2, 1);
  analysis(a, 3, 3, 1); // forgets SPI 1
  t.deepEqual(analysis(a, 4, 1, 9), {}, 'SPI 1 starts over');
  t.deepEqual(analysis(a, 5, 3, 9), { 'expected-sn': '2', 'previous-frame': '3', 'wrong-sequence-number': '1' });
});
