/**
 * The CLI's memory budget for V8's young generation.
 *
 * The pipeline allocates short-lived objects at a high rate (a few hundred
 * bytes per iSNS PDU); V8 answers by growing the young generation to its
 * default maximum (2 × 16 MiB semi-spaces), which is then a fixed part of the
 * process's peak RSS although almost nothing in it survives. Growth stops
 * once the young generation reaches `capBytes`: measured on the dense
 * benchmark capture (256 MiB, 785k PDUs), a 4 MiB semi-space kept the same
 * speed and lowered peak RSS by about 25 MiB; a 1 MiB one (no growth at all)
 * lowered it by 35 MiB but cost 15% in speed.
 *
 * V8 reads its semi-space size limits only at start-up, but the growth factor
 * at every scavenge, so the cap is applied by setting the factor to 1 once
 * the young generation is as large as wanted. Checked at most once per read
 * chunk (1 MiB of capture).
 */
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

export function youngGenerationCap(capBytes = 8 << 20): () => void {
  let done = false;
  return () => {
    if (done) return;
    const ns = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!ns || ns.space_size >= capBytes) {
      setFlagsFromString('--semi-space-growth-factor=1');
      done = true;
    }
  };
}
