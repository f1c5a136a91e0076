/**
 * The checks of a recorded IKE or iSCSI capture against the truth its
 * recording script wrote (captures/record-ike.sh, captures/record-iscsi.sh):
 * the truth's fields mapped to the logon record's (and, for iSCSI, the portal
 * records'). Used on the committed recordings (test/logons.test.ts) and on
 * fresh ones made live (test/live-recording.test.ts).
 */
import type { ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';

interface IkeTruth {
  initiator: { address: string };
  responder: { address: string };
  ike: { version: number; phase1Exchange: string; outcome: string; retransmissions?: { count: number }; exchanges: { type: number; initiatorToResponder: number; responderToInitiator: number }[] };
  phase2: { exchange: string; outcome: string; messages?: { initiatorToResponder: number; responderToInitiator: number } };
  plaintextNotifications: { type: number; name: string; count: number }[];
  esp: { expected: boolean; udpEncapsulated: boolean; bothDirections?: boolean };
  tcp: { from: string; to: string; outcome: string; encrypted: string | false }[];
}

/** The logon record of a recorded IKE capture (`dir`/NAME.pcap) says what its truth (`tf`) says. */
export async function checkIkeRecording(t: ExecutionContext, dir: string, tf: string): Promise<void> {
    const tr = JSON.parse(readFileSync(join(dir, tf), 'utf8')) as IkeTruth;
    const r = await analyze([join(dir, tf.replace('.truth.json', '.pcap'))]);
    t.deepEqual(r.portals, [], 'no iSNS in these captures');
    // TCP inside ESP (ike-main-esp-iscsi) is not visible: only plaintext connections name a port.
    const plainTcp = tr.tcp.filter((c) => c.encrypted === false);
    const socket = plainTcp.length ? Number(plainTcp[0]!.to.split(':')[1]) : null;
    t.is(r.logons!.length, 1);
    const l = r.logons![0]!;
    t.is(l.initiator, tr.initiator.address);
    t.deepEqual(l.portal, { address: tr.responder.address, socket });
    t.deepEqual(l.discoveredBy, []);
    t.is(l.securityBitmap, null);
    const ike = l.ike!;
    t.is(ike.version, tr.ike.version);
    t.is<string, string>(ike.phase1!.exchange, tr.ike.phase1Exchange);
    t.is<string, string>(ike.phase1!.outcome, tr.ike.outcome);
    // Phase-1 exchanges (main 2, aggressive 4, IKE_SA_INIT 34 + IKE_AUTH 35): distinct messages; every frame listed.
    const p1 = tr.ike.exchanges.filter((x) => [2, 4, 34, 35].includes(x.type));
    const sent = p1.reduce((n, x) => n + x.initiatorToResponder + x.responderToInitiator, 0);
    t.is(ike.phase1!.messages, sent - (tr.ike.retransmissions?.count ?? 0));
    t.is(ike.phase1!.frames.length, sent);
    if (tr.ike.version === 2 || tr.phase2.outcome === 'not-attempted') {
      // IKEv2's CHILD_SA is negotiated inside the encrypted IKE_AUTH: its outcome ("failed" in ike-v2-ok) cannot be seen.
      t.is(ike.phase2, null);
    } else {
      t.is<string, string>(ike.phase2!.outcome, tr.phase2.outcome);
      t.is(ike.phase2!.messages, tr.phase2.messages!.initiatorToResponder + tr.phase2.messages!.responderToInitiator);
    }
    const want = tr.plaintextNotifications.flatMap((n) => Array<number>(n.count).fill(n.type)).sort((a, b) => a - b);
    t.deepEqual(ike.notifications.map((n) => n.type).sort((a, b) => a - b), want);
    // IKEv1 names are RFC 2408's; IKEv2 names are Wireshark's (e.g. IKEV2_FRAGMENTATION_SUPPORTED where the truth says FRAGMENTATION_SUPPORTED): compared for IKEv1 only.
    if (tr.ike.version === 1) t.deepEqual(ike.notifications.map((n) => n.name).sort(), tr.plaintextNotifications.flatMap((n) => Array<string>(n.count).fill(n.name)).sort());
    // encryptedNotifications are inside encrypted payloads: not visible, not claimed.
    if (tr.esp.expected) {
      t.truthy(l.esp);
      t.is(l.esp!.udpEncapsulated, tr.esp.udpEncapsulated);
      if (tr.esp.bothDirections) t.true(l.esp!.spis.length >= 2);
      t.true(l.esp!.packets > 0); // the count varies with TCP ACK timing: not claimed by the truth
    } else t.is(l.esp, null);
    t.deepEqual(l.connections.map((c) => c.tcp), plainTcp.map((c) => (c.outcome === 'rst' ? 'refused' : c.outcome)));
    // Findings and outcome, by the contract's table and the README's outcome rule, from the truth's facts.
    const codes = new Set<string>();
    if (tr.ike.outcome === 'no-response') codes.add('IKE_NO_RESPONSE');
    if (tr.ike.outcome === 'incomplete') codes.add('IKE_PHASE1_FAILED');
    if (tr.ike.version === 1 && tr.ike.outcome === 'complete' && tr.phase2.outcome !== 'complete' && tr.phase2.outcome !== 'not-attempted' && !tr.esp.expected) codes.add('IKE_PHASE2_FAILED');
    if (tr.plaintextNotifications.some((n) => n.type < 8192)) codes.add('IKE_ERROR_NOTIFY');
    if (plainTcp.some((c) => c.outcome === 'rst')) codes.add('ISCSI_CONNECT_FAILED');
    t.deepEqual(new Set(l.findings.map((f) => f.code)), codes);
    const outcome = plainTcp.length ? (plainTcp[plainTcp.length - 1]!.outcome === 'rst' ? 'failed' : 'unknown') : tr.esp.expected && tr.esp.bothDirections ? 'ok' : codes.size ? 'failed' : 'unknown';
    t.is(l.outcome, outcome);
}

interface IscsiTruth {
  initiator: { address: string; name: string };
  portal: { address: string; port: number };
  iscsi: {
    sessionType: string; initiatorName: string; targetName: string | null; authMethod?: string; loginOutcome: string;
    statusClass: number | null; statusDetail: number | null; statusName?: string; loginPdus?: { requests: number; responses: number };
    sendTargets?: { TargetName: string; TargetAddress: string[] }[];
  };
  tcp: { outcome: string }[];
}

/** The logon record and portals of a recorded iSCSI capture say what its truth says. */
export async function checkIscsiRecording(t: ExecutionContext, dir: string, tf: string): Promise<void> {
    const tr = JSON.parse(readFileSync(join(dir, tf), 'utf8')) as IscsiTruth;
    // A portal off 3260 is followed when named (--iscsi-port), as the contract says.
    const iscsiPorts = tr.portal.port === 3260 ? [] : [tr.portal.port];
    const r = await analyze([join(dir, tf.replace('.truth.json', '.pcap'))], { iscsiPorts });
    t.is(r.logons!.length, 1);
    const l = r.logons![0]!;
    t.is(l.initiator, tr.initiator.address);
    t.deepEqual(l.portal, { address: tr.portal.address, socket: tr.portal.port });
    t.is(l.ike, null);
    t.is(l.esp, null);
    t.deepEqual(l.connections.map((c) => c.tcp), tr.tcp.map((c) => (c.outcome === 'rst' ? 'refused' : c.outcome)));
    const c = l.connections[0]!;
    const s = tr.iscsi;
    if (s.loginPdus?.requests === 0) t.is(c.login, null);
    else {
      const login = c.login!;
      t.is(login.sessionType, s.sessionType);
      t.is(login.initiatorName, s.initiatorName);
      t.is(login.targetName, s.targetName);
      t.is(login.authMethod, s.authMethod ?? null);
      t.is<string, string>(login.outcome, s.loginOutcome);
      t.is(login.statusClass, s.statusClass);
      t.is(login.statusDetail, s.statusDetail);
      // RFC 7143 §11.13.5 names 0x0000 "Success"; the truths name the failures.
      t.is(login.status, s.statusClass === 0 ? 'Success' : (s.statusName ?? null));
      if (s.loginPdus) t.is(login.frames.length, s.loginPdus.requests + s.loginPdus.responses);
    }
    // Discovery: the SendTargets answer went to this initiator and listed this portal.
    const listed = (s.sendTargets ?? []).some((e) => e.TargetAddress.some((a) => a.split(',')[0] === `${tr.portal.address}:${tr.portal.port}`));
    t.deepEqual(l.discoveredBy, listed ? ['sendtargets'] : []);
    const codes = new Set<string>();
    if (s.loginOutcome === 'failed') codes.add('ISCSI_LOGIN_FAILED');
    if (tr.tcp.some((x) => x.outcome === 'rst')) codes.add('ISCSI_CONNECT_FAILED');
    t.deepEqual(new Set(l.findings.map((f) => f.code)), codes);
    t.is(l.outcome, s.loginOutcome === 'success' ? 'ok' : 'failed');
    // `portals`: SendTargets answers create queried portal records, the names with their TPGT.
    const st = s.sendTargets ?? [];
    const addrs = [...new Set(st.flatMap((e) => e.TargetAddress.map((a) => a.split(',')[0]!)))];
    t.deepEqual(r.portals.map((p) => `${p.address}:${p.socket}`), addrs);
    for (const p of r.portals) {
      t.is(p.state, 'queried');
      t.deepEqual(p.discoveredBy, ['sendtargets']);
      const names = st.filter((e) => e.TargetAddress.some((a) => a.startsWith(`${p.address}:${p.socket},`))).map((e) => ({ name: e.TargetName, nodeType: ['target'], pgTag: 1 }));
      t.deepEqual(p.iscsiNames, names.sort((a, b) => (a.name < b.name ? -1 : 1)));
      t.is(p.securityBitmap, null);
      t.deepEqual(p.findings.map((f) => f.code), ['BITMAP_ABSENT']);
    }
}
