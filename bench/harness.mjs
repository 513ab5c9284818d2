// Timing with tinybench: each benchmark is a function running `units` units of work; a
// calibration run picks `units` so one timed iteration lasts about `targetMs`, then tinybench
// collects iterations (after warm-up) and we turn their latencies into throughput statistics.
import { Bench } from 'tinybench';
import { throughput } from './stats.mjs';

export const QUICK = process.argv.includes('--quick');

const OPTIONS = QUICK
  ? { time: 120, iterations: 3, warmupTime: 30, warmupIterations: 1 }
  : { time: 1200, iterations: 9, warmupTime: 300, warmupIterations: 3 };
const TARGET_MS = QUICK ? 25 : 60;

/**
 * Measures `run(units)` (sync or async) and returns `{ median, p25, p75, samples }` in
 * work units per second, where one unit is `workPerUnit` of the reported quantity.
 * `maxUnits` caps an iteration (e.g. xor's 10,000 steps); `slow` allows fewer iterations when
 * one unit takes over a second. `keepRates` adds the samples (`rates`, units per second).
 */
export async function measure(
  run,
  { workPerUnit = 1, maxUnits = Infinity, slow = false, keepRates = false } = {},
) {
  await run(1); // first call: compile / tier up / allocate
  const t0 = performance.now();
  await run(1);
  const once = Math.max(performance.now() - t0, 1e-3);
  const units = Math.max(1, Math.min(maxUnits, Math.round(TARGET_MS / once)));
  // Seconds per iteration (e.g. `wide` on the slow peers): fewer iterations, no extra warm-up.
  const options =
    slow && once > 1000
      ? { ...OPTIONS, iterations: 3, warmupIterations: 0, warmupTime: 0 }
      : OPTIONS;
  const bench = new Bench({ ...options, retainSamples: true, throws: true });
  bench.add('task', () => run(units));
  await bench.run();
  const result = bench.tasks[0].result;
  return {
    ...throughput(result.latency.samples, units * workPerUnit, keepRates),
    unitsPerIteration: units,
  };
}
