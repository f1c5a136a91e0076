/**
 * isns-dissector library API: the same streaming functions the CLI uses.
 *
 *   import { analyze } from 'isns-dissector';
 *   const r = await analyze(['capture.pcapng']);
 *   for (const p of r.portals) console.log(p.address, p.socket, p.securityFlags);
 *
 * Plugins: build a registry with createRegistry(), add your own AppProtocol on a
 * port with registry.add('tcp.port', [port], proto), pass it as `registry` and
 * receive its PDUs in `onOtherPdu`.
 */
export { analyze, type AnalyzeOptions, type AnalyzeResult, type InputReport } from './analyze.js';
export { readCapture, type ReadOptions } from './capture/read.js';
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
