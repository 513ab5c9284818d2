/**
 * Sample and class weights of `fit` and `evaluate`: validation, and the per-row weights the
 * backends receive.
 *
 * The loss of a batch becomes `Σ_r w_r·ℓ_r`, divided by the batch size for the mean losses
 * (Keras's `sum_over_batch_size`: by the number of rows, not by `Σ w`) and summed for
 * `'half-sse'`; each row's gradient is scaled by its weight. `w_r` is `sampleWeight[r]` times
 * `classWeight[class of row r]` when both are given (as in Keras); a class missing from
 * `classWeight` weighs 1.
 * @module
 */
import { OptionError, ShapeError, describe } from '../errors.js';
import type { Matrix } from '../inputs.js';
import { classesOf } from '../labels.js';
import { taskOf } from '../metrics.js';
import type { Activation, LossName } from '../model.js';
import type { Dtype } from '../types.js';

/**
 * A weight per class: an object from class id to weight (`{ 0: 1, 1: 5 }`; ids are the
 * classes of `predictClasses`: the argmax of a one-hot target row, or a sparse label, or
 * `y ≥ 0.5` for one sigmoid output), or an array indexed by class id.
 */
export type ClassWeight = Readonly<Record<number, number>> | ArrayLike<number>;

/** The weighting options shared by `fit` and `evaluate`. */
export interface WeightOptions {
  /**
   * One loss weight per row of `x` (finite, ≥ 0). In `fit` they weigh the training rows only
   * (the validation loss and every metric are unweighted); `validationSplit` keeps each
   * row's weight with its row.
   */
  sampleWeight?: ArrayLike<number>;
  /** A weight per class (classifiers only), multiplied into `sampleWeight` if both are given. */
  classWeight?: ClassWeight;
}

/** What the resolution needs to know about the network. */
export interface WeightContext {
  readonly output: Activation;
  readonly loss: LossName;
  readonly dtype: Dtype;
  /** `layers[L]`. */
  readonly outputs: number;
}

/** A weight: a finite number ≥ 0 (also once stored in an f32 network). */
function checkWeight(name: string, v: unknown, dtype: Dtype): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new OptionError(`${name} must be a finite number >= 0, got ${describe(v)}`);
  }
  if (dtype === 'f32' && !Number.isFinite(Math.fround(v))) {
    throw new OptionError(`${name} = ${v} overflows f32, the network's dtype; use dtype 'f64'`);
  }
  return v;
}

/**
 * The per-row weights of `Y`'s rows from `sampleWeight` and `classWeight` (null: neither).
 * @throws ShapeError for a `sampleWeight` of the wrong length; OptionError for a weight that
 *   is negative, NaN/±Infinity or overflows an f32 network, an unknown class id, or
 *   `classWeight` on a regression
 */
export function resolveWeights(
  options: WeightOptions,
  Y: Matrix,
  ctx: WeightContext,
): Float64Array | null {
  const { sampleWeight, classWeight } = options;
  if (sampleWeight === undefined && classWeight === undefined) return null;
  const rows = Y.batch;
  const w = new Float64Array(rows).fill(1);
  if (sampleWeight !== undefined) {
    if (
      typeof sampleWeight !== 'object' ||
      sampleWeight === null ||
      typeof sampleWeight.length !== 'number'
    ) {
      throw new OptionError(
        `sampleWeight must be an array (or typed array) of one number per row, got ${describe(sampleWeight)}`,
      );
    }
    if (sampleWeight.length !== rows) {
      throw new ShapeError(
        `sampleWeight has ${sampleWeight.length} entries but x has ${rows} rows (one weight per row)`,
      );
    }
    for (let r = 0; r < rows; r++)
      w[r] = checkWeight(`sampleWeight[${r}]`, sampleWeight[r], ctx.dtype);
  }
  if (classWeight !== undefined) weighClasses(classTable(classWeight, Y, ctx), Y, ctx, w);
  return w;
}

/**
 * The weight of each class id from `classWeight` (validated; `Y`'s rows decide the task).
 * @throws OptionError as {@link resolveWeights}
 */
function classTable(classWeight: unknown, Y: Matrix, ctx: WeightContext): Float64Array {
  if (typeof classWeight !== 'object' || classWeight === null) {
    throw new OptionError(
      `classWeight must be an object { classId: weight } or an array indexed by class, got ${describe(classWeight)}`,
    );
  }
  if (taskOf(ctx.output, ctx.loss, Y.data, ctx.outputs) !== 'classification') {
    throw new OptionError(
      'classWeight needs a classifier (a softmax output, or a sigmoid output with ' +
        "'binary-cross-entropy' or 'half-sse' and targets that are all 0 or 1); this is a " +
        'regression: use sampleWeight',
    );
  }
  const classes = Math.max(2, ctx.outputs);
  const table = new Float64Array(classes).fill(1);
  const entries: [string, unknown][] =
    'length' in classWeight && typeof classWeight.length === 'number'
      ? Array.from(classWeight as ArrayLike<unknown>, (v, i) => [String(i), v])
      : Object.entries(classWeight);
  for (const [key, v] of entries) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || id >= classes || String(id) !== key) {
      throw new OptionError(
        `classWeight: '${key}' is not a class id; this network has classes 0 to ${classes - 1}`,
      );
    }
    table[id] = checkWeight(`classWeight[${id}]`, v, ctx.dtype);
  }
  return table;
}

/** Multiplies `w[r]` by the weight of row r's class. Throws OptionError for a product that is not finite. */
function weighClasses(table: Float64Array, Y: Matrix, ctx: WeightContext, w: Float64Array): void {
  const rows = Y.batch;
  const ids = classesOf(Y.data.subarray(0, rows * ctx.outputs), ctx.outputs);
  for (let r = 0; r < rows; r++) w[r]! *= table[ids[r]!]!;
  for (let r = 0; r < rows; r++) {
    if (!Number.isFinite(ctx.dtype === 'f32' ? Math.fround(w[r]!) : w[r]!)) {
      throw new OptionError(
        `the weight of row ${r} (sampleWeight × classWeight) is ${w[r]}, which is not finite in ${ctx.dtype}`,
      );
    }
  }
}

/**
 * The weights of a dataset's batches: `classWeight` only, validated against the first batch
 * `head` (a dataset has no rows to align a `sampleWeight` with). Null without `classWeight`.
 * @throws OptionError for `sampleWeight`, or a `classWeight` {@link resolveWeights} rejects
 */
export function batchWeigher(
  options: WeightOptions,
  head: Matrix,
  ctx: WeightContext,
): ((Y: Matrix) => Float64Array) | null {
  if (options.sampleWeight !== undefined) {
    throw new OptionError(
      'sampleWeight needs x and y in memory (one weight per row); a dataset fit takes classWeight only',
    );
  }
  if (options.classWeight === undefined) return null;
  const table = classTable(options.classWeight, head, ctx);
  return (Y) => {
    const w = new Float64Array(Y.batch).fill(1);
    weighClasses(table, Y, ctx, w);
    return w;
  };
}
