/**
 * iSNS names, one table each: function ids and status codes with their
 * RFC 4171 names (used in every message this tool writes) and, where
 * Wireshark 4.0 spells one differently, Wireshark's value string (used only
 * for the field table, so `-e`/tree output stays tshark's). Flag bits and the
 * header size.
 */

/** Requests and notifications (RFC 4171 §5.1.2 / §6): id, RFC name, Wireshark's name when it differs. */
const FUNCTIONS: readonly (readonly [number, string, string?])[] = [
  [0x0001, 'DevAttrReg'], [0x0002, 'DevAttrQry'], [0x0003, 'DevGetNext'], [0x0004, 'DevDereg', 'DeregDev'],
  [0x0005, 'SCNReg'], [0x0006, 'SCNDereg'], [0x0007, 'SCNEvent'], [0x0008, 'SCN'], [0x0009, 'DDReg'],
  [0x000a, 'DDDereg'], [0x000b, 'DDSReg'], [0x000c, 'DDSDereg'], [0x000d, 'ESI'], [0x000e, 'Heartbeat'],
  [0x0011, 'RqstDomId'], [0x0012, 'RlseDomId'], [0x0013, 'GetDomId'],
];

/** Status codes (RFC 4171 §5.4): RFC name, Wireshark's name when it differs. */
const STATUSES: readonly (readonly [string, string?])[] = [
  ['Successful', 'No Error'], ['Unknown Error'], ['Message Format Error'], ['Invalid Registration'], ['RESERVED'],
  ['Invalid Query'], ['Source Unknown'], ['Source Absent'], ['Source Unauthorized'], ['No Such Entry', 'No such Entry'],
  ['Version Not Supported'], ['Internal Error'], ['Busy'], ['Option Not Understood'], ['Invalid Update'],
  ['Message (FUNCTION_ID) Not Supported', 'Message (FUNCTION_ID) Not supported'], ['SCN Event Rejected'],
  ['SCN Registration Rejected'], ['Attribute Not Implemented'], ['FC_DOMAIN_ID Not Available', 'FC_DOMAIN_ID Not available'],
  ['FC_DOMAIN_ID Not Allocated', 'FC_DOMAIN_ID not allocated'], ['ESI Not Available'], ['Invalid Deregistration'],
  ['Registration Feature Not Supported'],
];

/** The Heartbeat has no response (RFC 4171 §5.6.5.14). */
export const HEARTBEAT = 0x000e;

function withResponses(ws: boolean): Map<number, string> {
  const m = new Map<number, string>();
  for (const [id, rfc, w] of FUNCTIONS) m.set(id, ws ? (w ?? rfc) : rfc);
  for (const [id, rfc, w] of FUNCTIONS) if (id !== HEARTBEAT) m.set(id | 0x8000, `${ws ? (w ?? rfc) : rfc}Rsp`);
  return m;
}

/** RFC 4171 function names, requests and responses. */
export const FUNCTION_NAMES: ReadonlyMap<number, string> = withResponses(false);
/** Wireshark 4.0's value strings for isns.functionid. */
export const WS_FUNCTION_NAMES: ReadonlyMap<number, string> = withResponses(true);
/** Wireshark 4.0's value strings for isns.errorcode. */
export const WS_STATUS_NAMES: readonly string[] = STATUSES.map(([rfc, ws]) => ws ?? rfc);

/** FUNCTION_NAMES's ids as a table (1: known), read once per PDU without hashing. */
const KNOWN_FUNCTION: Readonly<Uint8Array> = (() => {
  const t = new Uint8Array(0x10000);
  for (const id of FUNCTION_NAMES.keys()) t[id] = 1;
  return t;
})();

export function knownFunction(fid: number): boolean {
  return KNOWN_FUNCTION[fid] === 1;
}

/**
 * FUNCTION_NAMES as an array: ids 0x0000-0x001f at their own index, responses
 * (0x8000 set) 32 further. A name is looked up for every message on both
 * threads, where a Map lookup by number costs ~25 ns and this ~2.
 */
const nameIndex = (fid: number): number => (fid & 0x1f) | ((fid >>> 10) & 0x20);
const FUNCTION_NAME_AT: readonly (string | undefined)[] = (() => {
  const t = new Array<string | undefined>(64).fill(undefined);
  for (const [id, name] of FUNCTION_NAMES) t[nameIndex(id)] = name;
  return t;
})();

/** The RFC name of a function id ("DevDereg", "DevAttrRegRsp"), or "unknown function 0x0a81". */
export function functionName(fid: number): string {
  const name = (fid & 0xffff7fe0) === 0 ? FUNCTION_NAME_AT[nameIndex(fid)] : undefined;
  return name ?? `unknown function 0x${fid.toString(16).padStart(4, '0')}`;
}

/** "9 No Such Entry": a status code with its RFC name. */
export function statusText(code: number): string {
  return `${code} ${STATUSES[code]?.[0] ?? 'Reserved'}`;
}

/** Wireshark's text for a function id, as tshark shows it. */
export function wsFunctionName(fid: number): string {
  return WS_FUNCTION_NAMES.get(fid) ?? `Unknown function ID 0x${fid.toString(16).padStart(4, '0')}`;
}

/** Wireshark's text for a status code, as tshark shows it. */
export function wsStatusName(code: number): string {
  return WS_STATUS_NAMES[code] ?? `Unknown (${code})`;
}

export function isResponse(fid: number): boolean {
  return (fid & 0x8000) !== 0;
}

// Flags word (RFC 4171 §5.1.4).
export const FLAG_CLIENT = 0x8000;
export const FLAG_SERVER = 0x4000;
export const FLAG_AUTH = 0x2000;
export const FLAG_REPLACE = 0x1000;
export const FLAG_LAST = 0x0800;
export const FLAG_FIRST = 0x0400;
/** Flag bits RFC 4171 reserves (must be zero). */
export const FLAG_RESERVED = 0x03ff;

/** The fixed PDU header: six 16-bit words. */
export const HEADER = 12;

/** Function ids the portal records care about. */
export const FN = {
  DevAttrReg: 0x0001,
  DevAttrQry: 0x0002,
  DevGetNext: 0x0003,
  DevDereg: 0x0004,
  SCN: 0x0008,
  DDSReg: 0x000b,
  DDSDereg: 0x000c,
  ESI: 0x000d,
} as const;
