// AdamW, RMSprop and gradient clipping (clipNorm over all parameters, clipValue per element) on
// both backends: against values computed by hand on a network small enough to differentiate on
// paper, and wasm vs reference (f64 to 1e-12, f32 to 1e-4) on deeper networks with the
// clipping active, several steps, both orderings where allowed.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../ts/backends/backend.js';
import { ReferenceBackend } from '../../ts/backends/reference/network.js';
import type { WasmCore } from '../../ts/backends/wasm/core.js';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { WasmBackend } from '../../ts/backends/wasm/network.js';
import { initialParameters } from '../../ts/init.js';
import {
  resolveOptimizer,
  type Activation,
  type CoreLoss,
  type ModelSpec,
  type OptimizerOption,
} from '../../ts/model.js';
import type { Dtype, Ordering } from '../../ts/types.js';
import { WASM_PATH, randArray, rng, toleranceRatio, validTargets } from '../helpers.js';

let core: WasmCore;
beforeAll(async () => {
  core = await loadWasm(WASM_PATH);
});

const KINDS = ['wasm', 'reference'] as const;
const DTYPES: Dtype[] = ['f64', 'f32'];

function make(kind: 'wasm' | 'reference', spec: ModelSpec, dtype: Dtype, p: ArrayLike<number>) {
  const params = Float64Array.from(p);
  return kind === 'wasm'
    ? new WasmBackend(core, spec, dtype, params)
    : new ReferenceBackend(spec, dtype, params);
}

/**
 * `[2, 1]`, linear, MSE, one row: `z = x·W + b`, `L = (z − y)²`, `g = 2(z − y)·[x₀, x₁, 1]`
 * for `[dW₀, dW₁, db]`; `W = [0.5, −0.25]`, `b = 0.1`.
 */
function tiny(kind: 'wasm' | 'reference', dtype: Dtype, optimizer: OptimizerOption): Backend {
  const spec: ModelSpec = {
    layers: [2, 1],
    activations: [{ type: 'linear' }],
    loss: 'mse',
    optimizer: resolveOptimizer(optimizer),
    ordering: 'exact',
  };
  return make(kind, spec, dtype, [0.5, -0.25, 0.1]);
}

/** f32: 1 − β₂ = 0.001 rounds to 0.00099998713 in f32, so Adam's v̂ is off by 1.3e-5. */
const HAND_TOL: Record<Dtype, number> = { f64: 1e-15, f32: 1e-6 };

function expectClose(got: ArrayLike<number>, want: number[], dtype: Dtype, what: string): void {
  expect(got.length, what).toBe(want.length);
  want.forEach((w, i) => {
    expect(Math.abs(got[i]! - w), `${what}[${i}]: ${got[i]} vs ${w}`).toBeLessThanOrEqual(
      HAND_TOL[dtype],
    );
  });
}

describe.each(KINDS)('hand-computed updates, %s', (kind) => {
  it.each(DTYPES)('AdamW, first step (%s)', (dtype) => {
    // x = [1, 2], y = 1.1: z = 0.5 − 0.5 + 0.1 = 0.1, g = 2(0.1 − 1.1)·[1, 2, 1] = [−2, −4, −2]
    const net = tiny(kind, dtype, { type: 'adamw', weightDecay: 0.1 });
    net.trainStep(Float64Array.of(1, 2), Float64Array.of(1.1), 1, 0.1);
    // t = 1: m̂ = g, v̂ = g², so m̂/(√v̂ + ε) = g/(|g| + ε); w ← w − a·(λw + m̂/(√v̂ + ε)):
    //   W₀ = 0.5 − 0.1·(0.1·0.5 − 2/(2 + 1e-8))       = 0.5949999995
    //   W₁ = −0.25 − 0.1·(0.1·(−0.25) − 4/(4 + 1e-8)) = −0.14750000025
    //   b  = 0.1 − 0.1·(−2/(2 + 1e-8))  (no decay)    = 0.1999999995
    expectClose(net.getParams(), [0.5949999995, -0.14750000025, 0.1999999995], dtype, 'params');
    // m = 0.1·g, v = 0.001·g²: the moments saw g alone, not g + λw as Adam's would
    const { state, step } = net.getOptimizerState();
    expectClose(state, [-0.2, -0.4, -0.2, 0.004, 0.016, 0.004], dtype, 'm, v');
    expect(step).toBe(1);
    net.dispose();
  });

  it.each(DTYPES)('RMSprop, from zero and from a running mean square of 3 (%s)', (dtype) => {
    // ρ = 0.75, λ = 0.5 (coupled); g = [−2, −4, −2] as above, so g̃ = g + λw =
    // [−2 + 0.25, −4 − 0.125, −2 (no decay on b)] = [−1.75, −4.125, −2]
    const option: OptimizerOption = { type: 'rmsprop', rho: 0.75, weightDecay: 0.5 };
    const net = tiny(kind, dtype, option);
    net.trainStep(Float64Array.of(1, 2), Float64Array.of(1.1), 1, 0.1);
    // v = 0.25·g̃² = [0.765625, 4.25390625, 1], √v = [0.875, 2.0625, 1], w ← w − a·g̃/(√v + ε):
    //   W₀ = 0.5 + 0.1·1.75/(0.875 + 1e-8), W₁ = −0.25 + 0.1·4.125/(2.0625 + 1e-8),
    //   b = 0.1 + 0.1·2/(1 + 1e-8)
    expectClose(
      net.getParams(),
      [0.6999999977142858, -0.05000000096969695, 0.299999998],
      dtype,
      'step 1',
    );
    expectClose(net.getOptimizerState().state, [0.765625, 4.25390625, 1], dtype, 'v');
    net.dispose();
    const resumed = tiny(kind, dtype, option);
    resumed.setOptimizerState([3, 3, 3], 7);
    resumed.trainStep(Float64Array.of(1, 2), Float64Array.of(1.1), 1, 0.1);
    // v = 0.75·3 + 0.25·g̃² = [3.015625, 6.50390625, 3.25]:
    //   W₀ = 0.5 + 0.1·1.75/(√3.015625 + 1e-8), W₁ = −0.25 + 0.1·4.125/(√6.50390625 + 1e-8),
    //   b = 0.1 + 0.1·2/(√3.25 + 1e-8)
    expectClose(
      resumed.getParams(),
      [0.6007742045245064, -0.08825278377359652, 0.21094003862966124],
      dtype,
      'from v = 3',
    );
    expect(resumed.getOptimizerState().step).toBe(8);
    resumed.dispose();
  });

  // x = [2, 2], y = 1.6: z = 1 − 0.5 + 0.1 = 0.6, g = 2(0.6 − 1.6)·[2, 2, 1] = [−4, −4, −2],
  // ‖g‖ = √(16 + 16 + 4) = 6; SGD with a = 0.1: w ← w − 0.1·clip(g) (+ λw after clipping)
  const CLIP_CASES: [string, OptimizerOption, number[]][] = [
    // 3/6 = 0.5: [−2, −2, −1]
    ['clipNorm 3 < ‖g‖ = 6', { type: 'sgd', clipNorm: 3 }, [0.7, -0.05, 0.2]],
    ['clipNorm 10 ≥ ‖g‖: unchanged', { type: 'sgd', clipNorm: 10 }, [0.9, 0.15, 0.3]],
    // [−3, −3, −2]
    ['clipValue 3', { type: 'sgd', clipValue: 3 }, [0.8, 0.05, 0.3]],
    // the norm first, [−2, −2, −1], then the clamp, [−1.5, −1.5, −1]
    [
      'clipNorm 3 then clipValue 1.5',
      { type: 'sgd', clipNorm: 3, clipValue: 1.5 },
      [0.65, -0.1, 0.2],
    ],
    // [−3, −3, −2] then + λw: [−3 + 0.05, −3 − 0.025, −2]
    [
      'clipValue 3, then weight decay 0.1',
      { type: 'sgd', clipValue: 3, weightDecay: 0.1 },
      [0.795, 0.0525, 0.3],
    ],
  ];
  describe.each(DTYPES)('clipping with SGD (%s)', (dtype) => {
    it.each(CLIP_CASES)('%s', (_, option, want) => {
      const net = tiny(kind, dtype, option);
      net.trainStep(Float64Array.of(2, 2), Float64Array.of(1.6), 1, 0.1);
      expectClose(net.getParams(), want, dtype, 'params');
      net.dispose();
    });
  });
});

/*
 * wasm vs reference with the clipping active (asserted: the gradient norm exceeds clipNorm, and
 * some gradient elements exceed clipValue). Tolerances as in model-combinations.test.ts: f64
 * 1e-12 (same operations in the same order, the norm's squares summed in index order on both),
 * f32 1e-4 (the core rounds after every operation, the reference once per stored value).
 */
const TOL: Record<Dtype, number> = { f64: 1e-12, f32: 1e-4 };
const worst: Record<string, number> = {};

const CONFIGS: [string, OptimizerOption, Ordering][] = [
  ['sgd clipNorm', { type: 'sgd', clipNorm: 0.05 }, 'exact'],
  ['momentum clipNorm + clipValue', { type: 'momentum', clipNorm: 0.1, clipValue: 0.01 }, 'exact'],
  ['adam clipValue, update-first', { type: 'adam', clipValue: 0.01 }, 'update-first'],
  ['adamw', 'adamw', 'exact'],
  ['adamw clipNorm + decay', { type: 'adamw', weightDecay: 0.1, clipNorm: 0.05 }, 'exact'],
  ['adamw update-first', { type: 'adamw', beta1: 0.8 }, 'update-first'],
  ['rmsprop', 'rmsprop', 'exact'],
  ['rmsprop clipNorm', { type: 'rmsprop', rho: 0.95, weightDecay: 0.01, clipNorm: 0.05 }, 'exact'],
  ['rmsprop clipValue, update-first', { type: 'rmsprop', clipValue: 0.02 }, 'update-first'],
];

const SHAPES: [number[], Activation[], CoreLoss][] = [
  [[5, 7, 3], [{ type: 'tanh' }, { type: 'softmax' }], 'categorical-cross-entropy'],
  [[3, 9, 4, 2], [{ type: 'relu' }, { type: 'sigmoid' }, { type: 'linear' }], 'mse'],
  [[6, 5, 1], [{ type: 'leakyRelu', slope: 0.1 }, { type: 'sigmoid' }], 'binary-cross-entropy'],
];

describe.each(DTYPES)('wasm vs reference with clipping and the new optimizers, %s', (dtype) => {
  it.each(CONFIGS)('%s', (label, option, ordering) => {
    const next = rng(dtype === 'f64' ? 1301 : 1302);
    const optimizer = resolveOptimizer(option);
    for (const [layers, activations, loss] of SHAPES) {
      const spec: ModelSpec = { layers, activations, loss, optimizer, ordering };
      const params = initialParameters(layers, 5, ['glorot-uniform', 'glorot-uniform', 'uniform']);
      const w = make('wasm', spec, dtype, params);
      const r = make('reference', spec, dtype, params);
      const batch = 9;
      const x = Float64Array.from(randArray(next, batch * layers[0]!, -2, 2));
      const y = validTargets(next, loss, batch, layers[layers.length - 1]!);
      const what = `${label}, layers [${layers}]`;
      const cmp = (a: ArrayLike<number>, b: ArrayLike<number>, key: string): void => {
        const ratio = toleranceRatio(a, b, 1);
        worst[`${dtype} ${key}`] = Math.max(worst[`${dtype} ${key}`] ?? 0, ratio);
        expect(ratio, `${key}: ${what}`).toBeLessThanOrEqual(TOL[dtype]);
      };
      try {
        // the clipping must bite on this data, else the comparison proves nothing about it
        const { grads } = r.gradients(x, y, batch);
        const norm = Math.hypot(...grads);
        if (optimizer.clipNorm !== undefined)
          expect(norm, what).toBeGreaterThan(optimizer.clipNorm);
        if (optimizer.clipValue !== undefined) {
          expect(
            grads.some((g) => Math.abs(g) > optimizer.clipValue!),
            what,
          ).toBe(true);
        }
        for (let s = 0; s < 5; s++) {
          cmp([w.trainStep(x, y, batch, 0.05)], [r.trainStep(x, y, batch, 0.05)], 'step loss');
        }
        cmp(w.getParams(), r.getParams(), 'params');
        const [sw, sr] = [w.getOptimizerState(), r.getOptimizerState()];
        expect([sw.step, sr.step]).toEqual([5, 5]);
        cmp(sw.state, sr.state, 'optimizer state');
      } finally {
        w.dispose();
        r.dispose();
      }
    }
  });
});

describe('clipNorm is global: one scale for every layer', () => {
  it.each(KINDS)('%s: SGD moves the parameters by exactly a·clipNorm', (kind) => {
    const layers = [4, 6, 5, 2];
    const spec: ModelSpec = {
      layers,
      activations: [{ type: 'tanh' }, { type: 'relu' }, { type: 'linear' }],
      loss: 'mse',
      optimizer: resolveOptimizer({ type: 'sgd', clipNorm: 0.02 }),
      ordering: 'exact',
    };
    const params = initialParameters(layers, 9, ['uniform', 'uniform', 'uniform']);
    const net = make(kind, spec, 'f64', params);
    const next = rng(4);
    const x = Float64Array.from(randArray(next, 8 * 4, -1, 1));
    const y = Float64Array.from(randArray(next, 8 * 2, -1, 1));
    const { grads } = net.gradients(x, y, 8);
    const norm = Math.hypot(...grads);
    expect(norm).toBeGreaterThan(0.02);
    net.trainStep(x, y, 8, 0.5);
    const after = net.getParams();
    // every parameter: w − a·g·c/‖g‖ (the gradient taken before any layer was updated)
    const want = params.map((p, i) => p - 0.5 * (grads[i]! * (0.02 / norm)));
    expect(toleranceRatio(after, want, 1e-15)).toBeLessThanOrEqual(1);
    const moved = Math.hypot(...after.map((p, i) => p - params[i]!));
    expect(Math.abs(moved - 0.5 * 0.02)).toBeLessThan(1e-14);
    net.dispose();
  });
});

describe('wasm vs reference with clipping, measured', () => {
  it('prints the worst ratios (see TOL)', () => {
    console.log(
      '[clipping-optimizers] worst max|w−r|/(1+|r|):\n' +
        Object.entries(worst)
          .map(([k, v]) => `  ${k}: ${v.toExponential(2)}`)
          .join('\n'),
    );
    expect(Object.keys(worst).length).toBeGreaterThan(0);
  });
});
