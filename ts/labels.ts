/**
 * Class labels as users have them: integer class ids for the `'sparse-categorical-cross-entropy'`
 * loss (expanded here to the one-hot rows the backends' categorical cross-entropy reads), and
 * the way back from outputs to classes ({@link classesOf}) and to rows ({@link toRows}).
 * @module
 */
import { ShapeError, TargetError } from './errors.js';
import { isNumericView, toMatrix, type ExpectedBatch, type Matrix } from './inputs.js';
import type { Dtype } from './types.js';

const SPARSE = 'sparse-categorical-cross-entropy';

/** Whether `value` looks like one-hot rows (`k` per row) rather than one label per row. */
function looksOneHot(value: unknown, classes: number, batch: number): boolean {
  if (classes < 2) return false;
  if (Array.isArray(value) && (Array.isArray(value[0]) || isNumericView(value[0]))) {
    return (value[0] as ArrayLike<number>).length === classes;
  }
  return (Array.isArray(value) || isNumericView(value)) && value.length === batch * classes;
}

/**
 * Validates integer class labels and expands them to one-hot rows (`batch × classes`).
 * @param value one label per row: a `number[]`, a typed array (e.g. `Int32Array`) or
 *   `number[][]` rows of one value
 * @param classes `k = layers[L]`: labels must be integers in [0, k)
 * @param expected the required number of rows
 * @param scratch a reusable buffer of the dtype; used (and its prefix returned) when it is long
 *   enough, so a method called in a loop does not allocate. Pass none when the result must
 *   outlive the call (`fit`).
 * @throws ShapeError for a wrong count or one-hot rows; NonFiniteError for NaN/±Infinity;
 *   TargetError for a label that is not an integer in [0, k)
 */
export function oneHotLabels(
  name: string,
  value: unknown,
  classes: number,
  dtype: Dtype,
  expected: ExpectedBatch,
  scratch?: Float32Array | Float64Array,
): Matrix {
  if (looksOneHot(value, classes, expected.batch)) {
    throw new ShapeError(
      `${name}: loss '${SPARSE}' takes one integer class id per row (${expected.batch} values), ` +
        `got what looks like one-hot rows of ${classes}; pass class ids, or use loss ` +
        "'categorical-cross-entropy' for one-hot targets",
    );
  }
  const labels = toMatrix(name, value, 1, 'one class id per row', dtype, expected).data;
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) {
      throw new TargetError(
        `${name}[${i}] = ${c} is not a class id: loss '${SPARSE}' needs integers in ` +
          `[0, ${classes}) (layers[L] = ${classes} classes)`,
      );
    }
  }
  const size = labels.length * classes;
  const out =
    scratch !== undefined && scratch.length >= size
      ? scratch.subarray(0, size)
      : new (dtype === 'f64' ? Float64Array : Float32Array)(size);
  out.fill(0);
  for (let r = 0; r < labels.length; r++) out[r * classes + labels[r]!] = 1;
  return { data: out, batch: labels.length };
}

/**
 * The class of each row of `batch × cols` outputs: the index of the largest output (the first
 * one on ties) with several columns; `ŷ ≥ 0.5 → 1`, else 0, with one column.
 */
export function classesOf(out: ArrayLike<number>, cols: number): Int32Array {
  const rows = out.length / cols;
  const classes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    if (cols === 1) {
      classes[r] = out[r]! >= 0.5 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let c = 1; c < cols; c++) if (out[r * cols + c]! > out[r * cols + best]!) best = c;
    classes[r] = best;
  }
  return classes;
}

/**
 * Splits flat row-major values (e.g. from `predict` or `forward`) into `number[][]` rows of
 * `cols` values.
 * @throws ShapeError unless `cols` is a positive integer dividing the length
 */
export function toRows(values: ArrayLike<number>, cols: number): number[][] {
  if (!Number.isInteger(cols) || cols < 1 || values.length % cols !== 0) {
    throw new ShapeError(
      `toRows: expected a positive integer width dividing the length ${values.length}, got ${cols}`,
    );
  }
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i += cols) {
    rows.push(Array.from({ length: cols }, (_, c) => values[i + c]!));
  }
  return rows;
}
