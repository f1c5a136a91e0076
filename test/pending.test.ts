/** PendingQueue: per-group lookup, arrival order across groups, bounded with oldest-first eviction. */
import test from 'ava';
import { PendingQueue } from '../src/isns/pending.js';

test('take finds the oldest item with a match in its group; drain returns the rest in arrival order', (t) => {
  const q = new PendingQueue<string>(100, () => t.fail('nothing is evicted'));
  q.add('c1', 7, 'a');
  q.add('c2', 7, 'b');
  q.add('c1', 8, 'c');
  q.add('c1', 7, 'd');
  t.is(q.size, 4);
  t.is(q.take('c1', 7), 'a');
  t.is(q.take('c1', 7), 'd');
  t.is(q.take('c1', 7), undefined);
  t.is(q.take('c3', 7), undefined);
  t.true(q.remove('c1', 'c'));
  t.false(q.remove('c1', 'c'));
  q.add('c3', 1, 'e');
  t.deepEqual(q.drain(), ['b', 'e']);
  t.is(q.size, 0);
  t.deepEqual(q.drain(), []);
});

test('beyond its bound the oldest eighth is evicted, oldest first, whatever its group', (t) => {
  const evicted: number[] = [];
  const q = new PendingQueue<number>(16, (x) => evicted.push(x));
  for (let i = 0; i < 20; i++) q.add(`g${i % 5}`, i, i);
  // At 16 items the 17th add evicts 2 (16/8), then adds: 16-2+1 = 15, ... until 20 added.
  t.deepEqual(evicted, [0, 1, 2, 3]);
  t.is(q.size, 16);
  t.deepEqual(q.drain(), Array.from({ length: 16 }, (_, i) => i + 4));
});

test('many groups that empty out are purged without losing waiting items', (t) => {
  const q = new PendingQueue<number>(1000, () => t.fail('nothing is evicted'));
  q.add('keep', 1, -1);
  for (let i = 0; i < 5000; i++) {
    q.add(`conv${i}`, 1, i);
    t.is(q.take(`conv${i}`, 1), i);
  }
  t.is(q.size, 1);
  t.is(q.take('keep', 1), -1);
  t.is((q as unknown as { groups: Map<string, unknown> }).groups.size < 2100, true);
});

test('replace is take then add: the same items returned, evicted and left, over random requests sent again (small and map groups, eviction, purges)', (t) => {
  let seed = 7;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const ev1: number[] = [];
  const ev2: number[] = [];
  const a = new PendingQueue<number>(64, (x) => ev1.push(x));
  const b = new PendingQueue<number>(64, (x) => ev2.push(x));
  let replaced = 0;
  for (let i = 0; i < 20000; i++) {
    // few groups with many matches (past the small list), and many short-lived groups (purged)
    const group = rnd(4) === 0 ? `g${rnd(3)}` : `c${rnd(3000)}`;
    const match = rnd(40);
    const op = rnd(3);
    if (op === 0) {
      const x = a.replace(group, match, i);
      const y = b.take(group, match);
      b.add(group, match, i);
      t.is(x, y);
      if (x !== undefined) replaced++;
    } else if (op === 1) {
      a.add(group, match, i);
      b.add(group, match, i);
    } else t.is(a.take(group, match), b.take(group, match));
    if (a.size !== b.size) t.fail(`sizes differ at step ${i}`);
  }
  t.true(replaced > 100, `${replaced} replaced`);
  t.true(ev1.length > 100, `${ev1.length} evicted`);
  t.deepEqual(ev1, ev2);
  t.deepEqual(a.drain(), b.drain());
});
