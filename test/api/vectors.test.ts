// Every case of the shared reference vectors, on both backends × both dtypes, through the
// public API (the built bundle): forward output, loss, gradients, parameters after `steps`
// training steps (by trainStep and by forward+backward), and the loss after training.
import { describe, expect, it } from 'vitest';
import { Network, type BackendName, type Dtype } from 'wasm-mlp';
import { flat, flatParams, loadVectors, toleranceRatio, type VectorCase } from '../helpers.js';

const cases = loadVectors();

/**
 * Tolerances: an element passes when |actual − expected| ≤ tol·(1 + |expected|) (atol = rtol).
 *
 * f64: 1e-9 as the vectors' README suggests (float64 implementations that sum in another order
 * agree to ~1e-14); the two orderings differ by ≥ 5e-4, so this still tells them apart.
 *
 * f32: the expected values are float64; an f32 network starts from parameters rounded to f32
 * (relative error ≤ 2^-24 ≈ 6e-8) and rounds every operation, so one pass is off by a few
 * 1e-7 relative (a dot product of n terms: ≤ n·6e-8·Σ|terms|, n ≤ 33 here). Training then
 * compounds these errors: each step's update depends on the previous parameters, and the
 * long runs (xor 1000 steps, deep 200 steps) amplify them. Measured maxima of
 * max|a − e|/(1 + |e|), printed by the last test of this file:
 *   one pass (forward / loss / gradients): reference 4.1e-8, wasm 1.0e-7
 *   after `steps` steps:                   reference 2.7e-6, wasm 2.6e-6
 *   (f64: 2.8e-16 one pass, 2.5e-15 after steps)
 * The f32 tolerances (1e-6 one pass, 2e-5 after steps) leave a margin of ~10× / ~7× and stay
 * well below the smallest difference between the two orderings' vectors (3.3e-4, checked
 * below), so an f32 run of the wrong ordering still fails.
 */
const TOL = {
  f64: { pass: 1e-9, steps: 1e-9 },
  f32: { pass: 1e-6, steps: 2e-5 },
} as const;

const combos: [BackendName, Dtype][] = [
  ['reference', 'f64'],
  ['wasm', 'f64'],
  ['reference', 'f32'],
  ['wasm', 'f32'],
];

/** Worst tolerance ratios seen per combo, in units of 1 (printed for the comment above). */
const worst = new Map<string, { pass: number; steps: number }>();
function record(key: string, kind: 'pass' | 'steps', absErrOverScale: number): void {
  const w = worst.get(key) ?? { pass: 0, steps: 0 };
  w[kind] = Math.max(w[kind], absErrOverScale);
  worst.set(key, w);
}

async function netFor(c: VectorCase, backend: BackendName, dtype: Dtype) {
  const net = await Network.create({
    layers: c.layers,
    learningRate: c.learningRate,
    ordering: c.ordering,
    dtype,
    backend,
  });
  net.setParameters(c.initial);
  return net;
}

/** Checks and records; `ratio1` is the error ratio at tolerance 1 (i.e. max |a−e|/(1+|e|)). */
function check(
  key: string,
  kind: 'pass' | 'steps',
  tol: number,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
): void {
  const ratio1 = toleranceRatio(actual, expected, 1);
  record(key, kind, ratio1);
  expect(ratio1, `${what}: max |a−e|/(1+|e|) = ${ratio1.toExponential(2)}`).toBeLessThanOrEqual(
    tol,
  );
}

describe.each(combos)('reference vectors, backend %s, dtype %s', (backend, dtype) => {
  const key = `${backend}/${dtype}`;
  const tol = TOL[dtype];

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const net = await netFor(c, backend, dtype);
    try {
      check(key, 'pass', tol.pass, net.forward(c.x), c.forwardOutput, 'forward output');
      check(key, 'pass', tol.pass, [net.loss(c.x, c.y)], [c.lossBefore], 'lossBefore');
      const g = net.gradients(c.x, c.y);
      check(key, 'pass', tol.pass, flatParams(g), flatParams(c.gradients), 'gradients');
      check(key, 'pass', tol.pass, [g.loss], [c.lossBefore], 'gradients().loss');
      // gradients() must not update anything
      check(
        key,
        'pass',
        tol.pass,
        flatParams(net.getParameters()),
        flatParams(c.initial),
        'params after gradients()',
      );

      // path 1: trainStep
      let lossBefore = NaN;
      for (let s = 0; s < c.steps; s++) {
        const l = net.trainStep(c.x, c.y);
        if (s === 0) lossBefore = l;
      }
      check(key, 'pass', tol.pass, [lossBefore], [c.lossBefore], 'trainStep() loss at step 0');
      const afterTrainStep = flatParams(net.getParameters());
      check(
        key,
        'steps',
        tol.steps,
        afterTrainStep,
        flatParams(c.after),
        'params after trainStep()s',
      );
      check(key, 'steps', tol.steps, [net.loss(c.x, c.y)], [c.after.loss], 'after.loss');

      // path 2: forward + backward, from the same initial parameters, same semantics
      net.setParameters(c.initial);
      for (let s = 0; s < c.steps; s++) {
        net.forward(c.x);
        net.backward(c.y);
      }
      const afterBackward = flatParams(net.getParameters());
      check(
        key,
        'steps',
        tol.steps,
        afterBackward,
        flatParams(c.after),
        'params after forward+backward',
      );
      // Both paths run the same arithmetic, so they agree to rounding (bitwise in practice).
      expect(toleranceRatio(afterBackward, afterTrainStep, 1e-12)).toBeLessThanOrEqual(1);
    } finally {
      net.dispose();
    }
  });
});

describe('orderings are told apart', () => {
  // Measured minimum: 3.3e-4 (xor, 1 step), so the f32 step tolerance cannot confuse them.
  it('update-first and exact vectors differ by far more than the f32 step tolerance', () => {
    for (const c of cases.filter((c) => c.ordering === 'exact' && c.layers.length > 2)) {
      const other = cases.find((o) => o.name === c.name.replace('exact', 'update-first'))!;
      const d = toleranceRatio(flat(other.after.weights), flat(c.after.weights), 1);
      expect(d, c.name).toBeGreaterThan(5 * TOL.f32.steps);
    }
  });
});

describe('measured tolerances', () => {
  it('prints the worst errors seen (see the TOL comment)', () => {
    const rows = [...worst].map(
      ([k, w]) => `${k}: pass ${w.pass.toExponential(2)}, steps ${w.steps.toExponential(2)}`,
    );
    console.log(`[vectors] worst max|a−e|/(1+|e|):\n  ${rows.join('\n  ')}`);
    expect(worst.size).toBeGreaterThan(0);
  });
});
