/**
 * Portal records from the real open-isns captures, checked against what the
 * recording script made isnsd/isnsadm do (captures/record-open-isns.sh).
 */
import test from 'ava';
import { join, resolve } from 'node:path';
import { OPEN_ISNS_CHECKS } from './helpers/open-isns-checks.js';

const DIR = join(resolve(new URL('../..', import.meta.url).pathname), 'captures');

for (const [name, check] of OPEN_ISNS_CHECKS) test(name, (t) => check(t, DIR));
