/**
 * Items waiting for an answer (requests awaiting their response), grouped by
 * a stable key (the conversation), in arrival order, bounded.
 *
 * Why not one Map keyed per request: entries there are added and deleted
 * once per request, and V8 re-allocates a long-lived Map's hash table in the
 * old heap as it fills with deleted entries or shrinks — at tens of
 * thousands of requests a second that garbage, not the live data, set the
 * peak memory. Here the Map's keys are conversations, set once; each holds a
 * small array searched linearly (a conversation rarely has more than a few
 * requests outstanding).
 */
interface Entry<T> {
  readonly item: T;
  readonly match: number;
  readonly seq: number;
}

export class PendingQueue<T> {
  private groups = new Map<string, Entry<T>[]>();
  private n = 0;
  private seq = 0;

  /**
   * @param max items kept at once; beyond it the oldest eighth is evicted
   *   (oldest first) through `onEvict`, so a flood costs O(log n) per item.
   */
  constructor(
    private readonly max: number,
    private readonly onEvict: (item: T) => void,
  ) {}

  get size(): number {
    return this.n;
  }

  /** Add `item` under `group`, findable by `match` (a number the caller derives, e.g. function and transaction id). */
  add(group: string, match: number, item: T): void {
    if (this.n >= this.max) this.evictOldest(Math.max(1, this.max >> 3));
    let g = this.groups.get(group);
    if (!g) {
      if (this.groups.size > 2 * this.n + 1024) this.purgeEmpty();
      g = [];
      this.groups.set(group, g);
    }
    g.push({ item, match, seq: this.seq++ });
    this.n++;
  }

  /** Remove and return the oldest item of `group` with `match`. */
  take(group: string, match: number): T | undefined {
    const g = this.groups.get(group);
    if (!g) return undefined;
    for (let i = 0; i < g.length; i++) {
      if (g[i]!.match === match) return this.removeAt(g, i);
    }
    return undefined;
  }

  /** Remove `item` (by identity) from `group`; whether it was there. */
  remove(group: string, item: T): boolean {
    const g = this.groups.get(group);
    if (!g) return false;
    for (let i = 0; i < g.length; i++) {
      if (g[i]!.item === item) {
        this.removeAt(g, i);
        return true;
      }
    }
    return false;
  }

  /** Every item still waiting, oldest first; the queue is left empty. */
  drain(): T[] {
    const all: Entry<T>[] = [];
    for (const g of this.groups.values()) for (const e of g) all.push(e);
    all.sort((a, b) => a.seq - b.seq);
    this.groups = new Map();
    this.n = 0;
    return all.map((e) => e.item);
  }

  private removeAt(g: Entry<T>[], i: number): T {
    const e = g[i]!;
    if (i === g.length - 1) g.pop();
    else g.splice(i, 1);
    this.n--;
    return e.item;
  }

  private evictOldest(k: number): void {
    const all: { g: Entry<T>[]; e: Entry<T> }[] = [];
    for (const g of this.groups.values()) for (const e of g) all.push({ g, e });
    all.sort((a, b) => a.e.seq - b.e.seq);
    const out = all.slice(0, k);
    for (const { g, e } of out) {
      const i = g.indexOf(e);
      if (i >= 0) this.removeAt(g, i);
    }
    for (const { e } of out) this.onEvict(e.item);
  }

  private purgeEmpty(): void {
    const m = new Map<string, Entry<T>[]>();
    for (const [k, g] of this.groups) if (g.length) m.set(k, g);
    this.groups = m;
  }
}
