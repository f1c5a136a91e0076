/**
 * Aggregation for findings of one kind on one conversation: a count, the
 * bytes concerned, and the first frames (the counts stay exact; the frame
 * list is capped so a finding never grows with the capture).
 */

/** Frames listed in one aggregated finding (the counts stay exact). */
export const MAX_LISTED_FRAMES = 20;

/** A count of events with the bytes they concern and their first frames. */
export class Tally {
  count = 0;
  bytes = 0;
  readonly frames: number[] = [];
  add(bytes: number, frames: readonly number[]): void {
    this.count++;
    this.bytes += bytes;
    for (const f of frames) {
      if (this.frames.length >= MAX_LISTED_FRAMES) break;
      if (!this.frames.includes(f)) this.frames.push(f);
    }
  }
  sorted(): number[] {
    return [...this.frames].sort((a, b) => a - b);
  }
}
