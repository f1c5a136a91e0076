/**
 * Items waiting for an answer (requests awaiting their response), grouped by
 * a stable key (the conversation), in arrival order, bounded.
 *
 * Cost: add, take and eviction are O(1) amortised whatever the number
 * waiting, in one group or in many (a flood of unanswered requests on one
 * connection must not make each lookup walk the others).
 *  - A group holds its few items in a small array searched linearly (the
 *    common case: a conversation rarely has more than a few requests
 *    outstanding); beyond SMALL items it switches to a map by match value.
 *  - Arrival order is one array of entries across all groups; a taken entry
 *    is only marked dead there, and the array is compacted when most of it is
 *    dead, so eviction (oldest first) and drain walk it in order.
 * Why groups at all, not one Map keyed per request: entries there are added
 * and deleted once per request, and V8 re-allocates a long-lived Map's hash
 * table in the old heap as it fills with deleted entries — at tens of
 * thousands of requests a second that garbage, not the live data, set the
 * peak memory. Group keys are conversations, set once.
 */
interface Entry<T> {
  /** Null once taken: a dead entry waiting in `order` for compaction must not keep its request alive. */
  item: T | null;
  readonly match: number;
  readonly group: Group<T>;
  dead: boolean;
}

interface Group<T> {
  /** Up to SMALL entries, oldest first; null once `byMatch` is used. */
  list: Entry<T>[] | null;
  /** Entries by match value, oldest first in each array. */
  byMatch: Map<number, Entry<T>[]> | null;
  size: number;
}

/** Items in a group searched linearly before it switches to a map. */
const SMALL = 16;

export class PendingQueue<T> {
  private groups = new Map<string, Group<T>>();
  /** Every entry in arrival order (dead ones are skipped, and compacted away). */
  private order: Entry<T>[] = [];
  private head = 0;
  private dead = 0;
  private n = 0;

  /**
   * @param max items kept at once; beyond it the oldest eighth is evicted
   *   (oldest first) through `onEvict`.
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
    this.addTo(this.groups.get(group), group, match, item);
  }

  /** take(group, match), then add(group, match, item), with one lookup of the group: an item sent again replaces the one waiting. */
  replace(group: string, match: number, item: T): T | undefined {
    const g = this.groups.get(group);
    const old = this.takeFrom(g, match);
    this.addTo(g, group, match, item);
    return old;
  }

  /** add() to `g`, the group under `group` (undefined: none yet). */
  private addTo(g: Group<T> | undefined, group: string, match: number, item: T): void {
    if (this.n >= this.max) this.evictOldest(Math.max(1, this.max >> 3));
    if (!g) {
      if (this.groups.size > 2 * this.n + 1024) this.purgeEmpty();
      g = { list: [], byMatch: null, size: 0 };
      this.groups.set(group, g);
    }
    const e: Entry<T> = { item, match, group: g, dead: false };
    if (g.list && g.list.length < SMALL) g.list.push(e);
    else {
      if (g.list) {
        // Too many waiting in one group: switch it to a map by match value.
        g.byMatch = new Map();
        for (const x of g.list) pushTo(g.byMatch, x);
        g.list = null;
      }
      pushTo(g.byMatch!, e);
    }
    g.size++;
    this.order.push(e);
    this.n++;
  }

  /** Remove and return the oldest item of `group` with `match`. */
  take(group: string, match: number): T | undefined {
    return this.takeFrom(this.groups.get(group), match);
  }

  /** take() from `g` (undefined: no such group). */
  private takeFrom(g: Group<T> | undefined, match: number): T | undefined {
    if (!g || g.size === 0) return undefined;
    const list = g.list;
    if (list) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        if (e.match === match) {
          // (removed in place: a splice would make an array of the removed entry per answer)
          for (let j = i + 1; j < list.length; j++) list[j - 1] = list[j]!;
          list.length--;
          return this.kill(e);
        }
      }
      return undefined;
    }
    const a = g.byMatch!.get(match);
    if (!a || a.length === 0) return undefined;
    const e = a.shift()!;
    if (a.length === 0) g.byMatch!.delete(match);
    return this.kill(e);
  }

  /** Remove `item` (by identity) from `group`; whether it was there. */
  remove(group: string, item: T): boolean {
    const g = this.groups.get(group);
    if (!g) return false;
    if (g.list) {
      const i = g.list.findIndex((e) => e.item === item);
      if (i < 0) return false;
      this.kill(g.list.splice(i, 1)[0]!);
      return true;
    }
    for (const [m, a] of g.byMatch!) {
      const i = a.findIndex((e) => e.item === item);
      if (i < 0) continue;
      this.kill(a.splice(i, 1)[0]!);
      if (a.length === 0) g.byMatch!.delete(m);
      return true;
    }
    return false;
  }

  /** Every item still waiting, oldest first; the queue is left empty. */
  drain(): T[] {
    const out: T[] = [];
    for (let i = this.head; i < this.order.length; i++) {
      const e = this.order[i]!;
      if (!e.dead) out.push(e.item!);
    }
    this.groups = new Map();
    this.order = [];
    this.head = 0;
    this.dead = 0;
    this.n = 0;
    return out;
  }

  /** Mark an entry (already unlinked from its group) taken. */
  private kill(e: Entry<T>): T {
    const item = e.item!;
    e.item = null;
    e.dead = true;
    e.group.size--;
    this.n--;
    this.dead++;
    // Compact the arrival order once most of it is dead.
    if (this.dead > 1024 && this.dead > (this.order.length - this.head) >> 1) {
      // In place, in one pass (no copy of the array, no call per entry).
      const o = this.order;
      let j = 0;
      for (let i = this.head; i < o.length; i++) {
        const x = o[i]!;
        if (!x.dead) o[j++] = x;
      }
      o.length = j;
      this.head = 0;
      this.dead = 0;
    }
    return item;
  }

  private evictOldest(k: number): void {
    const out: T[] = [];
    while (out.length < k && this.head < this.order.length) {
      const e = this.order[this.head++]!;
      if (e.dead) {
        this.dead--;
        continue;
      }
      const g = e.group;
      if (g.list) g.list.splice(g.list.indexOf(e), 1);
      else {
        const a = g.byMatch!.get(e.match)!;
        a.splice(a.indexOf(e), 1);
        if (a.length === 0) g.byMatch!.delete(e.match);
      }
      e.dead = true;
      g.size--;
      this.n--;
      out.push(e.item!);
      e.item = null;
    }
    if (this.head > 4096 && this.head > this.order.length >> 1) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    for (const item of out) this.onEvict(item);
  }

  private purgeEmpty(): void {
    const m = new Map<string, Group<T>>();
    for (const [k, g] of this.groups) if (g.size > 0) m.set(k, g);
    this.groups = m;
  }
}

function pushTo<T>(m: Map<number, Entry<T>[]>, e: Entry<T>): void {
  const a = m.get(e.match);
  if (a) a.push(e);
  else m.set(e.match, [e]);
}
