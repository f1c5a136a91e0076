/**
 * Capture formats: recognised by their magic bytes only (never by the file
 * name), each with the reader that turns its byte stream into packets.
 */
import { PcapGuard } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import type { CaptureFormat, CaptureSink } from '../types.js';
import type { FormatReader } from './reader.js';

export type { FormatReader } from './reader.js';

export type Magic = 'pcap' | 'pcapng' | 'gzip' | null;

export function magicOf(b: Buffer): Magic {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b.length < 4) return null;
  const m = b.readUInt32BE(0);
  if (m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1) return 'pcap';
  if (m === 0x0a0d0d0a) return 'pcapng';
  return null;
}

/** The reader of each format: file name (for messages), where packets go, the largest record/block accepted. */
export const FORMAT_READERS: Readonly<Record<CaptureFormat, (input: string, sink: CaptureSink, maxRecord: number) => FormatReader>> = {
  pcap: (input, sink, maxRecord) => new PcapGuard(input, sink, maxRecord),
  pcapng: (input, sink, maxRecord) => new PcapngReader(input, sink, maxRecord),
};
