/**
 * iSCSI Login status names (RFC 7143 §11.13.5), what each means for a logon,
 * and the error the Windows iSCSI initiator reports for it (the ISDSC_*
 * status of the same name in the Windows SDK's iscsierr.h).
 */

interface StatusInfo {
  /** RFC 7143's name. */
  readonly name: string;
  /** What it means, in plain words. */
  readonly meaning: string;
  /** iscsierr.h: the Windows initiator's status of the same name. */
  readonly windows?: string;
}

const STATUS: ReadonlyMap<number, StatusInfo> = new Map([
  [0x0000, { name: 'Success', meaning: 'the login is proceeding' }],
  [0x0101, { name: 'Target moved temporarily', meaning: 'the target redirects the initiator to another address (TargetAddress in the response); a login there normally follows', windows: 'ISDSC_TARGET_MOVED_TEMPORARILY (0xEFFF0006)' }],
  [0x0102, { name: 'Target moved permanently', meaning: 'the target redirects the initiator to another address for good (TargetAddress in the response)', windows: 'ISDSC_TARGET_MOVED_PERMANENTLY (0xEFFF0007)' }],
  [0x0200, { name: 'Initiator error', meaning: 'the target found an error in the initiator\'s request', windows: 'ISDSC_INITIATOR_ERROR (0xEFFF0008)' }],
  [0x0201, { name: 'Authentication failure', meaning: 'the target could not authenticate the initiator: wrong CHAP name or secret, or no credentials where the target requires them', windows: 'ISDSC_AUTHENTICATION_FAILURE (0xEFFF0009)' }],
  [0x0202, { name: 'Authorization failure', meaning: 'the initiator is authenticated but not allowed to access this target (its access list)', windows: 'ISDSC_AUTHORIZATION_FAILURE (0xEFFF000A)' }],
  [0x0203, { name: 'Not found', meaning: 'the target has no such target name at this portal (some targets answer this for an initiator their access list leaves out)', windows: 'ISDSC_NOT_FOUND (0xEFFF000B)' }],
  [0x0204, { name: 'Target removed', meaning: 'the target no longer exists', windows: 'ISDSC_TARGET_REMOVED (0xEFFF000C)' }],
  [0x0205, { name: 'Unsupported version', meaning: 'no iSCSI version both ends support', windows: 'ISDSC_UNSUPPORTED_VERSION (0xEFFF000D)' }],
  [0x0206, { name: 'Too many connections', meaning: 'the session has as many connections as the target allows', windows: 'ISDSC_TOO_MANY_CONNECTIONS (0xEFFF000E)' }],
  [0x0207, { name: 'Missing parameter', meaning: 'a required key (e.g. InitiatorName, TargetName) is missing from the Login request', windows: 'ISDSC_MISSING_PARAMETER (0xEFFF000F)' }],
  [0x0208, { name: "Can't include in session", meaning: 'the target cannot add this connection to the session', windows: 'ISDSC_CANT_INCLUDE_IN_SESSION (0xEFFF0010)' }],
  [0x0209, { name: 'Session type not supported', meaning: 'the target does not support the session type asked for', windows: 'ISDSC_SESSION_TYPE_NOT_SUPPORTED (0xEFFF0011)' }],
  [0x020a, { name: 'Session does not exist', meaning: 'the session the initiator tried to add a connection to does not exist' }],
  [0x020b, { name: 'Invalid during login', meaning: 'the request is not valid during login' }],
  [0x0300, { name: 'Target error', meaning: 'the target failed (miscellaneous target error)', windows: 'ISDSC_TARGET_ERROR (0xEFFF0012)' }],
  [0x0301, { name: 'Service unavailable', meaning: 'the target is temporarily unable to serve the login', windows: 'ISDSC_SERVICE_UNAVAILABLE (0xEFFF0013)' }],
  [0x0302, { name: 'Out of resources', meaning: 'the target has no resources for this login', windows: 'ISDSC_OUT_OF_RESOURCES (0xEFFF0014)' }],
]);

const CLASS: readonly string[] = ['Success', 'Redirection', 'Initiator error', 'Target error'];

/** RFC 7143's name of a status (class << 8 | detail); an undefined detail is named by its class. */
export function statusName(cls: number, detail: number): string {
  const s = STATUS.get(((cls & 0xff) << 8) | (detail & 0xff));
  if (s) return s.name;
  const c = CLASS[cls] ?? `Status class 0x${cls.toString(16).padStart(2, '0')}`;
  return `${c}, detail 0x${detail.toString(16).padStart(2, '0')}`;
}

export function statusMeaning(cls: number, detail: number): { meaning: string; windows: string | null } {
  const s = STATUS.get(((cls & 0xff) << 8) | (detail & 0xff));
  return { meaning: s?.meaning ?? 'a status RFC 7143 does not define', windows: s?.windows ?? null };
}

/** "0x0201" */
export function statusHex(cls: number, detail: number): string {
  return `0x${(((cls & 0xff) << 8) | (detail & 0xff)).toString(16).padStart(4, '0')}`;
}
