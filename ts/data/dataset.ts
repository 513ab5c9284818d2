/**
 * Training on data larger than memory: `net.fit(dataset, options)`, where `dataset` is a
 * function returning a fresh (async) iterator of `{ x, y }` items, each a row or a batch of
 * rows. It is called again for every epoch, so a file can be read from the start each time.
 *
 * Memory is bounded by the options, not by the data: a shuffle buffer of `shuffleBuffer` rows,
 * one batch of `batchSize` rows and one validation chunk of {@link EVAL_CHUNK} rows, all typed
 * arrays allocated once per `fit`. Each item is validated and copied into them before the
 * iterator is asked for the next one, so an iterator may reuse its arrays between items.
 *
 * Shuffling (reproducible): tf.data's bounded buffer. The first `shuffleBuffer` rows fill it;
 * each later row replaces a random slot, whose row goes into the batch; at the end of the
 * epoch the buffer empties in random order. The draws of epoch `e` (counted over the
 * network's life, as in-memory `fit` counts them) come from mulberry32 with state
 * `seedState(seed) XOR imul(e + 1, 0x9E3779B1) XOR 0x2545F491`; slot `j = floor(u · k / 2^32)`
 * of the `k` filled ones. A buffer at least as large as the data gives a uniform shuffle.
 * @module
 */
import { arrayType, type Backend, type Real } from '../backends/backend.js';
import { OptionError, ShapeError, WasmMlpError, describe } from '../errors.js';
import {
  EVAL_CHUNK,
  FIT_KEYS,
  LossTotal,
  diverged,
  integer,
  planTraining,
  rejectUnknown,
  runFit,
  validationDiverged,
  validationPair,
  type FitContext,
  type FitData,
  type FitOptions,
  type History,
  type Plan,
  type TrainedBatch,
  type Validation,
} from '../fit.js';
import { mulberry32, seedState } from '../init.js';
import type { Matrix, MatrixInput } from '../inputs.js';
import { MetricAccumulator, taskOf } from '../metrics.js';
import { batchWeigher } from '../training/sample-weights.js';

/**
 * One item of a {@link Dataset}: a row (`x` of `layers[0]` values, `y` of `layers[L]` values
 * or, with `'sparse-categorical-cross-entropy'`, a class id) or a batch of rows in any form
 * `fit(x, y)` accepts.
 */
export interface DatasetItem {
  x: MatrixInput;
  y: MatrixInput | number;
}

/** What a {@link Dataset} function may return (or resolve to). */
export type DatasetSource =
  | Iterator<DatasetItem>
  | AsyncIterator<DatasetItem>
  | Iterable<DatasetItem>
  | AsyncIterable<DatasetItem>;

/**
 * Training data read a piece at a time: a function returning a new iterator over the data
 * each time it is called (once per epoch), e.g. an `async function*` reading a file. It may
 * return a promise of one.
 */
export type Dataset = () => DatasetSource | Promise<DatasetSource>;

/**
 * Options of `fit(dataset, options)`: those of `fit(x, y)` (except `validationSplit`, which
 * needs the rows in memory) plus `shuffleBuffer`; `validationData` may be a second dataset.
 */
export interface DatasetFitOptions extends Omit<FitOptions, 'validationSplit' | 'validationData'> {
  /**
   * Rows held in the shuffle buffer (see the module doc), an integer ≥ 1; ignored with
   * `shuffle: false`. Memory: `shuffleBuffer × (layers[0] + layers[L])` values. Default 1024.
   */
  shuffleBuffer?: number;
  /** Validation after each epoch: a dataset read in full each time, or rows in memory. */
  validationData?:
    Dataset | { x: MatrixInput; y: MatrixInput } | readonly [MatrixInput, MatrixInput];
}

/** Default rows of the shuffle buffer. */
export const DEFAULT_SHUFFLE_BUFFER = 1024;

const DATASET_KEYS = [...FIT_KEYS.filter((k) => k !== 'validationSplit'), 'shuffleBuffer'];

/** Mixed into the shuffle seed so a dataset's draws are not the in-memory epoch order's. */
const DATASET_SALT = 0x2545f491;

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/** Calls the dataset function and returns its iterator. Throws {@link OptionError}. */
async function open(dataset: () => unknown, name: string): Promise<AnyIterator> {
  let source = dataset();
  if (typeof (source as PromiseLike<unknown> | null)?.then === 'function') source = await source;
  const s = source as Record<symbol | string, unknown> | null;
  if (typeof s === 'object' && s !== null) {
    if (typeof s[Symbol.asyncIterator] === 'function') {
      return (s as unknown as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    }
    if (typeof s[Symbol.iterator] === 'function') {
      return (s as unknown as Iterable<unknown>)[Symbol.iterator]();
    }
    if (typeof s['next'] === 'function') return s as unknown as AnyIterator;
  }
  throw new OptionError(
    `${name} must be a function returning an iterator or iterable of { x, y } items (e.g. an ` +
      `async generator function), but it returned ${describe(source)}`,
  );
}

/** Validates one item: `{ X, Y }` in the network's dtype (normalization applied). */
type Check = (x: unknown, y: unknown) => { X: Matrix; Y: Matrix };

/** The items of one pass over a dataset, validated, with errors that say where they were. */
class Items {
  /** 0-based index of the next item in this pass. */
  index = 0;
  #peeked: { X: Matrix; Y: Matrix } | null = null;
  constructor(
    private readonly it: AnyIterator,
    private readonly check: Check,
    private readonly name: string,
  ) {}

  /** The next item, or null at the end. `where` says, for messages, where in `fit` we are. */
  async next(where: () => string): Promise<{ X: Matrix; Y: Matrix } | null> {
    if (this.#peeked) {
      const item = this.#peeked;
      this.#peeked = null;
      this.index++;
      return item;
    }
    const r = await this.it.next();
    if (r.done) return null;
    const item: unknown = r.value;
    try {
      if (typeof item !== 'object' || item === null || !('x' in item) || !('y' in item)) {
        throw new ShapeError(
          `items must be { x, y } (a row or a batch of rows), got ${describe(item)}`,
        );
      }
      const { x, y } = item as { x: unknown; y: unknown };
      return this.check(x, typeof y === 'number' ? [y] : y);
    } catch (e) {
      if (e instanceof WasmMlpError)
        e.message = `${this.name} item ${this.index} ${where()}: ${e.message}`;
      throw e;
    } finally {
      this.index++;
    }
  }

  /** Reads the first item now and gives it back on the first {@link next}. */
  async peek(where: () => string): Promise<{ X: Matrix; Y: Matrix } | null> {
    this.#peeked = await this.next(where);
    this.index = 0;
    return this.#peeked;
  }

  /** Lets the iterator release what it holds (a generator runs its `finally`). */
  async close(): Promise<void> {
    await this.it.return?.();
  }
}

/** Row-major rows of fixed width in one typed array, copied in row by row. */
class Rows {
  readonly data: Real;
  constructor(
    Type: Float32ArrayConstructor | Float64ArrayConstructor,
    capacity: number,
    readonly width: number,
  ) {
    this.data = new Type(capacity * width);
  }
  /** Copies row `from` of `src` (same width) into row `to`. */
  put(to: number, src: Real, from: number): void {
    const w = this.width;
    this.data.set(src.subarray(from * w, (from + 1) * w), to * w);
  }
  /** The first `rows` rows, as a view. */
  head(rows: number): Real {
    return this.data.subarray(0, rows * this.width);
  }
}

/** What a dataset `fit` needs beyond the in-memory {@link FitContext}. */
interface DatasetRun {
  ctx: FitContext;
  dataset: Dataset;
  check: Check;
  plan: Plan;
  shuffleBuffer: number;
  first: Items;
  validation: { open: () => Promise<Items>; close?: () => Promise<void> } | null;
  /** The loss weights of a batch's rows (classWeight), or null. */
  weigh: ((Y: Matrix) => Float64Array) | null;
}

/** Trains one epoch from the dataset, yielding after each applied batch. */
async function* trainEpoch(
  run: DatasetRun,
  epoch: number,
  rate: (batch: number) => number,
): AsyncGenerator<TrainedBatch> {
  const { ctx, plan, check } = run;
  const backend: Backend = ctx.backend;
  const { layers } = backend.spec;
  const [nIn, nOut] = [layers[0]!, layers[layers.length - 1]!];
  const Type = arrayType(backend.dtype);
  const items =
    epoch === 0 ? run.first : new Items(await open(run.dataset, 'dataset'), check, 'dataset');
  const size = plan.batchSize;
  const bx = new Rows(Type, size, nIn);
  const by = new Rows(Type, size, nOut);
  const cap = plan.shuffle ? run.shuffleBuffer : 0;
  const px = new Rows(Type, cap, nIn);
  const py = new Rows(Type, cap, nOut);
  const next = mulberry32(
    (seedState(ctx.seed) ^ Math.imul(ctx.epochOffset + epoch + 1, 0x9e3779b1) ^ DATASET_SALT) >>> 0,
  );
  const draw = (k: number) => Math.floor((next() * k) / 0x1_0000_0000);
  let pooled = 0;
  let filled = 0;
  let batch = 0;
  const where = () => `at epoch ${epoch}, batch ${batch} (0-based)`;
  const step = (): TrainedBatch => {
    const y = by.head(filled);
    const w = run.weigh?.({ data: y, batch: filled }) ?? null;
    const loss = backend.trainStep(bx.head(filled), y, filled, rate(batch), w);
    if (!Number.isFinite(loss)) throw diverged(backend, epoch, batch, loss);
    const done = { loss, size: filled, y: by.data };
    filled = 0;
    batch++;
    return done;
  };
  try {
    for (;;) {
      let item: { X: Matrix; Y: Matrix } | null;
      try {
        item = await items.next(where);
      } catch (e) {
        if (e instanceof WasmMlpError && (epoch > 0 || batch > 0)) {
          e.message +=
            (e.message.endsWith('.') ? '' : '.') +
            ' That batch was not applied: parameters and optimizer state are those after the ' +
            'previous batch.';
        }
        throw e;
      }
      if (item === null) break;
      const { X, Y } = item;
      for (let r = 0; r < X.batch; r++) {
        if (cap === 0) {
          bx.put(filled, X.data, r);
          by.put(filled, Y.data, r);
        } else if (pooled < cap) {
          px.put(pooled, X.data, r);
          py.put(pooled++, Y.data, r);
          continue;
        } else {
          const j = draw(cap);
          bx.put(filled, px.data, j);
          by.put(filled, py.data, j);
          px.put(j, X.data, r);
          py.put(j, Y.data, r);
        }
        if (++filled === size) yield step();
      }
    }
    while (pooled > 0) {
      const j = draw(pooled--);
      bx.put(filled, px.data, j);
      by.put(filled, py.data, j);
      px.put(j, px.data, pooled);
      py.put(j, py.data, pooled);
      if (++filled === size) yield step();
    }
    if (filled > 0) yield step();
    if (batch === 0) {
      throw new ShapeError(`the dataset yielded no rows in epoch ${epoch} (0-based)`);
    }
  } finally {
    await items.close();
  }
}

/** Loss and metrics over a full pass of the validation data, in chunks of EVAL_CHUNK rows. */
async function validate(
  run: DatasetRun,
  items: Items,
  epoch: number,
  pause: () => Promise<void>,
): Promise<Validation> {
  const { backend, reduction } = run.ctx;
  const { layers } = backend.spec;
  const [nIn, nOut] = [layers[0]!, layers[layers.length - 1]!];
  const Type = arrayType(backend.dtype);
  const vx = new Rows(Type, EVAL_CHUNK, nIn);
  const vy = new Rows(Type, EVAL_CHUNK, nOut);
  const total = new LossTotal(reduction);
  const acc = new MetricAccumulator(run.plan.metrics, nOut);
  let filled = 0;
  let rows = 0;
  const flush = async () => {
    total.add(backend.loss(vx.head(filled), vy.head(filled), filled), filled);
    acc.add(backend.output(filled), vy.data, filled);
    rows += filled;
    filled = 0;
    await pause();
  };
  try {
    for (;;) {
      const item = await items.next(() => `after epoch ${epoch} (0-based)`);
      if (item === null) break;
      for (let r = 0; r < item.X.batch; r++) {
        vx.put(filled, item.X.data, r);
        vy.put(filled, item.Y.data, r);
        if (++filled === EVAL_CHUNK) await flush();
      }
    }
    if (filled > 0) await flush();
  } finally {
    await items.close();
  }
  if (rows === 0) {
    throw new ShapeError(`validationData yielded no rows after epoch ${epoch} (0-based)`);
  }
  if (!Number.isFinite(total.value)) validationDiverged(epoch, total.value);
  return { loss: total.value, ...acc.values() };
}

/**
 * `fit(dataset, options)`: validates the options, reads the first item (the task rule of
 * `metrics.ts` is applied to its targets), then runs the shared loop of `fit.ts`.
 */
export async function fitDataset(
  ctx: FitContext,
  dataset: Dataset,
  options: DatasetFitOptions,
  check: Check,
): Promise<History> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionError(
      ArrayBuffer.isView(options) || Array.isArray(options)
        ? 'fit(dataset, options) takes no y: the dataset yields { x, y } items'
        : `fit options must be an object, got ${describe(options)}`,
    );
  }
  if ('validationSplit' in options) {
    throw new OptionError(
      'validationSplit needs the rows in memory; with a dataset, pass validationData (a second dataset)',
    );
  }
  rejectUnknown('fit', options, DATASET_KEYS);
  const shuffleBuffer = integer(
    'shuffleBuffer',
    options.shuffleBuffer ?? DEFAULT_SHUFFLE_BUFFER,
    1,
  );
  let validation: DatasetRun['validation'] = null;
  const vd = options.validationData;
  if (typeof vd === 'function') {
    // Opened now, so a validationData that returns no iterator fails before any training;
    // this iterator serves the first epoch's validation.
    let opened: Items | null = new Items(await open(vd, 'validationData'), check, 'validationData');
    validation = {
      open: async () => {
        const items =
          opened ?? new Items(await open(vd, 'validationData'), check, 'validationData');
        opened = null;
        return items;
      },
    };
  } else if (vd !== undefined) {
    const [x, y] = validationPair(vd);
    const val = ctx.matrices(x, y);
    // Already validated (and normalized): served as one item, as is.
    validation = {
      open: async () =>
        new Items([{ x: val.X, y: val.Y }][Symbol.iterator](), () => val, 'validationData'),
    };
  }

  const first = new Items(await open(dataset, 'dataset'), check, 'dataset');
  try {
    const head = await first.peek(() => 'at epoch 0, batch 0 (0-based)');
    if (head === null) throw new ShapeError('the dataset yielded no rows in epoch 0 (0-based)');
    const { layers } = ctx.backend.spec;
    const task = taskOf(ctx.output, ctx.loss, head.Y.data, layers[layers.length - 1]!);
    const plan = planTraining(options, task, validation !== null, null);
    const weigh = batchWeigher(options, head.Y, {
      output: ctx.output,
      loss: ctx.loss,
      dtype: ctx.backend.dtype,
      outputs: layers[layers.length - 1]!,
    });
    const run: DatasetRun = { ctx, dataset, check, plan, shuffleBuffer, first, validation, weigh };
    const data: FitData = {
      epoch: (epoch, rate) => trainEpoch(run, epoch, rate),
      batchesPerEpoch: null,
      hasValidation: validation !== null,
      validate: async (epoch, pause) => validate(run, await validation!.open(), epoch, pause),
    };
    return await runFit(ctx, plan, data);
  } finally {
    await first.close();
    await validation?.close?.();
  }
}
