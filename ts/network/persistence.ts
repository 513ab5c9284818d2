/**
 * Networks ↔ {@link ModelRecord}s, the format-neutral content every file format carries
 * (`io/json.ts`, `io/model-safetensors.ts`, the ONNX entry): building a record from a live
 * network, and the one restore path that creates a network from a record and disposes it if
 * anything after the creation fails. {@link Network} passes the private state these need
 * through {@link RecordSource} and {@link RestoreTarget}.
 * @module
 */
import type { ThreadsOption } from '../backends/wasm/threads.js';
import type { Backend } from '../backends/backend.js';
import {
  FormatError,
  OptionError,
  ShapeError,
  StateError,
  WasmMlpError,
  describe,
} from '../errors.js';
import type { WeightLayout } from '../io/model-safetensors.js';
import {
  activationOption,
  checkMetadata,
  optimizerOption,
  type ModelRecord,
} from '../io/record.js';
import type { LayerOffsets } from '../init.js';
import type { NetworkOptions, ResolvedOptions } from '../options.js';
import { hasDropout } from '../training/dropout.js';
import type { BackendName, Dtype, WasmSource } from '../types.js';
import { copyScheduleState, type ScheduleState } from '../training/schedules.js';
import { splitParameters, type ParametersInput } from './parameters.js';

/** Options of {@link Network.toJSON} and {@link Network.toSafetensors}. */
export interface SaveOptions {
  /**
   * Also save the training state: the optimizer's state and step count and the epochs `fit`
   * completed, so that `fit` on the loaded network continues exactly as if never interrupted
   * (same data and fit options). Allowed between epochs: after `fit` or from `onEpochEnd`.
   * Default false.
   */
  trainingState?: boolean;
}

/** Options of {@link Network.toSafetensors}. */
export interface SafetensorsSaveOptions extends SaveOptions {
  /** Weight layout: `'in-out'` (`n_in × n_out`, default) or `'pytorch'` (`n_out × n_in`). */
  layout?: WeightLayout;
}

/** Options of {@link Network.fromJSON} and {@link Network.fromSafetensors}. */
export interface LoadOptions {
  /** The math engine of the loaded network. Default `'wasm'`. */
  backend?: BackendName;
  /** Where to load the WebAssembly module from (see {@link NetworkOptions.wasm}). */
  wasm?: WasmSource;
  /** Threads the core may compute on (see {@link NetworkOptions.threads}). Default `'auto'`. */
  threads?: ThreadsOption;
  /** Convert to this dtype (f64 → f32 rounds). Default: the saved dtype. */
  dtype?: Dtype;
}

/** What a record is built from: a live network's settings and state. */
export interface RecordSource {
  readonly options: ResolvedOptions;
  readonly learningRate: number;
  readonly metadata: Readonly<Record<string, string>>;
  /** The input standardisation, if any. */
  readonly normalization: { toJSON(): { mean: number[]; std: number[] } } | null;
  /** Epochs `fit()` completed. */
  readonly epochs: number;
  /** The learning-rate schedule's state, if `fit` ran one. */
  readonly schedule: ScheduleState | null;
  /** True when the parameters hold part of an epoch (a running or interrupted `fit()`). */
  readonly midEpoch: boolean;
  /** True while `fit()` runs (only changes the message when the state cannot be saved). */
  readonly fitting: boolean;
  readonly backend: Backend;
  readonly offsets: readonly LayerOffsets[];
}

/**
 * The record of a network: its architecture (the resolved create options and the current
 * learning rate), parameters, metadata and, with `trainingState`, the training state.
 * @throws OptionError for bad save options; StateError for the training state in the middle
 *   of an epoch (a resume from there would not be exact)
 */
export function buildRecord(net: RecordSource, options: SaveOptions): ModelRecord {
  if (typeof options !== 'object' || options === null) {
    throw new OptionError(`save options must be an object, got ${describe(options)}`);
  }
  const withState = options.trainingState ?? false;
  if (typeof withState !== 'boolean') {
    throw new OptionError(`trainingState must be a boolean, got ${describe(withState)}`);
  }
  if (withState && net.midEpoch) {
    throw new StateError(
      (net.fitting
        ? 'the training state can only be saved between epochs (from onEpochEnd or after ' +
          'fit() resolves): in the middle of an epoch'
        : 'the last fit() stopped in the middle of an epoch (aborted, diverged or a callback ' +
          'threw), so') +
        ' the position in the shuffled rows would be lost and a resume would not be exact. ' +
        'Save without trainingState, or complete an epoch with fit() first',
    );
  }
  const o = net.options;
  const { state, step } = net.backend.getOptimizerState();
  return {
    architecture: {
      layers: [...o.layers],
      activations: o.activations.map(activationOption),
      loss: o.loss,
      optimizer: optimizerOption(o.optimizer),
      initializers: [...o.initializers],
      ordering: o.ordering,
      dtype: o.dtype,
      seed: o.seed,
      learningRate: net.learningRate,
      ...(hasDropout(o.dropout) ? { dropout: [...o.dropout], dropoutSeed: o.dropoutSeed } : {}),
      ...(o.schedule ? { learningRateSchedule: { ...o.schedule } } : {}),
    },
    parameters: splitParameters(net.backend.getParams(), net.offsets),
    metadata: { ...net.metadata },
    normalization: net.normalization ? net.normalization.toJSON() : null,
    training: withState
      ? {
          step,
          epochs: net.epochs,
          optimizerState: state,
          schedule: net.schedule ? copyScheduleState(net.schedule) : null,
        }
      : null,
  };
}

/** What a restore writes into the network it created, through its validating setters. */
export interface RestoreTarget {
  setParameters(parameters: ParametersInput): void;
  setOptimizerState(saved: { state: ArrayLike<number>; step: number }): void;
  /** Epochs completed (seeds the next epoch's shuffle); no public setter. */
  setEpochs(epochs: number): void;
  /** The learning-rate schedule's state (already checked). */
  setSchedule(schedule: ScheduleState | null): void;
  /** Already checked metadata. */
  setMetadata(metadata: Record<string, string>): void;
  setNormalization(normalization: { mean: ArrayLike<number>; std: ArrayLike<number> }): void;
  dispose(): void;
}

const LOAD_KEYS = ['backend', 'wasm', 'dtype', 'threads'];

/**
 * The one restore path of every format: `create` from the record's architecture and the load
 * options, then the parameters, training state and metadata. Whatever fails after the network
 * was created disposes it (a rejected file must not leak wasm memory); shape problems of the
 * record are reported as the file's {@link FormatError}, architecture problems as an
 * {@link OptionError} naming `source`.
 */
export async function restoreNetwork<N>(
  arch: NetworkOptions<Dtype>,
  record: Omit<ModelRecord, 'architecture'>,
  load: LoadOptions,
  source: string,
  create: (options: NetworkOptions<Dtype>) => Promise<N>,
  targetOf: (net: N) => RestoreTarget,
): Promise<N> {
  if (typeof load !== 'object' || load === null) {
    throw new OptionError(`load options must be an object, got ${describe(load)}`);
  }
  for (const key of Object.keys(load)) {
    if (!LOAD_KEYS.includes(key)) {
      throw new OptionError(
        `unknown load option '${key}'; known: ${LOAD_KEYS.join(', ')} (and layout, architecture for safetensors)`,
      );
    }
  }
  let net: N;
  try {
    net = await create({ ...arch, ...load });
  } catch (e) {
    if (e instanceof OptionError) {
      throw new OptionError(`${source}: invalid architecture: ${e.message}`);
    }
    throw e;
  }
  const target = targetOf(net);
  try {
    target.setParameters(record.parameters);
    if (record.training) {
      target.setOptimizerState({
        state: record.training.optimizerState,
        step: record.training.step,
      });
      target.setEpochs(record.training.epochs);
      target.setSchedule(record.training.schedule ?? null);
    }
    if (record.normalization) {
      try {
        target.setNormalization(record.normalization);
      } catch (e) {
        // Bad values in a file are the file's fault, whatever the setter calls them.
        if (e instanceof WasmMlpError && !(e instanceof StateError)) {
          throw new FormatError(`${source}: normalization: ${e.message}`);
        }
        throw e;
      }
    }
    target.setMetadata(checkMetadata(record.metadata, `${source}: metadata`));
  } catch (e) {
    target.dispose();
    if (e instanceof ShapeError) throw new FormatError(`${source}: ${e.message}`);
    throw e;
  }
  return net;
}
