/**
 * What every model format carries, independent of the encoding: the {@link Architecture} (all
 * options that define the math, as JSON-friendly values), the parameters, the user's string
 * metadata and, optionally, the training state. `json.ts` and `model-safetensors.ts` convert
 * a {@link ModelRecord} to and from bytes or objects; `network/persistence.ts` builds one from
 * a network and restores a network from one.
 * @module
 */
import { FormatError, OptionError, describe } from '../errors.js';
import type {
  Activation,
  ActivationOption,
  InitializerName,
  LossName,
  Optimizer,
  OptimizerOption,
} from '../model.js';
import { checkLayers, type NetworkOptions } from '../options.js';
import type { LearningRateSchedule, ScheduleState } from '../training/schedules.js';
import type { Dtype, Ordering } from '../types.js';

/**
 * The network's definition as stored in every format: the options of `Network.create` with
 * every default filled in (activations and initializers one per weight layer), plus the
 * current learning rate (a schedule may have changed it).
 */
export interface Architecture {
  layers: number[];
  /** One per weight layer: a name, or `{ type: 'leakyRelu', slope }`. */
  activations: ActivationOption[];
  loss: LossName;
  optimizer: OptimizerOption;
  initializers: InitializerName[];
  ordering: Ordering;
  dtype: Dtype;
  seed: number;
  learningRate: number;
  /** Dropout rate per hidden layer; written only when some rate is > 0 (absent: none). */
  dropout?: number[];
  /** The dropout masks' seed; written with `dropout`. */
  dropoutSeed?: number;
  /** Present when `Network.create` got a schedule as `learningRate`. */
  learningRateSchedule?: LearningRateSchedule;
}

/**
 * Where training stands, for resuming `fit` exactly: the optimizer's flat state (slot-major,
 * see `OptimizerState`), its step count and the epochs `fit` completed (which seed the next
 * epochs' shuffles).
 */
export interface TrainingState {
  step: number;
  epochs: number;
  /** `slots × parameterCount` values; empty for SGD. */
  optimizerState: ArrayLike<number>;
  /** The learning-rate schedule's position and plateau state, if `fit` ran a schedule. */
  schedule?: ScheduleState | null;
}

/** Per layer `i`: `weights[i]` flat row-major `n_i × n_{i+1}`, `biases[i]` of `n_{i+1}`. */
export interface ParameterArrays {
  weights: ArrayLike<number>[];
  biases: ArrayLike<number>[];
}

/** A network as data. */
export interface ModelRecord {
  architecture: Architecture;
  parameters: ParameterArrays;
  /** The user's `net.metadata` (string → string). */
  metadata: Record<string, string>;
  /** The input standardisation (`net.normalization`), one value per input; absent: none. */
  normalization?: Normalization | null;
  training: TrainingState | null;
}

/** A stored input standardisation `(x − mean) / std`. */
export interface Normalization {
  mean: ArrayLike<number>;
  std: ArrayLike<number>;
}

/** How a resolved activation is written: a plain name, or the leakyRelu object with its slope. */
export function activationOption(a: Activation): ActivationOption {
  return a.type === 'leakyRelu' ? { type: 'leakyRelu', slope: a.slope } : a.type;
}

/** The optimizer as written: the resolved object (every hyperparameter explicit). */
export function optimizerOption(o: Optimizer): OptimizerOption {
  return { ...o } as OptimizerOption;
}

const ARCHITECTURE_KEYS: readonly (keyof Architecture)[] = [
  'layers',
  'activations',
  'loss',
  'optimizer',
  'initializers',
  'ordering',
  'dtype',
  'seed',
  'learningRate',
];
/** Fields a file may omit (files written before they existed, without dropout or a schedule). */
const OPTIONAL_ARCHITECTURE_KEYS: readonly (keyof Architecture)[] = [
  'dropout',
  'dropoutSeed',
  'learningRateSchedule',
];

/**
 * Checks that a parsed architecture has every field (the values themselves are validated by
 * `Network.create`), and returns the `Network.create` options it stands for.
 * @param where names the source in messages, e.g. `'safetensors metadata'`
 * @throws FormatError for a missing or unknown field
 */
export function architectureOptions(value: unknown, where: string): NetworkOptions<Dtype> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FormatError(`${where}: architecture must be an object, got ${describe(value)}`);
  }
  const obj = value as Record<string, unknown>;
  for (const key of ARCHITECTURE_KEYS) {
    if (!(key in obj)) {
      throw new FormatError(
        `${where}: architecture.${key} is missing (fields: ${ARCHITECTURE_KEYS.join(', ')})`,
      );
    }
  }
  for (const key of Object.keys(obj)) {
    if (
      ![...ARCHITECTURE_KEYS, ...OPTIONAL_ARCHITECTURE_KEYS].includes(key as keyof Architecture)
    ) {
      throw new FormatError(
        `${where}: unknown architecture field '${key}' (fields: ${ARCHITECTURE_KEYS.join(', ')})`,
      );
    }
  }
  return {
    layers: obj['layers'] as number[],
    activation: obj['activations'] as ActivationOption[],
    loss: obj['loss'] as LossName,
    optimizer: obj['optimizer'] as OptimizerOption,
    initializer: obj['initializers'] as InitializerName[],
    ordering: obj['ordering'] as Ordering,
    dtype: obj['dtype'] as Dtype,
    seed: obj['seed'] as number,
    learningRate: (obj['learningRateSchedule'] ?? obj['learningRate']) as number,
    // Validated by Network.create like every other option.
    ...('dropout' in obj ? { dropout: obj['dropout'] as number[] } : {}),
    ...('dropoutSeed' in obj ? { dropoutSeed: obj['dropoutSeed'] as number } : {}),
  };
}

/** Prefix of the metadata keys this library reserves for itself in files. */
export const RESERVED_PREFIX = 'wasm_mlp.';

/**
 * Validates user metadata: a plain object of string values whose keys do not start with
 * {@link RESERVED_PREFIX}. Returns a copy.
 * @throws OptionError naming the first bad entry
 */
export function checkMetadata(value: unknown, name = 'metadata'): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OptionError(`${name} must be an object of strings, got ${describe(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new OptionError(`${name}['${key}'] must be a string, got ${describe(v)}`);
    }
    if (key.startsWith(RESERVED_PREFIX)) {
      throw new OptionError(
        `${name}['${key}']: keys starting with '${RESERVED_PREFIX}' are reserved for the library`,
      );
    }
    out[key] = v;
  }
  return out;
}

/**
 * Deepest nesting of arrays and objects accepted in any JSON a model file carries (the model
 * JSON, the safetensors header, the architecture and training-state metadata): a model needs 5
 * levels. The bound is checked on the text before parsing, because deeper values would
 * overflow the stack of any recursive consumer (`JSON.stringify`, `Array.prototype.join`).
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Throws {@link FormatError} when `text` nests arrays/objects deeper than
 * {@link MAX_JSON_DEPTH}. One pass over the characters, no recursion; strings are skipped, so
 * brackets inside them do not count. Malformed JSON is left to `JSON.parse`.
 *
 * Returns the number of keys of the top-level object (the `:` at depth 1), so a caller can
 * bound what parsing would build before `JSON.parse` builds it. The scan stops as soon as the
 * count exceeds `maxKeys` (returning `maxKeys + 1`): the caller rejects the text anyway.
 * @param where names the source in the message, e.g. `'model JSON'`
 */
export function checkJSONDepth(text: string, where: string, maxKeys = Infinity): number {
  let depth = 0;
  let keys = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new FormatError(
          `${where}: arrays/objects nested more than ${MAX_JSON_DEPTH} deep (a model needs 5)`,
        );
      }
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    } else if (c === 0x3a /* : */ && depth === 1 && ++keys > maxKeys) {
      return keys;
    }
  }
  return keys;
}

/**
 * Checks the layer sizes a file declares with the same rule as `Network.create` (positive
 * integers, at most `MAX_PARAMETERS` parameters), before the loader allocates anything from
 * them. Returns them as numbers.
 * @param where names the source in the message, e.g. `'model JSON'`
 * @throws OptionError `<where>: invalid architecture: …`, as for the other options in a file
 */
export function checkFileLayers(layers: unknown, where: string): number[] {
  try {
    return checkLayers(layers);
  } catch (e) {
    if (e instanceof OptionError) {
      throw new OptionError(`${where}: invalid architecture: ${e.message}`);
    }
    throw e;
  }
}
