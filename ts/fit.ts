/**
 * `Network.fit()`: mini-batch training over epochs with shuffling, validation, early stopping,
 * callbacks and cancellation, yielding to the event loop between batches.
 *
 * Each mini-batch is one backend call (`trainRows`): on the wasm backend the batch's rows are
 * gathered straight from the data set into the core's input buffer, then one FFI call does
 * forward, loss, backward and the update.
 *
 * Shuffling (documented so runs are reproducible): the order of epoch `e` (counted over the
 * network's whole life, so consecutive `fit` calls differ) is a Fisher–Yates shuffle of the
 * training rows driven by mulberry32 with state `seedState(seed) XOR imul(e + 1, 0x9E3779B1)`:
 * for `i` from `n − 1` down to 1, swap `i` with `j = floor(u · (i + 1) / 2^32)`.
 * @module
 */
import type { Backend, Real } from './backends/backend.js';
import {
  DivergenceError,
  NonFiniteError,
  OptionError,
  ShapeError,
  WasmMlpError,
  describe,
} from './errors.js';
import { mulberry32, seedState } from './init.js';
import type { Matrix, MatrixInput } from './inputs.js';
import {
  MetricAccumulator,
  chooseMetrics,
  taskOf,
  type MetricName,
  type MetricValues,
  type Task,
} from './metrics.js';
import type { Activation, LossName, Reduction } from './model.js';
import { resolveWeights, type WeightOptions } from './training/sample-weights.js';
import type { Dtype } from './types.js';
import type { CheckpointOptions } from './training/checkpoint.js';
import {
  FitExtras,
  planExtras,
  type ExtrasContext,
  type ExtrasPlan,
} from './training/fit-extras.js';
import type { LearningRateSchedule } from './training/schedules.js';
import { YieldBudget } from './yield.js';

/** The validation counterpart of each metric: `valAccuracy`, `valMse`, … */
export type ValMetricName = `val${Capitalize<MetricName>}`;

/** Validation metric values: a field for each metric reported. */
export type ValMetricValues = { [K in ValMetricName]?: number };

/** `'mse'` → `'valMse'`. */
function valName(m: MetricName): ValMetricName {
  return `val${m[0]!.toUpperCase()}${m.slice(1)}` as ValMetricName;
}

/**
 * What `onBatchEnd` receives. Its metric fields (`accuracy` for a classifier; `mse`, `rmse`,
 * `mae`, `r2` for a regression; plus those asked for with `metrics`, see `metrics.ts`) are
 * measured on this batch before its update.
 */
export interface BatchLog extends MetricValues {
  /** 0-based epoch of this `fit` call. */
  epoch: number;
  /** 0-based batch within the epoch. */
  batch: number;
  /** Rows in this batch (the last batch of an epoch may be smaller). */
  size: number;
  /** The batch's loss before its update, with the loss's own reduction over the batch. */
  loss: number;
}

/**
 * What `onEpochEnd` receives; also one entry of each {@link History} array. The metric fields
 * are those chosen for the task (see `metrics.ts`): `accuracy` for a classifier, `mse`,
 * `rmse`, `mae`, `r2` for a regression, plus the `metrics` option's; the training ones are
 * measured on each batch before its update, the `val…` ones after the epoch.
 */
export interface EpochLog extends MetricValues, ValMetricValues {
  /** 0-based epoch of this `fit` call. */
  epoch: number;
  /**
   * Training loss of the epoch: the loss's reduction over all training rows, each batch
   * measured before its own update (`'half-sse'`: sum of batch losses; mean losses: the
   * row-weighted mean of batch losses).
   */
  loss: number;
  /** Loss on the validation rows after the epoch (absent without validation). */
  valLoss?: number;
  /**
   * The learning rate of the epoch's last batch (see {@link FitOptions.learningRate}); always
   * set by `fit`.
   */
  learningRate?: number;
}

/**
 * A shuffled (optionally stratified) validation split; see {@link FitOptions.validationSplit}.
 */
export interface ValidationSplit {
  /** The fraction of the rows held out, in (0, 1). */
  fraction: number;
  /**
   * Pick the held-out rows at random (seeded by the network's seed, the same for every `fit`
   * call) instead of the last rows. Default: true in this object form (a bare number never
   * shuffles).
   */
  shuffle?: boolean;
  /**
   * Keep each class's share in both parts (classifiers only, see `metrics.ts`; implies
   * `shuffle`). Default: true for a classifier, false for a regression.
   */
  stratify?: boolean;
}

/** Early stopping: stop when the monitored loss has not improved for `patience` epochs. */
export interface EarlyStoppingOptions {
  /** `'valLoss'` (the default when there is validation data) or `'loss'`. */
  monitor?: 'loss' | 'valLoss';
  /**
   * Stop after this many consecutive epochs without improvement, as in Keras (0 and 1 both
   * stop at the first epoch that does not improve). Default 0.
   */
  patience?: number;
  /** An epoch improves only if it lowers the best value by more than this. Default 0. */
  minDelta?: number;
  /** At the end, put back the parameters of the best epoch (not the optimizer state). Default false. */
  restoreBestWeights?: boolean;
}

/**
 * Options of {@link Network.fit}. `X` and `Y` type `validationData`; they default to any input
 * `fit` accepts, so a variable annotated `FitOptions` can be passed to it.
 */
export interface FitOptions<X = MatrixInput, Y = MatrixInput> extends WeightOptions {
  /** Passes over the training rows. Default 1. */
  epochs?: number;
  /**
   * Rows per mini-batch, an integer ≥ 1 and ≤ the training rows (a larger value is an error,
   * not silently clamped); the last batch of an epoch may be smaller. Default min(32, rows).
   */
  batchSize?: number;
  /** Shuffle the training rows every epoch (seeded by the network's seed). Default true. */
  shuffle?: boolean;
  /**
   * Rows held out for validation. A number in (0, 1) holds out the LAST fraction of the rows,
   * unshuffled, as Keras does (the default behaviour, kept for compatibility: on data sorted by
   * class the held-out rows are then one class). `{ fraction, shuffle?, stratify? }` picks them
   * at random instead, by default stratified by class for a classifier: use it unless the row
   * order matters (e.g. a time series whose last rows must be the validation set).
   */
  validationSplit?: number | ValidationSplit;
  /**
   * Metrics to report besides the task's defaults (`accuracy` for a classifier; `mse`,
   * `rmse`, `mae`, `r2` for a regression; see `metrics.ts`), e.g. `['mae']` for a classifier.
   * `'accuracy'` on a regression is an OptionError.
   */
  metrics?: readonly MetricName[];
  /** Separate validation rows (instead of `validationSplit`). */
  validationData?: { x: X; y: Y } | readonly [X, Y];
  /** `true` for the defaults, or options. Off by default. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** Called after every epoch (awaited if it returns a promise). */
  onEpochEnd?: (log: EpochLog) => void | Promise<void>;
  /** Called after every batch (awaited if it returns a promise). */
  onBatchEnd?: (log: BatchLog) => void | Promise<void>;
  /** Cancels training: `fit` rejects with `signal.reason` (an `AbortError` by default). */
  signal?: AbortSignal;
  /** Longest stretch, in ms, between two yields to the event loop. Default 8. */
  yieldEveryMs?: number;
  /**
   * The learning rate of this call: a number (constant), or a schedule (`step`,
   * `exponential`, `cosine` with warm-up, `plateau`; see `training/schedules.ts`). A schedule
   * does not change `net.learningRate` (the default initial rate); its position is saved with
   * the training state, and a later `fit` with an equal schedule continues it. Default: the
   * network's `learningRate`, read every batch.
   */
  learningRate?: number | LearningRateSchedule;
  /**
   * Save the model and its training state every N epochs, to a file (Node, atomically) or a
   * callback; see {@link CheckpointOptions}.
   */
  checkpoint?: CheckpointOptions;
}

/**
 * What {@link Network.fit} resolves to: one entry per completed epoch. Each reported metric
 * (see {@link EpochLog}) has its array and its `val…` array (empty without validation); a
 * metric not reported has neither (a regression has no `accuracy`).
 */
export interface History extends HistoryMetrics {
  /** Completed epochs. */
  epochs: number;
  loss: number[];
  /** Empty without validation. */
  valLoss: number[];
  /** True when early stopping ended training before `epochs`. */
  stoppedEarly: boolean;
  /** 0-based epoch with the best monitored loss (null without early stopping). */
  bestEpoch: number | null;
}

/** The per-epoch arrays of the reported metrics. */
export type HistoryMetrics = { [K in MetricName | ValMetricName]?: number[] };

/** The training rows and their loss weights (null: unweighted). */
interface TrainData {
  X: Matrix;
  Y: Matrix;
  W: Float64Array | null;
}

/** Validated fit options (the data already split). */
export interface Plan {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  early: Required<EarlyStoppingOptions> | null;
  onEpochEnd: FitOptions['onEpochEnd'];
  onBatchEnd: FitOptions['onBatchEnd'];
  signal: AbortSignal | undefined;
  yieldEveryMs: number;
  /** The metrics reported (chosen from the task and the `metrics` option). */
  metrics: MetricName[];
  /** The `learningRate` and `checkpoint` options. */
  extras: ExtrasPlan;
}

/** What fit needs from the network. */
export interface FitContext extends ExtrasContext {
  readonly backend: Backend;
  readonly reduction: Reduction;
  /** The loss and the last layer's activation, for the task rule of `metrics.ts`. */
  readonly loss: LossName;
  readonly output: Activation;
  readonly seed: number;
  /** Epochs completed by earlier `fit` calls (for the shuffle seed). */
  readonly epochOffset: number;
  /** Called once per completed epoch. */
  epochCompleted(): void;
  /** Called after each applied batch (before `onBatchEnd`). */
  batchCompleted?(): void;
  /** Throws if the network was disposed. */
  live(): void;
  /** Validates `validationData` like `x`/`y` of `evaluate`. */
  matrices(x: unknown, y: unknown): { X: Matrix; Y: Matrix };
}

/** The option names of `fit` (a dataset `fit` takes these too, see `data/dataset.ts`). */
export const FIT_KEYS = [
  'epochs',
  'batchSize',
  'shuffle',
  'validationSplit',
  'validationData',
  'earlyStopping',
  'onEpochEnd',
  'onBatchEnd',
  'signal',
  'yieldEveryMs',
  'metrics',
  'sampleWeight',
  'classWeight',
  'learningRate',
  'checkpoint',
];
const SPLIT_KEYS = ['fraction', 'shuffle', 'stratify'];
const EARLY_KEYS = ['monitor', 'patience', 'minDelta', 'restoreBestWeights'];

/** Default values of the fit options. */
export const FIT_DEFAULTS = Object.freeze({
  epochs: 1,
  batchSize: 32,
  shuffle: true,
  yieldEveryMs: 8,
  patience: 0,
  minDelta: 0,
});

export function integer(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new OptionError(`${name} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

export function rejectUnknown(name: string, obj: object, known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new OptionError(`${name}: unknown option '${key}'; known options: ${known.join(', ')}`);
    }
  }
}

/** Rows `[from, to)` of a matrix, as a view (no copy). */
function rowsOf(m: Matrix, cols: number, from: number, to: number): Matrix {
  return { data: m.data.subarray(from * cols, to * cols), batch: to - from };
}

/** Validates the options, splits off the validation rows. Throws {@link OptionError}. */
export function planFit(
  ctx: FitContext,
  X: Matrix,
  Y: Matrix,
  options: FitOptions,
): { plan: Plan; train: TrainData; val: { X: Matrix; Y: Matrix } | null } {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionError(`fit options must be an object, got ${describe(options)}`);
  }
  rejectUnknown('fit', options, FIT_KEYS);
  const { layers } = ctx.backend.spec;
  const [nIn, nOut] = [layers[0]!, layers[layers.length - 1]!];
  // The task is decided on all the rows given, before any split, so both parts agree.
  const task = taskOf(ctx.output, ctx.loss, Y.data, nOut);

  // Loss weights of the rows given (training rows only, see WeightOptions).
  const weights = resolveWeights(options, Y, {
    output: ctx.output,
    loss: ctx.loss,
    dtype: ctx.backend.dtype,
    outputs: nOut,
  });
  // Validation rows: the last fraction (validationSplit), or separate data.
  let train: TrainData = { X, Y, W: weights };
  let val: { X: Matrix; Y: Matrix } | null = null;
  const split = options.validationSplit;
  if (split !== undefined && options.validationData !== undefined) {
    throw new OptionError('pass either validationSplit or validationData, not both');
  }
  if (split !== undefined) {
    const parts = splitValidation(X, Y, nIn, nOut, parseSplit(split, task), ctx.seed);
    // Each training row keeps its weight: the first rows (unshuffled) or the chosen ones.
    const rows = parts.trainRows;
    const W =
      weights === null
        ? null
        : rows === null
          ? weights.subarray(0, parts.train.X.batch)
          : Float64Array.from(rows, (r) => weights[r]!);
    train = { ...parts.train, W };
    val = parts.val;
  } else if (options.validationData !== undefined) {
    const pair = validationPair(options.validationData);
    val = ctx.matrices(pair[0], pair[1]);
  }
  const n = train.X.batch;
  const rowsNote = `${n}${val && split !== undefined ? ` after validationSplit ${typeof split === 'number' ? split : split.fraction}` : ''}`;
  const plan = planTraining(options, task, val !== null, { rows: n, note: rowsNote });
  return { plan, train, val };
}

/** `validationData` as `[x, y]`. Throws {@link OptionError}. */
export function validationPair(vd: unknown): readonly [unknown, unknown] {
  const pair = Array.isArray(vd)
    ? vd
    : typeof vd === 'object' && vd !== null && 'x' in vd && 'y' in vd
      ? [(vd as { x: unknown }).x, (vd as { y: unknown }).y]
      : null;
  if (pair === null || pair.length !== 2) {
    throw new OptionError(`validationData must be { x, y } or [x, y], got ${describe(vd)}`);
  }
  return [pair[0], pair[1]];
}

/**
 * Validates the options every kind of training data shares (epochs, batch size, shuffle,
 * callbacks, signal, early stopping, metrics). `rows`: the training rows when known (a batch
 * size above them is an error), null for a dataset. Throws {@link OptionError}.
 */
export function planTraining(
  options: Omit<FitOptions, 'validationSplit' | 'validationData'>,
  task: Task,
  hasValidation: boolean,
  rows: { rows: number; note: string } | null,
): Plan {
  const metrics = chooseMetrics(task, options.metrics);
  const epochs = integer('epochs', options.epochs ?? FIT_DEFAULTS.epochs, 1);
  const shuffle = options.shuffle ?? FIT_DEFAULTS.shuffle;
  if (typeof shuffle !== 'boolean') {
    throw new OptionError(`shuffle must be a boolean, got ${describe(shuffle)}`);
  }
  const yieldEveryMs = options.yieldEveryMs ?? FIT_DEFAULTS.yieldEveryMs;
  if (typeof yieldEveryMs !== 'number' || !(yieldEveryMs >= 0)) {
    throw new OptionError(`yieldEveryMs must be a number >= 0, got ${describe(yieldEveryMs)}`);
  }
  for (const cb of ['onEpochEnd', 'onBatchEnd'] as const) {
    if (options[cb] !== undefined && typeof options[cb] !== 'function') {
      throw new OptionError(`${cb} must be a function, got ${describe(options[cb])}`);
    }
  }
  const signal = options.signal;
  if (
    signal !== undefined &&
    !(typeof signal === 'object' && signal !== null && 'aborted' in signal)
  ) {
    throw new OptionError(`signal must be an AbortSignal, got ${describe(signal)}`);
  }

  const batchSize = integer(
    'batchSize',
    options.batchSize ?? Math.min(FIT_DEFAULTS.batchSize, rows?.rows ?? FIT_DEFAULTS.batchSize),
    1,
  );
  if (rows && batchSize > rows.rows) {
    throw new OptionError(
      `batchSize must be at most the number of training rows (${rows.note}), got ${batchSize}`,
    );
  }

  let early: Required<EarlyStoppingOptions> | null = null;
  const es = options.earlyStopping;
  if (es !== undefined && es !== false) {
    const o: EarlyStoppingOptions = es === true ? {} : es;
    if (typeof o !== 'object' || o === null) {
      throw new OptionError(`earlyStopping must be a boolean or an object, got ${describe(es)}`);
    }
    rejectUnknown('earlyStopping', o, EARLY_KEYS);
    const monitor = o.monitor ?? (hasValidation ? 'valLoss' : 'loss');
    if (monitor !== 'loss' && monitor !== 'valLoss') {
      throw new OptionError(
        `earlyStopping.monitor must be 'loss' or 'valLoss', got ${describe(monitor)}`,
      );
    }
    if (monitor === 'valLoss' && !hasValidation) {
      throw new OptionError(
        "earlyStopping.monitor 'valLoss' needs validationSplit or validationData",
      );
    }
    const minDelta = o.minDelta ?? FIT_DEFAULTS.minDelta;
    if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) {
      throw new OptionError(
        `earlyStopping.minDelta must be a number >= 0, got ${describe(minDelta)}`,
      );
    }
    const restore = o.restoreBestWeights ?? false;
    if (typeof restore !== 'boolean') {
      throw new OptionError(
        `earlyStopping.restoreBestWeights must be a boolean, got ${describe(restore)}`,
      );
    }
    early = {
      monitor,
      patience: integer('earlyStopping.patience', o.patience ?? FIT_DEFAULTS.patience, 0),
      minDelta,
      restoreBestWeights: restore,
    };
  }
  return {
    epochs,
    batchSize,
    shuffle,
    early,
    onEpochEnd: options.onEpochEnd,
    onBatchEnd: options.onBatchEnd,
    signal,
    yieldEveryMs,
    metrics,
    extras: planExtras(
      options,
      ['loss', ...metrics, ...(hasValidation ? ['valLoss', ...metrics.map(valName)] : [])],
      hasValidation,
    ),
  };
}

/** A validated `validationSplit`. */
interface SplitPlan {
  fraction: number;
  shuffle: boolean;
  stratify: boolean;
  /** How to name the fraction in messages. */
  name: string;
}

function parseSplit(split: number | ValidationSplit, task: Task): SplitPlan {
  const fractionOk = (f: unknown): f is number => typeof f === 'number' && f > 0 && f < 1;
  if (typeof split === 'number' || typeof split !== 'object' || split === null) {
    if (!fractionOk(split)) {
      throw new OptionError(
        'validationSplit must be a number in (0, 1) (the fraction of rows held out) or ' +
          `{ fraction, shuffle?, stratify? }, got ${describe(split)}`,
      );
    }
    return { fraction: split, shuffle: false, stratify: false, name: 'validationSplit' };
  }
  rejectUnknown('validationSplit', split, SPLIT_KEYS);
  if (!fractionOk(split.fraction)) {
    throw new OptionError(
      `validationSplit.fraction must be a number in (0, 1) (the fraction of rows held out), got ${describe(split.fraction)}`,
    );
  }
  for (const key of ['shuffle', 'stratify'] as const) {
    if (split[key] !== undefined && typeof split[key] !== 'boolean') {
      throw new OptionError(
        `validationSplit.${key} must be a boolean, got ${describe(split[key])}`,
      );
    }
  }
  if (split.stratify === true && task === 'regression') {
    throw new OptionError(
      'validationSplit.stratify needs a classifier (a softmax output, or a sigmoid output with ' +
        "'binary-cross-entropy' or 'half-sse' and targets that are all 0 or 1); this is a regression",
    );
  }
  if (split.stratify === true && split.shuffle === false) {
    throw new OptionError(
      'validationSplit.stratify picks random rows of each class: it cannot be combined with shuffle: false',
    );
  }
  const shuffle = split.shuffle ?? true;
  return {
    fraction: split.fraction,
    shuffle,
    stratify: shuffle && (split.stratify ?? task === 'classification'),
    name: 'validationSplit.fraction',
  };
}

/** Fisher–Yates over `rows` in place with `next` (as the epoch order). */
function shuffleInPlace(rows: Uint32Array, next: () => number): void {
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor((next() * (i + 1)) / 0x1_0000_0000);
    const t = rows[i]!;
    rows[i] = rows[j]!;
    rows[j] = t;
  }
}

/** Copies the given rows of a matrix, in the given order. */
function gather(m: Matrix, cols: number, rows: Uint32Array): Matrix {
  const data = new (m.data instanceof Float64Array ? Float64Array : Float32Array)(
    rows.length * cols,
  );
  for (let i = 0; i < rows.length; i++) {
    data.set(m.data.subarray(rows[i]! * cols, (rows[i]! + 1) * cols), i * cols);
  }
  return { data, batch: rows.length };
}

/** Mixed into the seed of the split so it is not the first epoch's shuffle. */
const SPLIT_SALT = 0x5bd1e995;

/**
 * Splits the rows: `n − ⌊n·(1 − fraction)⌋` validation rows, as Keras counts them. Unshuffled:
 * the last rows (views, no copy). Shuffled: a seeded random choice (mulberry32 with state
 * `seedState(seed) XOR 0x5BD1E995`, the same for every `fit` call so a resumed run validates
 * on the same rows); stratified: each class (argmax of the target row, or `y ≥ 0.5` for one
 * output) shuffled in turn with that generator, giving it a share of the validation rows
 * proportional to its size (largest remainders, ties to the lower class). Both parts keep
 * the rows' original order (fit shuffles the training rows per epoch anyway).
 */
function splitValidation(
  X: Matrix,
  Y: Matrix,
  nIn: number,
  nOut: number,
  split: SplitPlan,
  seed: number,
): {
  train: { X: Matrix; Y: Matrix };
  val: { X: Matrix; Y: Matrix };
  /** The training rows chosen (null: the first rows, unshuffled). */
  trainRows: Uint32Array | null;
} {
  const n = X.batch;
  const at = Math.floor(n * (1 - split.fraction)); // Keras: ⌊n·(1 − s)⌋ rows train
  if (at < 1 || at >= n) {
    throw new OptionError(
      `${split.name} ${split.fraction} of ${n} rows leaves ${at} training and ${n - at} ` +
        'validation rows; each needs at least 1',
    );
  }
  if (!split.shuffle) {
    return {
      train: { X: rowsOf(X, nIn, 0, at), Y: rowsOf(Y, nOut, 0, at) },
      val: { X: rowsOf(X, nIn, at, n), Y: rowsOf(Y, nOut, at, n) },
      trainRows: null,
    };
  }
  const next = mulberry32((seedState(seed) ^ SPLIT_SALT) >>> 0);
  const nVal = n - at;
  const isVal = new Uint8Array(n);
  if (!split.stratify) {
    const all = new Uint32Array(n).map((_, i) => i);
    shuffleInPlace(all, next);
    for (let i = 0; i < nVal; i++) isVal[all[i]!] = 1;
  } else {
    const classes = Math.max(2, nOut);
    const label = new Uint32Array(n);
    const counts = new Uint32Array(classes);
    for (let r = 0; r < n; r++) {
      let c = 0;
      if (nOut === 1) c = Y.data[r]! >= 0.5 ? 1 : 0;
      else for (let k = 1; k < nOut; k++) if (Y.data[r * nOut + k]! > Y.data[r * nOut + c]!) c = k;
      label[r] = c;
      counts[c]!++;
    }
    const quota = new Uint32Array(classes);
    const remainder: number[] = [];
    let given = 0;
    for (let c = 0; c < classes; c++) {
      const exact = (nVal * counts[c]!) / n;
      quota[c] = Math.floor(exact);
      given += quota[c]!;
      remainder.push(exact - quota[c]!);
    }
    const byRemainder = [...remainder.keys()].sort(
      (a, b) => remainder[b]! - remainder[a]! || a - b,
    );
    for (let i = 0; given < nVal; i++, given++) quota[byRemainder[i]!]!++;
    for (let c = 0; c < classes; c++) {
      const members = new Uint32Array(counts[c]!);
      for (let r = 0, j = 0; r < n; r++) if (label[r] === c) members[j++] = r;
      shuffleInPlace(members, next);
      for (let i = 0; i < quota[c]!; i++) isVal[members[i]!] = 1;
    }
  }
  const trainRows = new Uint32Array(at);
  const valRows = new Uint32Array(nVal);
  for (let r = 0, t = 0, v = 0; r < n; r++) {
    if (isVal[r]) valRows[v++] = r;
    else trainRows[t++] = r;
  }
  return {
    train: { X: gather(X, nIn, trainRows), Y: gather(Y, nOut, trainRows) },
    val: { X: gather(X, nIn, valRows), Y: gather(Y, nOut, valRows) },
    trainRows,
  };
}

/** The row order of one epoch (see the module doc). */
function epochOrder(order: Uint32Array, shuffle: boolean, seed: number, epoch: number): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
  if (!shuffle) return;
  const next = mulberry32((seedState(seed) ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor((next() * (i + 1)) / 0x1_0000_0000);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/** Combines per-chunk losses by the reduction: sums add, means weight by rows. */
export class LossTotal {
  #sum = 0;
  #rows = 0;
  constructor(readonly reduction: Reduction) {}
  add(loss: number, rows: number): void {
    this.#sum += this.reduction === 'sum' ? loss : loss * rows;
    this.#rows += rows;
  }
  get value(): number {
    return this.reduction === 'sum' ? this.#sum : this.#sum / this.#rows;
  }
}

/** Rows per chunk when evaluating many rows (bounds the batch buffers' size). */
export const EVAL_CHUNK = 1024;

/**
 * Loss and the chosen metrics of `X`, `Y` in chunks of {@link EVAL_CHUNK} rows, yielding (the
 * generator's `yield`) after each chunk so async callers can give the event loop a turn.
 */
export function* evaluation(
  backend: Backend,
  reduction: Reduction,
  X: Matrix,
  Y: Matrix,
  metrics: readonly MetricName[],
  weights: Float64Array | null = null,
): Generator<void, { loss: number } & MetricValues> {
  const { layers } = backend.spec;
  const [nIn, nOut] = [layers[0]!, layers[layers.length - 1]!];
  const total = new LossTotal(reduction);
  const acc = new MetricAccumulator(metrics, nOut);
  for (let from = 0; from < X.batch; from += EVAL_CHUNK) {
    const to = Math.min(X.batch, from + EVAL_CHUNK);
    const x = rowsOf(X, nIn, from, to);
    const y = rowsOf(Y, nOut, from, to);
    const w = weights?.subarray(from, to) ?? null;
    total.add(backend.loss(x.data, y.data, x.batch, w), x.batch);
    acc.add(backend.output(x.batch), y.data, x.batch);
    yield;
  }
  return { loss: total.value, ...acc.values() };
}

/** The metrics to report on `Y` (the task rule of `metrics.ts` plus `requested`). */
export function metricsFor(
  output: Activation,
  loss: LossName,
  Y: Matrix,
  cols: number,
  requested: unknown,
): MetricName[] {
  return chooseMetrics(taskOf(output, loss, Y.data, cols), requested);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('fit() was aborted', 'AbortError');
}

/** The first non-finite value of the given rows of a matrix, if any (the error path only). */
function firstNonFinite(
  m: Matrix,
  rows: ArrayLike<number> | null,
  dtype: Dtype,
): { row: number; col: number; value: number } | null {
  const cols = m.data.length / m.batch;
  // As stored: a Float64Array value beyond f32's range is ±Infinity in an f32 network.
  const stored = dtype === 'f32' ? Math.fround : (v: number) => v;
  const count = rows ? rows.length : m.batch;
  for (let i = 0; i < count; i++) {
    const row = rows ? rows[i]! : i;
    for (let col = 0; col < cols; col++) {
      const value = m.data[row * cols + col]!;
      if (!Number.isFinite(stored(value))) return { row, col, value };
    }
  }
  return null;
}

/** The error for data found non-finite after fit() checked it at the start. */
function changedToNonFinite(
  name: string,
  bad: { row: number; col: number; value: number },
  where: string,
): NonFiniteError {
  return new NonFiniteError(
    `${name}[${bad.row}][${bad.col}] is ${bad.value}${where}: the training data changed while ` +
      'fit() ran (it was checked when fit() started).',
  );
}

/**
 * fit() reads the caller's typed arrays in place, so it checks before each use that they kept
 * their size: a resized (resizable ArrayBuffer) or transferred (detached) buffer would be read
 * short, since `subarray` clamps, and train on stale or zero values.
 */
function checkSize(name: string, m: Matrix, width: number): void {
  if (m.data.length !== m.batch * width) {
    throw new ShapeError(
      `${name} changed size while fit() ran: ${m.data.length} values, expected ` +
        `${m.batch * width} (${m.batch} rows of ${width}); was its buffer resized or transferred?`,
    );
  }
}

/**
 * Why a batch's step was not applied (both backends skip a step whose batch or loss is not
 * finite): the training data changed after fit() checked it, or the loss diverged. The
 * message says whether the parameters are still finite: an update that overflows them does
 * not show in its own batch's loss, only in the next one.
 */
function notApplied(
  backend: Backend,
  train: { X: Matrix; Y: Matrix },
  rows: ArrayLike<number>,
  epoch: number,
  batch: number,
  loss: number,
): WasmMlpError {
  for (const [name, m] of [
    ['x', train.X],
    ['y', train.Y],
  ] as const) {
    const bad = firstNonFinite(m, rows, backend.dtype);
    if (bad) {
      const error = changedToNonFinite(name, bad, ` at epoch ${epoch}, batch ${batch} (0-based)`);
      error.message +=
        ' That batch was not applied: parameters and optimizer state are those after the ' +
        'previous batch.';
      return error;
    }
  }
  return diverged(backend, epoch, batch, loss);
}

/** The error for a training loss that is not finite on finite data (that step not applied). */
export function diverged(
  backend: Backend,
  epoch: number,
  batch: number,
  loss: number,
): DivergenceError {
  const finite = backend.getParams().every(Number.isFinite);
  return new DivergenceError(
    `the training loss became ${loss} at epoch ${epoch}, batch ${batch} (0-based); that step ` +
      'was not applied' +
      (finite
        ? ': parameters and optimizer state are those after the last batch with a finite ' +
          'loss. Try a smaller learningRate.'
        : ', but an earlier update had already overflowed: the parameters contain NaN or ' +
          '±Infinity and are not usable. Try a much smaller learningRate.'),
    epoch,
    batch,
    loss,
  );
}

/** One applied training batch, as a {@link FitData} source reports it to the loop. */
export interface TrainedBatch {
  /** The batch's loss before its update. */
  loss: number;
  size: number;
  /** The targets the metrics compare the outputs with: the batch's rows, or with `rows` all. */
  y: Real;
  /** The rows of `y` in this batch (in-memory data), or undefined when `y` is the batch. */
  rows?: ArrayLike<number>;
}

/** Validation loss and metrics after an epoch. */
export type Validation = { loss: number } & MetricValues;

/**
 * Where the loop's batches and validation come from: arrays in memory (below) or a dataset
 * (`data/dataset.ts`). The loop keeps history, metrics, callbacks and early stopping.
 */
export interface FitData {
  /**
   * Trains epoch `epoch` (0-based in this `fit` call) batch by batch, batch `b` at the
   * learning rate `rate(b)`, yielding after each
   * applied batch (the backend's output still holds that batch's). Throws for bad data or a
   * non-finite loss, with the parameters as after the last yielded batch.
   */
  epoch(
    epoch: number,
    rate: (batch: number) => number,
  ): Iterable<TrainedBatch> | AsyncIterable<TrainedBatch>;
  /** Batches per epoch when known in advance (a schedule then moves per batch), else null. */
  readonly batchesPerEpoch: number | null;
  /** Whether {@link validate} measures anything. */
  readonly hasValidation: boolean;
  /**
   * Loss and metrics on the validation data after `epoch`; `pause` yields to the event loop
   * (and throws when aborted or disposed) between chunks.
   */
  validate(epoch: number, pause: () => Promise<void>): Promise<Validation>;
}

/** Throws the DivergenceError of a validation loss that is not finite on finite data. */
export function validationDiverged(epoch: number, loss: number): never {
  throw new DivergenceError(
    `the validation loss became ${loss} after epoch ${epoch} (0-based) on finite ` +
      'validation data: the parameters overflowed. Try a smaller learningRate.',
    epoch,
    -1,
    loss,
  );
}

/** The training rows and validation rows of an in-memory `fit(x, y)`, as a {@link FitData}. */
export function memoryData(
  ctx: FitContext,
  plan: Plan,
  train: TrainData,
  val: { X: Matrix; Y: Matrix } | null,
): FitData {
  const { backend, reduction } = ctx;
  const { layers } = backend.spec;
  const [nIn, nOut] = [layers[0]!, layers[layers.length - 1]!];
  const n = train.X.batch;
  const order = new Uint32Array(n);
  return {
    *epoch(epoch, rate) {
      epochOrder(order, plan.shuffle, ctx.seed, ctx.epochOffset + epoch);
      for (let start = 0, batch = 0; start < n; start += plan.batchSize, batch++) {
        const rows = order.subarray(start, Math.min(n, start + plan.batchSize));
        checkSize('x', train.X, nIn);
        checkSize('y', train.Y, nOut);
        const loss = backend.trainRows(train.X.data, train.Y.data, rows, rate(batch), train.W);
        if (!Number.isFinite(loss)) throw notApplied(backend, train, rows, epoch, batch, loss);
        yield { loss, size: rows.length, y: train.Y.data, rows };
      }
    },
    batchesPerEpoch: Math.ceil(n / plan.batchSize),
    hasValidation: val !== null,
    async validate(epoch, pause) {
      if (!val) throw new Error('no validation data');
      const checkVal = () => {
        checkSize('validation x', val.X, nIn);
        checkSize('validation y', val.Y, nOut);
      };
      checkVal();
      const run = evaluation(backend, reduction, val.X, val.Y, plan.metrics);
      let step = run.next();
      while (!step.done) {
        await pause();
        checkVal();
        step = run.next();
      }
      if (!Number.isFinite(step.value.loss)) {
        // Validation data is checked at the start like x and y; a non-finite loss now means
        // it changed since, or the parameters overflowed (the next batch would say so).
        for (const [name, m] of [
          ['validation x', val.X],
          ['validation y', val.Y],
        ] as const) {
          const bad = firstNonFinite(m, null, backend.dtype);
          if (bad) throw changedToNonFinite(name, bad, ` after epoch ${epoch} (0-based)`);
        }
        validationDiverged(epoch, step.value.loss);
      }
      return step.value;
    },
  };
}

/** Runs the training loop of a validated plan over its data. */
export async function runFit(ctx: FitContext, plan: Plan, data: FitData): Promise<History> {
  const { backend, reduction } = ctx;
  const { layers } = backend.spec;
  const nOut = layers[layers.length - 1]!;
  const history: History = {
    epochs: 0,
    loss: [],
    valLoss: [],
    stoppedEarly: false,
    bestEpoch: null,
  };
  for (const m of plan.metrics) {
    history[m] = [];
    history[valName(m)] = [];
  }
  const budget = new YieldBudget(plan.yieldEveryMs);
  const checkpoint = async (): Promise<void> => {
    await budget.maybeYield();
    ctx.live();
    if (plan.signal?.aborted) throw abortReason(plan.signal);
  };
  let best = Infinity;
  let wait = 0;
  let bestParams: ArrayLike<number> | null = null;
  const extras = new FitExtras(plan.extras, ctx);
  // The rate of each batch: the schedule's (by batch when the source knows its batch count).
  const rate = (epoch: number, batch: number): number =>
    extras.rate(epoch, batch, data.batchesPerEpoch);

  await extras.start();
  await checkpoint();
  for (let epoch = 0; epoch < plan.epochs; epoch++) {
    const total = new LossTotal(reduction);
    const epochMetrics = new MetricAccumulator(plan.metrics, nOut);
    let batch = 0;
    /** Books an applied batch; returns what `onBatchEnd` gets, if there is one. */
    const account = (b: TrainedBatch): BatchLog | null => {
      ctx.batchCompleted?.();
      const output = backend.output(b.size);
      epochMetrics.add(output, b.y, b.size, b.rows);
      total.add(b.loss, b.size);
      if (!plan.onBatchEnd) return null;
      const batchMetrics = new MetricAccumulator(plan.metrics, nOut);
      batchMetrics.add(output, b.y, b.size, b.rows);
      return { epoch, batch, size: b.size, loss: b.loss, ...batchMetrics.values() };
    };
    const batches = data.epoch(epoch, (batch) => rate(epoch, batch));
    // A sync source (arrays in memory) is not iterated with for-await: its promise per batch
    // made tiny batches 40% slower.
    if (Symbol.iterator in batches) {
      for (const b of batches) {
        const log = account(b);
        if (log) await plan.onBatchEnd!(log);
        batch++;
        ctx.live(); // a callback may have disposed the network
        await checkpoint();
      }
    } else {
      for await (const b of batches) {
        const log = account(b);
        if (log) await plan.onBatchEnd!(log);
        batch++;
        ctx.live();
        await checkpoint();
      }
    }

    const log: EpochLog = {
      epoch,
      loss: total.value,
      ...epochMetrics.values(),
      learningRate: extras.lastRate,
    };
    if (data.hasValidation) {
      const { loss: valLoss, ...valMetrics } = await data.validate(epoch, checkpoint);
      log.valLoss = valLoss;
      for (const m of plan.metrics) log[valName(m)] = valMetrics[m]!;
    }
    history.epochs++;
    ctx.epochCompleted();
    extras.epochEnd(log);
    history.loss.push(log.loss);
    for (const m of plan.metrics) history[m]!.push(log[m]!);
    if (data.hasValidation) {
      history.valLoss.push(log.valLoss!);
      for (const m of plan.metrics) history[valName(m)]!.push(log[valName(m)]!);
    }
    await plan.onEpochEnd?.(log);
    ctx.live(); // a callback may have disposed the network: nothing below may touch it then

    let stop = false;
    if (plan.early) {
      const value = plan.early.monitor === 'valLoss' ? log.valLoss! : log.loss;
      if (value < best - plan.early.minDelta) {
        best = value;
        wait = 0;
        history.bestEpoch = epoch;
        if (plan.early.restoreBestWeights) bestParams = backend.getParams();
      } else if (++wait >= Math.max(1, plan.early.patience)) {
        history.stoppedEarly = epoch + 1 < plan.epochs;
        stop = true;
      }
    }
    await extras.afterEpoch(ctx.epochOffset + epoch + 1, stop || epoch + 1 === plan.epochs);
    if (stop) break;
    await checkpoint();
  }
  if (bestParams && history.bestEpoch !== history.epochs - 1) backend.setParams(bestParams);
  return history;
}
