/**
 * The reference kernels: the same operations as the Rust core's kernels (exported alone by its
 * test build: `mlp_gemm_*`, `mlp_sigmoid_*`, …), written as plain loops over typed arrays.
 *
 * Precision: every kernel computes in float64 (JavaScript numbers). When the destination is a
 * `Float32Array`, the float64 result is rounded to f32 once, on store; sums (the dot products
 * of gemm, column sums) are accumulated in float64, not in f32. For `Float64Array`s this is
 * ordinary float64 arithmetic.
 * @module
 */
import type { Real } from '../backend.js';

/**
 * `C(m×n) = op(A)·op(B)` (`+ C` if `accumulate`).
 * `op(A)` is `m×k`: `A` is stored row-major `m×k`, or `k×m` when `transA`.
 * `op(B)` is `k×n`: `B` is stored row-major `k×n`, or `n×k` when `transB`.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Real,
  b: Real,
  c: Real,
  accumulate: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i]! : a[i * k + p]!;
        const bpj = transB ? b[j * k + p]! : b[p * n + j]!;
        sum += aip * bpj;
      }
      c[i * n + j] = accumulate ? c[i * n + j]! + sum : sum;
    }
  }
}

/** The logistic function σ(z) = 1 / (1 + e^(−z)). */
export function sigmoidScalar(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** In place `x = σ(x)` on the first `len` elements. */
export function sigmoid(x: Real, len: number): void {
  for (let i = 0; i < len; i++) x[i] = sigmoidScalar(x[i]!);
}

/** In place `g = g ⊙ y(1 − y)`: the sigmoid's local derivative σ'(z) = σ(z)(1 − σ(z)), y = σ(z). */
export function sigmoidBackward(g: Real, y: Real, len: number): void {
  for (let i = 0; i < len; i++) {
    const yi = y[i]!;
    g[i] = g[i]! * (yi * (1 - yi));
  }
}

/** Row-broadcast bias add: `x[r][c] += bias[c]` for a row-major `rows × cols` `x`. */
export function addBias(x: Real, bias: Real, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) x[r * cols + c] = x[r * cols + c]! + bias[c]!;
  }
}

/** Column sums `out[c] = Σ_r a[r][c]` of a row-major `rows × cols` `a`. */
export function columnSums(a: Real, rows: number, cols: number, out: Real): void {
  for (let c = 0; c < cols; c++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) sum += a[r * cols + c]!;
    out[c] = sum;
  }
}

/** `x += alpha·y` on the first `len` elements (the SGD update uses `alpha = −learningRate`). */
export function axpy(x: Real, y: Real, len: number, alpha: number): void {
  for (let i = 0; i < len; i++) x[i] = x[i]! + alpha * y[i]!;
}
