// Shared test helpers (not a test file).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LossName } from '../ts/model.js';

/**
 * The built core, as `npm run build` leaves it next to dist/index.js: the plain SIMD128 build,
 * or the relaxed-SIMD one in the vitest project `relaxed` (env WASM_MLP_BUILD=relaxed).
 */
export const WASM_PATH = fileURLToPath(
  process.env['WASM_MLP_BUILD'] === 'relaxed'
    ? new URL('../dist/wasm_mlp_relaxed.wasm', import.meta.url)
    : new URL('../dist/wasm_mlp.wasm', import.meta.url),
);

/**
 * The shared-memory (threads) build of the core next to it, plain or relaxed like
 * {@link WASM_PATH}: passing it as `wasm` gives a network a threaded core from the sources.
 */
export const THREADS_WASM_PATH = fileURLToPath(
  process.env['WASM_MLP_BUILD'] === 'relaxed'
    ? new URL('../dist/wasm_mlp_threads_relaxed.wasm', import.meta.url)
    : new URL('../dist/wasm_mlp_threads.wasm', import.meta.url),
);

export interface VectorCase {
  name: string;
  layers: number[];
  learningRate: number;
  ordering: 'exact' | 'update-first';
  steps: number;
  initial: { weights: number[][]; biases: number[][] };
  x: number[];
  y: number[];
  batch: number;
  forwardOutput: number[];
  lossBefore: number;
  gradients: { weights: number[][]; biases: number[][] };
  after: { weights: number[][]; biases: number[][]; loss: number };
}

/** test/fixtures/reference-vectors.json (copied from ../shared/vectors, see fixtures/README.md). */
export function loadVectors(): VectorCase[] {
  const url = new URL('./fixtures/reference-vectors.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: VectorCase[] }).cases;
}

/**
 * Largest error of `actual` vs `expected` in units of the tolerance: max over elements of
 * |a − e| / (atol + rtol·|e|). ≤ 1 means every element is within tolerance.
 */
export function toleranceRatio(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  rtol = atol,
): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    const r = Math.abs(a - e) / (atol + rtol * Math.abs(e));
    if (!(r <= worst)) worst = Number.isNaN(r) ? Infinity : r;
  }
  return worst;
}

/** max |a − e| over elements. */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: ${actual.length} vs ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
  }
  return worst;
}

/** Concatenates a list of arrays into one flat number[]. */
export function flat(parts: readonly ArrayLike<number>[]): number[] {
  const out: number[] = [];
  for (const p of parts) for (let i = 0; i < p.length; i++) out.push(p[i]!);
  return out;
}

/** Weights then biases, flattened (not the network's interleaved layout; fine for comparisons). */
export function flatParams(p: {
  weights: readonly ArrayLike<number>[];
  biases: readonly ArrayLike<number>[];
}): number[] {
  return [...flat(p.weights), ...flat(p.biases)];
}

export { rng } from '../examples/data.js';

/** An integer in [lo, hi] from a generator made by {@link rng}. */
export function randInt(
  next: (lo?: number, hi?: number) => number,
  lo: number,
  hi: number,
): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/** `n` values uniform in [lo, hi). */
export function randArray(
  next: (lo?: number, hi?: number) => number,
  n: number,
  lo = -1,
  hi = 1,
): number[] {
  return Array.from({ length: n }, () => next(lo, hi));
}

/**
 * `rows × cols` targets valid for the loss: uniform in [0, 1) (a cross-entropy needs [0, 1]),
 * and for the categorical cross-entropy each row normalised to sum to 1.
 */
export function validTargets(
  next: () => number,
  loss: LossName,
  rows: number,
  cols: number,
): Float64Array {
  const y = Float64Array.from({ length: rows * cols }, () => next());
  if (loss === 'categorical-cross-entropy') {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += y[r * cols + k]!;
      for (let k = 0; k < cols; k++) y[r * cols + k]! /= s;
    }
  }
  return y;
}

export const XOR_X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
export const XOR_Y = [[0], [1], [1], [0]];
