/**
 * The metrics `evaluate` and `fit` report, and which ones fit the task.
 *
 * **The task rule.** A network is treated as a *classifier* when its last activation is
 * `'softmax'`, or when it is `'sigmoid'`, the loss is `'binary-cross-entropy'` or `'half-sse'`,
 * and every target is exactly 0 or 1 (with several outputs: one-hot rows, exactly one 1 per
 * row). Anything else is a *regression*. Accuracy only means something for a classifier, so:
 * - classification reports `accuracy` (one output: `ŷ ≥ 0.5` agrees with `y`; several: the
 *   argmax of `ŷ` equals the argmax of `y`, first maximum on ties);
 * - regression reports `mse`, `rmse`, `mae` and `r2` and never `accuracy`.
 *
 * Either can ask for more with the `metrics` option (e.g. `['mae']` on a classifier);
 * `'accuracy'` on a regression is an error, since there is no class to be right about.
 *
 * Definitions over `B` rows and `n` outputs: `mse = Σ(ŷ − y)² / (B·n)`, `rmse = √mse`,
 * `mae = Σ|ŷ − y| / (B·n)`, `r2` = the mean over outputs of `1 − SSE_j / SST_j` (scikit-learn's
 * `r2_score` with `multioutput='uniform_average'`; an output whose targets are constant scores 1
 * when predicted exactly, else 0, as scikit-learn's `force_finite`).
 * @module
 */
import { OptionError, describe } from './errors.js';
import type { Activation, LossName } from './model.js';

/** A metric name for the `metrics` option of `fit` and `evaluate`. */
export type MetricName = 'accuracy' | 'mse' | 'rmse' | 'mae' | 'r2';

/** All metric names, in report order. */
export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'mse', 'rmse', 'mae', 'r2'];

/** Metric values: a field for each metric reported (see the task rule in `metrics.ts`). */
export type MetricValues = { [K in MetricName]?: number };

/** What the task rule decided: accuracy applies only to `'classification'`. */
export type Task = 'classification' | 'regression';

function argmax(a: ArrayLike<number>, from: number, cols: number): number {
  let best = 0;
  for (let k = 1; k < cols; k++) if (a[from + k]! > a[from + best]!) best = k;
  return best;
}

/** True when every target is 0 or 1, and with several columns each row is one-hot. */
function binaryTargets(y: ArrayLike<number>, cols: number): boolean {
  for (let r = 0; r < y.length; r += cols) {
    let ones = 0;
    for (let k = 0; k < cols; k++) {
      const v = y[r + k]!;
      if (v === 1) ones++;
      else if (v !== 0) return false;
    }
    if (cols > 1 && ones !== 1) return false;
  }
  return true;
}

/** The task rule (see the module doc), from the output layer, the loss and the targets. */
export function taskOf(
  output: Activation,
  loss: LossName,
  y: ArrayLike<number>,
  cols: number,
): Task {
  if (output.type === 'softmax') return 'classification';
  if (
    output.type === 'sigmoid' &&
    (loss === 'binary-cross-entropy' || loss === 'half-sse') &&
    binaryTargets(y, cols)
  ) {
    return 'classification';
  }
  return 'regression';
}

/**
 * The metrics to report: the task's defaults (`accuracy`, or `mse`, `rmse`, `mae`, `r2`) plus
 * the requested ones, in {@link METRIC_NAMES} order.
 * @throws OptionError for an unknown name, or `'accuracy'` on a regression
 */
export function chooseMetrics(task: Task, requested: unknown): MetricName[] {
  const chosen = new Set<MetricName>(
    task === 'classification' ? ['accuracy'] : ['mse', 'rmse', 'mae', 'r2'],
  );
  if (requested !== undefined) {
    if (!Array.isArray(requested)) {
      throw new OptionError(`metrics must be an array of metric names, got ${describe(requested)}`);
    }
    for (const name of requested as unknown[]) {
      if (!METRIC_NAMES.includes(name as MetricName)) {
        throw new OptionError(
          `metrics: unknown metric ${describe(name)}; known metrics: ${METRIC_NAMES.join(', ')}`,
        );
      }
      if (name === 'accuracy' && task === 'regression') {
        throw new OptionError(
          "metrics: 'accuracy' needs a classifier (a softmax output, or a sigmoid output with " +
            "'binary-cross-entropy' or 'half-sse' and targets that are all 0 or 1); this is a " +
            'regression: use mse, rmse, mae or r2',
        );
      }
      chosen.add(name as MetricName);
    }
  }
  return METRIC_NAMES.filter((m) => chosen.has(m));
}

/**
 * Accumulates the metrics over chunks of rows (batches, or evaluation chunks). R² needs each
 * output's target variance, kept with Welford's update so one pass suffices without the
 * cancellation of `Σy² − (Σy)²/n`.
 */
export class MetricAccumulator {
  #rows = 0;
  #correct = 0;
  #se = 0;
  #ae = 0;
  readonly #sse: Float64Array;
  readonly #mean: Float64Array;
  readonly #m2: Float64Array;
  readonly #r2: boolean;

  constructor(
    readonly metrics: readonly MetricName[],
    readonly cols: number,
  ) {
    this.#r2 = metrics.includes('r2');
    const n = this.#r2 ? cols : 0;
    this.#sse = new Float64Array(n);
    this.#mean = new Float64Array(n);
    this.#m2 = new Float64Array(n);
  }

  /**
   * Adds `rows` rows: output row `i` is compared with target row `targetRows[i]` of `target`,
   * or row `i` when `targetRows` is omitted.
   */
  add(
    output: ArrayLike<number>,
    target: ArrayLike<number>,
    rows: number,
    targetRows?: ArrayLike<number>,
  ): void {
    const cols = this.cols;
    for (let i = 0; i < rows; i++) {
      const t = (targetRows ? targetRows[i]! : i) * cols;
      const o = i * cols;
      const right =
        cols === 1
          ? output[o]! >= 0.5 === target[t]! >= 0.5
          : argmax(output, o, cols) === argmax(target, t, cols);
      if (right) this.#correct++;
      const count = this.#rows + i + 1;
      for (let k = 0; k < cols; k++) {
        const y = target[t + k]!;
        const d = output[o + k]! - y;
        this.#se += d * d;
        this.#ae += Math.abs(d);
        if (this.#r2) {
          this.#sse[k]! += d * d;
          const delta = y - this.#mean[k]!;
          this.#mean[k]! += delta / count;
          this.#m2[k]! += delta * (y - this.#mean[k]!);
        }
      }
    }
    this.#rows += rows;
  }

  /** The chosen metrics over every row added so far. */
  values(): MetricValues {
    const out: MetricValues = {};
    const n = this.#rows * this.cols;
    for (const m of this.metrics) {
      if (m === 'accuracy') out.accuracy = this.#correct / this.#rows;
      else if (m === 'mse') out.mse = this.#se / n;
      else if (m === 'rmse') out.rmse = Math.sqrt(this.#se / n);
      else if (m === 'mae') out.mae = this.#ae / n;
      else {
        let sum = 0;
        for (let k = 0; k < this.cols; k++) {
          const sst = this.#m2[k]!;
          const sse = this.#sse[k]!;
          sum += sst > 0 ? 1 - sse / sst : sse === 0 ? 1 : 0;
        }
        out.r2 = sum / this.cols;
      }
    }
    return out;
  }
}
