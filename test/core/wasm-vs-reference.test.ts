// Every kernel of the core separately (the test build's kernel exports, test/test-wasm.ts)
// against the reference kernels, on random shapes (batch 1..67, widths 1, 3, 5, 17, 33: not
// multiples of the SIMD width), and the whole network of the published build (forward,
// gradients, several training steps) wasm vs reference, both dtypes and orderings.
//
// Tolerances come from standard floating-point error bounds with unit roundoff u (2^-24 for f32,
// 2^-53 for f64). The reference computes each kernel in float64 and rounds once on store; the
// wasm core computes in the dtype. For a sum of k products, |error| ≤ (k + 2)·u·Σ|a_i·b_i|
// (γ_k bound plus the final rounding of both sides), so that is the per-element tolerance of gemm
// and column sums; element-wise kernels get a few u relative to the size of their terms.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Real } from '../../ts/backends/backend.js';
import * as ref from '../../ts/backends/reference/kernels.js';
import { ReferenceBackend } from '../../ts/backends/reference/network.js';
import type { WasmCore } from '../../ts/backends/wasm/core.js';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import { WasmBackend } from '../../ts/backends/wasm/network.js';
import { initialParameters } from '../../ts/init.js';
import { defaultSpec } from '../../ts/model.js';
import type { Dtype, Ordering } from '../../ts/types.js';
import { WASM_PATH, randArray, randInt, rng, toleranceRatio } from '../helpers.js';
import { kernels, loadTestCore } from '../test-wasm.js';

const WIDTHS = [1, 3, 5, 17, 33];
const U: Record<Dtype, number> = { f32: 2 ** -24, f64: 2 ** -53 };
const DTYPES: Dtype[] = ['f32', 'f64'];

/** The published build (whole networks) and the test build (the kernels alone). */
let core: WasmCore;
let testCore: WasmCore;
beforeAll(async () => {
  core = await loadWasm(WASM_PATH);
  testCore = await loadTestCore();
});

/** Copies arrays into the test core, runs `body` with their pointers, copies them all back out. */
function inWasm(dtype: Dtype, arrays: Real[], body: (...ptrs: number[]) => void): Real[] {
  const ptrs = arrays.map((a) => testCore.allocArray(dtype, a));
  try {
    body(...ptrs);
    return ptrs.map((p, i) => testCore.read(dtype, p, arrays[i]!.length));
  } finally {
    ptrs.forEach((p, i) => testCore.freeArray(dtype, p, arrays[i]!.length));
  }
}

/** Asserts |w − r| ≤ tol[i] element-wise; returns the worst |w − r| / tol. */
function within(
  w: ArrayLike<number>,
  r: ArrayLike<number>,
  tol: ArrayLike<number>,
  what: string,
): number {
  expect(w.length, what).toBe(r.length);
  let worst = 0;
  for (let i = 0; i < r.length; i++) {
    const d = Math.abs(w[i]! - r[i]!);
    const ratio = d === 0 ? 0 : d / tol[i]!;
    if (!(ratio <= 1))
      expect.fail(`${what}: element ${i}: wasm ${w[i]} vs reference ${r[i]}, tolerance ${tol[i]}`);
    worst = Math.max(worst, ratio);
  }
  return worst;
}

describe.each(DTYPES)('kernels, %s', (dtype) => {
  const T = dtype === 'f64' ? Float64Array : Float32Array;
  const u = U[dtype];
  const api = () => kernels(testCore, dtype);
  const next = rng(dtype === 'f64' ? 64 : 32);
  const batches = () => [1, 67, randInt(next, 2, 66)];

  it.each([
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])('gemm transA=%s transB=%s, accumulate on and off', (transA, transB) => {
    let calls = 0;
    for (const accumulate of [false, true]) {
      for (const w1 of WIDTHS) {
        for (const w2 of WIDTHS) {
          for (const batch of batches()) {
            // the three shapes the network uses: x·W (batch, w1, w2), xᵀ·pre (w1, w2, batch), pre·Wᵀ
            for (const [m, n, k] of [
              [batch, w1, w2],
              [w1, w2, batch],
              [w2, batch, w1],
            ] as const) {
              const a = T.from(randArray(next, m * k, -2, 2));
              const b = T.from(randArray(next, k * n, -2, 2));
              const c0 = T.from(randArray(next, m * n, -2, 2));
              const expected = c0.slice();
              ref.gemm(transA, transB, m, n, k, a, b, expected, accumulate);
              const [, , got] = inWasm(dtype, [a, b, c0.slice()], (pa, pb, pc) =>
                api().gemm(+transA, +transB, m, n, k, pa!, pb!, pc!, +accumulate),
              );
              // tolerance: (k + 2)·u·(Σ_p |op(A)_ip·op(B)_pj| + |C0_ij|)
              const absA = a.map(Math.abs);
              const absB = b.map(Math.abs);
              const bound = new Float64Array(m * n);
              ref.gemm(transA, transB, m, n, k, absA, absB, bound, false);
              const tol = bound.map(
                (s, i) => (k + 2) * u * (s + (accumulate ? Math.abs(c0[i]!) : 0)) + 1e-300,
              );
              within(
                got!,
                expected,
                tol,
                `gemm(${+transA},${+transB}) m=${m} n=${n} k=${k} acc=${accumulate}`,
              );
              calls++;
            }
          }
        }
      }
    }
    expect(calls).toBe(2 * 25 * 3 * 3);
  });

  it('sigmoid', () => {
    let worst = 0;
    for (const len of [...WIDTHS, 64, 67 * 33, randInt(next, 2, 500)]) {
      const x = T.from(randArray(next, len, -20, 20));
      if (len > 3) x.set([0, -0, 40, -40].slice(0, len));
      const expected = x.slice();
      ref.sigmoid(expected, len);
      const [got] = inWasm(dtype, [x], (px) => api().sigmoid(px!, len));
      // a few ulps of a value in (0, 1): 4u absolute
      worst = Math.max(
        worst,
        within(got!, expected, new Float64Array(len).fill(4 * u), `sigmoid len=${len}`),
      );
    }
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('sigmoid backward', () => {
    for (const len of [...WIDTHS, 64, 67 * 17, randInt(next, 2, 500)]) {
      const g = T.from(randArray(next, len, -3, 3));
      const y = T.from(randArray(next, len, 0, 1));
      const expected = g.slice();
      ref.sigmoidBackward(expected, y, len);
      const [got] = inWasm(dtype, [g, y], (pg, py) => api().sigmoidBackward(pg!, py!, len));
      // three roundings on terms no larger than |g|·|y|: 4u·|g|·|y|
      const tol = g.map((gi, i) => 4 * u * Math.abs(gi) * y[i]! + 1e-300);
      within(got!, expected, tol, `sigmoid_backward len=${len}`);
    }
  });

  it('add bias (a single addition: identical)', () => {
    for (const rows of batches()) {
      for (const cols of WIDTHS) {
        const x = T.from(randArray(next, rows * cols, -5, 5));
        const bias = T.from(randArray(next, cols, -5, 5));
        const expected = x.slice();
        ref.addBias(expected, bias, rows, cols);
        const [got] = inWasm(dtype, [x, bias], (px, pb) => api().addBias(px!, pb!, rows, cols));
        expect(Array.from(got!), `add_bias ${rows}×${cols}`).toEqual(Array.from(expected));
      }
    }
  });

  it('column sums', () => {
    for (const rows of batches()) {
      for (const cols of WIDTHS) {
        const a = T.from(randArray(next, rows * cols, -5, 5));
        const out = new T(cols).fill(123); // must be overwritten, not accumulated
        const expected = out.slice();
        ref.columnSums(a, rows, cols, expected);
        const [, got] = inWasm(dtype, [a, out], (pa, po) => api().columnSums(pa!, rows, cols, po!));
        const absSums = new Float64Array(cols);
        ref.columnSums(a.map(Math.abs), rows, cols, absSums);
        const tol = absSums.map((s) => (rows + 1) * u * s + 1e-300);
        within(got!, expected, tol, `column_sums ${rows}×${cols}`);
      }
    }
  });

  it('axpy', () => {
    for (const len of [...WIDTHS, 64, 67 * 33, randInt(next, 2, 500)]) {
      for (const alpha of [-0.5, 1, -1e-3, 2.75]) {
        const x = T.from(randArray(next, len, -2, 2));
        const y = T.from(randArray(next, len, -2, 2));
        const expected = x.slice();
        ref.axpy(expected, y, len, alpha);
        const [got] = inWasm(dtype, [x, y], (px, py) => api().axpy(px!, py!, len, alpha));
        // α rounded to the dtype, one product, one sum: 4u·(|x| + |α·y|)
        const tol = x.map((xi, i) => 4 * u * (Math.abs(xi) + Math.abs(alpha * y[i]!)) + 1e-300);
        within(got!, expected, tol, `axpy len=${len} alpha=${alpha}`);
      }
    }
  });
});

/**
 * Whole network, wasm vs reference, same dtype. Elements pass when
 * |w − r| ≤ tol·(1 + |r|). f64: 1e-12 (rounding-order differences and the core's vectorised
 * exp/σ/tanh, ≤ 2.5 ulp from libm (kernels/exp.rs), measured ~1e-14).
 * f32: the two sides round differently (wasm accumulates in f32, the reference in f64, rounding
 * once per stored value), and differences compound over steps: measured maximum 1.1e-5 (widths up
 * to 33, batch up to 67, 6 steps at learning rate 0.3; printed by the last test), so 1e-4 leaves
 * ~9× margin. f64 measured: 6.9e-15.
 */
const NET_TOL: Record<Dtype, number> = { f64: 1e-12, f32: 1e-4 };
const worstNet: Record<Dtype, number> = { f32: 0, f64: 0 };

describe.each(DTYPES)('whole network, %s', (dtype) => {
  it.each(['exact', 'update-first'] as Ordering[])(
    'forward, gradients and 6 steps on random shapes (%s)',
    (ordering) => {
      const next = rng(dtype === 'f64' ? 1001 : 1002 + (ordering === 'exact' ? 0 : 7));
      for (let trial = 0; trial < 12; trial++) {
        const depth = randInt(next, 1, 3);
        const layers = Array.from(
          { length: depth + 1 },
          () => WIDTHS[randInt(next, 0, WIDTHS.length - 1)]!,
        );
        const batch = trial === 0 ? 1 : trial === 1 ? 67 : randInt(next, 1, 67);
        const params = initialParameters(layers, trial + 17);
        const w = new WasmBackend(core, defaultSpec(layers, ordering), dtype, params);
        const r = new ReferenceBackend(defaultSpec(layers, ordering), dtype, params);
        const x = Float64Array.from(randArray(next, batch * layers[0]!, -2, 2));
        const y = Float64Array.from(randArray(next, batch * layers[depth]!, 0, 1));
        const what = `layers [${layers}] batch ${batch}`;
        const cmp = (a: ArrayLike<number>, b: ArrayLike<number>, label: string) => {
          const ratio = toleranceRatio(a, b, 1);
          worstNet[dtype] = Math.max(worstNet[dtype], ratio);
          expect(ratio, `${label} ${what}`).toBeLessThanOrEqual(NET_TOL[dtype]);
        };
        try {
          cmp(w.forward(x, batch), r.forward(x, batch), 'forward');
          const gw = w.gradients(x, y, batch);
          const gr = r.gradients(x, y, batch);
          cmp(gw.grads, gr.grads, 'gradients');
          cmp([gw.loss], [gr.loss], 'gradients loss');
          cmp(
            w.getParams(),
            params.map(dtype === 'f32' ? Math.fround : (v) => v),
            'params untouched',
          );
          for (let s = 0; s < 6; s++) {
            if (s % 2 === 0) {
              cmp(
                [w.trainStep(x, y, batch, 0.3)],
                [r.trainStep(x, y, batch, 0.3)],
                `loss step ${s}`,
              );
            } else {
              cmp(w.forward(x, batch), r.forward(x, batch), `forward step ${s}`);
              w.backward(y, batch, 0.3);
              r.backward(y, batch, 0.3);
            }
            cmp(w.getParams(), r.getParams(), `params after step ${s}`);
          }
          cmp([w.loss(x, y, batch)], [r.loss(x, y, batch)], 'final loss');
        } finally {
          w.dispose();
        }
      }
    },
  );
});

describe('whole network, measured', () => {
  it('prints the worst wasm-vs-reference error (see NET_TOL)', () => {
    console.log(
      `[wasm-vs-reference] worst max|w−r|/(1+|r|): f32 ${worstNet.f32.toExponential(2)}, f64 ${worstNet.f64.toExponential(2)}`,
    );
    expect(worstNet.f64).toBeLessThanOrEqual(NET_TOL.f64);
  });
});
