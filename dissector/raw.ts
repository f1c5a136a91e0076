/** Raw IP link types: 101 (and the old 12/14) by version nibble; 228 IPv4; 229 IPv6. */
import type { ByteView } from './byteview.js';
import type { LayerResult, Protocol } from './protocol.js';
import { tooShort } from './layer.js';

export interface RawInfo {
  readonly version: number;
}

export const rawIp: Protocol<RawInfo | null> = {
  abbrev: 'raw',
  name: 'Raw packet data',
  fields: [],
  dissect(v: ByteView): LayerResult<RawInfo | null> {
    if (!v.has(0, 1)) return { info: null, problems: [tooShort(v, 1, 'raw IP')] };
    const version = v.u8(0) >> 4;
    if (version === 4) return { info: { version }, next: { table: 'ethertype', key: 0x0800 }, payload: v };
    if (version === 6) return { info: { version }, next: { table: 'ethertype', key: 0x86dd }, payload: v };
    return { info: { version }, problems: [{ kind: 'malformed', offset: v.abs(0), message: `raw IP: version ${version} is neither 4 nor 6` }] };
  },
};

function fixed(abbrev: string, key: number): Protocol<RawInfo | null> {
  return {
    abbrev,
    name: `Raw IPv${key === 0x0800 ? 4 : 6}`,
    fields: [],
    dissect: (v) => ({ info: { version: key === 0x0800 ? 4 : 6 }, next: { table: 'ethertype', key }, payload: v }),
  };
}

export const rawIpv4 = fixed('raw.ipv4', 0x0800);
export const rawIpv6 = fixed('raw.ipv6', 0x86dd);
