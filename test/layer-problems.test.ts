/**
 * Header problems below the application (link, IP, TCP/UDP) become findings
 * when the packet belongs to an application's conversation: the bytes it
 * carried may be lost or misread, and the support engineer should know which
 * frame and byte to look at. Packets of no application stay silent.
 */
import test from 'ava';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/analyze.js';
import { ethernet, ethTcp, ethUdp, ipv4, MAC_A, MAC_B, pcapFile, TCP_ACK, TCP_PSH, udp } from '../tools/craft.js';
import { tempDir } from './helpers/tmp.js';

function write(frames: Uint8Array[]): string {
  const f = join(tempDir('isns-layer-'), 'x.pcap');
  writeFileSync(f, pcapFile(frames.map((data, i) => ({ data, sec: 1795464000 + i, nsec: 0 }))));
  return f;
}

/** A TCP segment whose data offset claims 60 bytes of header in a 20-byte segment (byte 14+20+12 of the frame). */
function bogusTcpHeader(dport: number): Uint8Array {
  const f = ethTcp('10.0.0.2', '10.0.0.1', 40000, dport, new Uint8Array(0), { seq: 1, flags: TCP_ACK | TCP_PSH });
  f[14 + 20 + 12] = 0xf0;
  return f;
}

test('a damaged TCP header on the iSNS port is a MALFORMED_PDU naming frame, layer and byte offset', async (t) => {
  const r = await analyze([write([bogusTcpHeader(3205)])]);
  const f = r.findings.filter((x) => x.code === 'MALFORMED_PDU');
  t.is(f.length, 1);
  t.deepEqual(f[0]!.frames, [1]);
  t.regex(f[0]!.message, /frame 1 of this iSNS conversation has damaged headers: TCP: header length 60 runs past the segment \(20 bytes\) \(byte offset 46 in the frame\)/);
});

test('the same damage on a port no dissector claims says nothing', async (t) => {
  const r = await analyze([write([bogusTcpHeader(8080)])]);
  t.deepEqual(r.findings, []);
});

test('a UDP length past the datagram on the iSNS port is reported too', async (t) => {
  const f = ethUdp('10.0.0.2', '10.0.0.1', 40000, 3205, new Uint8Array(16));
  f[14 + 20 + 4] = 0x01; // UDP length 256+24 > 24 bytes present
  const r = await analyze([write([f])]);
  const m = r.findings.filter((x) => x.code === 'MALFORMED_PDU').map((x) => x.message);
  t.true(m.some((x) => x.includes('damaged headers') && x.includes('UDP')), m.join('\n'));
});

test('a first IPv4 fragment sent twice with different bytes is a finding on the iSNS conversation it carries', async (t) => {
  // A UDP datagram to 3205 (a DevAttrQry) in two fragments; the first fragment comes twice, the copy with
  // different bytes in its payload part (the UDP header and the iSNS header are the same).
  const isnsPdu = Uint8Array.from([0, 1, 0, 2, 0, 8, 0x8c, 0, 0, 7, 0, 0, 0, 0, 0, 32, 0, 0, 0, 0]);
  const seg = udp('10.0.0.2', '10.0.0.1', 40000, 3205, isnsPdu);
  const first = seg.subarray(0, 16);
  const other = Uint8Array.from(first);
  other[15] ^= 0xff;
  const rest = seg.subarray(16);
  const f = (payload: Uint8Array, off: number, more: boolean): Uint8Array => ethernet(MAC_B, MAC_A, 0x0800, ipv4('10.0.0.2', '10.0.0.1', 17, payload, { id: 77, fragOffset: off, moreFragments: more }));
  const r = await analyze([write([f(first, 0, true), f(other, 0, true), f(rest, 16, false)])]);
  const m = r.findings.filter((x) => x.code === 'MALFORMED_PDU').map((x) => x.message);
  t.true(m.some((x) => /IP reassembly: overlapping fragment \(frame 2\) disagrees/.test(x)), m.join('\n'));
});
