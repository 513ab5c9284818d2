/**
 * `crossCheck(net, x, y)`: how far a network's numbers are from a float64 reference on the
 * user's own data (e.g. what the f32 SIMD core costs in precision).
 * @module
 */
import type { Real } from './backends/backend.js';
import { ReferenceBackend } from './backends/reference/network.js';
import { OptionError } from './errors.js';
import type { MatrixInput } from './inputs.js';
import { networkInternals, type Network } from './network/network.js';
import type { Dtype } from './types.js';

/** Largest differences between the network's values and the float64 reference's. */
export interface Difference {
  /** `max_i |net_i − ref_i|` */
  maxAbs: number;
  /** `max_i |net_i − ref_i| / max(|ref_i|, relFloor)` */
  maxRel: number;
}

/** Result of {@link crossCheck}: one {@link Difference} per quantity. */
export interface CrossCheckResult {
  /** The forward output (all rows and outputs). */
  forward: Difference;
  /** The loss at the current parameters. */
  loss: Difference;
  /** All of `dL/dW[i]` and `dL/db[i]`. */
  gradients: Difference;
  /** All parameters after one training step (`trainStep(x, y)` at the net's learning rate and ordering). */
  step: Difference;
  /** The denominator floor used for `maxRel`. */
  relFloor: number;
}

/** Options of {@link crossCheck}. */
export interface CrossCheckOptions {
  /**
   * Floor of the relative error's denominator, so that values near zero do not turn tiny
   * absolute differences into huge relative ones. Default {@link CROSS_CHECK_REL_FLOOR}.
   */
  relFloor?: number;
}

/** Default denominator floor of `maxRel`: `|a − b| / max(|b|, 1e-6)`. */
export const CROSS_CHECK_REL_FLOOR = 1e-6;

function difference(
  actual: ArrayLike<number>,
  reference: ArrayLike<number>,
  floor: number,
): Difference {
  let maxAbs = 0;
  let maxRel = 0;
  for (let i = 0; i < reference.length; i++) {
    const ref = reference[i]!;
    const abs = Math.abs(actual[i]! - ref);
    maxAbs = Math.max(maxAbs, abs);
    maxRel = Math.max(maxRel, abs / Math.max(Math.abs(ref), floor));
  }
  return { maxAbs, maxRel };
}

/**
 * Runs the forward pass, the loss, the gradients and one training step on a temporary copy of
 * `net` (same backend, dtype, parameters, ordering and learning rate) and on a float64
 * reference-backend copy made from the same parameters, and returns the largest absolute and
 * relative differences per quantity (max over all elements).
 *
 * `net` itself is not changed: not its parameters, and not the cache of its last forward.
 * For an f64 network the differences are rounding-level (~1e-15); for f32 they show what
 * single precision costs on this data.
 *
 * @param x inputs, as for {@link Network.forward}
 * @param y targets, with the batch of `x`
 * @throws ShapeError, NonFiniteError for bad `x`/`y`; StateError if `net` was disposed
 */
export function crossCheck(
  net: Network<Dtype>,
  x: MatrixInput,
  y: MatrixInput,
  options: CrossCheckOptions = {},
): CrossCheckResult {
  const relFloor = options.relFloor ?? CROSS_CHECK_REL_FLOOR;
  if (typeof relFloor !== 'number' || !(relFloor > 0) || !Number.isFinite(relFloor)) {
    throw new OptionError(`relFloor must be a finite number > 0, got ${String(relFloor)}`);
  }
  const internals = networkInternals(net);
  const X = internals.x(x);
  const Y = internals.y(y, X.batch, 'the batch of x');
  const lr = net.learningRate;

  const copy = internals.backend.clone();
  const ref = new ReferenceBackend(copy.spec, 'f64', copy.getParams());
  const { state, step: steps } = copy.getOptimizerState();
  ref.setOptimizerState(state, steps);
  const diff = (a: ArrayLike<number>, b: Real): Difference => difference(a, b, relFloor);
  try {
    const forward = diff(copy.forward(X.data, X.batch), ref.forward(X.data, X.batch));
    const loss = diff(
      [copy.loss(X.data, Y.data, X.batch)],
      Float64Array.of(ref.loss(X.data, Y.data, X.batch)),
    );
    const gradients = diff(
      copy.gradients(X.data, Y.data, X.batch).grads,
      ref.gradients(X.data, Y.data, X.batch).grads,
    );
    copy.trainStep(X.data, Y.data, X.batch, lr);
    ref.trainStep(X.data, Y.data, X.batch, lr);
    const step = diff(copy.getParams(), ref.getParams());
    return { forward, loss, gradients, step, relFloor };
  } finally {
    copy.dispose();
    ref.dispose();
  }
}
