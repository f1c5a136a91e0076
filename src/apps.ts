/**
 * The plug-in point for application protocols: each row ties a protocol the
 * dissector tables can hand PDUs to (dissector/registry.ts) to the binder that
 * turns its dissected PDUs into records and findings for one run.
 *
 * A new protocol: its dissector under dissector/<proto>/, its ports in
 * dissector/registry.ts, a binder under src/<proto>/, and one row here.
 */
import { isakmpApp, udpencapApp } from './ike/binder.js';
import { iscsiApp } from './iscsi/binder.js';
import { isnsApp } from './isns/binder.js';

export type { AppBinding, BindContext, Binder } from './binding.js';

/** The application protocols analyze() binds, by protocol. */
export const APPS = { isns: isnsApp, iscsi: iscsiApp, isakmp: isakmpApp, udpencap: udpencapApp } as const;
