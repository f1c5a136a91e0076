/**
 * isns-dissector library API: the same streaming functions the CLI uses.
 *
 *   import { analyze, portals } from 'isns-dissector';
 *   const r = await analyze('capture.pcapng');            // a path, Buffer, stream, or an array of them
 *   for (const p of r.portals) console.log(p.address, p.socket, p.securityFlags);
 *   for await (const p of portals(buffer, { signal })) ...  // records as an async iterator
 *
 * Also for CommonJS: `const { analyze } = require('isns-dissector')` (Node >= 20.19
 * loads this ES module with require(); nothing in it uses top-level await).
 *
 * Plugins: build a registry with createRegistry(), add your own AppProtocol on a
 * port with registry.add('tcp.port', [port], proto), pass it as `registry` and
 * receive its PDUs in `onOtherPdu`.
 */
export { analyze, type AnalyzeOptions, type AnalyzeResult, type InputReport } from './analyze.js';
export { portals, captureFindings, type PortalsOptions } from './api.js';
export { VERSION } from './version.js';
export { readCapture, type ReadOptions } from './capture/read.js';
export { inputName, type CaptureInput, type CaptureData } from './capture/input.js';
export type { IsnsPduResult } from '../dissector/isns/index.js';
export {
  parseBaseline, makeBaseline, baselineText, BaselineError, elementLines,
  type Baseline, type BaselinePortal, type BaselineFinding,
} from './check/baseline.js';
export { diffPortals, type PortalDiff } from './check/diff.js';
export { compareWithBaseline, reportLines, type CheckReport, type CheckOptions, type FailOn, type FindingVerdict, type InputVerdict } from './check/compare.js';
export { junitCases, junitXml, xmlText, type JunitCase } from './check/junit.js';
export { annotationLines, annotation, ghData, ghProperty, GITHUB_MAX_ANNOTATIONS } from './check/annotations.js';
export { filterRecords, filterFindings, findingMatches, endpointMatches, parseEndpoint, type RecordFilter, type FindingFilter, type EndpointFilter } from './output/filters.js';
export { displayFilter } from './findings/locate.js';
export { Pipeline, type PipelineHandlers, type PipelineLimits } from './flow/pipeline.js';
export { MessageAssembler, type MessageEvent } from './isns/assembler.js';
export { PortalBuilder, type PortalRecord, type PortalNode, type PortalOptions } from './isns/portals/builder.js';
export { bitmapFindings } from './findings/portal-rules.js';
export { addressText as portalAddress } from '../dissector/isns/index.js';
export { SECURITY_FLAGS, securityFlagNames, parseBitmapArg, describeBitmap } from './isns/bitmap.js';
export { FINDINGS, finding, severityAtLeast, type Finding, type FindingCode } from './findings/registry.js';
export { formatPortals, portalsJson, type PortalFormat } from './output/portals.js';
export { buildLogons, type LogonInputs } from './logons/build.js';
export type { LogonRecord, LogonIke, LogonEsp, LogonConnection, LogonLogin, DiscoveredBy } from './logons/types.js';
export type { FramedPdu, Endpoint } from './flow/pdu.js';
export type { Packet, Timestamp, CaptureSink, CaptureProblem, InputSummary, SeenAt, Severity } from './types.js';
export * from '../dissector/index.js';
