/**
 * `--format json` (the contract's object, streamed record by record and
 * finding by finding) and `--format ndjson` (one line per record, then one
 * per capture-level finding, then — portals — one per input), for portal
 * and logon records alike.
 *
 * Strings from the capture are data: besides what JSON itself escapes (C0
 * controls, quote, backslash), every character a terminal or a log viewer
 * acts on — DEL, the C1 controls (U+0080–U+009F: NEL, CSI, OSC...), the line
 * and paragraph separators U+2028/U+2029 and the bidi controls U+202A–U+202E
 * and U+2066–U+2069 — is written as a \uXXXX escape, as the table shows them.
 * These characters can only occur inside JSON strings, so the text stays
 * valid JSON and parses back to the very same strings.
 */
import type { AnalyzeResult, InputReport } from '../analyze.js';
import type { Finding } from '../findings/registry.js';

/** Characters JSON.stringify leaves raw that a terminal or log viewer would act on. */
const UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** JSON.stringify, with the characters above escaped as \uXXXX. */
export function safeJson(v: unknown, space?: number): string {
  const s = JSON.stringify(v, null, space);
  UNSAFE.lastIndex = 0;
  return UNSAFE.test(s) ? s.replace(UNSAFE, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')) : s;
}

function inputJson(i: InputReport): { file: string; format: string | null; packets: number; isnsPdus: number; bytes: number; error: string | null } {
  return { file: i.file, format: i.format, packets: i.packets, isnsPdus: i.isnsPdus, bytes: i.bytes, error: i.error };
}

/** The contract's JSON object (key order as the contract shows it). */
export function portalsJson(r: AnalyzeResult): unknown {
  return { inputs: r.inputs.map(inputJson), portals: r.portals, findings: r.findings };
}

export function formatJson(r: AnalyzeResult): string {
  return joinChunks(jsonChunks(r));
}

const indent = (s: string, by: string): string => s.replace(/\n/g, `\n${by}`);

/**
 * safeJson(v, 2) with every line indented by 4 spaces (the first too): v as an
 * element of an array that is itself an element, whose text JSON.stringify
 * indents so in one pass; the two brackets' lines before and after it (6
 * characters each side) are sliced off. (Indenting the text of v afterwards
 * with a regular expression made each record's text twice: the dense 256 MiB
 * pcapng's 10 MB of records took ~70 ms to write that way, ~40 this way.)
 */
function elementJson(v: unknown): string {
  const s = safeJson([[v]], 2);
  return s.slice(6, s.length - 6);
}

/**
 * An array that is a value of the top-level object (`"portals": [...]`,
 * `"findings": [...]`), one element at a time: the text of safeJson(a, 2)
 * indented by 2. Element `i` (its opening bracket before the first), then
 * the end of an array of `n` elements.
 */
const elementChunk = (i: number, v: unknown): string => `${i === 0 ? '[' : ','}\n${elementJson(v)}`;
const arrayEnd = (n: number): string => (n === 0 ? '[]' : '\n  ]');

function* arrayChunks(a: readonly unknown[]): Generator<string> {
  for (let i = 0; i < a.length; i++) yield elementChunk(i, a[i]);
  yield arrayEnd(a.length);
}

/**
 * A format written as its records come (json, ndjson, csv): its text before
 * the records (once the inputs are read), for each batch of records, and
 * after them. Written in one go (head, one batch of every record, tail), it
 * is the format's text of a whole result.
 */
export interface RecordStream<R> {
  head(inputs: readonly InputReport[]): Iterable<string>;
  records(batch: readonly R[]): Iterable<string>;
  tail(r: Pick<AnalyzeResult, 'inputs' | 'findings'>): Iterable<string>;
}

/**
 * The contract's object `{ inputs, <key>: records, findings }` as the text of
 * safeJson(..., 2) + "\n", written record by record.
 */
export function contractJsonStream<R>(key: string): RecordStream<R> {
  let n = 0;
  return {
    *head(inputs) {
      yield `{\n  "inputs": ${indent(safeJson(inputs.map(inputJson), 2), '  ')},\n  ${JSON.stringify(key)}: `;
    },
    *records(batch) {
      for (const x of batch) yield elementChunk(n++, x);
    },
    *tail(r) {
      yield arrayEnd(n);
      yield ',\n  "findings": ';
      yield* arrayChunks(r.findings);
      yield '\n}\n';
    },
  };
}

/** A stream's text of a whole result: head, every record, tail. */
export function* streamChunks<R>(s: RecordStream<R>, r: Pick<AnalyzeResult, 'inputs' | 'findings'>, records: readonly R[]): Generator<string> {
  yield* s.head(r.inputs);
  yield* s.records(records);
  yield* s.tail(r);
}

/**
 * The contract's object `{ inputs, <key>: records, findings }` as the text of
 * safeJson(..., 2) + "\n", one record and one finding at a time, so a
 * large result is written without building one huge string.
 */
export function contractJsonChunks(r: AnalyzeResult, key: string, records: readonly unknown[]): Generator<string> {
  return streamChunks(contractJsonStream(key), r, records);
}

/** The text of safeJson(portalsJson(r), 2) + "\n", in chunks. */
export function jsonChunks(r: AnalyzeResult): Generator<string> {
  return contractJsonChunks(r, 'portals', r.portals);
}

/** One line per record, then one per capture-level finding (`"type": "finding"`). */
export function* recordLines(records: readonly unknown[], findings: readonly Finding[]): Generator<string> {
  yield* jsonLines(records);
  yield* findingLines(findings);
}

/** One line of JSON per value. */
function* jsonLines(xs: readonly unknown[]): Generator<string> {
  for (const x of xs) yield safeJson(x) + '\n';
}

function* findingLines(findings: readonly Finding[]): Generator<string> {
  for (const f of findings) yield safeJson({ type: 'finding', ...f }) + '\n';
}

/**
 * One line per portal, then one per capture-level finding (`"type": "finding"`),
 * then one per input (`"type": "input"`: file, format, packets, isnsPdus,
 * bytes, error — the json `inputs` entry), so a read that stopped early is in
 * the data, not only on stderr.
 */
export function ndjsonLines(r: AnalyzeResult): Generator<string> {
  return streamChunks(ndjsonStream(), r, r.portals);
}

/** ndjsonLines as records come. */
export function ndjsonStream<R>(): RecordStream<R> {
  return {
    head: () => [],
    records: jsonLines,
    *tail(r) {
      yield* findingLines(r.findings);
      for (const i of r.inputs) yield safeJson({ type: 'input', ...inputJson(i) }) + '\n';
    },
  };
}

/** Lines as chunks, each with its newline. */
export function* lineChunks(lines: Iterable<string>): Generator<string> {
  for (const l of lines) yield l + '\n';
}

/** The chunks as one string. */
export function joinChunks(chunks: Iterable<string>): string {
  let s = '';
  for (const c of chunks) s += c;
  return s;
}

export function formatNdjson(r: AnalyzeResult): string {
  return joinChunks(ndjsonLines(r));
}
