/**
 * Plain records passed between pipeline stages:
 * capture reader → link/IP → TCP/UDP → reassembly/framer → iSNS PDU → message → portal records.
 */

/** An exact capture timestamp: whole seconds since the epoch + nanoseconds. */
export interface Timestamp {
  readonly sec: number;
  /** 0..999_999_999, exact (no float rounding). */
  readonly nsec: number;
  /** Decimal digits of the capture's own precision (6 for µs pcap, 9 for ns). */
  readonly digits: number;
}

/** One record from a capture file. */
export interface Packet {
  /** The input's name as given on the command line ("-" for stdin). */
  readonly file: string;
  /** 1-based frame number within its file (as tshark numbers them). */
  readonly frame: number;
  /** Byte offset of the record (header) in the (decompressed) file. */
  readonly offset: number;
  readonly linktype: number;
  /** pcapng interface id (0 for classic pcap). */
  readonly iface: number;
  readonly ts: Timestamp;
  /** Bytes in the capture. */
  readonly caplen: number;
  /** Bytes on the wire. */
  readonly origlen: number;
  /**
   * The captured bytes. Valid only during the callback: the reader's chunk is
   * reused/released afterwards, so copy whatever must be kept.
   */
  readonly data: Uint8Array;
}

export type CaptureFormat = 'pcap' | 'pcapng';

/** A problem reading a capture file (structure, not protocol). */
export interface CaptureProblem {
  /** TRUNCATED_CAPTURE: the file ends inside a record/block; CAPTURE_ERROR: anything else. */
  readonly code: 'TRUNCATED_CAPTURE' | 'CAPTURE_ERROR';
  readonly file: string;
  /** The frame being read when it happened (the next frame number), if any. */
  readonly frame?: number;
  /** Byte offset in the (decompressed) file. */
  readonly offset: number;
  readonly message: string;
  /** True when reading stopped because of it. */
  readonly fatal: boolean;
}

export interface CaptureSink {
  packet(p: Packet): void;
  problem(p: CaptureProblem): void;
}

/** What one input yielded (the contract's `inputs[]` entry, plus internals). */
export interface InputSummary {
  file: string;
  /** null when not recognised. */
  format: CaptureFormat | null;
  gzip: boolean;
  packets: number;
  /** Bytes read from the (decompressed) capture. */
  bytes: number;
  /** The one-line error when the input could not be read at all (or stopped early), else null. */
  error: string | null;
}

/** Where a finding or record was seen. */
export interface SeenAt {
  readonly file: string;
  readonly frame: number;
  readonly time: string;
}

export type Severity = 'info' | 'warning' | 'error';
