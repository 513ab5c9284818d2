/**
 * How the CLI turns CSV columns into network inputs and targets, and back: the feature columns
 * (standardized with the training rows' mean and standard deviation by the network's own
 * normalization, a {@link Standardizer} saved in the model's record), the target column
 * (one-hot over its classes for classification; standardized for regression). The rest of
 * the encoding is saved in the model's metadata, so `evaluate` and `predict` apply exactly the
 * same transformation and report original labels and units.
 *
 * Metadata keys (strings; lists and numbers as JSON): `features`, `target`, `task`
 * (`classification` | `regression`), `classes` (the class labels, in output order), and for
 * regression `target_mean`, `target_std`. Models written before the network carried its
 * normalization have `feature_mean`, `feature_std` instead: read as the normalization.
 * @module
 */
import type { Selection, TargetSpec } from './csv.js';
import type { TrainingScan } from './csv-stream.js';
import type { RunningMoments } from '../data/running-moments.js';
import { decimalOrUndefined } from './decimal.js';
// From the package entry, so cli.js imports it instead of bundling a second copy.
import { Standardizer } from '../index.js';
import { CliError } from './errors.js';

export type Task = 'classification' | 'regression';

export interface Encoding {
  features: string[];
  target: string;
  task: Task;
  /** Class labels in output order (classification). */
  classes: string[];
  /**
   * The feature standardisation: fitted by `train` (null with --no-standardize), or read from
   * the `feature_mean`/`feature_std` metadata of an older model (null otherwise: the network
   * carries it). Applied by the network, never by the CLI itself.
   */
  normalization: Standardizer | null;
  /** Regression: y is stored as (y − mean) / std. */
  targetMean: number;
  targetStd: number;
}

/**
 * The columns `train` reads: `featureList` or every column but the target. `task` `'auto'`
 * reads the target as both numbers and labels (see `fitEncoding`).
 */
export function trainingSelection(
  file: string,
  columns: string[],
  target: string,
  featureList: string[] | undefined,
  task: Task | 'auto',
): Selection {
  if (!columns.includes(target)) {
    throw new CliError(
      `column '${target}' not found in '${file}'; available columns: ${columns.join(', ')}`,
    );
  }
  const features = featureList ?? columns.filter((c) => c !== target);
  if (features.length === 0)
    throw new CliError(`'${file}' has no feature columns besides '${target}'`);
  if (features.includes(target))
    throw new CliError(`the target '${target}' cannot also be a feature`);
  const kind: TargetSpec['kind'] =
    task === 'auto' ? 'auto' : task === 'classification' ? 'label' : 'number';
  return { features, target: { name: target, kind } };
}

/** The columns `evaluate` (`withTarget`) and `predict` read with a model's encoding. */
export function modelSelection(enc: Encoding, withTarget: boolean): Selection {
  if (!withTarget) return { features: enc.features };
  return {
    features: enc.features,
    target:
      enc.task === 'classification'
        ? { name: enc.target, kind: 'label', classes: enc.classes }
        : { name: enc.target, kind: 'number' },
  };
}

/**
 * The encoding from `train`'s first pass over the file (see `csv-stream.ts`). `task` `'auto'`:
 * classification when the target column has any cell that is not a number, else regression.
 */
export function fitEncoding(
  scan: TrainingScan,
  task: Task | 'auto',
  standardize: boolean,
): Encoding {
  const resolved: Task = task === 'auto' ? (scan.values ? 'regression' : 'classification') : task;
  const enc: Encoding = {
    features: [...scan.features],
    target: scan.target,
    task: resolved,
    classes: [],
    normalization: null,
    targetMean: 0,
    targetStd: 1,
  };
  if (resolved === 'classification') {
    enc.classes = [...scan.labels!].sort(compareLabels);
    if (enc.classes.length < 2) {
      throw new CliError(
        `the target '${scan.target}' has only one class ('${enc.classes[0]}'); need at least 2`,
      );
    }
  }
  if (standardize) {
    // Overflow-safe streaming moments; a constant column gets std 1 (as Standardizer.fit).
    const column = (m: RunningMoments, name: string) => {
      const { mean, std } = m.value;
      if (!Number.isFinite(mean) || !Number.isFinite(std)) {
        throw new CliError(
          `column '${name}' spans more than float64 can hold (standard deviation ${std}); rescale it`,
        );
      }
      return { mean, std: std > 0 ? std : 1 };
    };
    const cols = scan.moments.map((m, j) => column(m, scan.features[j]!));
    enc.normalization = new Standardizer(
      cols.map((c) => c.mean),
      cols.map((c) => c.std),
    );
    if (resolved === 'regression') {
      const t = column(scan.values!, scan.target);
      [enc.targetMean, enc.targetStd] = [t.mean, t.std];
    }
  }
  return enc;
}

/** Numbers before strings, numbers by value, strings alphabetically. */
function compareLabels(a: string, b: string): number {
  const [na, nb] = [decimalOrUndefined(a), decimalOrUndefined(b)];
  if (na !== undefined && nb !== undefined) return na - nb;
  if ((na === undefined) !== (nb === undefined)) return na !== undefined ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Output width: one per class, or 1 for regression. */
export function outputWidth(enc: Encoding): number {
  return enc.task === 'classification' ? enc.classes.length : 1;
}

/** Row `r` of the network outputs → its value in the target's units (regression). */
export function decodeValue(out: ArrayLike<number>, r: number, enc: Encoding): number {
  return out[r]! * enc.targetStd + enc.targetMean;
}

/** Row `r` of the network outputs → the predicted label (argmax) or value, as CSV text. */
export function decodeRow(out: ArrayLike<number>, r: number, enc: Encoding): string {
  if (enc.task === 'regression') return String(decodeValue(out, r, enc));
  const k = enc.classes.length;
  let best = 0;
  for (let c = 1; c < k; c++) if (out[r * k + c]! > out[r * k + best]!) best = c;
  return enc.classes[best]!;
}

/** The encoding as model metadata entries. */
export function encodingToMetadata(enc: Encoding): Record<string, string> {
  const meta: Record<string, string> = {
    features: JSON.stringify(enc.features),
    target: enc.target,
    task: enc.task,
  };
  if (enc.task === 'classification') meta['classes'] = JSON.stringify(enc.classes);
  else {
    meta['target_mean'] = String(enc.targetMean);
    meta['target_std'] = String(enc.targetStd);
  }
  return meta;
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isFiniteList(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/**
 * The encoding saved in a model's metadata by `train`, checked against the network it came
 * with (`layers`: inputs first, outputs last). A model whose metadata was edited, or taken from
 * another network, would otherwise have its inputs silently reshaped (e.g. 3 listed features on
 * a 4-input network: 4 rows of 3 values read as 3 rows of 4) and give wrong predictions.
 */
export function encodingFromMetadata(
  meta: Record<string, string>,
  model: string,
  layers: readonly number[],
): Encoding {
  const need = ['features', 'target', 'task'];
  const missing = need.filter((k) => meta[k] === undefined);
  if (missing.length > 0) {
    throw new CliError(
      `'${model}' has no CLI encoding in its metadata (missing ${missing.join(', ')}); train it with 'wasm-mlp train'`,
    );
  }
  const bad = (what: string) => new CliError(`'${model}': malformed CLI metadata (${what})`);
  const json = (key: string): unknown => {
    try {
      return JSON.parse(meta[key]!);
    } catch (e) {
      throw bad(`${key}: ${(e as Error).message}`);
    }
  };
  const task = meta['task'];
  if (task !== 'classification' && task !== 'regression')
    throw bad(`task must be 'classification' or 'regression', got '${task}'`);
  const features = json('features');
  if (!isStringList(features) || features.length === 0)
    throw bad('features must be a non-empty list of column names');
  const [inputs, outputs] = [layers[0]!, layers[layers.length - 1]!];
  if (features.length !== inputs) {
    throw new CliError(
      `'${model}': its metadata lists ${features.length} feature column${features.length === 1 ? '' : 's'} (${features.join(', ')}) but the network has ${inputs} input${inputs === 1 ? '' : 's'}`,
    );
  }
  let normalization: Standardizer | null = null;
  if (meta['feature_mean'] !== undefined || meta['feature_std'] !== undefined) {
    // An older model: its standardisation in the metadata rather than the record.
    const featureMean = meta['feature_mean'] === undefined ? undefined : json('feature_mean');
    const featureStd = meta['feature_std'] === undefined ? undefined : json('feature_std');
    for (const [key, list] of [
      ['feature_mean', featureMean],
      ['feature_std', featureStd],
    ] as const) {
      if (!isFiniteList(list) || list.length !== features.length)
        throw bad(`${key} must list ${features.length} finite numbers, one per feature`);
    }
    if ((featureStd as number[]).some((s) => !(s > 0))) throw bad('feature_std must be > 0');
    normalization = new Standardizer(featureMean as number[], featureStd as number[]);
  }
  let classes: string[] = [];
  let [targetMean, targetStd] = [0, 1];
  if (task === 'classification') {
    const list = meta['classes'] === undefined ? undefined : json('classes');
    if (!isStringList(list) || list.length < 2)
      throw bad('classes must be a list of at least 2 labels');
    if (list.length !== outputs) {
      throw new CliError(
        `'${model}': its metadata lists ${list.length} classes but the network has ${outputs} output${outputs === 1 ? '' : 's'}`,
      );
    }
    classes = list;
  } else {
    if (outputs !== 1) {
      throw new CliError(
        `'${model}': its metadata says regression (1 output) but the network has ${outputs} outputs`,
      );
    }
    const m = decimalOrUndefined(meta['target_mean'] ?? '0');
    const s = decimalOrUndefined(meta['target_std'] ?? '1');
    if (m === undefined || s === undefined || s === 0)
      throw bad('target_mean and target_std must be numbers, target_std not 0');
    [targetMean, targetStd] = [m, s];
  }
  return {
    features,
    target: meta['target']!,
    task,
    classes,
    normalization,
    targetMean,
    targetStd,
  };
}
