/**
 * `annotate`: the same packets, as pcapng, with a packet comment on every
 * frame a finding names — "CODE (severity) portal: message" — for the hand-off
 * to Wireshark (Expert Info lists the comments; `frame.comment contains
 * "IPSEC"` filters them). Two passes over each input: the analysis, then
 * the rewrite (rewriters.ts). One output section per input, so each keeps
 * its own interfaces, link types and time resolution; tshark numbers the
 * frames of the output continuously (input 2's frame 1 follows input 1's last).
 * Inputs must be readable twice: paths or buffers.
 */
import { safeText } from '../../dissector/core/field.js';
import { analyze, type AnalyzeOptions, type AnalyzeResult } from '../analyze.js';
import { inputName } from '../capture/input.js';
import { readCapture } from '../capture/read.js';
import { frameRefs } from '../findings/locate.js';
import type { Finding } from '../findings/registry.js';
import { filterResult, type RecordFilter } from '../output/filters.js';
import { portalLabel } from '../output/table.js';
import { PcapngAnnotator, PcapToPcapng, type Out } from './rewriters.js';

export type ReplayableInput = string | Uint8Array | { readonly name: string; readonly data: string | Uint8Array };

export interface AnnotateOptions extends Omit<AnalyzeOptions, 'onInputDone'> {
  /** Comment only the findings this filter keeps. */
  readonly filter?: RecordFilter;
}

export interface AnnotateResult {
  analysis: AnalyzeResult;
  /** Frames that got at least one comment. */
  framesAnnotated: number;
  /** Comments written. */
  comments: number;
  /** Output sections written (one per input read). */
  sections: number;
}

/** The comment text of a finding: code, severity, where, the one-line message (terminal-safe). */
export function commentText(f: Finding, portal: string | null): string {
  return safeText(`${f.code} (${f.severity})${portal ? ` ${portal}` : ''}: ${f.message}`);
}

/** file → frame → comments, for every frame a (kept) finding names. */
export function commentsByFrame(r: AnalyzeResult, filter: RecordFilter = {}): Map<string, Map<number, string[]>> {
  const out = new Map<string, Map<number, string[]>>();
  const fallback = r.inputs[0]?.file ?? '';
  const add = (f: Finding, portal: string | null): void => {
    const text = commentText(f, portal);
    for (const ref of frameRefs(f, fallback)) {
      let byFrame = out.get(ref.file);
      if (!byFrame) out.set(ref.file, (byFrame = new Map()));
      const list = byFrame.get(ref.frame);
      if (!list) byFrame.set(ref.frame, [text]);
      else if (!list.includes(text)) list.push(text);
    }
  };
  const kept = filterResult(r, filter);
  for (const p of kept.portals) for (const f of p.findings) add(f, portalLabel(p));
  for (const f of kept.findings) add(f, null);
  // Logon records number frames in the file each event is in, without naming it: annotated when there is one input.
  if (r.inputs.length === 1) {
    for (const l of kept.logons ?? []) {
      for (const f of l.findings) add(f, `${l.initiator} -> ${l.portal.address}${l.portal.socket === null ? '' : `:${l.portal.socket}`}`);
    }
  }
  return out;
}

/** Analyze the inputs, then write them to `out` as annotated pcapng. */
export async function annotate(inputs: readonly ReplayableInput[], out: Out, opts: AnnotateOptions = {}): Promise<AnnotateResult> {
  const names = inputs.map((i) => inputName(i));
  const analysis = await analyze(inputs, opts);
  const notes = commentsByFrame(analysis, opts.filter);
  let framesAnnotated = 0;
  let comments = 0;
  let sections = 0;
  for (let k = 0; k < inputs.length; k++) {
    const rep = analysis.inputs[k]!;
    if (rep.format === null) continue; // not read at all: nothing to write
    const name = names[k]!;
    const mine = notes.get(name) ?? new Map<number, string[]>();
    const seen = new Set<number>();
    const commentsOf = (frame: number): readonly string[] | undefined => {
      const c = mine.get(frame);
      if (c && !seen.has(frame)) {
        seen.add(frame);
        framesAnnotated++;
        comments += c.length;
      }
      return c;
    };
    sections++;
    await readCapture(inputs[k]!, { packet() {}, problem() {} }, {
      ...opts.read,
      name,
      ...(opts.signal ? { signal: opts.signal } : {}),
      readerFor: (format) => (format === 'pcap' ? (_i, _s, max) => new PcapToPcapng(name, out, commentsOf, max) : (_i, _s, max) => new PcapngAnnotator(name, out, commentsOf, max)),
    });
    opts.signal?.throwIfAborted();
  }
  return { analysis, framesAnnotated, comments, sections };
}
