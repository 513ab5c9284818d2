/// <reference lib="esnext.disposable" preserve="true" />
/// <reference lib="esnext.disposable" preserve="true" />
/**
 * The public {@link Network} class: its lifecycle (create, load, dispose), getters, and each
 * method as validate → dispatch to a backend (`wasm` or `reference`). Every argument is
 * validated before anything is written to the backend, so a method that throws leaves the
 * network unchanged. Parameter shapes and their validation live in `parameters.ts`, saving
 * and restoring in `persistence.ts`, the training loop in `../fit.ts`.
 * @module
 */
import type { Backend } from '../backends/backend.js';
import { ReferenceBackend } from '../backends/reference/network.js';
import { loadWasm } from '../backends/wasm/load.js';
import { wantedThreads, type ThreadInfo } from '../backends/wasm/threads.js';
import { WasmBackend } from '../backends/wasm/network.js';
import { NonFiniteError, OptionError, ShapeError, StateError, describe } from '../errors.js';
import {
  evaluation,
  metricsFor,
  memoryData,
  planFit,
  runFit,
  type FitContext,
  type FitOptions,
  type History,
} from '../fit.js';
import { fitDataset, type Dataset, type DatasetFitOptions } from '../data/dataset.js';
import { recordFromJSON, recordToJSON, type ModelJSON } from '../io/json.js';
import {
  recordFromSafetensors,
  recordToSafetensors,
  type SafetensorsReadOptions,
} from '../io/model-safetensors.js';
import { checkMetadata, type ModelRecord } from '../io/record.js';
import type { MetricName, MetricValues } from '../metrics.js';
import type { LearningRateSchedule, ScheduleState } from '../training/schedules.js';
import { Standardizer } from '../standardizer.js';
import { resolveWeights, type WeightOptions } from '../training/sample-weights.js';
import {
  initialParameters,
  layerOffsets,
  paramCount,
  seedState,
  type LayerOffsets,
} from '../init.js';
import { toMatrix, type Matrix, type MatrixInput } from '../inputs.js';
import { unreachableTargetWarning } from '../output-range.js';
import { classesOf, oneHotLabels, toRows } from '../labels.js';
import {
  checkTargets,
  coreLoss,
  reductionOf,
  type Activation,
  type InitializerName,
  type LossName,
  type ModelSpec,
  type Optimizer,
} from '../model.js';
import {
  checkLearningRate,
  checkRepresentable,
  resolveOptions,
  type NetworkOptions,
  type ResolvedOptions,
} from '../options.js';
import type { ArrayFor, BackendName, Dtype, OptimizerState, Ordering } from '../types.js';
import {
  checkOptimizerState,
  joinParameters,
  splitParameters,
  type Gradients,
  type NetworkParameters,
  type ParametersInput,
} from './parameters.js';
import { withAwaitHint } from './pending.js';
import { inspection, summarize, type InspectFn, type SummaryFacts } from './summary.js';
import {
  buildRecord,
  restoreNetwork,
  type LoadOptions,
  type RestoreTarget,
  type SafetensorsSaveOptions,
  type SaveOptions,
} from './persistence.js';

/**
 * Result of {@link Network.evaluate}: the loss and the metrics that fit the task (see
 * `metrics.ts`): `accuracy` for a classifier (argmax for several outputs, threshold 0.5 for
 * one); `mse`, `rmse`, `mae` and `r2` for a regression (no `accuracy`); plus any asked for
 * with {@link EvaluateOptions.metrics}.
 */
export interface Evaluation extends MetricValues {
  /** The loss over all rows, with the loss's reduction (sum for `'half-sse'`, else mean). */
  loss: number;
}

/**
 * Options of {@link Network.evaluate}. `sampleWeight` / `classWeight` weigh the loss (see
 * `WeightOptions`; the metrics stay unweighted).
 */
export interface EvaluateOptions extends WeightOptions {
  /** Metrics to report besides the task's defaults, e.g. `['mae', 'r2']` for a classifier. */
  metrics?: readonly MetricName[];
}

/** Options of {@link Network.predict}. */
export interface PredictOptions {
  /**
   * `'flat'` (default): one row-major typed array of the dtype. `'rows'`: a `number[][]`, one
   * array of `layers[L]` outputs per input row.
   */
  as?: 'flat' | 'rows';
}

// `Symbol.dispose` is standard in Node ≥ 20.4 and recent browsers; elsewhere use the
// well-known registry symbol TypeScript's `using` helpers also look for.
(Symbol as { dispose?: symbol }).dispose ??= Symbol.for('Symbol.dispose');

/** What the last forward left in the cache, for `backward()`. */
type Cache = { readonly batch: number } | { readonly usedBy: string } | null;
/** The cache state after trainStep (one shared object: the hot path allocates nothing). */
const USED_BY_TRAIN_STEP: Cache = { usedBy: 'trainStep()' };

/**
 * The key only this module holds: the constructor throws without it, so `new Network(…)` from
 * JavaScript (where TypeScript's `private` does not apply) fails at once with a clear message
 * instead of later with a bare TypeError.
 */
const CONSTRUCT: unique symbol = Symbol('Network.create');

/** @internal Internals reachable by `crossCheck` (same package), not part of the public API. */
export interface NetworkInternals {
  readonly backend: Backend;
  readonly options: ResolvedOptions;
  x(value: unknown): Matrix;
  y(value: unknown, batch: number, what: string): Matrix;
}
const internalsOf = new WeakMap<object, () => NetworkInternals>();

/** @internal Returns the backend and validators of a live network (throws if disposed). */
export function networkInternals(net: Network<Dtype>): NetworkInternals {
  const get = internalsOf.get(net);
  if (!get) throw new ShapeError(`expected a Network, got ${describe(net)}`);
  return get();
}

/**
 * A multilayer perceptron: per-layer activations, a loss and an optimizer (by default a sigmoid
 * on every layer, `L = ½·Σ(ŷ − y)²` summed over rows and outputs, plain SGD: the original
 * network). Create it with {@link Network.create}.
 *
 * Inputs `x` (and targets `y`) are accepted as a flat row-major typed array or `number[]`
 * whose length is a multiple of `layers[0]` (of `layers[L]` for `y`), or as `number[][]`
 * rows. Values are rounded to the network's dtype when copied in.
 *
 * @typeParam D the dtype: `'f32'` (`Float32Array`s) or `'f64'` (`Float64Array`s). `create`
 *   infers it from the options (`'f32'` when they name none); the bare type `Network` means
 *   either (`Network<Dtype>`), so `const net: Network = await Network.create(opts)` type-checks
 *   for any `opts: NetworkOptions`, and its outputs are typed `Float32Array | Float64Array`.
 */
export class Network<D extends Dtype = Dtype> {
  readonly #options: ResolvedOptions<D>;
  readonly #layers: readonly number[];
  readonly #offsets: LayerOffsets[];
  readonly #backend: Backend;
  #learningRate: number;
  #cache: Cache = null;
  #disposed = false;
  /** True while `fit()` runs: methods that change the parameters throw meanwhile. */
  #fitting = false;
  /** Epochs completed by `fit()` over the network's life (seeds each epoch's shuffle). */
  #epochs = 0;
  /**
   * True while `fit()` is inside an epoch (a batch applied, the epoch not yet completed), and
   * after a `fit()` that stopped there (aborted, diverged, a callback threw): the parameters
   * then hold part of an epoch, which a saved training state could not resume exactly. Cleared
   * by the next completed epoch or an explicit {@link setOptimizerState}.
   */
  #midEpoch = false;
  #metadata: Record<string, string> = {};
  /** Where the last learning-rate schedule of `fit` stands (saved with the training state). */
  #schedule: ScheduleState | null = null;
  /** Whether the targets-outside-the-output-range warning was shown (once per network). */
  #warnedUnreachable = false;
  /**
   * The one-hot rows of the last sparse labels (`'sparse-categorical-cross-entropy'`), reused by
   * the synchronous methods so a `trainStep` loop does not allocate; `fit` expands its own.
   */
  #oneHot: Float32Array | Float64Array | undefined;
  /** Applied to every `x` before the backend sees it (null: inputs go in as given). */
  #normalization: Standardizer | null = null;

  private constructor(key: typeof CONSTRUCT, options: ResolvedOptions<D>, backend: Backend) {
    if (key !== CONSTRUCT) {
      throw new StateError(
        "Network cannot be constructed with 'new': use 'const net = await Network.create(options)' " +
          '(or Network.fromJSON / fromSafetensors to load one)',
      );
    }
    this.#options = options;
    this.#layers = Object.freeze([...options.layers]);
    this.#offsets = layerOffsets(options.layers);
    this.#backend = backend;
    this.#learningRate = options.learningRate;
    internalsOf.set(this, () => {
      this.#live();
      return {
        backend: this.#backend,
        options: this.#options,
        x: (value) => this.#x(value),
        y: (value, batch, what) => this.#y(value, batch, what),
      };
    });
  }

  /**
   * Creates a network. Initial parameters come from each layer's initializer, drawn from one
   * seeded mulberry32 generator (see `init.ts`), identical on both backends for the same seed.
   *
   * Defaults: `learningRate` 0.1, `activation` `'sigmoid'`, `loss` `'half-sse'`, `optimizer`
   * `'sgd'`, `initializer` per activation, `ordering` `'exact'`, `dtype` `'f32'`, `backend`
   * `'wasm'`, `seed` 1. With `backend: 'wasm'` the WebAssembly core is loaded once per `wasm`
   * source and shared by every network created from it.
   *
   * @example
   * const net = await Network.create({ layers: [2, 3, 1], learningRate: 0.5, seed: 1 });
   * @throws OptionError for an invalid or unknown option (the promise rejects)
   * @throws WasmMlpError if the WebAssembly core cannot be loaded
   * @throws StateError (synchronously) when a member of the network is read from the returned
   *   promise itself, i.e. the `await` was forgotten
   */
  static create<D extends Dtype = 'f32'>(options: NetworkOptions<D>): Promise<Network<D>> {
    return withAwaitHint(Network.#create(options), Network.prototype, 'Network.create(…)');
  }

  static async #create<D extends Dtype>(options: NetworkOptions<D>): Promise<Network<D>> {
    const resolved = resolveOptions(options);
    const params = initialParameters(resolved.layers, resolved.seed, resolved.initializers);
    const spec: ModelSpec = {
      layers: resolved.layers,
      activations: resolved.activations,
      loss: coreLoss(resolved.loss),
      optimizer: resolved.optimizer,
      ordering: resolved.ordering,
      dropout: resolved.dropout,
      dropoutSeed: seedState(resolved.dropoutSeed),
    };
    let backend: Backend;
    if (resolved.backend === 'reference') {
      backend = new ReferenceBackend(spec, resolved.dtype, params);
    } else {
      const wanted = await wantedThreads(resolved.threads);
      const core = await loadWasm(resolved.wasm, wanted > 1);
      const wasm = await WasmBackend.create(core, spec, resolved.dtype, params);
      try {
        wasm.setThreads(await core.threadsFor(resolved.threads));
      } catch (error) {
        wasm.dispose();
        throw error;
      }
      backend = wasm;
    }
    return new Network<D>(CONSTRUCT, resolved, backend);
  }

  /**
   * Rebuilds a network from {@link toJSON}'s object (or its JSON string): architecture,
   * parameters, metadata and, if saved, the training state.
   *
   * Limits on untrusted files, checked before anything is allocated from them: a JSON string
   * nests arrays/objects at most 64 deep; `layers` passes the check of {@link Network.create}
   * (at most 2^27 parameters); every array has exactly the length the layers imply; metadata
   * values are strings. A load that fails after the network was created disposes it.
   * @throws FormatError for malformed JSON, a wrong format or version, wrong shapes, or nesting
   *   too deep; OptionError for an invalid architecture (layer sizes included); NonFiniteError
   *   for NaN/±Infinity values
   */
  static fromJSON<D extends Dtype = Dtype>(
    json: ModelJSON | string,
    options: LoadOptions = {},
  ): Promise<Network<D>> {
    return withAwaitHint(
      Network.#fromJSON<D>(json, options),
      Network.prototype,
      'Network.fromJSON(…)',
    );
  }

  static async #fromJSON<D extends Dtype>(
    json: ModelJSON | string,
    options: LoadOptions,
  ): Promise<Network<D>> {
    const { options: arch, record } = recordFromJSON(json);
    return Network.fromRecord<D>(arch, record, options, 'model JSON');
  }

  /**
   * Rebuilds a network from a safetensors file (see {@link toSafetensors} for names, layouts
   * and metadata). Files without this library's metadata (e.g. a PyTorch state dict with
   * `layers.{i}.weight` / `layers.{i}.bias`) load with `architecture` (activations, loss, …;
   * `layers` is inferred from the shapes) and, for PyTorch, `layout: 'pytorch'`.
   *
   * Limits on untrusted files, checked before anything is allocated from them: the header is at
   * most 100 MB, nests at most 64 deep (as does the JSON in the metadata) and lists at most
   * 65,536 tensors (counted before it is parsed); every name and shape is checked before any
   * tensor is decoded; the tensors must tile the data area, so decoding takes at most the file's size; the
   * layers pass the check of {@link Network.create} (at most 2^27 parameters); the training
   * slots must be the optimizer's, each once. A load that fails after the network was created
   * disposes it.
   * @throws FormatError for a malformed file or missing/misshapen/unknown tensors (the message
   *   names the tensor and the expected shape, and suggests the other layout when it fits);
   *   OptionError for an invalid architecture (layer sizes included)
   */
  static fromSafetensors<D extends Dtype = Dtype>(
    bytes: Uint8Array,
    options: LoadOptions & SafetensorsReadOptions = {},
  ): Promise<Network<D>> {
    return withAwaitHint(
      Network.#fromSafetensors<D>(bytes, options),
      Network.prototype,
      'Network.fromSafetensors(…)',
    );
  }

  static async #fromSafetensors<D extends Dtype>(
    bytes: Uint8Array,
    options: LoadOptions & SafetensorsReadOptions,
  ): Promise<Network<D>> {
    const { layout, architecture, ...load } = options;
    const read: SafetensorsReadOptions = {};
    if (layout !== undefined) read.layout = layout;
    if (architecture !== undefined) read.architecture = architecture;
    const { options: arch, record } = recordFromSafetensors(bytes, read);
    return Network.fromRecord<D>(arch, record, load, 'safetensors');
  }

  /**
   * Builds a network from a decoded record (the one restore path of every format, see
   * {@link restoreNetwork}). A static member rather than an export of the package: the ONNX
   * entry (`dist/onnx.js`) reaches the core only through `dist/index.js`, and `stripInternal`
   * drops an internal member from the declarations without leaving a re-export dangling.
   * @internal
   */
  static fromRecord<D extends Dtype = Dtype>(
    arch: NetworkOptions<Dtype>,
    record: Omit<ModelRecord, 'architecture'>,
    load: LoadOptions,
    source: string,
  ): Promise<Network<D>> {
    return restoreNetwork(
      arch,
      record,
      load,
      source,
      (options) => Network.create<D>(options as NetworkOptions<D>),
      (net) => net.#restoreTarget(),
    );
  }

  /** The private setters a restore writes through. */
  #restoreTarget(): RestoreTarget {
    return {
      setParameters: (parameters) => this.setParameters(parameters),
      setOptimizerState: (saved) => this.setOptimizerState(saved),
      setEpochs: (epochs) => void (this.#epochs = epochs),
      setSchedule: (schedule) => void (this.#schedule = schedule),
      setMetadata: (metadata) => void (this.#metadata = metadata),
      setNormalization: (n) => this.setNormalization(n),
      dispose: () => this.dispose(),
    };
  }

  /** Layer sizes `[n_0, …, n_L]`, input size first (frozen). */
  get layers(): readonly number[] {
    return this.#layers;
  }

  /** Element type of parameters and activations. */
  get dtype(): D {
    return this.#options.dtype;
  }

  /**
   * The threads this network computes on: `count` (the calling thread included), the
   * `requested` option, and the `reason` when `count` is lower than asked (no shared memory, a
   * page that is not cross-origin isolated, a single-thread core, a pool worker that could not
   * start or died). The reference backend always computes on one thread.
   */
  get threads(): ThreadInfo {
    const backend = this.#backend;
    if (backend instanceof WasmBackend) return backend.threads;
    return {
      requested: this.#options.threads,
      count: 1,
      ...(this.#options.threads === 1
        ? {}
        : { reason: 'the reference backend computes on the calling thread only' }),
    };
  }

  /** The math engine: `'wasm'` or `'reference'`. */
  get backend(): BackendName {
    return this.#options.backend;
  }

  /** The backward-loop ordering (fixed at creation). */
  get ordering(): Ordering {
    return this.#options.ordering;
  }

  /** Activation of each weight layer (resolved: leakyRelu carries its slope). */
  get activations(): readonly Activation[] {
    return this.#options.activations;
  }

  /** The loss. */
  get lossName(): LossName {
    return this.#options.loss;
  }

  /** The optimizer with every hyperparameter filled in. */
  get optimizer(): Optimizer {
    return this.#options.optimizer;
  }

  /** The initializer each weight layer was drawn with. */
  get initializers(): readonly InitializerName[] {
    return this.#options.initializers;
  }

  /** The seed the initial parameters were drawn with. */
  get seed(): number {
    return this.#options.seed;
  }

  /** Dropout rate of each hidden layer's output (all 0: none; see `NetworkOptions.dropout`). */
  get dropout(): readonly number[] {
    return this.#options.dropout;
  }

  /** The seed of the dropout masks (the `dropoutSeed` option, by default `seed`). */
  get dropoutSeed(): number {
    return this.#options.dropoutSeed;
  }

  /** Total number of parameters (all weights and biases). */
  get parameterCount(): number {
    return paramCount(this.#layers);
  }

  /**
   * Epochs `fit()` has completed over the network's life (restored with the training state).
   * Each epoch's shuffle is seeded by this count, so consecutive `fit` calls differ.
   */
  get epochsTrained(): number {
    return this.#epochs;
  }

  /**
   * The user's string metadata, saved in every format (JSON `metadata`, safetensors
   * `__metadata__`, ONNX `metadata_props`) and restored on load: e.g. class names or
   * feature names. Keys starting with `wasm_mlp.` are reserved.
   * @throws OptionError (setter) for a non-string value or a reserved key
   */
  get metadata(): Record<string, string> {
    return this.#metadata;
  }

  set metadata(value: Record<string, string>) {
    this.#live();
    this.#metadata = checkMetadata(value);
  }

  /** True once {@link dispose} was called; every method then throws {@link StateError}. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The schedule given to `Network.create` as `learningRate` (saved with the model), used by
   * every {@link fit} that passes no `learningRate` of its own; null if none.
   */
  get learningRateSchedule(): LearningRateSchedule | null {
    return this.#options.schedule ? { ...this.#options.schedule } : null;
  }

  /** The optimizer's step size used by {@link backward}, {@link trainStep} and {@link fit}. */
  get learningRate(): number {
    return this.#learningRate;
  }

  /**
   * Sets the step size. Allowed during {@link fit} (e.g. from `onEpochEnd`, as a schedule):
   * the next batch uses it.
   * @throws OptionError unless a finite number > 0; StateError after dispose
   */
  set learningRate(value: number) {
    this.#live();
    this.#learningRate = checkRepresentable(
      'learningRate',
      checkLearningRate(value),
      this.#options.dtype,
    );
  }

  #live(): void {
    if (this.#disposed) throw new StateError('Network was disposed');
  }

  /** For methods that change parameters or optimizer state: not while fit() runs. */
  #mutable(method: string): void {
    this.#live();
    if (this.#fitting) {
      throw new StateError(`${method} cannot be called while fit() is running`);
    }
  }

  /**
   * Validates `x` and, with a normalization, standardises a copy (from the values as given,
   * in float64, then rounded to the dtype).
   */
  #x(
    value: unknown,
    name = 'x',
    expected?: { batch: number; what: string },
    checkFinite = true,
  ): Matrix {
    const norm = this.#normalization;
    const X = toMatrix(
      name,
      value,
      this.#layers[0]!,
      'layers[0]',
      norm ? 'f64' : this.dtype,
      expected,
      checkFinite,
    );
    if (!norm) return X;
    const Out = this.dtype === 'f64' ? Float64Array : Float32Array;
    return { data: norm.standardize(X.data, Out, name), batch: X.batch };
  }

  /**
   * The input standardisation applied to every `x` (by `forward`, `predict`, `evaluate`,
   * `fit` and its validation data, `trainStep`, `loss`, `gradients`), or null. Saved in JSON
   * and safetensors, folded into the first layer of an ONNX export.
   */
  get normalization(): Standardizer | null {
    return this.#normalization;
  }

  /**
   * Sets (or with null removes) the input standardisation: a {@link Standardizer} or its
   * `{ mean, std }`, one value per input. The parameters are unchanged: set it before
   * training, as the network learns on the standardised inputs.
   * @throws ShapeError for a count other than `layers[0]`; NonFiniteError, OptionError for
   *   bad values; StateError after dispose or during fit()
   */
  setNormalization(
    normalization:
      Standardizer | { readonly mean: ArrayLike<number>; readonly std: ArrayLike<number> } | null,
  ): void {
    this.#mutable('setNormalization()');
    if (normalization === null) {
      this.#normalization = null;
      return;
    }
    if (typeof normalization !== 'object') {
      throw new OptionError(
        `normalization must be a Standardizer, { mean, std } or null, got ${describe(normalization)}`,
      );
    }
    const s =
      normalization instanceof Standardizer
        ? normalization
        : new Standardizer(normalization.mean, normalization.std);
    if (s.features !== this.#layers[0]) {
      throw new ShapeError(
        `normalization has ${s.features} features but the network has ${this.#layers[0]} inputs (layers[0])`,
      );
    }
    this.#normalization = s;
  }

  /**
   * Fits a {@link Standardizer} to the raw inputs `x` (per column: mean and population std,
   * std 1 for a constant column), sets it as this network's normalization and returns it.
   * @example
   * net.fitNormalization(trainX);
   * await net.fit(trainX, trainY); // raw inputs everywhere from now on
   * @throws ShapeError, NonFiniteError, StateError (network unchanged)
   */
  fitNormalization(x: MatrixInput): Standardizer {
    this.#mutable('fitNormalization()');
    const X = toMatrix('x', x, this.#layers[0]!, 'layers[0]', 'f64');
    const s = Standardizer.fit(X.data, this.#layers[0]!);
    this.#normalization = s;
    return s;
  }

  /** `reuse`: the result is only read during the call, so the one-hot buffer may be reused. */
  #y(value: unknown, batch: number, what: string, name = 'y', reuse = true): Matrix {
    const last = this.#layers.length - 1;
    const cols = this.#layers[last]!;
    if (this.#options.loss === 'sparse-categorical-cross-entropy') {
      const scratch = reuse ? this.#oneHot : undefined;
      const Y = oneHotLabels(name, value, cols, this.dtype, { batch, what }, scratch);
      if (reuse && Y.data.buffer !== scratch?.buffer) this.#oneHot = Y.data;
      return Y;
    }
    const Y = toMatrix(name, value, cols, `layers[${last}]`, this.dtype, { batch, what });
    checkTargets(this.#options.loss, Y.data, cols, name);
    if (!this.#warnedUnreachable) {
      const activations = this.#options.activations;
      const warning = unreachableTargetWarning(
        activations[activations.length - 1]!,
        this.#options.loss,
        Y.data,
        cols,
        name,
      );
      if (warning !== undefined) {
        this.#warnedUnreachable = true;
        console.warn(warning);
      }
    }
    return Y;
  }

  /**
   * A copy of the parameters: `weights[i]` row-major `n_i × n_{i+1}`, `biases[i]` `n_{i+1}`,
   * typed arrays of the dtype. Changing them does not change the network.
   * @throws StateError after dispose
   */
  getParameters(): NetworkParameters<D> {
    this.#live();
    return splitParameters(this.#backend.getParams(), this.#offsets);
  }

  /**
   * Replaces all parameters (values rounded to the dtype). Shapes as in {@link getParameters};
   * any array-like of numbers is accepted. Invalidates the cache of the last forward.
   * @throws ShapeError for a wrong count or length; NonFiniteError for NaN/±Infinity;
   *   StateError after dispose or during fit(). The network is unchanged when it throws.
   */
  setParameters(parameters: ParametersInput): void {
    this.#mutable('setParameters()');
    const flat = joinParameters(parameters, this.#offsets, this.dtype);
    this.#backend.setParams(flat);
    this.#cache = { usedBy: 'setParameters()' };
  }

  /**
   * Forward pass: returns a copy of the output (`batch × n_L`, row-major, of the dtype) and
   * caches every layer's activations for {@link backward}.
   * @param x `batch × layers[0]` inputs: flat row-major typed array or `number[]`, or `number[][]`
   * @throws ShapeError, NonFiniteError, StateError (network unchanged)
   */
  forward(x: MatrixInput): ArrayFor<D> {
    this.#live();
    const deferred = this.#backend instanceof WasmBackend;
    const X = this.#x(x, 'x', undefined, !deferred);
    const out = this.#checkedForward(x, deferred, () => this.#backend.forward(X.data, X.batch));
    this.#cache = { batch: X.batch };
    return out as ArrayFor<D>;
  }

  /**
   * Runs a backend forward whose input `x` was not scanned for NaN/±Infinity when `deferred`
   * (the wasm core checks the stored batch itself, in SIMD, and refuses it): a refusal is
   * turned into the scan's own NonFiniteError naming the value.
   */
  #checkedForward<R>(x: MatrixInput, deferred: boolean, run: () => R): R {
    try {
      return run();
    } catch (error) {
      if (deferred && error instanceof NonFiniteError) this.#x(x);
      throw error;
    }
  }

  /**
   * One optimizer step from the cache of the last {@link forward} (like the original
   * `.backward()`): the gradient of the loss propagated through every layer in this network's
   * ordering. Consumes the cache: call `forward` again before the next `backward`.
   * @param y `batch × layers[L]` targets, with the batch of the last forward
   * @throws StateError if there is no forward to use; ShapeError, NonFiniteError, TargetError
   *   (network unchanged)
   */
  backward(y: MatrixInput): void {
    this.#mutable('backward()');
    const cache = this.#cache;
    if (cache === null) {
      throw new StateError('backward() called before forward(): call forward(x), then backward(y)');
    }
    if ('usedBy' in cache) {
      throw new StateError(
        `backward() needs a forward() first: the last forward's cache was used by ${cache.usedBy}`,
      );
    }
    const Y = this.#y(y, cache.batch, 'the batch of the last forward()');
    this.#backend.backward(Y.data, Y.batch, this.#learningRate);
    this.#cache = { usedBy: 'backward()' };
  }

  /**
   * `forward(x)` then `backward(y)` in one call (one FFI call on the wasm backend). If the loss
   * is NaN or ±Infinity the update is skipped (parameters and optimizer state unchanged).
   * @returns the loss before the update
   * @throws ShapeError, NonFiniteError, TargetError, StateError (network unchanged)
   */
  trainStep(x: MatrixInput, y: MatrixInput): number {
    this.#mutable('trainStep()');
    // The wasm core checks the stored batch itself (SIMD, and after rounding to f32) and skips
    // a step on a non-finite value, returning NaN: the JavaScript scan of x (a fifth of a
    // threaded mnist step) then runs only to name the value. The reference has no such check.
    const deferred = this.#backend instanceof WasmBackend;
    const X = this.#x(x, 'x', undefined, !deferred);
    const Y = this.#y(y, X.batch, 'the batch of x');
    const loss = this.#backend.trainStep(X.data, Y.data, X.batch, this.#learningRate);
    this.#cache = USED_BY_TRAIN_STEP;
    // Throws the NonFiniteError the scan would have thrown up front (nothing was updated).
    if (deferred && Number.isNaN(loss)) this.#x(x);
    return loss;
  }

  /**
   * The exact gradient `dL/dW[i]`, `dL/db[i]` and the loss at the current parameters, with no
   * update (independent of `ordering`).
   * @throws ShapeError, NonFiniteError, StateError (network unchanged)
   */
  gradients(x: MatrixInput, y: MatrixInput): Gradients<D> {
    this.#live();
    const X = this.#x(x);
    const Y = this.#y(y, X.batch, 'the batch of x');
    const { grads, loss } = this.#backend.gradients(X.data, Y.data, X.batch);
    this.#cache = { usedBy: 'gradients()' };
    return { ...splitParameters<D>(grads, this.#offsets), loss };
  }

  /**
   * The loss at the current parameters, over the whole batch in one pass (see `LossName` for
   * each loss's reduction: `'half-sse'` sums, the others average).
   * @throws ShapeError, NonFiniteError, TargetError, StateError (network unchanged)
   */
  loss(x: MatrixInput, y: MatrixInput): number {
    this.#live();
    const X = this.#x(x);
    const Y = this.#y(y, X.batch, 'the batch of x');
    const loss = this.#backend.loss(X.data, Y.data, X.batch);
    this.#cache = { usedBy: 'loss()' };
    return loss;
  }

  /**
   * The outputs for `x` (`batch × layers[L]`, row-major, of the dtype), computed in chunks of
   * 1024 rows so any number of rows fits. Does not leave a cache for {@link backward}. With
   * `{ as: 'rows' }`, a `number[][]` instead (one array of `layers[L]` values per row).
   * @example
   * const rows = net.predict([[0, 1], [1, 1]], { as: 'rows' }); // [[0.93], [0.08]]
   * @throws ShapeError, NonFiniteError, StateError; OptionError for an unknown `as`
   *   (network unchanged)
   */
  predict(x: MatrixInput, options?: { as?: 'flat' }): ArrayFor<D>;
  /** The outputs as `number[][]`, one array of `layers[L]` values per row of `x`. */
  predict(x: MatrixInput, options: { as: 'rows' }): number[][];
  predict(x: MatrixInput, options?: PredictOptions): ArrayFor<D> | number[][];
  predict(x: MatrixInput, options: PredictOptions = {}): ArrayFor<D> | number[][] {
    this.#live();
    const as: unknown = (options as { as?: unknown } | null)?.as ?? 'flat';
    if (as !== 'flat' && as !== 'rows') {
      throw new OptionError(`predict: as must be 'flat' or 'rows', got ${describe(as)}`);
    }
    const deferred = this.#backend instanceof WasmBackend;
    const X = this.#x(x, 'x', undefined, !deferred);
    const nIn = this.#layers[0]!;
    const nOut = this.#layers[this.#layers.length - 1]!;
    const out = new (this.dtype === 'f64' ? Float64Array : Float32Array)(X.batch * nOut);
    const chunk = 1024;
    this.#checkedForward(x, deferred, () => {
      for (let from = 0; from < X.batch; from += chunk) {
        const to = Math.min(X.batch, from + chunk);
        const part = X.data.subarray(from * nIn, to * nIn);
        out.set(this.#backend.forward(part, to - from), from * nOut);
      }
    });
    this.#cache = { usedBy: 'predict()' };
    return as === 'rows' ? toRows(out, nOut) : (out as ArrayFor<D>);
  }

  /**
   * The predicted class of each row of `x`: the index of the largest output with several
   * outputs (softmax or not), `ŷ ≥ 0.5 → 1` else 0 with a single sigmoid output. Compare it
   * with the class ids of `'sparse-categorical-cross-entropy'` (`Array.from` gives a `number[]`).
   * @throws StateError for a single output that is not a sigmoid (a regression has no
   *   classes); ShapeError, NonFiniteError, StateError (network unchanged)
   */
  predictClasses(x: MatrixInput): Int32Array {
    this.#live();
    const nOut = this.#layers[this.#layers.length - 1]!;
    const last = this.#options.activations[this.#options.activations.length - 1]!;
    if (nOut === 1 && last.type !== 'sigmoid') {
      throw new StateError(
        `predictClasses() needs several outputs or one sigmoid output, but this network has one ` +
          `'${last.type}' output (a regression); use predict()`,
      );
    }
    return classesOf(this.predict(x), nOut);
  }

  /**
   * Loss and the metrics that fit the task on `x`, `y` (in chunks of 1024 rows): `accuracy`
   * for a classifier (a softmax output, or a sigmoid output with `'binary-cross-entropy'` or
   * `'half-sse'` and targets all 0 or 1); `mse`, `rmse`, `mae` and `r2` for anything else.
   * Accuracy: argmax of the outputs vs argmax of the targets with several outputs; `ŷ ≥ 0.5`
   * vs `y ≥ 0.5` with one. `sampleWeight` / `classWeight` weigh the loss as in `fit`
   * (`Σ w·ℓ / rows` for the mean losses), not the metrics.
   * @example
   * const { loss, mse, r2 } = net.evaluate(x, y); // a regression
   * const { accuracy, mae } = net.evaluate(x, labels, { metrics: ['mae'] }); // a classifier
   * const weighted = net.evaluate(x, labels, { classWeight: { 1: 5 } }).loss; // class 1 weighs 5×
   * @throws OptionError for an unknown metric, `'accuracy'` on a regression, or a bad weight
   *   (negative, non-finite, unknown class, `classWeight` on a regression); ShapeError,
   *   NonFiniteError, TargetError, StateError (network unchanged)
   */
  evaluate(x: MatrixInput, y: MatrixInput, options: EvaluateOptions = {}): Evaluation {
    this.#live();
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new OptionError(`evaluate options must be an object, got ${describe(options)}`);
    }
    const known = ['metrics', 'sampleWeight', 'classWeight'];
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) {
        throw new OptionError(
          `evaluate: unknown option '${key}'; known options: ${known.join(', ')}`,
        );
      }
    }
    const X = this.#x(x);
    const Y = this.#y(y, X.batch, 'the batch of x');
    const nOut = this.#layers[this.#layers.length - 1]!;
    const output = this.#options.activations[this.#options.activations.length - 1]!;
    const metrics = metricsFor(output, this.#options.loss, Y, nOut, options.metrics);
    const weights = resolveWeights(options, Y, {
      output,
      loss: this.#options.loss,
      dtype: this.dtype,
      outputs: nOut,
    });
    const loss = reductionOf(this.#options.loss);
    const run = evaluation(this.#backend, loss, X, Y, metrics, weights);
    let step = run.next();
    while (!step.done) step = run.next();
    this.#cache = { usedBy: 'evaluate()' };
    return step.value;
  }

  /**
   * Trains on `x`, `y` for `epochs` passes of shuffled mini-batches (see `FitOptions` for
   * every option and its default), yielding to the event loop between batches so a server or
   * page stays responsive. Each mini-batch is one call into the backend.
   *
   * Rejects with: the OptionError / ShapeError / NonFiniteError / TargetError of a bad
   * argument (before any training; network unchanged); `signal.reason` (an `AbortError`) when
   * aborted, with the parameters as of the last completed batch; a {@link DivergenceError}
   * naming the epoch and batch whose loss was not finite, with the parameters and optimizer
   * state of the last finite batch; whatever a callback throws; StateError if the network is
   * disposed meanwhile. While it runs, methods that change the parameters throw StateError.
   * @returns the per-epoch history
   */
  fit(x: MatrixInput, y: MatrixInput, options?: FitOptions): Promise<History>;
  /**
   * Trains on a dataset read a piece at a time (data larger than memory): `dataset` returns a
   * new (async) iterator of `{ x, y }` rows or batches each epoch; rows are shuffled through a
   * bounded buffer of `shuffleBuffer` rows. See `DatasetFitOptions`. Rejects as above, and
   * with a ShapeError / NonFiniteError / TargetError naming the epoch, batch and item when an
   * item is bad, the parameters as after the last applied batch.
   */
  fit(dataset: Dataset, options?: DatasetFitOptions): Promise<History>;
  async fit(
    x: MatrixInput | Dataset,
    y?: MatrixInput | DatasetFitOptions,
    options: FitOptions = {},
  ): Promise<History> {
    this.#mutable('fit()');
    if (typeof x === 'function') {
      const ctx = this.#fitContext();
      const check = (ix: unknown, iy: unknown) => {
        const X = this.#x(ix);
        return { X, Y: this.#y(iy, X.batch, 'the rows of x', 'y', false) };
      };
      this.#fitting = true;
      this.#cache = { usedBy: 'fit()' };
      try {
        return await fitDataset(ctx, x, this.#withSchedule((y ?? {}) as DatasetFitOptions), check);
      } finally {
        this.#fitting = false;
      }
    }
    const X = this.#x(x);
    // Sparse labels are expanded once here (fit keeps them across awaits), none per batch.
    const Y = this.#y(y, X.batch, 'the batch of x', 'y', false);
    const ctx = this.#fitContext();
    const { plan, train, val } = planFit(ctx, X, Y, this.#withSchedule(options));
    this.#fitting = true;
    this.#cache = { usedBy: 'fit()' };
    try {
      return await runFit(ctx, plan, memoryData(ctx, plan, train, val));
    } finally {
      this.#fitting = false;
    }
  }

  /** `options` with the network's schedule (from `create`) as `learningRate` if they set none. */
  #withSchedule<O>(options: O): O {
    return this.#options.schedule &&
      typeof options === 'object' &&
      options !== null &&
      (options as { learningRate?: unknown }).learningRate === undefined
      ? { ...options, learningRate: this.#options.schedule }
      : options;
  }

  /** What the training loop of `fit.ts` needs from this network. */
  #fitContext(): FitContext {
    return {
      backend: this.#backend,
      reduction: reductionOf(this.#options.loss),
      loss: this.#options.loss,
      output: this.#options.activations[this.#options.activations.length - 1]!,
      seed: this.#options.seed,
      epochOffset: this.#epochs,
      epochCompleted: () => {
        this.#epochs++;
        this.#midEpoch = false;
      },
      batchCompleted: () => void (this.#midEpoch = true),
      learningRate: () => this.#learningRate,
      scheduleState: () => this.#schedule,
      setScheduleState: (state) => void (this.#schedule = state),
      snapshot: (format) =>
        format === 'json'
          ? new TextEncoder().encode(JSON.stringify(this.toJSON({ trainingState: true })))
          : this.toSafetensors({ trainingState: true }),
      live: () => this.#live(),
      matrices: (vx, vy) => {
        const VX = this.#x(vx, 'validationData.x');
        const VY = this.#y(
          vy,
          VX.batch,
          'the batch of validationData.x',
          'validationData.y',
          false,
        );
        return { X: VX, Y: VY };
      },
    };
  }

  /**
   * A copy of the optimizer's state and step count (see {@link OptimizerState}), e.g. to save
   * training state next to {@link getParameters}.
   * @throws StateError after dispose
   */
  getOptimizerState(): OptimizerState<D> {
    this.#live();
    const { state, step } = this.#backend.getOptimizerState();
    return { state: state as ArrayFor<D>, step };
  }

  /**
   * Restores the optimizer's state and step count (from {@link getOptimizerState} of a network
   * with the same layers and optimizer).
   * @throws ShapeError for a wrong length or a `step` that is not an integer in [0, 2⁵³);
   *   NonFiniteError for NaN/±Infinity; StateError after dispose or during fit(). The network
   *   is unchanged when it throws.
   */
  setOptimizerState(saved: { state: ArrayLike<number>; step: number }): void {
    this.#mutable('setOptimizerState()');
    const { state, step } = checkOptimizerState(
      saved,
      this.#options.optimizer,
      this.parameterCount,
      this.dtype,
    );
    this.#backend.setOptimizerState(state, step);
    this.#midEpoch = false;
  }

  /**
   * The network as a JSON-ready object (see `ModelJSON`): `formatVersion`, the architecture
   * (layers, activations, loss, optimizer, initializers, ordering, dtype, seed, learning
   * rate), the parameters (`weights[i]` as `n_i` rows of `n_{i+1}` numbers), `metadata`, and
   * with `{ trainingState: true }` the training state. `JSON.stringify(net)` calls it.
   * Values round-trip exactly (f32 and f64), except that `JSON.stringify` writes -0 as 0.
   * @throws StateError after dispose, or for the training state in the middle of an epoch
   */
  toJSON(options?: SaveOptions | string): ModelJSON {
    // JSON.stringify(net) calls toJSON(key) with a string key: no options then.
    return recordToJSON(this.#record(typeof options === 'object' ? options : {}));
  }

  /**
   * The network as a safetensors file: tensors `layers.{i}.weight` (`n_i × n_{i+1}`, or
   * `n_{i+1} × n_i` with `layout: 'pytorch'`) and `layers.{i}.bias`, in the network's dtype
   * (F32/F64); `__metadata__` holds {@link metadata} and the architecture as JSON. With
   * `{ trainingState: true }` also the optimizer state (`optimizer.{slot}.layers.{i}.…`) and
   * step/epoch counts.
   * @throws OptionError for a bad layout; StateError after dispose, or for the training state
   *   in the middle of an epoch
   */
  toSafetensors(options: SafetensorsSaveOptions = {}): Uint8Array {
    return recordToSafetensors(this.#record(options), options.layout);
  }

  #record(options: SaveOptions): ModelRecord {
    this.#live();
    return buildRecord(
      {
        options: this.#options,
        learningRate: this.#learningRate,
        metadata: this.#metadata,
        normalization: this.#normalization,
        epochs: this.#epochs,
        schedule: this.#schedule,
        midEpoch: this.#midEpoch,
        fitting: this.#fitting,
        backend: this.#backend,
        offsets: this.#offsets,
      },
      options,
    );
  }

  #facts(): SummaryFacts {
    return {
      layers: this.#layers,
      activations: this.activations,
      lossName: this.lossName,
      optimizer: this.optimizer,
      learningRate: this.#learningRate,
      dtype: this.dtype,
      backend: this.backend,
      ordering: this.ordering,
      parameterCount: this.parameterCount,
      epochsTrained: this.#epochs,
      dropout: this.#options.dropout,
    };
  }

  /**
   * A readable multi-line description, like Keras's `model.summary()`: one row per layer (shape,
   * activation, parameter count), then the total parameters, loss, optimizer with learning
   * rate, ordering and epochs trained; the first line names the backend and dtype.
   * @example
   * console.log(net.summary());
   * @throws StateError after dispose
   */
  summary(): string {
    this.#live();
    return summarize(this.#facts());
  }

  /**
   * What `console.log(net)` and `util.inspect(net)` show in Node: `Network { layers: [ 2, 3, 1 ],
   * activations: …, loss, optimizer, learningRate, dtype, backend, parameters, epochsTrained }`
   * (`Network { disposed: true }` once disposed). Node passes its own `inspect`, so nothing
   * here imports `node:util`.
   */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options?: object,
    inspect?: InspectFn,
  ): string {
    return inspection(this.#disposed ? null : this.#facts(), options, inspect);
  }

  /**
   * Frees the network's memory (its share of the wasm instance). Idempotent; every other
   * method throws {@link StateError} afterwards. A `FinalizationRegistry` frees forgotten
   * networks eventually, but prefer calling this (or `using net = await Network.create(…)`).
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache = null;
    this.#backend.dispose();
  }

  /** Same as {@link dispose}, for `using` declarations. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
