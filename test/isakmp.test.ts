/**
 * The typed results for the binder (IsakmpResult, UdpEncapResult, EspInfo):
 * what each crafted message says, checked against the values the crafting
 * code put in (tools/craft-ike.ts) and the RFC / IANA names — not against
 * the dissector's own tables.
 */
import test from 'ava';
import { ByteView } from '../dissector/core/byteview.js';
import { tsharkColumn } from '../dissector/core/field.js';
import { be16, be32, concat, hexBytes } from '../tools/craft.js';
import {
  attrTV, certReq, deleteV1, encryptedV1, filler, idV1, ikeCaptures, keV2, message, nonEspMarker, notifyV1, notifyV2, pl, saV1, saV2, F1, F2, P, VID, X,
  NAT_KEEPALIVE, esp as espBytes,
} from '../tools/craft-ike.js';
import { dissectIsakmp, isakmp, isakmpProbe, type IsakmpResult } from '../dissector/isakmp/isakmp.js';
import { dissectUdpEncap, udpencap } from '../dissector/udpencap/udpencap.js';

const CTX = { transport: 'udp', srcPort: 500, dstPort: 500, tree: false } as const;
const TREE = { transport: 'udp', srcPort: 500, dstPort: 500, full: false } as const;
const run = (b: Uint8Array): IsakmpResult => isakmp.dissectPdu(ByteView.of(b), CTX);

/** UDP payloads of a crafted capture's frames (IPv4, no options). */
function udpPayloads(name: string): Uint8Array[] {
  const spec = ikeCaptures().find((c) => c.name === name)!;
  return spec.frames.map((f) => f.data.subarray(42));
}

const H1 = { ispi: '1122334455667788', rspi: '99aabbccddeeff00', exchange: X.IDENTITY_PROTECTION };
const H2 = { ispi: 'a1a2a3a4a5a6a7a8', version: 0x20, exchange: X.IKE_SA_INIT, flags: F2.INITIATOR };

test('IKEv1 main mode MM1: header, payload chain, the SA offer (strongSwan-like) and the vendor IDs', (t) => {
  const r = run(udpPayloads('ike-v1-main-mode.pcap')[0]!);
  t.true(r.isIsakmp);
  t.is(r.ispi, '6e3c1f0a9d42b7e1');
  t.is(r.rspi, '0000000000000000');
  t.is(r.version, 1);
  t.is(r.minor, 0);
  t.is(r.exchangeType, 2);
  t.is(r.exchangeName, 'Identity Protection (Main Mode)');
  t.false(r.encrypted);
  t.is(r.initiator, null);
  t.is(r.messageId, 0);
  t.deepEqual(r.payloads.map((p) => p.type), [1, 13, 13, 13, 13, 13]);
  t.is(r.payloads[0]!.offset, 28);
  t.is(r.sa.length, 1);
  const [sa] = r.sa;
  t.is(sa!.doi, 1);
  t.is(sa!.situation, 1);
  const [prop] = sa!.proposals;
  t.is(prop!.protocolId, 1);
  t.is(prop!.transformCount, 3);
  t.deepEqual(prop!.transforms.map((x) => [x.number, x.id]), [[0, 1], [1, 1], [2, 1]]);
  // RFC 2409 appendix A / IANA: 7 AES-CBC, 5 3DES-CBC; 4 SHA2-256, 2 SHA; 1 pre-shared key; groups 14 and 2
  t.deepEqual(prop!.transforms[0]!.summary, {
    encryption: { id: 7, name: 'AES-CBC' },
    keyLength: 256,
    hash: { id: 4, name: 'SHA2-256' },
    authMethod: { id: 1, name: 'Pre-shared key' },
    group: { id: 14, name: '2048 bit MODP group' },
    lifeSeconds: 10800,
  });
  t.deepEqual(prop!.transforms[2]!.summary.encryption, { id: 5, name: '3DES-CBC' });
  t.deepEqual(prop!.offer.encryption, [{ id: 7, name: 'AES-CBC', keyLength: 256 }, { id: 7, name: 'AES-CBC', keyLength: 128 }, { id: 5, name: '3DES-CBC' }]);
  t.deepEqual(prop!.offer.authMethod, [{ id: 1, name: 'Pre-shared key' }]);
  t.deepEqual(prop!.offer.group.map((g) => g.id), [14, 2]);
  t.deepEqual(r.vendorIds.map((v) => v.name), [
    'XAUTH',
    'RFC 3706 DPD (Dead Peer Detection)',
    'RFC 3947 Negotiation of NAT-Traversal in the IKE',
    'draft-ietf-ipsec-nat-t-ike-02\\n',
    'Cisco Fragmentation',
  ]);
  t.is(r.vendorIds[0]!.hex, '09002689dfd6b712');
  t.deepEqual(r.problems, []);
});

test('IKEv1 main mode MM3 and MM5: key exchange, nonce, NAT-D; then ciphertext only', (t) => {
  const [, , mm3, , mm5, , qm1] = udpPayloads('ike-v1-main-mode.pcap');
  const r3 = run(mm3!);
  t.deepEqual(r3.keyExchange, [{ group: null, length: 256 }]);
  t.deepEqual(r3.nonces, [32]);
  t.is(r3.natD.length, 2);
  t.is(r3.natD[0]!.length, 64);
  const r5 = run(mm5!);
  t.true(r5.encrypted);
  t.is(r5.flags & F1.ENCRYPTION, 1);
  t.deepEqual(r5.encryptedData, { length: 96, firstPayload: P.ID });
  t.deepEqual(r5.payloads, [], 'nothing is guessed from the ciphertext');
  t.deepEqual(r5.ids, []);
  const q = run(qm1!);
  t.is(q.exchangeType, 32);
  t.is(q.exchangeName, 'Quick Mode');
  t.is(q.messageId, 0x5a17c3e2);
  t.deepEqual(q.encryptedData, { length: 432, firstPayload: P.HASH });
});

test('IKEv1 aggressive mode: identities and the XAUTH authentication method', (t) => {
  const [am1, am2, am3] = udpPayloads('ike-v1-aggressive.pcap');
  const r1 = run(am1!);
  t.is(r1.exchangeName, 'Aggressive');
  t.deepEqual(r1.ids, [{ payload: 5, type: 2, typeName: 'FQDN', protocolId: 0, port: 0, value: 'initiator.lab.example' }]);
  t.deepEqual(r1.sa[0]!.proposals[0]!.transforms[0]!.summary.authMethod, { id: 65001, name: 'XAUTHInitPreShared' });
  const r2 = run(am2!);
  t.deepEqual(r2.ids, [{ payload: 5, type: 1, typeName: 'IPV4_ADDR', protocolId: 17, port: 500, value: '198.51.100.20' }]);
  t.is(r2.natD.length, 2);
  t.true(run(am3!).encrypted);
});

test('IKEv1 failures in the clear: NO-PROPOSAL-CHOSEN, AUTHENTICATION-FAILED, INVALID-ID-INFORMATION', (t) => {
  const f = udpPayloads('ike-v1-informational.pcap');
  const np = run(f[1]!);
  t.is(np.exchangeName, 'Informational');
  t.deepEqual(np.notifications, [
    { type: 14, name: 'NO-PROPOSAL-CHOSEN', error: true, protocolId: 1, doi: 1, spi: '91e0c7d2a45b3f860000000000000000', data: '' },
  ]);
  // the proposal that was refused: DES / MD5 / MODP768
  t.deepEqual(run(f[0]!).sa[0]!.proposals[0]!.offer.encryption, [{ id: 1, name: 'DES-CBC' }]);
  const af = run(f[7]!);
  t.deepEqual(af.notifications.map((n) => [n.type, n.name, n.error]), [[24, 'AUTHENTICATION-FAILED', true]]);
  const ii = run(f[8]!);
  t.deepEqual(ii.notifications.map((n) => [n.type, n.name, n.protocolId, n.spi, n.data]), [[18, 'INVALID-ID-INFORMATION', 3, 'c7a1e0f2', '00000001']]);
});

test('IKEv1 status notifications, deletes, mode config and identities', (t) => {
  const f = udpPayloads('ike-v1-informational.pcap');
  t.deepEqual(run(f[9]!).notifications.map((n) => [n.type, n.name, n.error, n.data]), [[36136, 'R-U-THERE', false, '00001a2b']]);
  t.deepEqual(run(f[10]!).notifications.map((n) => [n.type, n.name]), [[36137, 'R-U-THERE-ACK']]);
  t.deepEqual(run(f[11]!).notifications.map((n) => [n.type, n.name]), [[24576, 'RESPONDER-LIFETIME'], [24578, 'INITIAL-CONTACT']]);
  t.deepEqual(run(f[12]!).deletes, [{ protocolId: 3, spiSize: 4, count: 2, spis: ['c7a1e0f2', 'd3b2a190'] }]);
  t.deepEqual(run(f[13]!).deletes, [{ protocolId: 1, spiSize: 16, count: 1, spis: ['6e3c1f0a9d42b7e1c4d9a85e3f170b62'] }]);
  t.is(run(f[14]!).exchangeName, 'Transaction (Config Mode)');
  t.deepEqual(run(f[15]!).ids.map((i) => [i.type, i.value]), [
    [4, '10.10.0.0/255.255.255.0'],
    [7, '10.10.0.1-10.10.0.99'],
    [5, '2001:db8::10'],
    [6, '2001:db8::/ffff:ffff:ffff:ffff::'],
    [8, '2001:db8::1-2001:db8::ff'],
    [3, 'iscsi@lab.example'],
    [11, Buffer.from(filler(8, 78)).toString('hex')],
  ]);
  const cr = run(f[16]!);
  t.deepEqual(cr.certRequests, [4, 4]);
  t.deepEqual(cr.certificates, [4]);
});

test('IKEv2 IKE_SA_INIT: flags, proposals by transform type, KE group, NAT detection, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN, COOKIE', (t) => {
  const f = udpPayloads('ike-v2.pcap');
  const r = run(f[0]!);
  t.is(r.version, 2);
  t.is(r.exchangeName, 'IKE_SA_INIT');
  t.true(r.initiator);
  t.false(r.response);
  t.is(r.encrypted, false);
  const [p1, p2] = r.sa[0]!.proposals;
  t.is(p1!.protocolName, 'IKE');
  // RFC 7296 / IANA: ENCR 12 AES-CBC, 20 AES-GCM-16; INTEG 12 HMAC-SHA2-256-128, 2 HMAC-SHA1-96; PRF 5, 2; D-H 14, 19, 31
  t.deepEqual(p1!.offer.encryption.map((e) => [e.id, e.keyLength]), [[12, 256], [12, 128]]);
  t.deepEqual(p1!.offer.integrity.map((e) => e.id), [12, 2]);
  t.deepEqual(p1!.offer.prf.map((e) => e.id), [5, 2]);
  t.deepEqual(p1!.offer.group.map((e) => e.id), [14, 19]);
  t.deepEqual(p1!.transforms.map((x) => x.type), [1, 1, 3, 3, 2, 2, 4, 4]);
  t.deepEqual(p2!.offer.encryption.map((e) => [e.id, e.keyLength]), [[20, 256]]);
  t.deepEqual(p2!.offer.group.map((e) => e.id), [31]);
  t.deepEqual(r.keyExchange, [{ group: 14, length: 256 }]);
  t.deepEqual(r.notifications.map((n) => [n.type, n.name, n.error]), [
    [16388, 'NAT_DETECTION_SOURCE_IP', false],
    [16389, 'NAT_DETECTION_DESTINATION_IP', false],
    [16430, 'IKEV2_FRAGMENTATION_SUPPORTED', false],
    [16431, 'SIGNATURE_HASH_ALGORITHMS', false],
  ]);
  t.deepEqual(r.vendorIds, [{ hex: '882fe56d6fd20dbc2251613b2ebe5beb', name: 'strongSwan' }]);
  const ke = run(f[1]!);
  t.true(ke.response);
  t.false(ke.initiator);
  t.deepEqual(ke.notifications, [{ type: 17, name: 'INVALID_KE_PAYLOAD', error: true, protocolId: 0, doi: null, spi: '', data: '0013', acceptedGroup: 19 }]);
  t.deepEqual(run(f[9]!).notifications.map((n) => [n.type, n.name, n.error]), [[14, 'NO_PROPOSAL_CHOSEN', true]]);
  t.deepEqual(run(f[11]!).notifications.map((n) => [n.type, n.name, n.data.length]), [[16390, 'COOKIE', 32]]);
});

test('IKEv2 IKE_AUTH: the Encrypted payload is its length and inner type only; plaintext AUTH and identities', (t) => {
  const f = udpPayloads('ike-v2.pcap');
  const a = run(f[4]!);
  t.is(a.exchangeName, 'IKE_AUTH');
  t.is(a.messageId, 1);
  t.deepEqual(a.payloads.map((p) => p.type), [46]);
  t.deepEqual(a.encryptedData, { length: 304, firstPayload: 35 });
  t.deepEqual(a.ids, []);
  const clear = run(f[13]!);
  t.deepEqual(clear.authMethods, [2]);
  t.deepEqual(clear.ids, [{ payload: 35, type: 2, typeName: 'FQDN', protocolId: null, port: null, value: 'initiator.lab.example' }]);
  const sig = run(f[14]!);
  t.deepEqual(sig.authMethods, [14]);
  t.deepEqual(sig.ids.map((i) => [i.payload, i.typeName, i.value]), [[36, 'IPV4_ADDR', '198.51.100.20']]);
  t.true(sig.response);
});

test('critical bit, unknown payloads and an empty SK are reported, not guessed', (t) => {
  const r = run(message(H2, [pl(60, filler(4), { critical: true }), pl(P.SK, filler(8), { next: P.NONE })]));
  t.deepEqual(r.payloads.map((p) => [p.type, p.critical]), [[60, true], [46, false]]);
  t.true(r.problems.some((p) => /payload type 60/.test(p)));
  t.deepEqual(r.encryptedData, { length: 8, firstPayload: 0 });
});

test('not ISAKMP: under 28 bytes, a length field under 28, one byte (even 0xFF on port 500)', (t) => {
  for (const b of [new Uint8Array(0), filler(20), Uint8Array.of(0xff), message({ ...H1, length: 27 }, [])]) {
    const r = run(b);
    t.false(r.isIsakmp);
    t.is(r.problems.length, 1);
    t.deepEqual(isakmp.tree!(ByteView.of(b), TREE), []);
    t.false(isakmpProbe(ByteView.of(b)));
  }
  t.true(isakmpProbe(ByteView.of(message(H1, []))));
});

test('malformed: where the walk stops is in problems, and what came before is kept', (t) => {
  const over = run(message({ ...H1, length: 600 }, [pl(P.VID, VID.DPD)]));
  t.true(over.isIsakmp);
  t.is(over.length, 600);
  t.deepEqual(over.payloads, []);
  t.true(over.problems.some((p) => /runs past the 48 bytes/.test(p)));
  t.true(over.problems.some((p) => /^stopped:/.test(p)));
  const chain = run(message(H1, [pl(P.NONCE, filler(16)), pl(P.VID, VID.DPD, { length: 300 })]));
  t.deepEqual(chain.nonces, [16]);
  t.deepEqual(chain.payloads.map((p) => [p.type, p.length]), [[10, 20], [13, 300]]);
  t.deepEqual(chain.vendorIds, []);
  t.true(chain.problems.some((p) => /^stopped:/.test(p)));
  const zero = run(message(H1, [pl(P.NONCE, filler(8), { length: 0 }), pl(P.VID, VID.DPD)]));
  t.true(zero.problems.some((p) => /length 0 is less than 4/.test(p)));
  const extra = run(message(H1, [pl(P.NONCE, filler(8), { next: 0 }), pl(P.VID, VID.DPD)]));
  t.true(extra.problems.some((p) => /after the last payload/.test(p)));
  const big = run(message({ ...H1, length: 0xfffffff0 }, [pl(P.VID, VID.DPD)]));
  t.true(big.problems.some((p) => /too large/.test(p)));
  t.is(big.length, 0xfffffff0);
  t.deepEqual(big.payloads, []);
  const wrapped = run(message({ ...H1, length: 0x80000010 }, [pl(P.VID, VID.DPD)]));
  t.true(wrapped.problems.some((p) => /runs past/.test(p)), 'just under the C int limit: an ordinary overrun');
  const few = run(message(H1, [pl(P.SA, saV1([{ number: 0, protocol: 1, count: 3, transforms: [{ number: 0, id: 1, attrs: attrTV(1, 7) }] }]))]));
  t.is(few.sa[0]!.proposals[0]!.transformCount, 3);
  t.is(few.sa[0]!.proposals[0]!.transforms.length, 1);
  t.true(few.problems.some((p) => /too few for a payload header/.test(p)));
});

test('the nesting guard: 260 empty Vendor IDs show 250, like tshark, and the result says why', (t) => {
  const r = run(message(H1, Array.from({ length: 260 }, () => pl(P.VID, new Uint8Array(0)))));
  t.is(r.vendorIds.length, 250);
  t.true(r.problems.some((p) => /nesting guard/.test(p)));
});

test('IKEv1 phase 2 proposals: ESP and AH transform IDs and IPsec attributes', (t) => {
  const sa = saV1([
    { number: 1, protocol: 3, spi: hexBytes('c0ffee01'), transforms: [{ number: 1, id: 12, attrs: concat([attrTV(4, 2), attrTV(5, 5), attrTV(6, 256), attrTV(3, 14), attrTV(1, 1), attrTV(2, 3600)]) }] },
    { number: 1, protocol: 2, spi: hexBytes('c0ffee02'), transforms: [{ number: 1, id: 3, attrs: attrTV(5, 2) }] },
  ]);
  const r = run(message({ ...H1, exchange: X.QUICK }, [pl(P.HASH, filler(20)), pl(P.SA, sa)]));
  const [e, a] = r.sa[0]!.proposals;
  t.is(e!.protocolName, 'IPSEC_ESP');
  t.is(e!.spi, 'c0ffee01');
  // RFC 2407 / 3602: ESP_AES (12); encapsulation 2 = transport; auth algorithm 5 = HMAC-SHA2-256
  t.deepEqual(e!.transforms[0]!.summary, {
    encryption: { id: 12, name: 'ESP_AES' },
    encapsulation: { id: 2, name: 'Transport' },
    integrity: { id: 5, name: 'HMAC-SHA2-256' },
    keyLength: 256,
    group: { id: 14, name: '2048 bit MODP group' },
    lifeSeconds: 3600,
  });
  t.is(a!.protocolName, 'IPSEC_AH');
  t.deepEqual(a!.transforms[0]!.summary.integrity, { id: 2, name: 'HMAC-SHA' });
});

test('UDP encapsulation: keepalive, Non-ESP marker + IKE, ESP, and the undecidable short datagrams', (t) => {
  const ctx = { transport: 'udp', srcPort: 4500, dstPort: 4500, tree: false } as const;
  const ka = udpencap.dissectPdu(ByteView.of(NAT_KEEPALIVE), ctx);
  t.is(ka.kind, 'keepalive');
  t.is(ka.ike, null);
  const ike = udpencap.dissectPdu(ByteView.of(nonEspMarker(encryptedV1(H1, P.ID, filler(32)))), ctx);
  t.is(ike.kind, 'ike');
  t.true(ike.ike!.encrypted);
  t.is(ike.ike!.ispi, '1122334455667788');
  const e = udpencap.dissectPdu(ByteView.of(espBytes(0xc8e1f204, 7, filler(48))), ctx);
  t.is(e.kind, 'esp');
  t.deepEqual(e.esp, { spi: 0xc8e1f204, seq: 7, payloadLength: 48 });
  for (const b of [Uint8Array.of(0xfe), filler(3), Uint8Array.of(0xff, 0xff), new Uint8Array(0)]) {
    const s = udpencap.dissectPdu(ByteView.of(b), ctx);
    t.is(s.kind, 'short');
    t.is(s.problems.length, 1);
  }
  // a marker with too little after it: IKE, but not ISAKMP for tshark
  const m = dissectUdpEncap(ByteView.of(concat([new Uint8Array(4), filler(20)])));
  t.is(m.result.kind, 'ike');
  t.false(m.result.ike!.isIsakmp);
  t.deepEqual(m.tree.map((n) => n.def.abbrev), ['udpencap']);
  t.is(tsharkColumn([m.tree], 'udpencap.non_esp_marker'), '1');
});

test('tree and result agree: the trees of a whole capture carry the same payload types as the results', (t) => {
  for (const b of udpPayloads('ike-v1-informational.pcap')) {
    const d = dissectIsakmp(ByteView.of(b));
    const types = tsharkColumn([d.tree], 'isakmp.typepayload').split(',').filter(Boolean).map(Number);
    for (const p of d.result.payloads) t.true(types.includes(p.type));
    t.is(tsharkColumn([d.tree], 'isakmp.ispi'), d.result.ispi);
  }
});

test('notification and delete builders used above are the RFC layouts (sanity of the crafting code)', (t) => {
  // RFC 2408 §3.14: DOI(4) protocol(1) SPI size(1) type(2) SPI data
  t.deepEqual([...notifyV1(14, { protocol: 1 })], [0, 0, 0, 1, 1, 0, 0, 14]);
  // RFC 7296 §3.10: protocol(1) SPI size(1) type(2)
  t.deepEqual([...notifyV2(16390, { data: be16(1) })], [0, 0, 0x40, 0x06, 0, 1]);
  // RFC 2408 §3.15: DOI protocol SPI-size #SPIs SPIs
  t.deepEqual([...deleteV1(3, [be32(0x01020304)])], [0, 0, 0, 1, 3, 4, 0, 1, 1, 2, 3, 4]);
  t.deepEqual([...keV2(19, Uint8Array.of(9))], [0, 19, 0, 0, 9]);
  t.deepEqual([...idV1(1, Uint8Array.of(10, 0, 0, 1), 17, 500)], [1, 17, 1, 0xf4, 10, 0, 0, 1]);
  t.deepEqual([...certReq(4)], [4]);
  t.is(saV2([{ number: 1, protocol: 1, transforms: [{ type: 1, id: 12 }] }]).length, 16);
});
