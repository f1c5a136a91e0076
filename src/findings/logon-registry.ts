/**
 * The logon-scope rows of the finding registry (registry.ts spreads them into
 * its table): code, severity, summary and the message template. The rules
 * that raise them are in logon-rules.ts.
 */
import type { Severity } from '../types.js';

export interface Row<P> {
  readonly severity: Severity;
  readonly scope: 'logon';
  readonly summary: string;
  readonly message: (p: P) => string;
}

function row<P>(severity: Severity, summary: string, message: (p: P) => string): Row<P> {
  return { severity, scope: 'logon', summary, message };
}

const list = (fs: readonly number[]): string => `frame${fs.length === 1 ? '' : 's'} ${fs.join(', ')}`;
const times = (n: number): string => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

export const LOGON_FINDINGS = {
  IKE_MODE_NOT_ALLOWED: row<{ mode: string; frame: number; bitmap: string; allowed: string }>(
    'error', "the IKEv1 phase 1 exchange is one the portal's bitmap does not enable", (p) =>
      `the initiator started IKE ${p.mode} mode (frame ${p.frame}), which the portal's bitmap ${p.bitmap} does not enable (it enables ${p.allowed}): an initiator that follows the bitmap negotiates ${p.allowed}, so this exchange comes from an IPsec policy configured apart from what iSNS advertises, and a responder configured like the bitmap may refuse it`),
  IKE_TO_NON_IPSEC_PORTAL: row<{ bitmap: string; frame: number }>('warning', 'IKE toward a portal whose valid bitmap has IKE/IPsec clear', (p) =>
    `IKE toward this portal's host (frame ${p.frame}) although the portal's bitmap ${p.bitmap} has IKE/IPsec (0x02) clear: initiators that follow the bitmap log on without IPsec, so the IPsec policy behind this exchange and what iSNS advertises disagree`),
  IKE_NO_RESPONSE: row<{ version: number; exchange: string; responder: string; port: number; messages: number; retransmissions: number }>(
    'error', "phase 1 messages toward the portal's host got no reply", (p) =>
      `IKEv${p.version} ${p.exchange} toward ${p.responder} (UDP ${p.port}) got no reply: ${p.messages === 1 ? 'message 1 was sent' : `${p.messages} messages were sent`}${p.retransmissions ? ` (${p.retransmissions} retransmission${p.retransmissions === 1 ? '' : 's'} in all)` : ''} and nothing came back. Nothing answers IKE there (no IKE service, a firewall dropping UDP 500/4500, or the wrong address), so no IPsec SA can be set up and an IPsec logon to the portal fails`),
  IKE_PHASE1_FAILED: row<{ what: string; why: string }>('error', 'the responder answered but phase 1 did not complete', (p) =>
    `${p.what}; ${p.why}. On a Windows initiator, the "Audit IPsec Main Mode" audit subcategory logs the failure and its reason in the Security log`),
  IKE_PHASE2_FAILED: row<{ messages: number; outcome: string; after: string }>('error', 'phase 1 completed, quick mode did not, and no ESP followed', (p) =>
    `IKE phase 1 completed, but quick mode did not (${p.messages} message${p.messages === 1 ? '' : 's'}, ${p.outcome}) and no ESP followed${p.after}. Quick mode is encrypted: which proposal, PFS group or transport/tunnel mode was refused cannot be read from the capture (compare the bitmap's PFS and mode bits with both ends' IPsec policy). On a Windows initiator, the "Audit IPsec Quick Mode" audit subcategory logs the reason`),
  IKE_ERROR_NOTIFY: row<{ from: string; name: string; type: number; frames: number[]; meaning: string }>('error', 'a plaintext IKE notification of an error type', (p) =>
    `the ${p.from} sent ${p.name} (${p.type}) in the clear (${list(p.frames)}): ${p.meaning}`),
  IPSEC_REQUIRED_BUT_PLAINTEXT: row<{ bitmap: string; source: string; connections: number; logins: number }>(
    'error', 'a plaintext TCP connection or iSCSI login to a portal whose valid bitmap sets IKE/IPsec', (p) =>
      `${p.source} ${p.bitmap} requires IKE/IPsec, but ${p.connections === 1 ? 'a TCP connection' : `${p.connections} TCP connections`} to it went in the clear${p.logins ? `, with ${p.logins === 1 ? 'an iSCSI login' : `${p.logins} iSCSI logins`} readable on the wire` : ''}: an initiator that follows the bitmap sets up IPsec (IKE, then ESP) first. This traffic is unprotected, so either the initiator ignored the bitmap or its IPsec policy does not cover this portal`),
  ISCSI_CONNECT_FAILED: row<{ portal: string; refused: number; unanswered: number; syns: number }>('error', 'the SYN to the portal was refused (RST) or never answered', (p) => {
    const parts: string[] = [];
    if (p.refused) parts.push(`${p.refused === 1 ? 'a connection attempt was' : `${p.refused} connection attempts were`} refused with RST: nothing listens on that port at that address (a wrong port, or the target service is down)`);
    if (p.unanswered) parts.push(`${p.unanswered === 1 ? 'a connection attempt' : `${p.unanswered} connection attempts`} (${p.syns} SYN${p.syns === 1 ? '' : 's'}) got no answer: a firewall or IPsec policy drops it, or the host is down`);
    return `TCP to ${p.portal}: ${parts.join('; ')}. The Windows initiator reports a connection failure (ISDSC_CONNECTION_FAILED, 0xEFFF0003)`;
  }),
  ISCSI_LOGIN_FAILED: row<{ target: string; hex: string; cls: number; detail: number; status: string; meaning: string; windows: string | null; count: number; authMethod: string | null }>(
    'error', 'a Login response with status class other than 0', (p) =>
      `the target answered the Login${p.target ? ` to ${p.target}` : ''} with status ${p.hex} (class ${p.cls}, detail ${p.detail}: ${p.status}, RFC 7143)${p.count > 1 ? `, ${times(p.count)}` : ''}: ${p.meaning}${p.authMethod ? ` (authentication method ${p.authMethod})` : ''}.${p.windows ? ` The Windows initiator reports ${p.windows}` : ''}`),
  ISCSI_LOGIN_NO_RESPONSE: row<{ target: string; frame: number; count: number }>('warning', 'a Login request with no response', (p) =>
    `the Login request${p.target ? ` to ${p.target}` : ''} in frame ${p.frame}${p.count > 1 ? ` (and ${p.count - 1} more)` : ''} got no response by the end of the capture: the target stopped answering, or the capture stopped too early`),
} as const;
