/**
 * The caller's side of `fitInWorker(worker, request, options)`: `Network.fit` with the same
 * options, run in a worker that calls {@link serveTraining}, with batch progress and epoch logs
 * coming back as messages. The run's error and exit handling is the one of `trainInWorker`
 * (`run.ts`).
 * @module
 */
import { OptionError } from '../index.js';
import type { BatchLog, EpochLog, NetworkOptions } from '../index.js';
import { describe } from '../errors.js';
import { checkWorker, type MessageEndpoint } from './endpoint.js';
import { buffersOf, type FitRequest, type FitResult } from './protocol.js';
import { startRun } from './run.js';

/** A fit running in a worker. */
export interface FitRun {
  /**
   * Resolves with the history, the parameters and the model with its training state. Rejects
   * as `TrainingRun.done` does (see `trainInWorker`): the error `fit` threw in the worker
   * rebuilt as its class (`OptionError` for bad fit options, `DivergenceError`, …), a
   * `WorkerError` if the worker failed, what a callback threw, or `signal.reason`.
   */
  readonly done: Promise<FitResult>;
  /**
   * Asks the worker to stop after the current epoch (so the returned model's training state is
   * exact); `done` then resolves with `stopped: true`. Does nothing once `done` has settled.
   */
  stop(): void;
}

/** Options of {@link fitInWorker}: the callbacks of `fit`, run on the caller's thread. */
export interface FitInWorkerOptions {
  /** Each epoch's log, as `fit`'s `onEpochEnd` gets it. If it throws, the run is abandoned. */
  readonly onEpochEnd?: (log: EpochLog) => void;
  /**
   * Batch logs, at most one per `reportIntervalMs` (the first batch always). If it throws,
   * the run is abandoned.
   */
  readonly onBatchEnd?: (log: BatchLog) => void;
  /**
   * Abandons the run: `done` rejects at once with `signal.reason` and the worker aborts the
   * fit inside its epoch.
   */
  readonly signal?: AbortSignal;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isFloatArray = (value: unknown): boolean =>
  value instanceof Float32Array || value instanceof Float64Array;

function checkArray(name: string, array: unknown): void {
  if (!isFloatArray(array)) {
    throw new OptionError(`${name} must be a Float32Array or Float64Array, got ${describe(array)}`);
  }
  if ((array as ArrayLike<number>).length === 0) {
    throw new OptionError(
      `${name} is empty; if it was sent to a worker before, its buffer was transferred ` +
        '(pass copy: true to keep using the arrays)',
    );
  }
}

function checkArguments(worker: unknown, request: unknown, options: unknown): void {
  checkWorker(worker);
  if (!isObject(request)) {
    throw new OptionError(
      `request must be an object { network, x, y, fit?, … }, got ${describe(request)}`,
    );
  }
  const { network } = request;
  if (!isObject(network) && !(network instanceof Uint8Array)) {
    throw new OptionError(
      'request.network must be an object of Network.create options or the bytes of a saved ' +
        `model (safetensors), got ${describe(network)}`,
    );
  }
  checkArray('request.x', request['x']);
  checkArray('request.y', request['y']);
  const fit = request['fit'] ?? {};
  if (!isObject(fit)) throw new OptionError(`request.fit must be an object, got ${describe(fit)}`);
  for (const key of ['onEpochEnd', 'onBatchEnd', 'signal'] as const) {
    if (fit[key] !== undefined) {
      throw new OptionError(
        `request.fit.${key} cannot be sent to a worker: pass it in fitInWorker's options instead`,
      );
    }
  }
  if (isObject(fit['checkpoint']) && fit['checkpoint']['save'] !== undefined) {
    throw new OptionError(
      'request.fit.checkpoint.save cannot be sent to a worker: use checkpoint.path (Node), or ' +
        "save the result's model",
    );
  }
  const vd = fit['validationData'];
  if (vd !== undefined) {
    if (!isObject(vd)) {
      throw new OptionError(
        `request.fit.validationData must be { x, y } of typed arrays, got ${describe(vd)}`,
      );
    }
    checkArray('request.fit.validationData.x', vd['x']);
    checkArray('request.fit.validationData.y', vd['y']);
  }
  const interval = request['reportIntervalMs'] ?? 0;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    throw new OptionError(
      `request.reportIntervalMs must be a finite number >= 0, got ${describe(interval)}`,
    );
  }
  if (!isObject(options)) {
    throw new OptionError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of ['onEpochEnd', 'onBatchEnd'] as const) {
    if (options[key] !== undefined && typeof options[key] !== 'function') {
      throw new OptionError(`options.${key} must be a function, got ${describe(options[key])}`);
    }
  }
  const signal = options['signal'];
  if (signal !== undefined && !(isObject(signal) && 'aborted' in signal)) {
    throw new OptionError(`options.signal must be an AbortSignal, got ${describe(signal)}`);
  }
}

/** URL objects are not cloneable: a `URL` wasm source is sent as its `href`. */
function cloneable(request: FitRequest): FitRequest {
  const { network, load } = request;
  const withHref = <T extends { wasm?: unknown }>(o: T): T =>
    o.wasm instanceof URL ? { ...o, wasm: o.wasm.href } : o;
  return {
    ...request,
    network: network instanceof Uint8Array ? network : (withHref(network) as NetworkOptions),
    ...(load ? { load: withHref(load) } : {}),
  };
}

/**
 * Runs `Network.fit` in `worker` (which must call {@link serveTraining}) with the options of
 * `fit` (`request.fit`: epochs, batchSize, validationSplit or validationData, earlyStopping,
 * learningRate schedules, metrics, checkpoint to a path…), without blocking this thread. Batch
 * progress and epoch logs arrive as messages and are passed to `options.onBatchEnd` /
 * `onEpochEnd`. A malformed call throws {@link OptionError} synchronously; the fit options
 * themselves are validated by `fit` in the worker (an OptionError rejects `done`).
 *
 * Buffers of `x`, `y` (and `validationData`) are transferred unless
 * `copy: true`. The worker stays yours (terminate it when done).
 *
 * @example
 * const run = fitInWorker(worker, { network: { layers: [2, 8, 1] }, x, y, fit: { epochs: 50 } }, {
 *   onEpochEnd: ({ epoch, loss }) => console.log(epoch, loss),
 * });
 * const { history, model } = await run.done;
 * const net = await Network.fromSafetensors(model);
 */
export function fitInWorker(
  worker: MessageEndpoint,
  request: FitRequest,
  options: FitInWorkerOptions = {},
): FitRun {
  checkArguments(worker, request, options);
  const vd = request.fit?.validationData;
  const run = startRun<FitResult>(worker, {
    request: (id) => ({ kind: 'wasm-mlp:fit', id, request: cloneable(request) }),
    // A model's bytes are copied: they may share a pooled buffer (Node's Buffer) with others.
    transfer: request.copy ? [] : buffersOf([request.x, request.y, vd?.x, vd?.y]),
    signal: options.signal,
    api: 'fitInWorker()',
    onMessage: (message) => {
      if (message.kind === 'wasm-mlp:batch') options.onBatchEnd?.(message.log);
      else if (message.kind === 'wasm-mlp:epoch') options.onEpochEnd?.(message.log);
      else if (message.kind === 'wasm-mlp:fit-done') return { result: message.result };
      return undefined;
    },
  });
  return { done: run.done, stop: () => run.stop(false) };
}
