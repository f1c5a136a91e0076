/**
 * Capture-level findings as a run collects them, bounded: at most
 * MAX_PER_CODE of one code per input file are kept one by one; beyond that
 * they are counted, and one summary per file and code says how many more
 * there were, with their first frames. A capture of 300,000 broken
 * conversations gives a readable report, not 300,000 lines.
 */
import { summaryFinding, type Finding, type FindingCode } from './registry.js';
import { Tally } from './tally.js';

/** Findings of one code kept one by one per input file. */
export const MAX_PER_CODE = 200;

export class FindingCollector {
  readonly findings: Finding[] = [];
  private readonly counts = new Map<string, number>();
  private readonly more = new Map<string, { code: FindingCode; file: string | undefined; tally: Tally }>();

  add(f: Finding): void {
    const key = `${f.file ?? ''}\u0000${f.code}`;
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    if (n <= MAX_PER_CODE) {
      this.findings.push(f);
      return;
    }
    let m = this.more.get(key);
    if (!m) this.more.set(key, (m = { code: f.code, file: f.file, tally: new Tally() }));
    m.tally.add(0, f.frames.length ? [f.frames[0]!] : []);
  }

  /** The findings, with one summary per file and code that went over the bound. */
  finish(): Finding[] {
    for (const m of this.more.values()) {
      this.findings.push(summaryFinding(m.code, `${m.tally.count} more ${m.code} findings in this file are not listed one by one (the first ${MAX_PER_CODE} are); the frames of the first ones not listed are`, m.tally.sorted(), m.file));
    }
    this.more.clear();
    return this.findings;
  }
}
