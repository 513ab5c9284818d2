// Dropout and loss weights across the two backends (sources + the built cores): the masks of
// the core (test build's mlp_dropout_mask) and of the reference bit for bit, training with
// dropout and weights wasm vs reference (f64 to ~1e-12, f32 within tolerance), dropout absent
// at inference, finite differences of the weighted loss (f64), option errors that leave the
// network unchanged, and dropout kept by save/load with an exact resume.
import { beforeAll, describe, expect, it } from 'vitest';
import { DropoutMask } from '../../ts/backends/reference/dropout.js';
import type { WasmCore } from '../../ts/backends/wasm/core.js';
import { OptionError, ShapeError } from '../../ts/errors.js';
import { Network, networkInternals } from '../../ts/network/network.js';
import type { NetworkOptions } from '../../ts/options.js';
import type { Dtype } from '../../ts/types.js';
import { WASM_PATH, randArray, rng, toleranceRatio } from '../helpers.js';
import { loadTestCore } from '../test-wasm.js';

let testCore: WasmCore;
beforeAll(async () => {
  testCore = await loadTestCore();
});

type MaskFn = (
  seed: number,
  step: number,
  layer: number,
  rate: number,
  first: number,
  n: number,
  out: number,
) => void;

/** The core's mask bits (1 kept, 0 dropped) of elements first … first + n − 1. */
function coreMask(
  seed: number,
  step: number,
  layer: number,
  rate: number,
  first: number,
  n: number,
) {
  const fn = testCore.instance.exports['mlp_dropout_mask'] as MaskFn;
  const ptr = testCore.alloc(n, 1);
  try {
    fn(seed, step, layer, rate, first, n, ptr);
    return new Uint8Array(testCore.memory.buffer, ptr, n).slice();
  } finally {
    testCore.free(ptr, n, 1);
  }
}

describe('dropout masks', () => {
  it('are identical in the core and the reference, bit for bit', () => {
    const cases: [number, number, number, number, number][] = [
      [0, 1, 0, 0.5, 0],
      [1, 2, 1, 0.2, 0],
      [0xffffffff, 2 ** 40 + 3, 2, 0.9, 1000],
      [12345, 7, 0, 0.01, 2 ** 32 - 5000], // indices wrapping past 2^32 − 1
      [99, 2 ** 53 - 1, 5, 0.999, 17],
    ];
    for (const [seed, step, layer, rate, first] of cases) {
      const n = 10_000;
      const wasm = coreMask(seed, step, layer, rate, first, n);
      const mask = new DropoutMask(seed, step, layer, rate);
      const ref = Uint8Array.from({ length: n }, (_, k) => (mask.keeps((first + k) >>> 0) ? 1 : 0));
      expect(wasm).toEqual(ref);
      const kept = ref.reduce((a, b) => a + b, 0) / n;
      expect(Math.abs(kept - (1 - rate))).toBeLessThan(0.02);
    }
  });
});

const X = (() => {
  const next = rng(5);
  return randArray(next, 24 * 4, -1, 1);
})();
const LABELS = Array.from({ length: 24 }, (_, r) => r % 3);

function options(dtype: Dtype, backend: 'wasm' | 'reference', extra: Partial<NetworkOptions> = {}) {
  return {
    layers: [4, 9, 7, 3],
    activation: ['relu', 'tanh', 'softmax'],
    loss: 'sparse-categorical-cross-entropy',
    optimizer: 'adam',
    learningRate: 0.05,
    dropout: [0.5, 0.25],
    dtype,
    backend,
    seed: 3,
    wasm: WASM_PATH,
    ...extra,
  } as NetworkOptions<Dtype>;
}

async function flatAfterFit(dtype: Dtype, backend: 'wasm' | 'reference', fit = {}) {
  const net = await Network.create(options(dtype, backend));
  const history = await net.fit(X, LABELS, { epochs: 3, batchSize: 5, ...fit });
  const p = networkInternals(net).backend.getParams();
  net.dispose();
  return { p, history };
}

describe('training with dropout and weights: wasm vs reference', () => {
  const weighted = {
    sampleWeight: X.slice(0, 24).map((v) => Math.abs(v) * 2),
    classWeight: { 1: 3 },
  };
  for (const fit of [{}, weighted]) {
    const name = Object.keys(fit).length ? 'with sample and class weights' : 'unweighted';
    it(`f64 agrees to 1e-12, ${name}`, async () => {
      const wasm = await flatAfterFit('f64', 'wasm', fit);
      const ref = await flatAfterFit('f64', 'reference', fit);
      expect(toleranceRatio(wasm.p, ref.p, 1e-12)).toBeLessThanOrEqual(1);
      expect(toleranceRatio(wasm.history.loss, ref.history.loss, 1e-12)).toBeLessThanOrEqual(1);
    });
    it(`f32 agrees within f32 tolerance, ${name}`, async () => {
      const wasm = await flatAfterFit('f32', 'wasm', fit);
      const ref = await flatAfterFit('f32', 'reference', fit);
      expect(toleranceRatio(wasm.p, ref.p, 1e-4)).toBeLessThanOrEqual(1);
    });
  }

  it('dropout and weights change the training (they are really applied)', async () => {
    const plain = await Network.create(options('f64', 'wasm', { dropout: 0 }));
    await plain.fit(X, LABELS, { epochs: 3, batchSize: 5 });
    const base = networkInternals(plain).backend.getParams();
    const dropped = await flatAfterFit('f64', 'wasm');
    const weightedRun = await flatAfterFit('f64', 'wasm', weighted);
    expect(toleranceRatio(dropped.p, base, 1e-6)).toBeGreaterThan(1);
    expect(toleranceRatio(weightedRun.p, dropped.p, 1e-6)).toBeGreaterThan(1);
    plain.dispose();
  });
});

describe('dropout at inference', () => {
  for (const backend of ['wasm', 'reference'] as const) {
    it(`forward, predict, loss, evaluate and gradients ignore it (${backend})`, async () => {
      const on = await Network.create(options('f64', backend));
      const off = await Network.create(options('f64', backend, { dropout: 0 }));
      expect(on.dropout).toEqual([0.5, 0.25]);
      expect(off.dropout).toEqual([0, 0]);
      expect(on.predict(X)).toEqual(off.predict(X));
      expect(on.forward(X)).toEqual(off.forward(X));
      expect(on.loss(X, LABELS)).toBe(off.loss(X, LABELS));
      expect(on.evaluate(X, LABELS)).toEqual(off.evaluate(X, LABELS));
      expect(on.gradients(X, LABELS)).toEqual(off.gradients(X, LABELS));
      // A training step drops units: the loss it reports differs.
      expect(on.trainStep(X, LABELS)).not.toBe(off.trainStep(X, LABELS));
      on.dispose();
      off.dispose();
    });
  }
});

describe('weighted loss', () => {
  for (const backend of ['wasm', 'reference'] as const) {
    it(`gradient matches central differences in f64 (${backend}), value as Keras reduces it`, async () => {
      for (const loss of [
        'mse',
        'half-sse',
        'binary-cross-entropy',
        'categorical-cross-entropy',
      ] as const) {
        const out =
          loss === 'categorical-cross-entropy' ? 'softmax' : loss === 'mse' ? 'linear' : 'sigmoid';
        const net = await Network.create({
          layers: [4, 5, 3],
          activation: ['tanh', out],
          loss,
          dtype: 'f64',
          backend,
          wasm: WASM_PATH,
          seed: 11,
        });
        const { backend: b } = networkInternals(net);
        const x = Float64Array.from(X.slice(0, 6 * 4));
        const y = new Float64Array(6 * 3);
        for (let r = 0; r < 6; r++) y[r * 3 + (r % 3)] = 1;
        const w = Float64Array.from([0.5, 2, 0, 1.25, 3, 0.1]);
        // Value: Σ w_r·ℓ_r (/ B for the mean losses), ℓ_r the row's own loss.
        let sum = 0;
        for (let r = 0; r < 6; r++) {
          sum += w[r]! * b.loss(x.subarray(r * 4, r * 4 + 4), y.subarray(r * 3, r * 3 + 3), 1);
        }
        const want = loss === 'half-sse' ? sum : sum / 6;
        expect(Math.abs(b.loss(x, y, 6, w) - want)).toBeLessThanOrEqual(1e-14 * Math.abs(want));
        const { grads } = b.gradients(x, y, 6, w);
        const p = b.getParams();
        const h = 1e-6;
        for (let i = 0; i < p.length; i++) {
          const at = (d: number) => {
            const q = p.slice();
            q[i] = p[i]! + d;
            b.setParams(q);
            return b.loss(x, y, 6, w);
          };
          const fd = (at(h) - at(-h)) / (2 * h);
          expect(Math.abs(grads[i]! - fd)).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(fd), 1e-2));
        }
        net.dispose();
      }
    });
  }

  it('evaluate weighs the loss, not the metrics', async () => {
    const net = await Network.create(options('f64', 'wasm'));
    const plain = net.evaluate(X, LABELS);
    const twice = net.evaluate(X, LABELS, { sampleWeight: new Array(24).fill(2) });
    expect(twice.loss).toBeCloseTo(2 * plain.loss, 12);
    expect(twice.accuracy).toBe(plain.accuracy);
    const onlyClass0 = net.evaluate(X, LABELS, { classWeight: [1, 0, 0] });
    const rows0 = X.slice(0, 0);
    void rows0;
    const x0 = LABELS.flatMap((c, r) => (c === 0 ? X.slice(r * 4, r * 4 + 4) : []));
    const l0 = net.evaluate(
      x0,
      LABELS.filter((c) => c === 0),
    ).loss;
    expect(onlyClass0.loss).toBeCloseTo((l0 * 8) / 24, 12);
    net.dispose();
  });
});

describe('bad options leave the network unchanged', () => {
  it('dropout and dropoutSeed', async () => {
    for (const dropout of [1, -0.1, NaN, '0.2', [0.2], [0.1, 0.2, 0.3], [0.2, 1.5]]) {
      await expect(
        Network.create(options('f32', 'wasm', { dropout } as unknown as Partial<NetworkOptions>)),
      ).rejects.toThrow(OptionError);
    }
    await expect(Network.create({ layers: [2, 1], dropout: 0.5, wasm: WASM_PATH })).rejects.toThrow(
      /hidden layers/,
    );
    await expect(Network.create(options('f32', 'wasm', { dropoutSeed: 1.5 }))).rejects.toThrow(
      OptionError,
    );
  });

  it('sampleWeight and classWeight', async () => {
    const net = await Network.create(options('f32', 'wasm'));
    const before = net.getParameters();
    const bad: [object, typeof OptionError | typeof ShapeError, RegExp][] = [
      [{ sampleWeight: new Array(23).fill(1) }, ShapeError, /23 entries but x has 24 rows/],
      [{ sampleWeight: [-1, ...new Array(23).fill(1)] }, OptionError, /sampleWeight\[0\]/],
      [{ sampleWeight: [1, NaN, ...new Array(22).fill(1)] }, OptionError, /sampleWeight\[1\]/],
      [{ sampleWeight: [1, 1, Infinity, ...new Array(21).fill(1)] }, OptionError, /finite/],
      [{ sampleWeight: [1e39, ...new Array(23).fill(1)] }, OptionError, /overflows f32/],
      [{ classWeight: { 3: 1 } }, OptionError, /classes 0 to 2/],
      [{ classWeight: { 1: -2 } }, OptionError, /classWeight\[1\]/],
      [{ classWeight: 'heavy' }, OptionError, /classWeight must be/],
    ];
    for (const [opts, cls, message] of bad) {
      await expect(net.fit(X, LABELS, opts)).rejects.toThrow(cls);
      await expect(net.fit(X, LABELS, opts)).rejects.toThrow(message);
      expect(() => net.evaluate(X, LABELS, opts)).toThrow(message);
    }
    expect(net.getParameters()).toEqual(before);
    expect(net.epochsTrained).toBe(0);
    net.dispose();
    const regression = await Network.create({
      layers: [4, 2],
      loss: 'mse',
      activation: 'linear',
      wasm: WASM_PATH,
    });
    expect(() =>
      regression.evaluate(X, new Array(48).fill(0.3), { classWeight: { 0: 2 } }),
    ).toThrow(/needs a classifier/);
    regression.dispose();
  });
});

describe('save and load', () => {
  it('keep dropout and its seed (JSON, safetensors) and resume exactly', async () => {
    const full = await Network.create(options('f32', 'wasm', { dropoutSeed: 77 }));
    await full.fit(X, LABELS, { epochs: 4, batchSize: 5 });

    const half = await Network.create(options('f32', 'wasm', { dropoutSeed: 77 }));
    await half.fit(X, LABELS, { epochs: 2, batchSize: 5 });
    const json = half.toJSON({ trainingState: true });
    expect(json.architecture.dropout).toEqual([0.5, 0.25]);
    expect(json.architecture.dropoutSeed).toBe(77);
    for (const load of [
      () => Network.fromJSON(JSON.stringify(json), { wasm: WASM_PATH }),
      () =>
        Network.fromSafetensors(half.toSafetensors({ trainingState: true }), { wasm: WASM_PATH }),
    ]) {
      const resumed = await load();
      expect(resumed.dropout).toEqual([0.5, 0.25]);
      expect(resumed.dropoutSeed).toBe(77);
      await resumed.fit(X, LABELS, { epochs: 2, batchSize: 5 });
      expect(resumed.getParameters()).toEqual(full.getParameters());
      resumed.dispose();
    }
    // Without dropout the architecture has no dropout fields (files as before).
    const plain = await Network.create({ layers: [2, 3, 1], wasm: WASM_PATH });
    expect('dropout' in plain.toJSON().architecture).toBe(false);
    for (const n of [full, half, plain]) n.dispose();
  });
});
