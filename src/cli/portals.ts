/** `portals`: discovered-portal records and findings, in the format asked for (records.ts). */
import { portalChunks, portalStream } from '../output/portals.js';
import { cmdRecords } from './records.js';

export function cmdPortals(argv: string[]): Promise<number> {
  return cmdRecords(argv, 'portals', portalChunks, portalStream);
}
