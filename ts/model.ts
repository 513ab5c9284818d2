/**
 * The model's pieces as options: activations, losses, optimizers and initializers — their
 * names, parameters, defaults and validation. Both backends receive the resolved
 * {@link ModelSpec}; the wasm backend encodes it into the Rust core's config block.
 * @module
 */
import { OptionError, TargetError, describe } from './errors.js';
import {
  CLIP_KEYS,
  resolveClipping,
  type ClipOptions,
  type Clipping,
} from './training/clipping.js';
import type { Ordering } from './types.js';

/** Activation names. `'softmax'` is allowed on the last layer only. */
export type ActivationName = 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'linear' | 'softmax';

/** An activation: a name, or `{ type: 'leakyRelu', slope }` (slope ≥ 0, default 0.01). */
export type ActivationOption = ActivationName | { type: 'leakyRelu'; slope?: number };

/** A resolved activation: leakyRelu always carries its slope. */
export type Activation =
  | { readonly type: Exclude<ActivationName, 'leakyRelu'> }
  | { readonly type: 'leakyRelu'; readonly slope: number };

/**
 * Loss names and their batch reductions (`B` rows, `n` outputs per row):
 * - `'half-sse'`: `½·Σ(ŷ − y)²`, **summed** over rows and outputs (the original network).
 * - `'mse'`: `Σ(ŷ − y)² / (B·n)`, mean over rows and outputs.
 * - `'binary-cross-entropy'`: `−Σ[y·ln ŷ + (1 − y)·ln(1 − ŷ)] / (B·n)`, mean over rows and
 *   outputs; needs `'sigmoid'` on the last layer and targets in [0, 1].
 * - `'categorical-cross-entropy'`: `−Σ y·ln ŷ / B`, summed over classes, mean over rows; needs
 *   `'softmax'` on the last layer and target rows in [0, 1] summing to 1.
 * - `'sparse-categorical-cross-entropy'`: the same loss with integer class labels as targets
 *   (one class id in [0, k) per row, `k = layers[L]`) instead of one-hot rows; needs
 *   `'softmax'` on the last layer. The labels are expanded to one-hot rows before they reach a
 *   backend, so the math (and the backends' {@link CoreLoss}) is the categorical one.
 *
 * The cross-entropies are computed from the last layer's logits (fused with its sigmoid or
 * softmax), so they stay finite for arbitrarily large logits, and their gradient is `(ŷ − y)`
 * divided by the reduction's count.
 */
export type LossName =
  | 'half-sse'
  | 'mse'
  | 'binary-cross-entropy'
  | 'categorical-cross-entropy'
  | 'sparse-categorical-cross-entropy';

/** The losses a backend computes: the sparse one reaches it as the categorical one. */
export type CoreLoss = Exclude<LossName, 'sparse-categorical-cross-entropy'>;

/** The loss a backend computes for `loss` (see {@link CoreLoss}). */
export function coreLoss(loss: LossName): CoreLoss {
  return loss === 'sparse-categorical-cross-entropy' ? 'categorical-cross-entropy' : loss;
}

/** How a loss combines its terms over a batch (see {@link LossName}). */
export type Reduction = 'sum' | 'mean';

/** Optimizer names. */
export type OptimizerName = 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop';

/**
 * An optimizer: a name (defaults below), or an object with the same defaults.
 * - `sgd`: `w ← w − a·g̃`.
 * - `momentum` (`momentum` μ = 0.9, `nesterov` false): `v ← μv + g̃`, `w ← w − a·v`
 *   (Nesterov: `w ← w − a·(g̃ + μv)`).
 * - `adam` (`beta1` 0.9, `beta2` 0.999, `epsilon` 1e-8): bias-corrected moments of g̃,
 *   `w ← w − a·m̂ / (√v̂ + ε)`.
 * - `adamw` (same, `weightDecay` default 0.01): Adam on g alone, the decay decoupled,
 *   `w ← w − a·(λw + m̂ / (√v̂ + ε))` (Loshchilov & Hutter; `torch.optim.AdamW`).
 * - `rmsprop` (`rho` 0.9, `epsilon` 1e-8): `v ← ρv + (1 − ρ)g̃²`, `w ← w − a·g̃ / (√v + ε)`.
 *
 * `g̃ = g + λ·w` with the L2 `weightDecay` λ (default 0) on weights; biases are not decayed,
 * and reported losses do not include the penalty. `a` is the network's `learningRate`.
 * Every optimizer also takes gradient clipping, `clipNorm` and `clipValue` (see
 * {@link ClipOptions}), applied to `g` before anything else.
 */
export type OptimizerOption =
  | OptimizerName
  | ({ type: 'sgd'; weightDecay?: number } & ClipOptions)
  | ({
      type: 'momentum';
      momentum?: number;
      nesterov?: boolean;
      weightDecay?: number;
    } & ClipOptions)
  | ({
      type: 'adam';
      beta1?: number;
      beta2?: number;
      epsilon?: number;
      weightDecay?: number;
    } & ClipOptions)
  | ({
      type: 'adamw';
      beta1?: number;
      beta2?: number;
      epsilon?: number;
      weightDecay?: number;
    } & ClipOptions)
  | ({ type: 'rmsprop'; rho?: number; epsilon?: number; weightDecay?: number } & ClipOptions);

/** A resolved optimizer: every hyperparameter filled in; clipping keys only when set. */
export type Optimizer = Clipping &
  (
    | { readonly type: 'sgd'; readonly weightDecay: number }
    | {
        readonly type: 'momentum';
        readonly momentum: number;
        readonly nesterov: boolean;
        readonly weightDecay: number;
      }
    | {
        readonly type: 'adam' | 'adamw';
        readonly beta1: number;
        readonly beta2: number;
        readonly epsilon: number;
        readonly weightDecay: number;
      }
    | {
        readonly type: 'rmsprop';
        readonly rho: number;
        readonly epsilon: number;
        readonly weightDecay: number;
      }
  );

/**
 * Initializer names (`fan_in = n_i`, `fan_out = n_{i+1}` of weight layer `i`):
 * - `'uniform'`: weights and biases uniform in [-1, 1) (the original scheme).
 * - `'glorot-uniform'`: weights uniform in ±√(6 / (fan_in + fan_out)), biases 0.
 * - `'glorot-normal'`: weights normal with σ = √(2 / (fan_in + fan_out)), biases 0.
 * - `'he-uniform'`: weights uniform in ±√(6 / fan_in), biases 0.
 * - `'he-normal'`: weights normal with σ = √(2 / fan_in), biases 0.
 */
export type InitializerName =
  'uniform' | 'glorot-uniform' | 'glorot-normal' | 'he-uniform' | 'he-normal';

/** Everything that defines the math of a network besides its parameters and dtype. */
export interface ModelSpec {
  readonly layers: readonly number[];
  /** One per weight layer (`layers.length − 1`). */
  readonly activations: readonly Activation[];
  readonly loss: CoreLoss;
  readonly optimizer: Optimizer;
  readonly ordering: Ordering;
  /** Dropout rate of each hidden layer's output (`layers.length − 2`); absent or all 0: none. */
  readonly dropout?: readonly number[];
  /** The 32-bit seed of the dropout masks (`seedState` of the `dropoutSeed` option). */
  readonly dropoutSeed?: number;
}

export const ACTIVATIONS: readonly ActivationName[] = [
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'linear',
  'softmax',
];
export const LOSSES: readonly LossName[] = [
  'half-sse',
  'mse',
  'binary-cross-entropy',
  'categorical-cross-entropy',
  'sparse-categorical-cross-entropy',
];
export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'momentum', 'adam', 'adamw', 'rmsprop'];
export const INITIALIZERS: readonly InitializerName[] = [
  'uniform',
  'glorot-uniform',
  'glorot-normal',
  'he-uniform',
  'he-normal',
];

/** Default hyperparameters. */
export const MODEL_DEFAULTS = Object.freeze({
  activation: 'sigmoid' as ActivationName,
  leakySlope: 0.01,
  loss: 'half-sse' as LossName,
  optimizer: 'sgd' as OptimizerName,
  momentum: 0.9,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  rho: 0.9,
  weightDecay: 0,
  /** AdamW's default decoupled decay (as `torch.optim.AdamW`). */
  adamwWeightDecay: 0.01,
});

/** The reduction of each loss. */
export function reductionOf(loss: LossName): Reduction {
  return loss === 'half-sse' ? 'sum' : 'mean';
}

/** The output activation a cross-entropy loss is fused with (null for the squared errors). */
export function requiredOutput(loss: LossName): ActivationName | null {
  if (loss === 'binary-cross-entropy') return 'sigmoid';
  if (loss === 'categorical-cross-entropy' || loss === 'sparse-categorical-cross-entropy') {
    return 'softmax';
  }
  return null;
}

/**
 * The default initializer of a layer: `'uniform'` for sigmoid (so the original network keeps
 * its exact initial weights for a given seed), He uniform for relu and leakyRelu, Glorot
 * uniform for tanh, linear and softmax.
 */
export function defaultInitializer(activation: Activation): InitializerName {
  switch (activation.type) {
    case 'sigmoid':
      return 'uniform';
    case 'relu':
    case 'leakyRelu':
      return 'he-uniform';
    default:
      return 'glorot-uniform';
  }
}

/** `'a', 'b' or 'c'` for messages. */
export function listOf(names: readonly string[]): string {
  const quoted = names.map((n) => `'${n}'`);
  return quoted.length <= 1
    ? quoted.join('')
    : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Rejects keys of `obj` not in `known`. */
function checkKeys(name: string, obj: Record<string, unknown>, known: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new OptionError(`${name}: unknown key '${key}'; known keys: ${known.join(', ')}`);
    }
  }
}

/** A number in a range, or the default when undefined. */
function hyper(
  name: string,
  value: unknown,
  fallback: number,
  ok: (v: number) => boolean,
  range: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    throw new OptionError(`${name} must be a number ${range}, got ${describe(value)}`);
  }
  return value;
}

function resolveActivation(name: string, value: unknown): Activation {
  if (isPlainObject(value)) {
    if (value['type'] !== 'leakyRelu') {
      throw new OptionError(
        `${name}: only 'leakyRelu' takes parameters ({ type: 'leakyRelu', slope }), got type ${describe(value['type'])}`,
      );
    }
    checkKeys(name, value, ['type', 'slope']);
    const slope = hyper(
      `${name}.slope`,
      value['slope'],
      MODEL_DEFAULTS.leakySlope,
      (v) => v >= 0,
      '>= 0',
    );
    return { type: 'leakyRelu', slope };
  }
  if (typeof value !== 'string' || !(ACTIVATIONS as readonly string[]).includes(value)) {
    throw new OptionError(`${name} must be ${listOf(ACTIVATIONS)}, got ${describe(value)}`);
  }
  return value === 'leakyRelu'
    ? { type: 'leakyRelu', slope: MODEL_DEFAULTS.leakySlope }
    : { type: value as Exclude<ActivationName, 'leakyRelu'> };
}

/** One entry per weight layer, from a single value or an array (`what` names the option). */
function perLayer<T>(
  option: string,
  value: unknown,
  nLayers: number,
  fallback: unknown,
  resolve: (name: string, v: unknown) => T,
): T[] {
  if (Array.isArray(value)) {
    if (value.length !== nLayers) {
      throw new OptionError(
        `${option}: expected ${nLayers} entries (one per weight layer, layers.length - 1), got ${value.length}`,
      );
    }
    return value.map((v: unknown, i) => resolve(`${option}[${i}]`, v));
  }
  const one = resolve(option, value ?? fallback);
  return Array.from({ length: nLayers }, () => one);
}

/** Validates `activation` (one for all layers or one per layer) against the layers and loss. */
export function resolveActivations(
  value: unknown,
  layers: readonly number[],
  loss: LossName,
): Activation[] {
  const n = layers.length - 1;
  const acts = perLayer('activation', value, n, MODEL_DEFAULTS.activation, resolveActivation);
  acts.forEach((a, i) => {
    if (a.type === 'softmax' && i < n - 1) {
      const where = Array.isArray(value) ? `activation[${i}]` : 'activation';
      throw new OptionError(
        `${where}: 'softmax' is only allowed on the last layer (layer ${n - 1}), got it on layer ${i}` +
          (Array.isArray(value)
            ? ''
            : `; pass an array, e.g. [${"'relu', ".repeat(n - 1)}'softmax']`),
      );
    }
  });
  const last = acts[n - 1]!;
  if (last.type === 'softmax' && layers[n]! < 2) {
    throw new OptionError(
      `activation: 'softmax' on an output of width 1 always outputs 1; use 'sigmoid' (layers[${n}] is 1)`,
    );
  }
  const required = requiredOutput(loss);
  if (required !== null && last.type !== required) {
    throw new OptionError(
      `loss '${loss}' needs activation '${required}' on the last layer, got '${last.type}'`,
    );
  }
  return acts;
}

/** Validates the `loss` option. */
export function resolveLoss(value: unknown): LossName {
  const loss = value ?? MODEL_DEFAULTS.loss;
  if (typeof loss !== 'string' || !(LOSSES as readonly string[]).includes(loss)) {
    throw new OptionError(`loss must be ${listOf(LOSSES)}, got ${describe(loss)}`);
  }
  return loss as LossName;
}

/** Validates the `optimizer` option and fills in its defaults. */
export function resolveOptimizer(value: unknown): Optimizer {
  const spec: unknown = value ?? MODEL_DEFAULTS.optimizer;
  const obj: Record<string, unknown> = isPlainObject(spec) ? spec : { type: spec };
  const type = obj['type'];
  if (typeof type !== 'string' || !(OPTIMIZERS as readonly string[]).includes(type)) {
    const what = isPlainObject(spec) ? 'optimizer.type' : 'optimizer';
    throw new OptionError(
      `${what} must be ${listOf(OPTIMIZERS)} (or an object { type, … }), got ${describe(type)}`,
    );
  }
  const unit = (v: number): boolean => v >= 0 && v < 1;
  const weightDecay = hyper(
    'optimizer.weightDecay',
    obj['weightDecay'],
    type === 'adamw' ? MODEL_DEFAULTS.adamwWeightDecay : MODEL_DEFAULTS.weightDecay,
    (v) => v >= 0,
    '>= 0',
  );
  const known = (keys: readonly string[]): void =>
    checkKeys('optimizer', obj, ['type', ...keys, 'weightDecay', ...CLIP_KEYS]);
  const epsilon = (): number =>
    hyper('optimizer.epsilon', obj['epsilon'], MODEL_DEFAULTS.epsilon, (v) => v > 0, '> 0');
  const rule = ((): Optimizer => {
    switch (type as OptimizerName) {
      case 'sgd':
        known([]);
        return { type: 'sgd', weightDecay };
      case 'momentum': {
        known(['momentum', 'nesterov']);
        const nesterov = obj['nesterov'] ?? false;
        if (typeof nesterov !== 'boolean') {
          throw new OptionError(`optimizer.nesterov must be a boolean, got ${describe(nesterov)}`);
        }
        const momentum = hyper(
          'optimizer.momentum',
          obj['momentum'],
          MODEL_DEFAULTS.momentum,
          unit,
          'in [0, 1)',
        );
        return { type: 'momentum', momentum, nesterov, weightDecay };
      }
      case 'adam':
      case 'adamw':
        known(['beta1', 'beta2', 'epsilon']);
        return {
          type: type as 'adam' | 'adamw',
          beta1: hyper('optimizer.beta1', obj['beta1'], MODEL_DEFAULTS.beta1, unit, 'in [0, 1)'),
          beta2: hyper('optimizer.beta2', obj['beta2'], MODEL_DEFAULTS.beta2, unit, 'in [0, 1)'),
          epsilon: epsilon(),
          weightDecay,
        };
      case 'rmsprop':
        known(['rho', 'epsilon']);
        return {
          type: 'rmsprop',
          rho: hyper('optimizer.rho', obj['rho'], MODEL_DEFAULTS.rho, unit, 'in [0, 1)'),
          epsilon: epsilon(),
          weightDecay,
        };
    }
  })();
  return { ...rule, ...resolveClipping(obj) };
}

/** Optimizer state slots per parameter: 0 for SGD, 1 for momentum (velocity) and RMSprop
 * (v), 2 (m, v) for Adam and AdamW. */
export function stateSlots(optimizer: Optimizer): number {
  switch (optimizer.type) {
    case 'sgd':
      return 0;
    case 'momentum':
    case 'rmsprop':
      return 1;
    case 'adam':
    case 'adamw':
      return 2;
  }
}

/** Validates `initializer` (one for all layers or one per layer); defaults per activation. */
export function resolveInitializers(
  value: unknown,
  activations: readonly Activation[],
): InitializerName[] {
  const resolve = (name: string, v: unknown): InitializerName => {
    if (typeof v !== 'string' || !(INITIALIZERS as readonly string[]).includes(v)) {
      throw new OptionError(`${name} must be ${listOf(INITIALIZERS)}, got ${describe(v)}`);
    }
    return v as InitializerName;
  };
  if (value === undefined) return activations.map(defaultInitializer);
  return perLayer('initializer', value, activations.length, undefined, resolve);
}

/** The spec of the original network: sigmoid everywhere, half-SSE, plain SGD. */
export function defaultSpec(layers: readonly number[], ordering: Ordering = 'exact'): ModelSpec {
  return {
    layers,
    activations: layers.slice(1).map(() => ({ type: 'sigmoid' }) as const),
    loss: 'half-sse',
    optimizer: { type: 'sgd', weightDecay: 0 },
    ordering,
  };
}

/** Tolerance of "a categorical target row sums to 1" (|Σ − 1| ≤ this). */
export const ROW_SUM_TOLERANCE = 1e-6;

/**
 * Checks the targets a cross-entropy needs: values in [0, 1], and for the categorical one,
 * rows summing to 1 (within {@link ROW_SUM_TOLERANCE}). Squared errors accept any value.
 * @throws TargetError naming the first offending element or row
 */
export function checkTargets(
  loss: LossName,
  y: Float32Array | Float64Array,
  cols: number,
  name = 'y',
): void {
  if (requiredOutput(loss) === null) return;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!(v >= 0 && v <= 1)) {
      const where = cols === 1 ? `${name}[${i}]` : `${name}[${Math.floor(i / cols)}][${i % cols}]`;
      throw new TargetError(`${where} = ${v} is outside [0, 1], which loss '${loss}' requires`);
    }
  }
  if (loss !== 'categorical-cross-entropy') return;
  for (let r = 0; r < y.length / cols; r++) {
    let sum = 0;
    for (let k = 0; k < cols; k++) sum += y[r * cols + k]!;
    if (!(Math.abs(sum - 1) <= ROW_SUM_TOLERANCE)) {
      throw new TargetError(
        `${name}[${r}] sums to ${sum}, but loss '${loss}' needs each target row to sum to 1 (one-hot or probabilities)`,
      );
    }
  }
}
