/**
 * What {@link Network} needs from a math engine. Both backends implement it with the same
 * semantics; every argument has been validated by the caller (shapes, finiteness), so a
 * backend only converts and computes.
 * @module
 */
import type { Dtype, Ordering } from '../options.js';

/** A flat typed array of a backend's dtype. */
export type Real = Float32Array | Float64Array;

/** Constructor of the typed array for a dtype. */
export function arrayType(dtype: Dtype): Float32ArrayConstructor | Float64ArrayConstructor {
  return dtype === 'f64' ? Float64Array : Float32Array;
}

/** The math engine behind a {@link Network}. */
export interface Backend {
  readonly dtype: Dtype;
  readonly layers: readonly number[];
  readonly ordering: Ordering;
  /** Length of the flat parameter vector. */
  readonly paramCount: number;
  /** A copy of the flat parameter vector. */
  getParams(): Real;
  /** Overwrites the flat parameter vector (values rounded to the dtype). */
  setParams(flat: ArrayLike<number>): void;
  /** Forward pass on `batch` rows; caches every layer's output; returns a copy of the output. */
  forward(x: Real, batch: number): Real;
  /** One SGD step from the cache of the last `forward` (same `batch`) and targets `y`. */
  backward(y: Real, batch: number, learningRate: number): void;
  /** forward + loss + backward; returns the loss before the update. */
  trainStep(x: Real, y: Real, batch: number, learningRate: number): number;
  /** forward + loss + gradient (no update); returns the flat gradient (copy) and the loss. */
  gradients(x: Real, y: Real, batch: number): { grads: Real; loss: number };
  /** forward + loss. */
  loss(x: Real, y: Real, batch: number): number;
  /** A new, independent backend of the same kind, configuration and current parameters. */
  clone(): Backend;
  /** Frees what the backend owns. Idempotent. */
  dispose(): void;
}
