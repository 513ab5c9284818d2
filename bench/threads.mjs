// Thread scaling of wasm-mlp f32 (issue 11): the same workload with `threads: 1, 2, …` up to
// os.availableParallelism(), in this one process run. The thread counts are measured
// round-robin, `ROUNDS` times, so a burst of load from other processes hits every count alike;
// each cell pools the per-iteration samples of every round (median, p25–p75), and the ratio
// `2 ÷ 1` is the ratio of those medians, with its spread over the rounds (min–max of the
// per-round ratios). `threads: 1` is the single-thread core (dist/wasm_mlp.wasm, no pool);
// more than one thread is the shared-memory core (dist/wasm_mlp_threads.wasm) and its pool.
import { availableParallelism, loadavg } from 'node:os';
import { Network } from '../dist/index.js';
import { XOR, wideData } from './data.mjs';
import { QUICK, measure } from './harness.mjs';
import { quantile } from './stats.mjs';

/** Full runs measure every thread count three times (interleaved); quick runs once. */
export const ROUNDS = QUICK ? 1 : 3;

/** The targets: the median of `threads: 2` ÷ `threads: 1` (or 'auto' ÷ 1). */
export const THREAD_TARGETS = {
  'wide-train': { min: 1.85 },
  'gemm-1024': { min: 1.85 },
  'mnist-train': { min: 1.6 },
  'mnist-fwd-256': { min: 1.7 },
  xor: { min: 0.97 },
  'mnist-fwd-1': { min: 0.97 },
};

function cycler(list) {
  let i = 0;
  return () => list[i++ % list.length];
}

function repeat(n, f) {
  for (let i = 0; i < n; i++) f();
}

/**
 * The workloads: `create(threads)` → `{ run(units), dispose() }`. Same networks as the one-thread
 * table (sigmoid layers, SGD, ½·SSE) except the GEMM row.
 */
function workloads(mnist) {
  const train64 = mnist.batchesOf(64);
  const fwd256 = mnist.batchesOf(256).x;
  const fwd1 = mnist.batchesOf(1).x;
  const wide = wideData(128, 1024, 10);
  const gemmX = wideData(1024, 1024, 1, 2).x;
  const net = async (layers, threads, extra = {}) =>
    Network.create({ layers, learningRate: 0.1, threads, ...extra });
  const scaling = (n) => Array.from({ length: n }, (_, i) => i + 1);
  const P = availableParallelism();
  return [
    {
      id: 'wide-train',
      label: 'wide [1024,1024,1024,10] batch 128, train',
      unit: 'samples/s',
      perUnit: 128,
      maxUnits: 4,
      threads: scaling(P),
      create: async (t) => {
        const n = await net([1024, 1024, 1024, 10], t);
        return { net: n, run: (u) => repeat(u, () => n.trainStep(wide.x, wide.y)) };
      },
    },
    {
      id: 'gemm-1024',
      label:
        'GEMM 1024³: forward of a [1024,1024] linear layer at batch 1024 ' +
        '(one 1024³ product + bias add, threaded core)',
      unit: 'GFLOP/s',
      perUnit: (2 * 1024 ** 3) / 1e9,
      threads: scaling(P),
      create: async (t) => {
        const n = await net([1024, 1024], t, { activation: 'linear' });
        return { net: n, run: (u) => repeat(u, () => n.forward(gemmX)) };
      },
    },
    {
      id: 'mnist-train',
      label: 'mnist [784,128,64,10] batch 64, train',
      unit: 'samples/s',
      perUnit: 64,
      threads: scaling(P),
      create: async (t) => {
        const n = await net([784, 128, 64, 10], t);
        const [x, y] = [cycler(train64.x), cycler(train64.y)];
        return { net: n, run: (u) => repeat(u, () => n.trainStep(x(), y())) };
      },
    },
    {
      id: 'mnist-fwd-256',
      label: 'mnist forward, batch 256',
      unit: 'samples/s',
      perUnit: 256,
      threads: scaling(P),
      create: async (t) => {
        const n = await net([784, 128, 64, 10], t);
        const x = cycler(fwd256);
        return { net: n, run: (u) => repeat(u, () => n.forward(x())) };
      },
    },
    {
      id: 'xor',
      label: 'xor [2,4,1] batch 4, train',
      unit: 'steps/s',
      perUnit: 1,
      maxUnits: 10000,
      threads: [1, 'auto'],
      create: async (t) => {
        const n = await net([2, 4, 1], t, { learningRate: 0.5 });
        return { net: n, run: (u) => repeat(u, () => n.trainStep(XOR.x, XOR.y)) };
      },
    },
    {
      id: 'mnist-fwd-1',
      label: 'mnist forward, batch 1',
      unit: 'samples/s',
      perUnit: 1,
      threads: [1, 'auto'],
      create: async (t) => {
        const n = await net([784, 128, 64, 10], t);
        const x = cycler(fwd1);
        return { net: n, run: (u) => repeat(u, () => n.forward(x())) };
      },
    },
  ];
}

function summary(rates) {
  const sorted = [...rates].sort((a, b) => a - b);
  return {
    median: quantile(sorted, 0.5),
    p25: quantile(sorted, 0.25),
    p75: quantile(sorted, 0.75),
    samples: sorted.length,
  };
}

/**
 * Measures every workload at every thread count, round-robin over the counts. Returns
 * `{ cores, rounds, load, rows }`; each row has `cells` (thread count → stats and the
 * `threads.count` actually in use) and `ratio` (second count ÷ first: 2 ÷ 1, or 'auto' ÷ 1).
 */
export async function threadScaling(mnist, log = () => {}) {
  const load = [loadavg()[0]];
  const rows = [];
  for (const def of workloads(mnist)) {
    const rates = new Map(def.threads.map((t) => [t, []]));
    const inUse = new Map();
    const roundRatios = [];
    for (let round = 0; round < ROUNDS; round++) {
      const medians = new Map();
      for (const t of def.threads) {
        const { net, run } = await def.create(t);
        inUse.set(t, net.threads);
        const stats = await measure(run, {
          workPerUnit: def.perUnit,
          maxUnits: def.maxUnits,
          slow: true,
          keepRates: true,
        });
        net.dispose();
        rates.get(t).push(...stats.rates);
        medians.set(t, stats.median);
      }
      const [a, b] = def.threads;
      roundRatios.push(medians.get(b) / medians.get(a));
    }
    const cells = def.threads.map((t) => ({
      threads: t,
      inUse: inUse.get(t),
      ...summary(rates.get(t)),
    }));
    const ratio = cells[1].median / cells[0].median;
    rows.push({
      id: def.id,
      label: def.label,
      unit: def.unit,
      cells,
      ratio: {
        of: `${cells[1].threads} ÷ ${cells[0].threads}`,
        median: ratio,
        min: Math.min(...roundRatios),
        max: Math.max(...roundRatios),
        rounds: roundRatios,
      },
    });
    log(
      'threads',
      def.id,
      cells.map((c) => `${c.threads}: ${c.median.toPrecision(4)}`).join(', '),
      def.unit,
      `ratio ${cells[1].threads}÷${cells[0].threads} ${ratio.toFixed(2)}×`,
    );
  }
  load.push(loadavg()[0]);
  return {
    cores: availableParallelism(),
    rounds: ROUNDS,
    load: load.map((l) => Number(l.toFixed(2))),
    rows,
  };
}
