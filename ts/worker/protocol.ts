/**
 * The messages between {@link trainInWorker} (the caller's thread) and {@link serveTraining}
 * (inside the worker). Everything here is structured-cloneable; typed arrays' buffers travel
 * in the transfer list, so they are moved, not copied.
 * @module
 */
import type { ThreadInfo } from '../backends/wasm/threads.js';
import type {
  BatchLog,
  EpochLog,
  FitOptions,
  History,
  LoadOptions,
  NetworkOptions,
  NetworkParameters,
} from '../index.js';
import type { SentError } from './errors.js';

/** A float batch, flat row-major. */
export type FloatArray = Float32Array | Float64Array;

/** What to train, sent to the worker. */
export interface TrainingRequest {
  /**
   * Options of `Network.create` in the worker. `wasm` must be cloneable: a URL string, an
   * `ArrayBuffer`/`Uint8Array` or a `WebAssembly.Module` (a `URL` is sent as its `href`).
   */
  readonly network: NetworkOptions;
  /** Inputs, `rows × layers[0]`, flat row-major. Transferred (detached here) unless `copy`. */
  readonly x: FloatArray;
  /**
   * Targets, `rows × layers[L]`, flat row-major; with loss `'sparse-categorical-cross-entropy'`
   * one class id per row (`rows` integer values). Transferred
   * unless `copy`.
   */
  readonly y: FloatArray;
  /** Number of `trainStep` calls. */
  readonly steps: number;
  /** Rows per step; consecutive mini-batches cycle through the rows in order. Default: all rows. */
  readonly batchSize?: number;
  /** Minimum time between progress messages, in ms. Default 50. */
  readonly reportIntervalMs?: number;
  /**
   * Inputs the worker runs `forward` on at every progress message (e.g. a grid for a decision
   * boundary, or a test set); the outputs come back in {@link TrainingProgress.probeOutput}.
   */
  readonly probe?: FloatArray;
  /** Copy `x`, `y` and `probe` instead of transferring their buffers. Default false. */
  readonly copy?: boolean;
}

/** A progress report, sent at most every `reportIntervalMs` and after the last step. */
export interface TrainingProgress {
  /** Steps done so far. */
  readonly step: number;
  /** Loss of the last step (before its update) on its mini-batch, with the loss's own reduction. */
  readonly loss: number;
  /** Time spent training in the worker so far, in ms. */
  readonly elapsedMs: number;
  /** Training speed since the previous report. */
  readonly stepsPerSecond: number;
  /** `forward(probe)` at this step, if a probe was given. */
  readonly probeOutput?: FloatArray;
}

/** What the worker sends back at the end. */
export interface TrainingResult {
  /** Steps done (fewer than requested if stopped). */
  readonly steps: number;
  /** Loss of the last step. */
  readonly loss: number;
  /** Whether {@link TrainingRun.stop} ended the run early. */
  readonly stopped: boolean;
  readonly elapsedMs: number;
  /** The trained parameters, ready for `Network.setParameters`. */
  readonly parameters: NetworkParameters;
  /** The threads the network trained on inside the worker (see `Network.threads`). */
  readonly threads: ThreadInfo;
}

/**
 * The options of `fit` that can cross to a worker: everything but the callbacks and the signal
 * (`fitInWorker` takes those itself), with `validationData` as flat typed arrays and a
 * checkpoint to a `path` only (Node workers).
 */
export type WorkerFitOptions = Omit<
  FitOptions,
  'onEpochEnd' | 'onBatchEnd' | 'signal' | 'validationData' | 'checkpoint'
> & {
  readonly validationData?: { readonly x: FloatArray; readonly y: FloatArray };
  readonly checkpoint?: Omit<NonNullable<FitOptions['checkpoint']>, 'save'>;
};

/** What to fit, sent to the worker by `fitInWorker`. */
export interface FitRequest {
  /**
   * The network: options of `Network.create`, or a saved model (the bytes of
   * `net.toSafetensors({ trainingState: true })`, a checkpoint, or a previous run's
   * {@link FitResult.model}) to continue training exactly where it stopped.
   */
  readonly network: NetworkOptions | Uint8Array;
  /** With a saved model: how to load it (`backend`, `wasm`, `dtype`). */
  readonly load?: LoadOptions;
  /** Inputs, `rows × layers[0]`, flat row-major. Transferred (detached here) unless `copy`. */
  readonly x: FloatArray;
  /** Targets, flat row-major (or one class id per row for sparse labels). Transferred unless `copy`. */
  readonly y: FloatArray;
  /** The options of `fit` (epochs, batchSize, validation, earlyStopping, learningRate, …). */
  readonly fit?: WorkerFitOptions;
  /** Minimum time between batch-progress messages, in ms. Default 50. */
  readonly reportIntervalMs?: number;
  /** Copy the arrays instead of transferring their buffers. Default false. */
  readonly copy?: boolean;
}

/** What the worker sends back at the end of a fit. */
export interface FitResult {
  /** One entry per completed epoch, as `fit` returns it. */
  readonly history: History;
  /** Whether `stop()` ended the run (after an epoch) before `epochs`. */
  readonly stopped: boolean;
  readonly elapsedMs: number;
  /** The trained parameters, ready for `Network.setParameters`. */
  readonly parameters: NetworkParameters;
  /**
   * The model with its training state (safetensors bytes): `Network.fromSafetensors(model)`,
   * or the `network` of another `fitInWorker` run to continue exactly.
   */
  readonly model: Uint8Array;
}

/** Caller → worker. */
export type ToWorker =
  | { readonly kind: 'wasm-mlp:train'; readonly id: number; readonly request: TrainingRequest }
  | { readonly kind: 'wasm-mlp:fit'; readonly id: number; readonly request: FitRequest }
  /** `now`: abort a fit inside its epoch (default: after the current epoch). */
  | { readonly kind: 'wasm-mlp:stop'; readonly id: number; readonly now?: boolean };

/** Worker → caller. */
export type FromWorker =
  | ({ readonly kind: 'wasm-mlp:progress'; readonly id: number } & TrainingProgress)
  | { readonly kind: 'wasm-mlp:done'; readonly id: number; readonly result: TrainingResult }
  | { readonly kind: 'wasm-mlp:batch'; readonly id: number; readonly log: BatchLog }
  | { readonly kind: 'wasm-mlp:epoch'; readonly id: number; readonly log: EpochLog }
  | { readonly kind: 'wasm-mlp:fit-done'; readonly id: number; readonly result: FitResult }
  | ({ readonly kind: 'wasm-mlp:error'; readonly id: number } & SentError);

/** The buffers of typed arrays, deduplicated, for a transfer list. */
export function buffersOf(arrays: readonly (FloatArray | undefined)[]): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const array of arrays) if (array) buffers.add(array.buffer as ArrayBuffer);
  return [...buffers];
}
