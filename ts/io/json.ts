/**
 * The JSON model format (`net.toJSON()` / `Network.fromJSON()`), readable by people and by any
 * language:
 *
 * ```
 * { "format": "wasm-mlp", "formatVersion": 1,
 *   "architecture": { layers, activations, loss, optimizer, initializers, ordering, dtype,
 *                     seed, learningRate, dropout?, dropoutSeed? },  // dropout: only if used
 *   "parameters": { "weights": [ n_0 rows of n_1 numbers, … ], "biases": [ [n_1 numbers], … ] },
 *   "metadata": { "key": "value" },
 *   "normalization": { "mean": [n_0 numbers], "std": [n_0 numbers] },  // only if set
 *   "training": { "step": 12, "epochs": 3, "optimizerState": [ … ],     // only if saved
 *                 "schedule": { … } }                                 // after a scheduled fit }
 * ```
 *
 * A model with a normalization is written as `formatVersion` 2, so a reader of version 1
 * (which would ignore the field and feed raw inputs to a network trained on standardised
 * ones) rejects it instead of predicting wrong values; others stay version 1.
 *
 * Numbers are float64 in JSON, so f64 parameters round-trip exactly and f32 ones too (an f32
 * value is an f64 value; reading rounds back to the very same f32). The one exception is the
 * sign of zero: `JSON.stringify(-0)` is `"0"`.
 * @module
 */
import { checkScheduleState, type ScheduleState } from '../training/schedules.js';
import { FormatError, describe } from '../errors.js';
import type { NetworkOptions } from '../options.js';
import type { Dtype } from '../types.js';
import {
  architectureOptions,
  checkFileLayers,
  checkJSONDepth,
  checkMetadata,
  type Architecture,
  type ModelRecord,
  type Normalization,
  type TrainingState,
} from './record.js';

/** The current JSON format version; readers accept this version and older. */
export const JSON_FORMAT_VERSION = 2;

/** The object `net.toJSON()` returns (and `Network.fromJSON()` accepts, or its string). */
export interface ModelJSON {
  format: 'wasm-mlp';
  formatVersion: number;
  architecture: Architecture;
  parameters: {
    /** `weights[i]`: `n_i` rows of `n_{i+1}` numbers (`W[i]`, as `x·W + b` uses it). */
    weights: number[][][];
    biases: number[][];
  };
  metadata: Record<string, string>;
  /** The input standardisation (`net.normalization`), present when set. */
  normalization?: { mean: number[]; std: number[] };
  /** Present when saved with `{ trainingState: true }`. */
  training?: {
    step: number;
    epochs: number;
    optimizerState: number[];
    /** The learning-rate schedule's state, when `fit` ran a schedule. */
    schedule?: ScheduleState;
  };
}

/** A record as the JSON object. */
export function recordToJSON(record: ModelRecord): ModelJSON {
  const { layers } = record.architecture;
  const json: ModelJSON = {
    format: 'wasm-mlp',
    formatVersion: record.normalization ? 2 : 1,
    architecture: record.architecture,
    parameters: {
      weights: record.parameters.weights.map((w, i) => {
        const cols = layers[i + 1]!;
        return Array.from({ length: layers[i]! }, (_, r) =>
          Array.from({ length: cols }, (_, c) => w[r * cols + c]!),
        );
      }),
      biases: record.parameters.biases.map((b) => Array.from(b)),
    },
    metadata: { ...record.metadata },
  };
  if (record.normalization) {
    json.normalization = {
      mean: Array.from(record.normalization.mean),
      std: Array.from(record.normalization.std),
    };
  }
  if (record.training) {
    const { step, epochs, optimizerState, schedule } = record.training;
    json.training = { step, epochs, optimizerState: Array.from(optimizerState) };
    if (schedule) json.training.schedule = schedule;
  }
  return json;
}

function field(obj: Record<string, unknown>, key: string, where: string): unknown {
  if (!(key in obj)) throw new FormatError(`${where}: '${key}' is missing`);
  return obj[key];
}

function objectAt(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FormatError(`${where} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function arrayAt(value: unknown, length: number, where: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new FormatError(`${where} must be an array of ${length}, got ${describe(value)}`);
  }
  if (value.length !== length) {
    throw new FormatError(`${where}: expected ${length} entries, got ${value.length}`);
  }
  return value;
}

/**
 * Parses a JSON model (object or string) into the `Network.create` options and a record
 * without the architecture (the caller builds the network from the options, which validates
 * them). Values are checked when the parameters are set.
 *
 * Limits, checked before anything is allocated from the file: arrays/objects nest at most
 * `MAX_JSON_DEPTH` (64) deep in a JSON string; `architecture.layers` passes the check of
 * `Network.create` (positive integers, at most `MAX_PARAMETERS` = 2^27 parameters); every other
 * array must have exactly the length the layers imply, and every row is checked before the
 * flat weight arrays are allocated, so memory stays proportional to the input.
 * @throws FormatError for invalid JSON, a wrong format or version, wrong shapes, or nesting too
 *   deep; OptionError for invalid layer sizes
 */
export function recordFromJSON(input: unknown): {
  options: NetworkOptions<Dtype>;
  record: Omit<ModelRecord, 'architecture'>;
} {
  let value = input;
  if (typeof input === 'string') {
    checkJSONDepth(input, 'model JSON');
    try {
      value = JSON.parse(input) as unknown;
    } catch (e) {
      throw new FormatError(`model JSON does not parse: ${(e as Error).message}`);
    }
  }
  const root = objectAt(value, 'model JSON');
  if (root['format'] !== 'wasm-mlp') {
    throw new FormatError(`model JSON: format must be 'wasm-mlp', got ${describe(root['format'])}`);
  }
  const version = field(root, 'formatVersion', 'model JSON');
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new FormatError(
      `model JSON: formatVersion must be an integer >= 1, got ${describe(version)}`,
    );
  }
  if (version > JSON_FORMAT_VERSION) {
    throw new FormatError(
      `model JSON: formatVersion ${version} is newer than this library reads (${JSON_FORMAT_VERSION}); upgrade wasm-mlp`,
    );
  }
  const options = architectureOptions(field(root, 'architecture', 'model JSON'), 'model JSON');
  // Before anything is allocated from them: the sizes drive the arrays below.
  const layers = checkFileLayers(options.layers, 'model JSON');
  const params = objectAt(field(root, 'parameters', 'model JSON'), 'model JSON: parameters');
  const nLayers = layers.length - 1;
  const weightRows = arrayAt(field(params, 'weights', 'parameters'), nLayers, 'parameters.weights');
  const biasRows = arrayAt(field(params, 'biases', 'parameters'), nLayers, 'parameters.biases');
  // Every row's length is checked before any flat array is allocated: the layers alone may
  // claim 2^27 values while the file holds a few empty rows (18 KB would cost 260 MB).
  const rowsOf = weightRows.map((w, i) => {
    const [rows, cols] = [layers[i]!, layers[i + 1]!];
    const list = arrayAt(w, rows, `parameters.weights[${i}] (layers[${i}] rows)`);
    list.forEach((row, r) =>
      arrayAt(row, cols, `parameters.weights[${i}][${r}] (layers[${i + 1}] columns)`),
    );
    return list as unknown[][];
  });
  const biases = biasRows.map(
    (b, i) => arrayAt(b, layers[i + 1]!, `parameters.biases[${i}] (layers[${i + 1}])`) as number[],
  );
  const weights = rowsOf.map((list, i) => {
    const cols = layers[i + 1]!;
    const flat = new Array<number>(list.length * cols);
    list.forEach((values, r) => {
      for (let c = 0; c < cols; c++) flat[r * cols + c] = values[c] as number;
    });
    return flat;
  });
  const metadata = checkMetadata(root['metadata'] ?? {}, 'model JSON: metadata');
  let training: TrainingState | null = null;
  if (root['training'] !== undefined) {
    const t = objectAt(root['training'], 'model JSON: training');
    const state = field(t, 'optimizerState', 'training');
    if (!Array.isArray(state)) {
      throw new FormatError(`training.optimizerState must be an array, got ${describe(state)}`);
    }
    const epochs = field(t, 'epochs', 'training');
    if (typeof epochs !== 'number' || !Number.isSafeInteger(epochs) || epochs < 0) {
      throw new FormatError(`training.epochs must be an integer >= 0, got ${describe(epochs)}`);
    }
    training = {
      step: field(t, 'step', 'training') as number,
      epochs,
      optimizerState: state,
      schedule:
        t['schedule'] === undefined
          ? null
          : checkScheduleState(t['schedule'], 'model JSON: training.schedule'),
    };
  }
  let normalization: Normalization | null = null;
  if (root['normalization'] !== undefined) {
    const n = objectAt(root['normalization'], 'model JSON: normalization');
    normalization = {
      mean: arrayAt(
        field(n, 'mean', 'normalization'),
        layers[0]!,
        'normalization.mean (layers[0])',
      ) as number[],
      std: arrayAt(
        field(n, 'std', 'normalization'),
        layers[0]!,
        'normalization.std (layers[0])',
      ) as number[],
    };
  }
  return {
    options,
    record: { parameters: { weights, biases }, metadata, normalization, training },
  };
}
