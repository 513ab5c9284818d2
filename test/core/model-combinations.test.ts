// Every activation × loss pairing: the gradient against central finite differences in f64 on
// both backends, and wasm vs reference (forward, gradients, several optimizer steps with every
// optimizer and per-element clipping, both orderings, both dtypes) on random shapes whose
// widths are not multiples of the SIMD width.
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
  type Optimizer,
} from '../../ts/model.js';
import type { Dtype, Ordering } from '../../ts/types.js';
import { WASM_PATH, randArray, randInt, rng, toleranceRatio, validTargets } from '../helpers.js';

const HIDDEN: Activation[] = [
  { type: 'sigmoid' },
  { type: 'tanh' },
  { type: 'relu' },
  { type: 'leakyRelu', slope: 0.1 },
  { type: 'linear' },
];

/** Every (loss, output activation) pair a network accepts. */
const PAIRS: [CoreLoss, Activation][] = [
  ...(['half-sse', 'mse'] as const).flatMap((loss) =>
    [...HIDDEN, { type: 'softmax' } as const].map((a): [CoreLoss, Activation] => [loss, a]),
  ),
  ['binary-cross-entropy', { type: 'sigmoid' }],
  ['categorical-cross-entropy', { type: 'softmax' }],
];

const OPTIMIZERS: Optimizer[] = [
  resolveOptimizer('sgd'),
  resolveOptimizer({ type: 'sgd', weightDecay: 0.01 }),
  resolveOptimizer('momentum'),
  resolveOptimizer({ type: 'momentum', momentum: 0.8, nesterov: true, weightDecay: 0.01 }),
  resolveOptimizer('adam'),
  resolveOptimizer({ type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0.01 }),
  resolveOptimizer('adamw'),
  resolveOptimizer({ type: 'rmsprop', rho: 0.8, weightDecay: 0.01 }),
  // per-element clipping works with both orderings (clipNorm, exact only: clipping.test.ts)
  resolveOptimizer({ type: 'momentum', clipValue: 0.05 }),
];

const name = (a: Activation): string => (a.type === 'leakyRelu' ? `leakyRelu(${a.slope})` : a.type);

let core: WasmCore;
beforeAll(async () => {
  core = await loadWasm(WASM_PATH);
});

function make(kind: 'wasm' | 'reference', spec: ModelSpec, dtype: Dtype, p: Float64Array): Backend {
  return kind === 'wasm'
    ? new WasmBackend(core, spec, dtype, p)
    : new ReferenceBackend(spec, dtype, p);
}

// Central differences with h = 1e-5 on losses of order 1: truncation O(h²·L''') ≈ 1e-10,
// rounding ≈ ε·L/h ≈ 1e-11, so 1e-7·(1 + |g|) has a wide margin yet catches any wrong factor
// (a missing 1/B, a dropped softmax term or σ' are off by > 1e-3). Inputs stay away from relu's
// kink: with 41 parameters and h = 1e-5 a crossing has probability ~1e-4 per combination, and
// none happens with these seeds.
describe.each(['reference', 'wasm'] as const)('f64 gradient vs finite differences, %s', (kind) => {
  it.each(HIDDEN.map((h) => [name(h), h] as const))(
    'hidden %s, every loss/output pair',
    (_, hidden) => {
      const next = rng(kind === 'wasm' ? 91 : 92);
      let checked = 0;
      for (const [loss, out] of PAIRS) {
        const layers = [3, 5, 3];
        const spec: ModelSpec = {
          layers,
          activations: [hidden, out],
          loss,
          optimizer: resolveOptimizer('sgd'),
          ordering: 'exact',
        };
        // 'uniform' draws biases too: with zero biases a row whose relus are all 0 would sit
        // exactly on the next layer's kink (z = b = 0).
        const params = initialParameters(layers, 7, ['uniform', 'uniform']);
        const net = make(kind, spec, 'f64', params);
        try {
          const batch = 4;
          const x = Float64Array.from(randArray(next, batch * 3, -2, 2));
          const y = validTargets(next, loss, batch, 3);
          const { grads, loss: l0 } = net.gradients(x, y, batch);
          expect(l0).toBe(net.loss(x, y, batch));
          const h = 1e-5;
          for (let i = 0; i < params.length; i++) {
            const at = (d: number): number => {
              const p = params.slice();
              p[i]! += d;
              net.setParams(p);
              return net.loss(x, y, batch);
            };
            const numeric = (at(h) - at(-h)) / (2 * h);
            const what = `${name(hidden)} → ${name(out)}, ${loss}, param ${i}: ${grads[i]} vs ${numeric}`;
            expect(Math.abs(grads[i]! - numeric), what).toBeLessThanOrEqual(
              1e-7 * (1 + Math.abs(numeric)),
            );
            checked++;
          }
        } finally {
          net.dispose();
        }
      }
      expect(checked).toBe(PAIRS.length * (3 * 5 + 5 + 5 * 3 + 3));
    },
  );
});

/*
 * Tolerances, as max |w − r| / (1 + |r|):
 * - f64: both backends do the same float64 operations in the same order; they differ only
 *   where the core's vectorised exp/σ/tanh (≤ 2.5 ulp of libm, crates/mlp-core/src/kernels/
 *   exp.rs) and V8's Math.exp/tanh/log1p/pow round differently, compounded over the steps:
 *   measured 8e-15 (printed below), so 1e-12.
 * - f32: the reference rounds once per stored value, the core after every operation, so
 *   values differ by a few f32 ulps (~1e-7 relative), compounded over 4 steps: measured
 *   2.3e-5 on the parameters (printed below), so 1e-4. Adam could in principle amplify a
 *   gradient that is pure rounding noise (m̂/(√v̂ + ε) of noise is ±1 in size) into a step
 *   difference of 2·lr; with ε = 1e-8 vs f32 gradients of these sizes it does not happen
 *   on these seeded cases, and the check stays strict so that a real divergence would show.
 */
const TOL: Record<Dtype, number> = { f64: 1e-12, f32: 1e-4 };
const worst: Record<string, number> = {};

describe.each(['f64', 'f32'] as Dtype[])('wasm vs reference, every combination, %s', (dtype) => {
  it.each(OPTIMIZERS.map((o, i) => [`${o.type} #${i}`, o] as const))(
    'all activations × losses, both orderings, optimizer %s',
    (label, optimizer) => {
      const next = rng(dtype === 'f64' ? 501 : 502);
      const widths = [2, 3, 5, 17];
      const steps = 4;
      let runs = 0;
      for (const hidden of HIDDEN) {
        for (const [loss, out] of PAIRS) {
          for (const ordering of ['exact', 'update-first'] as Ordering[]) {
            const depth = randInt(next, 1, 3);
            const layers = Array.from({ length: depth + 1 }, () => widths[randInt(next, 0, 3)]!);
            const spec: ModelSpec = {
              layers,
              activations: [...Array<Activation>(depth - 1).fill(hidden), out],
              loss,
              optimizer,
              ordering,
            };
            const params = initialParameters(
              layers,
              runs + 3,
              spec.activations.map(() => 'glorot-uniform'),
            );
            const w = make('wasm', spec, dtype, params);
            const r = make('reference', spec, dtype, params);
            const batch = randInt(next, 1, 20);
            // half-sse sums over the batch: scale its step so linear layers do not diverge
            const lr = loss === 'half-sse' ? 0.05 / batch : 0.05;
            const x = Float64Array.from(randArray(next, batch * layers[0]!, -2, 2));
            const y = validTargets(next, loss, batch, layers[depth]!);
            const what = `${name(hidden)}/${name(out)}/${loss}/${ordering} layers [${layers}] batch ${batch}`;
            const cmp = (a: ArrayLike<number>, b: ArrayLike<number>, key: string) => {
              const ratio = toleranceRatio(a, b, 1);
              worst[`${dtype} ${key}`] = Math.max(worst[`${dtype} ${key}`] ?? 0, ratio);
              expect(ratio, `${key}: ${what}`).toBeLessThanOrEqual(TOL[dtype]);
            };
            try {
              cmp(w.forward(x, batch), r.forward(x, batch), 'forward');
              const gw = w.gradients(x, y, batch);
              const gr = r.gradients(x, y, batch);
              cmp(gw.grads, gr.grads, 'gradients');
              cmp([gw.loss], [gr.loss], 'loss');
              for (let s = 0; s < steps; s++) {
                cmp([w.trainStep(x, y, batch, lr)], [r.trainStep(x, y, batch, lr)], 'step loss');
              }
              cmp(w.getParams(), r.getParams(), 'params');
              const sw = w.getOptimizerState();
              const sr = r.getOptimizerState();
              expect(sw.step).toBe(steps);
              expect(sr.step).toBe(steps);
              cmp(sw.state, sr.state, 'optimizer state');
            } finally {
              w.dispose();
              r.dispose();
            }
            runs++;
          }
        }
      }
      expect(runs, label).toBe(HIDDEN.length * PAIRS.length * 2);
    },
  );
});

describe('wasm vs reference, measured', () => {
  it('prints the worst ratios (see TOL)', () => {
    console.log(
      '[model-combinations] worst max|w−r|/(1+|r|):\n' +
        Object.entries(worst)
          .map(([k, v]) => `  ${k}: ${v.toExponential(2)}`)
          .join('\n'),
    );
    expect(Object.keys(worst).length).toBeGreaterThan(0);
  });
});
