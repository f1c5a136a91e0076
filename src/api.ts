/**
 * The library's conveniences over analyze(): records as an async iterator.
 *
 *   for await (const portal of portals('capture.pcapng')) console.log(portal.address);
 *   for await (const portal of portals(buffer, { signal: AbortSignal.timeout(5000) })) ...
 *
 * Portal records are complete only once every input is read (a later message
 * may deregister a portal or change its bitmap), so the iterator yields them
 * after the analysis, in the contract's order; breaking out early is fine.
 */
import { analyze, type AnalyzeOptions } from './analyze.js';
import type { CaptureInput } from './capture/input.js';
import type { Finding } from './findings/registry.js';
import type { PortalRecord } from './isns/portals/builder.js';
import { filterFindings, filterRecords, portalEndpoint, type RecordFilter } from './output/filters.js';

export interface PortalsOptions extends AnalyzeOptions {
  /** Keep only these portals / findings (as `--portal`, `--severity`, `--code`). */
  readonly filter?: RecordFilter;
}

/** Every portal record of the inputs, as an async iterator. */
export async function* portals(input: CaptureInput | readonly CaptureInput[], opts: PortalsOptions = {}): AsyncGenerator<PortalRecord, void, undefined> {
  const r = await analyze(input, opts);
  const out = opts.filter ? filterRecords(r.portals, portalEndpoint, opts.filter) : r.portals;
  for (const p of out) {
    opts.signal?.throwIfAborted();
    yield p;
  }
}

/** Every capture-level finding of the inputs, as an async iterator. */
export async function* captureFindings(input: CaptureInput | readonly CaptureInput[], opts: PortalsOptions = {}): AsyncGenerator<Finding, void, undefined> {
  const r = await analyze(input, opts);
  for (const f of opts.filter ? filterFindings(r.findings, opts.filter) : r.findings) yield f;
}
