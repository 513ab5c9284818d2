/**
 * Accuracy: the fraction of rows whose prediction is right. With one output, a row is right
 * when `ŷ ≥ 0.5` and `y ≥ 0.5` agree (a binary classifier with threshold 0.5); with several
 * outputs, when the argmax of `ŷ` equals the argmax of `y` (first maximum on ties).
 * @module
 */

function argmax(a: ArrayLike<number>, from: number, cols: number): number {
  let best = 0;
  for (let k = 1; k < cols; k++) if (a[from + k]! > a[from + best]!) best = k;
  return best;
}

/**
 * How many of the `rows` rows of `output` are right. Output row `i` is compared with target
 * row `targetRows[i]` of `target`, or row `i` when `targetRows` is omitted.
 */
export function countCorrect(
  output: ArrayLike<number>,
  target: ArrayLike<number>,
  rows: number,
  cols: number,
  targetRows?: ArrayLike<number>,
): number {
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const t = (targetRows ? targetRows[i]! : i) * cols;
    const o = i * cols;
    const right =
      cols === 1
        ? output[o]! >= 0.5 === target[t]! >= 0.5
        : argmax(output, o, cols) === argmax(target, t, cols);
    if (right) correct++;
  }
  return correct;
}
