/**
 * The logon record (the contract's `logons` JSON shape): one per (initiator
 * address, portal address, portal TCP port), what discovery told the
 * initiator and what happened next (IKE, ESP, TCP, iSCSI Login).
 */
import type { Finding } from '../findings/registry.js';
import type { DiscoveredBy } from '../isns/portals/record.js';

export type { DiscoveredBy };

export type IkeOutcome = 'complete' | 'incomplete' | 'no-response';

export interface LogonIke {
  /** 1 or 2 (ISAKMP header). */
  version: number;
  /** The phase-1 exchange; null when the capture holds none of it (the SA began before the capture). */
  phase1: { exchange: 'main' | 'aggressive' | 'ike_sa_init'; outcome: IkeOutcome; messages: number; frames: number[] } | null;
  /** IKEv1 quick mode; null if none (and always for IKEv2, whose CHILD_SA is negotiated encrypted). */
  phase2: { outcome: IkeOutcome; messages: number; frames: number[] } | null;
  /** Plaintext notifications. */
  notifications: { type: number; name: string; frame: number }[];
}

export interface LogonEsp {
  spis: string[];
  packets: number;
  udpEncapsulated: boolean;
}

export interface LogonLogin {
  sessionType: 'Normal' | 'Discovery' | string;
  initiatorName: string | null;
  targetName: string | null;
  authMethod: string | null;
  outcome: 'success' | 'failed' | 'no-response';
  statusClass: number | null;
  statusDetail: number | null;
  status: string | null;
  frames: number[];
}

export interface LogonConnection {
  tcp: 'established' | 'refused' | 'no-response';
  frames: number[];
  login: LogonLogin | null;
}

export interface LogonRecord {
  initiator: string;
  portal: { address: string; socket: number | null };
  discoveredBy: DiscoveredBy[];
  securityBitmap: number | null;
  securityBitmapSource: 'isns' | 'default' | 'none';
  ike: LogonIke | null;
  esp: LogonEsp | null;
  connections: LogonConnection[];
  outcome: 'ok' | 'failed' | 'unknown';
  findings: Finding[];
}
