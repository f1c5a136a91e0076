/**
 * The JSON Schemas in schema/ — one per command, `schema/<command>.schema.json`
 * describes `isns-dissector <command> --format json` — validate the output of
 * every bundled capture (a schema added for another command is picked up
 * here without a change). The validator (test/helpers/json-schema.ts) checks
 * the subset of JSON Schema the files use and rejects any other keyword.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { captureFiles } from './helpers/captures.js';
import { validate } from './helpers/json-schema.js';
import { CLI } from './helpers/cli.js';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);
const run = promisify(execFile);

const schemas = readdirSync(join(ROOT, 'schema')).filter((f) => f.endsWith('.schema.json')).sort();
const CAPTURES = captureFiles(join(ROOT, 'captures'));

test('there is a schema for portals and one for logons, each a valid JSON document with $defs', (t) => {
  t.true(schemas.includes('portals.schema.json'));
  t.true(schemas.includes('logons.schema.json'));
  for (const s of schemas) t.is(typeof JSON.parse(readFileSync(join(ROOT, 'schema', s), 'utf8')).$defs, 'object', s);
  t.true(CAPTURES.length >= 40, `${CAPTURES.length} captures`);
});

for (const s of schemas) {
  const command = s.replace(/\.schema\.json$/, '');
  test(`${command} --format json of every bundled capture validates against schema/${s}`, async (t) => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'schema', s), 'utf8'));
    const queue = [...CAPTURES.map((c) => [c]), CAPTURES.slice(0, 3)];
    let checked = 0;
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        let stdout: string;
        try {
          ({ stdout } = await run(process.execPath, [CLI, command, '--format', 'json', ...c], { maxBuffer: 256 << 20 }));
        } catch (e) {
          // exit 1 (an input not read to its end) still prints the JSON
          stdout = (e as { stdout?: string }).stdout ?? '';
        }
        const errors = validate(schema, JSON.parse(stdout));
        t.deepEqual(errors.slice(0, 10), [], c.join(' '));
        checked++;
      }
    };
    await Promise.all(Array.from({ length: 6 }, worker));
    t.is(checked, CAPTURES.length + 1);
  });
}

test('the validator catches what the schema forbids', (t) => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema/portals.schema.json'), 'utf8'));
  t.deepEqual(validate(schema, { inputs: [], portals: [], findings: [] }), []);
  t.regex(validate(schema, { inputs: [], portals: [], findings: [], extra: 1 }).join(), /"extra" is not allowed/);
  t.regex(validate(schema, { inputs: [], portals: [], findings: [{ code: 'X', severity: 'fatal', message: '', frames: [], filter: null }] }).join(), /"fatal" is not one of/);
  t.regex(validate(schema, { inputs: [], portals: [], findings: [{ code: 'X', severity: 'error', message: '', frames: [1], filter: 'frame.number == 1' }] }).join(), /does not match/);
  const logons = JSON.parse(readFileSync(join(ROOT, 'schema/logons.schema.json'), 'utf8'));
  const rec = { initiator: '10.0.0.1', portal: { address: '10.0.0.2', socket: 3260 }, discoveredBy: [], securityBitmap: null, securityBitmapSource: 'none', ike: null, esp: null, connections: [], outcome: 'unknown', findings: [] };
  t.deepEqual(validate(logons, { inputs: [], logons: [rec], findings: [] }), []);
  t.regex(validate(logons, { inputs: [], logons: [{ ...rec, outcome: 'maybe' }], findings: [] }).join(), /"maybe" is not one of/);
  t.regex(validate(logons, { inputs: [], logons: [{ ...rec, ike: { version: 1, phase1: null, phase2: null, notifications: [] } }], findings: [] }).join(), /phase1: expected object/);
  t.regex(validate(logons, { inputs: [], logons: [{ ...rec, esp: { spis: ['XYZ'], packets: 1, udpEncapsulated: false } }], findings: [] }).join(), /does not match/);
  t.throws(() => validate({ oneOf: [] }, 1), { message: /"oneOf" is not supported/ });
});
