/**
 * Parameters and optimizer state as the public API shows them. The backends keep one flat
 * vector (per layer `W[i]` row-major, then `b[i]`); this module splits it into per-layer arrays
 * on the way out and joins and validates them on the way in. One loop ({@link copyChecked})
 * checks every incoming vector — parameters and optimizer state alike — before anything is
 * written to a backend, so a setter that throws leaves the network unchanged.
 * @module
 */
import type { Real } from '../backends/backend.js';
import { NonFiniteError, ShapeError, describe } from '../errors.js';
import type { LayerOffsets } from '../init.js';
import { checkValue, isNumericView } from '../inputs.js';
import { stateSlots, type Optimizer } from '../model.js';
import type { ArrayFor, Dtype } from '../types.js';

/** Parameters of a network: per layer `i`, `W[i]` (row-major `n_i × n_{i+1}`) and `b[i]` (`n_{i+1}`). */
export interface NetworkParameters<D extends Dtype = Dtype> {
  /** `weights[i]`: `W[i]`, flat row-major, element `(r, c)` at `r·n_{i+1} + c`. */
  weights: ArrayFor<D>[];
  /** `biases[i]`: `b[i]`, length `n_{i+1}`. */
  biases: ArrayFor<D>[];
}

/** Parameters as accepted by {@link Network.setParameters}: any array-likes of numbers. */
export interface ParametersInput {
  /** `weights[i]`: flat row-major `n_i × n_{i+1}` (typed array or `number[]`). */
  readonly weights: readonly ArrayLike<number>[];
  /** `biases[i]`: length `n_{i+1}`. */
  readonly biases: readonly ArrayLike<number>[];
}

/** Result of {@link Network.gradients}: `dL/dW[i]`, `dL/db[i]` and the loss, no update applied. */
export interface Gradients<D extends Dtype = Dtype> extends NetworkParameters<D> {
  /** The loss at the current parameters. */
  loss: number;
}

/** Copies of `W[i]` and `b[i]` out of a flat vector (parameters or gradients). */
export function splitParameters<D extends Dtype>(
  flat: Real,
  offsets: readonly LayerOffsets[],
): NetworkParameters<D> {
  const weights: Real[] = [];
  const biases: Real[] = [];
  for (const o of offsets) {
    weights.push(flat.slice(o.weights, o.biases));
    biases.push(flat.slice(o.biases, o.biases + o.outputs));
  }
  return { weights, biases } as NetworkParameters<D>;
}

/**
 * The flat parameter vector of `parameters` (`{ weights, biases }`, one array per layer),
 * every value checked for the dtype.
 * @throws ShapeError for a wrong count or length; NonFiniteError for NaN/±Infinity
 */
export function joinParameters(
  parameters: unknown,
  offsets: readonly LayerOffsets[],
  dtype: Dtype,
): Float64Array {
  if (typeof parameters !== 'object' || parameters === null) {
    throw new ShapeError(
      `parameters must be an object { weights, biases }, got ${describe(parameters)}`,
    );
  }
  const nLayers = offsets.length;
  const last = offsets[nLayers - 1]!;
  const flat = new Float64Array(last.biases + last.outputs);
  for (const kind of ['weights', 'biases'] as const) {
    const list: unknown = (parameters as Partial<ParametersInput>)[kind];
    if (!Array.isArray(list)) {
      throw new ShapeError(
        `${kind}: expected an array of ${nLayers} arrays (one per layer), got ${describe(list)}`,
      );
    }
    if (list.length !== nLayers) {
      throw new ShapeError(
        `${kind}: expected ${nLayers} arrays (one per layer, layers.length - 1), got ${list.length}`,
      );
    }
    offsets.forEach((o, i) => {
      const shape =
        kind === 'weights'
          ? `layers[${i}] × layers[${i + 1}] = ${o.inputs} × ${o.outputs}`
          : `layers[${i + 1}]`;
      const expected = kind === 'weights' ? o.inputs * o.outputs : o.outputs;
      const at = kind === 'weights' ? o.weights : o.biases;
      copyChecked(`${kind}[${i}]`, list[i], expected, shape, dtype, flat, at);
    });
  }
  return flat;
}

/**
 * The optimizer state `{ state, step }` checked against the optimizer's slot count: `state`
 * holds `slots × parameterCount` values (see `OptimizerState`), `step` an integer in [0, 2⁵³).
 * @throws ShapeError for a wrong length or step; NonFiniteError for NaN/±Infinity
 */
export function checkOptimizerState(
  saved: unknown,
  optimizer: Optimizer,
  parameterCount: number,
  dtype: Dtype,
): { state: Float64Array; step: number } {
  if (typeof saved !== 'object' || saved === null) {
    throw new ShapeError(
      `optimizer state must be an object { state, step }, got ${describe(saved)}`,
    );
  }
  const { state: values, step } = saved as { state?: unknown; step?: unknown };
  const slots = stateSlots(optimizer);
  const expected = slots * parameterCount;
  const shape = `${slots} slot${slots === 1 ? '' : 's'} × ${parameterCount} parameters for optimizer '${optimizer.type}'`;
  const state = new Float64Array(expected);
  copyChecked('state', values, expected, shape, dtype, state, 0);
  // Adam's and AdamW's slot 1 and RMSprop's slot 0 are second moments v, averages of squares:
  // a negative value makes √v NaN at the next step, turning every parameter NaN.
  const squares: Partial<Record<string, [number, string]>> = {
    adam: [1, "Adam's"],
    adamw: [1, "AdamW's"],
    rmsprop: [0, "RMSprop's"],
  };
  const moment = squares[optimizer.type];
  if (moment !== undefined) {
    const [slot, whose] = moment;
    const [from, to] = [slot * parameterCount, (slot + 1) * parameterCount];
    for (let i = from; i < to; i++) {
      if (state[i]! < 0) {
        throw new ShapeError(
          `state[${i}] = ${state[i]}: ${whose} second moment (slot ${slot}, ` +
            `state[${from}…${to - 1}]) must be ≥ 0`,
        );
      }
    }
  }
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    if (typeof step === 'number' && !Number.isFinite(step)) {
      throw new NonFiniteError(`step is ${step}`);
    }
    throw new ShapeError(`step must be an integer in [0, 2^53), got ${describe(step)}`);
  }
  return { state, step };
}

/**
 * The one check of an incoming vector: `values` must be an array or numeric typed array of
 * `expected` finite numbers representable in `dtype`; they are copied to `into[at…]`.
 * Messages name the vector (`name`, `name[k]` for an element) and its `shape`.
 */
function copyChecked(
  name: string,
  values: unknown,
  expected: number,
  shape: string,
  dtype: Dtype,
  into: Float64Array,
  at: number,
): void {
  if (!Array.isArray(values) && !isNumericView(values)) {
    throw new ShapeError(
      `${name}: expected an array of ${expected} numbers (${shape}), got ${describe(values)}`,
    );
  }
  const arr = values as ArrayLike<unknown>;
  if (arr.length !== expected) {
    throw new ShapeError(
      `${name}: expected ${expected} value${expected === 1 ? '' : 's'} (${shape}), got ${arr.length}`,
    );
  }
  for (let k = 0; k < expected; k++) {
    into[at + k] = checkValue(arr[k], dtype, () => `${name}[${k}]`);
  }
}
