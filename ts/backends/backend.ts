/**
 * What {@link Network} needs from a math engine. Both backends implement it with the same
 * semantics; every argument has been validated by the caller (shapes, finiteness), so a
 * backend only converts and computes.
 * @module
 */
import type { ModelSpec } from '../model.js';
import type { Dtype, OptimizerState } from '../types.js';

/** A flat typed array of a backend's dtype. */
export type Real = Float32Array | Float64Array;

/** Constructor of the typed array for a dtype. */
export function arrayType(dtype: Dtype): Float32ArrayConstructor | Float64ArrayConstructor {
  return dtype === 'f64' ? Float64Array : Float32Array;
}

/**
 * Copies rows `rows[0], rows[1], …` (each `cols` wide) of the row-major `src` into `dst`, one
 * after the other, starting at element `at`. Returns `dst`.
 */
export function gatherRows<A extends Real>(
  src: Real,
  cols: number,
  rows: ArrayLike<number>,
  dst: A,
  at = 0,
): A {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    dst.set(src.subarray(r * cols, (r + 1) * cols), at + i * cols);
  }
  return dst;
}

/**
 * The math engine behind a {@link Network}.
 *
 * `weights` (optional, on the loss-computing calls): one loss weight per batch row (for
 * `trainRows`: per row of the whole data set, gathered like `x`), finite and ≥ 0; the loss is
 * then `Σ_r w_r·ℓ_r`, divided by the batch size for the mean losses (Keras's reduction), and
 * each row's output delta is scaled by its weight. Dropout (`spec.dropout`) applies only in
 * `trainStep` / `trainRows`.
 */
export interface Backend {
  readonly dtype: Dtype;
  /** Layers, activations, loss, optimizer, ordering. */
  readonly spec: ModelSpec;
  /** Length of the flat parameter vector. */
  readonly paramCount: number;
  /** A copy of the flat parameter vector. */
  getParams(): Real;
  /** Overwrites the flat parameter vector (values rounded to the dtype). */
  setParams(flat: ArrayLike<number>): void;
  /** A copy of the optimizer state (`slots × paramCount` values, slot-major) and step count. */
  getOptimizerState(): OptimizerState;
  /** Overwrites the optimizer state (`slots × paramCount` values) and the step count. */
  setOptimizerState(state: ArrayLike<number>, step: number): void;
  /** Forward pass on `batch` rows; caches every layer's output; returns a copy of the output. */
  forward(x: Real, batch: number): Real;
  /**
   * The first `batch` rows of the last forward's output (also after loss/trainStep), as a view
   * (no copy: read it before the next call into the backend).
   */
  output(batch: number): Real;
  /** One optimizer step from the cache of the last `forward` (same `batch`) and targets `y`. */
  backward(y: Real, batch: number, learningRate: number): void;
  /**
   * forward + loss + backward; returns the loss before the update. A non-finite loss skips
   * the update (parameters, optimizer state and step count unchanged).
   */
  trainStep(x: Real, y: Real, batch: number, learningRate: number, weights?: Real | null): number;
  /**
   * {@link trainStep} on the rows `rows` of `x` and `y` (the whole data set, row-major),
   * gathered straight into the backend's batch buffers.
   */
  trainRows(
    x: Real,
    y: Real,
    rows: ArrayLike<number>,
    learningRate: number,
    weights?: Real | null,
  ): number;
  /** forward + loss + gradient (no update); returns the flat gradient (copy) and the loss. */
  gradients(x: Real, y: Real, batch: number, weights?: Real | null): { grads: Real; loss: number };
  /** forward + loss. */
  loss(x: Real, y: Real, batch: number, weights?: Real | null): number;
  /** A new, independent backend of the same kind, configuration and current parameters. */
  clone(): Backend;
  /** Frees what the backend owns. Idempotent. */
  dispose(): void;
}
