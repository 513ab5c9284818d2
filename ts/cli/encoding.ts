/**
 * How the CLI turns CSV columns into network inputs and targets, and back: the feature columns
 * (standardized with the training rows' mean and standard deviation), the target column (one-hot
 * over its classes for classification; standardized for regression). The encoding is saved in
 * the model's metadata, so `evaluate` and `predict` apply exactly the same transformation and
 * report original labels and units.
 *
 * Metadata keys (strings; lists and numbers as JSON): `features`, `target`, `task`
 * (`classification` | `regression`), `classes` (the class labels, in output order),
 * `feature_mean`, `feature_std`, and for regression `target_mean`, `target_std`.
 * @module
 */
import { columnIndex, isNumericColumn, numberAt, type Table } from './csv.js';
import { CliError } from './errors.js';

export type Task = 'classification' | 'regression';

export interface Encoding {
  features: string[];
  target: string;
  task: Task;
  /** Class labels in output order (classification). */
  classes: string[];
  featureMean: number[];
  featureStd: number[];
  /** Regression: y is stored as (y − mean) / std. */
  targetMean: number;
  targetStd: number;
}

/** Mean and standard deviation (1 when the column is constant) of column values. */
function moments(values: ArrayLike<number>): [number, number] {
  let mean = 0;
  for (let i = 0; i < values.length; i++) mean += values[i]!;
  mean /= values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i]! - mean) ** 2;
  const std = Math.sqrt(v / values.length);
  return [mean, std > 0 ? std : 1];
}

/**
 * The encoding of a training table. `task` `'auto'`: classification when the target column has
 * any non-numeric cell, regression otherwise.
 */
export function fitEncoding(
  table: Table,
  target: string,
  featureList: string[] | undefined,
  task: Task | 'auto',
  standardize: boolean,
): Encoding {
  const t = columnIndex(table, target);
  const features = featureList ?? table.columns.filter((c) => c !== target);
  if (features.length === 0)
    throw new CliError(`'${table.file}' has no feature columns besides '${target}'`);
  if (features.includes(target))
    throw new CliError(`the target '${target}' cannot also be a feature`);
  const resolved: Task =
    task === 'auto' ? (isNumericColumn(table, t) ? 'regression' : 'classification') : task;
  const enc: Encoding = {
    features,
    target,
    task: resolved,
    classes: [],
    featureMean: features.map(() => 0),
    featureStd: features.map(() => 1),
    targetMean: 0,
    targetStd: 1,
  };
  if (resolved === 'classification') {
    enc.classes = [...new Set(table.rows.map((r) => r[t]!))].sort(compareLabels);
    if (enc.classes.length < 2) {
      throw new CliError(
        `the target '${target}' has only one class ('${enc.classes[0]}'); need at least 2`,
      );
    }
  }
  if (standardize) {
    const x = rawFeatures(table, features);
    features.forEach((_, j) => {
      const col = Float64Array.from(
        { length: table.rows.length },
        (_, r) => x[r * features.length + j]!,
      );
      [enc.featureMean[j], enc.featureStd[j]] = moments(col);
    });
    if (resolved === 'regression') {
      [enc.targetMean, enc.targetStd] = moments(table.rows.map((_, r) => numberAt(table, r, t)));
    }
  }
  return enc;
}

/** Numbers before strings, numbers by value, strings alphabetically. */
function compareLabels(a: string, b: string): number {
  const [na, nb] = [Number(a), Number(b)];
  const [fa, fb] = [a !== '' && Number.isFinite(na), b !== '' && Number.isFinite(nb)];
  if (fa && fb) return na - nb;
  if (fa !== fb) return fa ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function rawFeatures(table: Table, features: string[]): Float64Array {
  const cols = features.map((f) => columnIndex(table, f));
  const x = new Float64Array(table.rows.length * cols.length);
  table.rows.forEach((_, r) =>
    cols.forEach((c, j) => (x[r * cols.length + j] = numberAt(table, r, c))),
  );
  return x;
}

/** The standardized feature matrix (rows × features, row-major). */
export function encodeFeatures(table: Table, enc: Encoding): Float64Array {
  const x = rawFeatures(table, enc.features);
  const n = enc.features.length;
  for (let i = 0; i < x.length; i++)
    x[i] = (x[i]! - enc.featureMean[i % n]!) / enc.featureStd[i % n]!;
  return x;
}

/** Output width: one per class, or 1 for regression. */
export function outputWidth(enc: Encoding): number {
  return enc.task === 'classification' ? enc.classes.length : 1;
}

/** Targets: one-hot rows over the classes, or the standardized value. */
export function encodeTargets(table: Table, enc: Encoding): Float64Array {
  const t = columnIndex(table, enc.target);
  if (enc.task === 'regression') {
    return Float64Array.from(
      table.rows,
      (_, r) => (numberAt(table, r, t) - enc.targetMean) / enc.targetStd,
    );
  }
  const k = enc.classes.length;
  const y = new Float64Array(table.rows.length * k);
  table.rows.forEach((row, r) => {
    const c = enc.classes.indexOf(row[t]!);
    if (c < 0) {
      throw new CliError(
        `'${table.file}' line ${table.lines[r]}: class '${row[t]}' of column '${enc.target}' was not seen in training (classes: ${enc.classes.join(', ')})`,
      );
    }
    y[r * k + c] = 1;
  });
  return y;
}

/** Network outputs → the predicted label (argmax) or value (in the target's units) per row. */
export function decodeOutputs(out: ArrayLike<number>, rows: number, enc: Encoding): string[] {
  const k = outputWidth(enc);
  return Array.from({ length: rows }, (_, r) => {
    if (enc.task === 'regression') return String(out[r]! * enc.targetStd + enc.targetMean);
    let best = 0;
    for (let c = 1; c < k; c++) if (out[r * k + c]! > out[r * k + best]!) best = c;
    return enc.classes[best]!;
  });
}

/** The encoding as model metadata entries. */
export function encodingToMetadata(enc: Encoding): Record<string, string> {
  const meta: Record<string, string> = {
    features: JSON.stringify(enc.features),
    target: enc.target,
    task: enc.task,
    feature_mean: JSON.stringify(enc.featureMean),
    feature_std: JSON.stringify(enc.featureStd),
  };
  if (enc.task === 'classification') meta['classes'] = JSON.stringify(enc.classes);
  else {
    meta['target_mean'] = String(enc.targetMean);
    meta['target_std'] = String(enc.targetStd);
  }
  return meta;
}

/** The encoding saved in a model's metadata by `train`. */
export function encodingFromMetadata(meta: Record<string, string>, model: string): Encoding {
  const need = ['features', 'target', 'task', 'feature_mean', 'feature_std'];
  const missing = need.filter((k) => meta[k] === undefined);
  if (missing.length > 0) {
    throw new CliError(
      `'${model}' has no CLI encoding in its metadata (missing ${missing.join(', ')}); train it with 'wasm-mlp train'`,
    );
  }
  try {
    const task = meta['task'] as Task;
    return {
      features: JSON.parse(meta['features']!) as string[],
      target: meta['target']!,
      task,
      classes: task === 'classification' ? (JSON.parse(meta['classes'] ?? '[]') as string[]) : [],
      featureMean: JSON.parse(meta['feature_mean']!) as number[],
      featureStd: JSON.parse(meta['feature_std']!) as number[],
      targetMean: Number(meta['target_mean'] ?? 0),
      targetStd: Number(meta['target_std'] ?? 1),
    };
  } catch (e) {
    throw new CliError(`'${model}': malformed CLI metadata (${(e as Error).message})`);
  }
}
