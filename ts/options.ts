/**
 * Options of {@link Network.create}: types, defaults and validation.
 * @module
 */
import { checkThreads, type ThreadsOption } from './backends/wasm/threads.js';
import { OptionError, describe } from './errors.js';
import {
  listOf,
  resolveActivations,
  resolveInitializers,
  resolveLoss,
  resolveOptimizer,
  type Activation,
  type ActivationOption,
  type InitializerName,
  type LossName,
  type Optimizer,
  type OptimizerOption,
} from './model.js';
import { resolveDropout, resolveDropoutSeed } from './training/dropout.js';
import { parseSchedule, type LearningRateSchedule } from './training/schedules.js';
import type { BackendName, Dtype, Ordering, WasmSource } from './types.js';

/** Options of {@link Network.create}. Only `layers` is required. */
export interface NetworkOptions<D extends Dtype = Dtype> {
  /** Layer sizes, input size first: `[n_0, n_1, …, n_L]`, at least two positive integers. */
  layers: readonly number[];
  /**
   * The optimizer's step size, a finite number > 0. Default {@link DEFAULTS}.learningRate (0.1).
   * Or a schedule (see `LearningRateSchedule`), saved with the model and used by every `fit`
   * that passes no `learningRate` of its own; `net.learningRate` is then its `initial` (0.1 if
   * not given).
   */
  learningRate?: number | LearningRateSchedule;
  /**
   * Activation of every weight layer (`'relu'`), or one per weight layer (an array of
   * `layers.length − 1` entries, e.g. `['relu', 'softmax']`). `'softmax'` only on the last.
   * Default `'sigmoid'`.
   */
  activation?: ActivationOption | readonly ActivationOption[];
  /** The loss (see `LossName` for each batch reduction). Default `'half-sse'`. */
  loss?: LossName;
  /** The optimizer, by name or `{ type, …hyperparameters, weightDecay }`. Default `'sgd'`. */
  optimizer?: OptimizerOption;
  /**
   * Weight initializer of every weight layer, or one per weight layer. Default per layer:
   * `'uniform'` for sigmoid, `'he-uniform'` for relu/leakyRelu, `'glorot-uniform'` otherwise.
   */
  initializer?: InitializerName | readonly InitializerName[];
  /** Backward-loop ordering (see {@link Ordering}). Default `'exact'`. */
  ordering?: Ordering;
  /** Element type of parameters and activations. Default `'f32'`. */
  dtype?: D;
  /** Math engine. Default `'wasm'`. */
  backend?: BackendName;
  /**
   * Seed of the initial weights (see `init.ts`): any safe integer. Default 1.
   * The same seed gives the same initial parameters on both backends.
   */
  seed?: number;
  /**
   * Dropout on the hidden layers' outputs: one rate for every hidden layer (`0.2`) or one per
   * hidden layer (`layers.length − 2` entries), each in [0, 1). Inverted dropout: during
   * training steps (`trainStep`, `fit`) each unit is zeroed with probability `p` and the kept
   * ones are scaled by `1/(1 − p)`; `forward`, `predict`, `evaluate`, `loss` and `gradients`
   * use the whole network. Default 0 (none). Saved with the architecture; ONNX export drops it
   * (inference only).
   */
  dropout?: number | readonly number[];
  /**
   * Seed of the dropout masks: any safe integer. Default: `seed`. The mask of a training step
   * is a function of this seed, the optimizer step count and the unit's position, the same on
   * both backends, so a run resumed from a saved training state draws the same masks.
   */
  dropoutSeed?: number;
  /**
   * Where to load the WebAssembly module from (only used by `backend: 'wasm'`). Default: the
   * file next to the bundle, `wasm_mlp_relaxed.wasm` where the engine validates relaxed SIMD,
   * else (or if that file is missing) the plain SIMD128 `wasm_mlp.wasm`; `wasm-mlp/inline`
   * uses its embedded plain build. Networks created from the same source share one instance.
   */
  wasm?: WasmSource;
  /**
   * Threads the core may compute on (only `backend: 'wasm'`): `'auto'` (default) uses the
   * available parallelism, at most 8; an integer `n` from 1 to 64 uses `n` (the calling thread
   * included); `1` runs exactly the single-thread core and starts no worker. Results are
   * bit-identical for every count. More than one needs shared memory (Node; browsers only on
   * cross-origin-isolated pages): where it is missing the network runs on one thread and
   * {@link Network.threads} says why. See the README, "Threads".
   */
  threads?: ThreadsOption;
}

/** Default values of the optional options. */
export const DEFAULTS = Object.freeze({
  learningRate: 0.1,
  ordering: 'exact' as Ordering,
  dtype: 'f32' as Dtype,
  backend: 'wasm' as BackendName,
  seed: 1,
});

/** Options after validation, with defaults filled in. */
export interface ResolvedOptions<D extends Dtype = Dtype> {
  readonly layers: readonly number[];
  readonly learningRate: number;
  /** The schedule given as `learningRate` (its `initial` filled in), or null. */
  readonly schedule: LearningRateSchedule | null;
  readonly activations: readonly Activation[];
  readonly loss: LossName;
  readonly optimizer: Optimizer;
  readonly initializers: readonly InitializerName[];
  readonly ordering: Ordering;
  readonly dtype: D;
  readonly backend: BackendName;
  readonly seed: number;
  /** One rate per hidden layer (all 0: no dropout). */
  readonly dropout: readonly number[];
  readonly dropoutSeed: number;
  readonly wasm: WasmSource | undefined;
  readonly threads: ThreadsOption;
}

const KNOWN_KEYS = [
  'layers',
  'learningRate',
  'activation',
  'loss',
  'optimizer',
  'initializer',
  'ordering',
  'dtype',
  'backend',
  'seed',
  'dropout',
  'dropoutSeed',
  'wasm',
  'threads',
];

/** Throws {@link OptionError} unless `value` is a finite number > 0. */
export function checkLearningRate(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new OptionError(`learningRate must be a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

/**
 * Throws {@link OptionError} when a finite option value would be ±Infinity in the network's
 * dtype (an f32 network stores its learning rate and hyperparameters as f32, where anything
 * above 3.4e38 overflows and would silently turn the parameters into NaN on the first step).
 */
export function checkRepresentable(name: string, value: number, dtype: Dtype): number {
  if (dtype === 'f32' && !Number.isFinite(Math.fround(value))) {
    throw new OptionError(
      `${name} = ${value} overflows f32, the network's dtype (largest finite f32: ` +
        `${F32_MAX_FINITE}); use dtype 'f64' or a smaller value`,
    );
  }
  // The core rounds it to f32 once (0 then), the reference per operation (not 0): reject it
  // rather than let the two backends disagree.
  if (dtype === 'f32' && value !== 0 && Math.fround(value) === 0) {
    throw new OptionError(
      `${name} = ${value} underflows to 0 in f32, the network's dtype (smallest positive ` +
        `f32: ${F32_MIN_POSITIVE}); use dtype 'f64', 0 or a larger value`,
    );
  }
  return value;
}

/** The smallest positive (subnormal) float32. */
const F32_MIN_POSITIVE = 1.401298464324817e-45;

/** The largest finite float32. */
const F32_MAX_FINITE = 3.4028234663852886e38;

/**
 * Most parameters a network may have: the wasm core's 32-bit memory (4 GiB) must hold the
 * parameters, their gradients and up to two optimizer slots, plus the batch buffers.
 */
export const MAX_PARAMETERS = 2 ** 27;

function checkEnum<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new OptionError(`${name} must be ${listOf(allowed)}, got ${describe(value)}`);
  }
  return value as T;
}

/**
 * Validates layer sizes: at least 2 positive integers needing at most {@link MAX_PARAMETERS}
 * parameters. Also used by the model loaders before they allocate anything from a file's sizes.
 * @throws OptionError naming the first bad entry or the parameter count
 */
export function checkLayers(value: unknown): number[] {
  if (!Array.isArray(value)) {
    throw new OptionError(
      `layers must be an array of at least 2 positive integers, got ${describe(value)}`,
    );
  }
  if (value.length < 2) {
    throw new OptionError(
      `layers must have at least 2 entries (input and output size), got ${value.length}`,
    );
  }
  value.forEach((n: unknown, i) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 0xffff_ffff) {
      throw new OptionError(`layers[${i}] must be a positive integer, got ${describe(n)}`);
    }
  });
  const layers = [...(value as number[])];
  let parameters = 0;
  for (let i = 1; i < layers.length; i++) parameters += (layers[i - 1]! + 1) * layers[i]!;
  if (parameters > MAX_PARAMETERS) {
    throw new OptionError(
      `layers [${layers.join(', ')}] need ${parameters.toLocaleString('en-US')} parameters; at most ` +
        `${MAX_PARAMETERS.toLocaleString('en-US')} (2^27) fit, because the 4 GiB wasm memory holds ` +
        'the parameters, their gradients and the optimizer state',
    );
  }
  return layers;
}

function isWasmSource(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    value instanceof URL ||
    value instanceof ArrayBuffer ||
    value instanceof Uint8Array ||
    value instanceof WebAssembly.Module ||
    (typeof Response !== 'undefined' && value instanceof Response)
  );
}

/**
 * Validates the options of {@link Network.create} and fills in defaults.
 * Throws {@link OptionError} naming the first bad option (unknown keys included).
 */
export function resolveOptions<D extends Dtype>(options: NetworkOptions<D>): ResolvedOptions<D> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new OptionError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_KEYS.includes(key)) {
      const hint = KNOWN_KEYS.find((k) => k.toLowerCase() === key.toLowerCase());
      throw new OptionError(
        `unknown option '${key}'${hint ? ` (did you mean '${hint}'?)` : ''}; ` +
          `known options: ${KNOWN_KEYS.join(', ')}`,
      );
    }
  }
  const layers = checkLayers(options.layers);
  let schedule: LearningRateSchedule | null = null;
  if (typeof options.learningRate === 'object' && options.learningRate !== null) {
    // `initial` filled in, so the saved schedule (and its identity for resuming) is complete.
    const parsed = parseSchedule(options.learningRate, null, false);
    schedule = { ...parsed, initial: parsed.initial ?? DEFAULTS.learningRate };
  }
  const learningRate = checkLearningRate(
    schedule?.initial ?? options.learningRate ?? DEFAULTS.learningRate,
  );
  const loss = resolveLoss(options.loss);
  const activations = resolveActivations(options.activation, layers, loss);
  const optimizer = resolveOptimizer(options.optimizer);
  const initializers = resolveInitializers(options.initializer, activations);
  const ordering = checkEnum('ordering', options.ordering ?? DEFAULTS.ordering, [
    'exact',
    'update-first',
  ]);
  if (ordering === 'update-first' && optimizer.clipNorm !== undefined) {
    throw new OptionError(
      "optimizer.clipNorm needs ordering 'exact': the global gradient norm exists only once " +
        "every layer's gradient is computed, and 'update-first' updates each layer before the " +
        'next gradient exists (clipValue, per element, works with both orderings)',
    );
  }
  const dtype = checkEnum('dtype', options.dtype ?? DEFAULTS.dtype, ['f32', 'f64']) as D;
  const backend = checkEnum('backend', options.backend ?? DEFAULTS.backend, ['wasm', 'reference']);
  // Numbers that are finite in float64 but not in an f32 network's storage.
  checkRepresentable('learningRate', learningRate, dtype);
  activations.forEach((a, i) => {
    if (a.type === 'leakyRelu') checkRepresentable(`activation[${i}].slope`, a.slope, dtype);
  });
  for (const [key, value] of Object.entries(optimizer)) {
    if (typeof value === 'number') checkRepresentable(`optimizer.${key}`, value, dtype);
  }
  const seed: unknown = options.seed ?? DEFAULTS.seed;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new OptionError(`seed must be a safe integer, got ${describe(seed)}`);
  }
  const dropout = resolveDropout(options.dropout, layers);
  const dropoutSeed = resolveDropoutSeed(options.dropoutSeed, seed);
  const wasm = options.wasm;
  if (wasm !== undefined && !isWasmSource(wasm)) {
    throw new OptionError(
      'wasm must be a path or URL string, a URL, an ArrayBuffer, a Uint8Array, ' +
        `a WebAssembly.Module or a Response, got ${describe(wasm)}`,
    );
  }
  return {
    layers,
    learningRate,
    schedule,
    activations,
    loss,
    optimizer,
    initializers,
    ordering,
    dtype,
    backend,
    seed,
    dropout,
    dropoutSeed,
    wasm,
    threads: checkThreads(options.threads ?? 'auto'),
  };
}
