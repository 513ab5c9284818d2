/**
 * The caller's side: `trainInWorker(worker, request)` sends a {@link TrainingRequest} to a
 * worker running {@link serveTraining} and returns a {@link TrainingRun}: progress callbacks,
 * `stop()`, and a promise of the trained parameters. Input buffers are transferred, not
 * copied (unless `copy: true`), so the caller's `x`, `y` and `probe` are detached afterwards.
 * @module
 */
import { OptionError, type NetworkOptions } from '../index.js';
import { describe } from '../errors.js';
import { checkWorker, type MessageEndpoint } from './endpoint.js';
import {
  buffersOf,
  type TrainingProgress,
  type TrainingRequest,
  type TrainingResult,
} from './protocol.js';
import { startRun } from './run.js';

/** A training run in progress. */
export interface TrainingRun {
  /**
   * Resolves with the trained parameters. Never stays pending while the worker is gone;
   * rejects with:
   * - the error the training threw in the worker, rebuilt as the same class with the same
   *   message and fields (`OptionError` for bad network options, `ShapeError`,
   *   `NonFiniteError`, `TargetError`, …);
   * - a {@link WorkerError} if the worker failed first: it exited (Node: `worker.terminate()`,
   *   `process.exit()`, a crash), threw an uncaught exception, could not load its script, or
   *   sent a message that could not be deserialized;
   * - what `onProgress` threw (the worker is then asked to stop);
   * - `signal.reason` when {@link TrainInWorkerOptions.signal} aborts.
   *
   * A browser fires no event when the page calls `worker.terminate()`, so `done` cannot notice
   * it: abort `signal` (or `stop()` and await `done`) before terminating a Web Worker.
   */
  readonly done: Promise<TrainingResult>;
  /**
   * Asks the worker to stop after the current slice; `done` then resolves with
   * `stopped: true`. Does nothing once `done` has settled.
   */
  stop(): void;
}

/** Options of {@link trainInWorker}. */
export interface TrainInWorkerOptions {
  /**
   * Called on the caller's thread for every progress message. If it throws, the run is
   * stopped and `done` rejects with what it threw.
   */
  readonly onProgress?: (progress: TrainingProgress) => void;
  /**
   * Abandons the run: `done` rejects at once with `signal.reason` (an `AbortError` by
   * default) and the worker is asked to stop. Unlike `stop()`, it does not wait for the
   * worker, so it also settles `done` for a Web Worker the page is about to terminate.
   */
  readonly signal?: AbortSignal;
}

function isFloatArray(value: unknown): boolean {
  return value instanceof Float32Array || value instanceof Float64Array;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkArguments(worker: unknown, request: unknown, options: unknown): void {
  checkWorker(worker);
  if (!isObject(request)) {
    throw new OptionError(
      `request must be an object { network, x, y, steps, … }, got ${describe(request)}`,
    );
  }
  const { network } = request as Partial<TrainingRequest>;
  if (!isObject(network)) {
    throw new OptionError(
      `request.network must be an object of Network.create options, got ${describe(network)}`,
    );
  }
  checkRequest(request as TrainingRequest);
  if (!isObject(options)) {
    throw new OptionError(`options must be an object, got ${describe(options)}`);
  }
  const { onProgress, signal } = options as Partial<TrainInWorkerOptions>;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new OptionError(`options.onProgress must be a function, got ${describe(onProgress)}`);
  }
  if (signal !== undefined && !(isObject(signal) && 'aborted' in signal)) {
    throw new OptionError(`options.signal must be an AbortSignal, got ${describe(signal)}`);
  }
}

function checkRequest(request: TrainingRequest): void {
  for (const name of ['x', 'y', 'probe'] as const) {
    const array = request[name];
    if (name === 'probe' && array === undefined) continue;
    if (!isFloatArray(array)) {
      throw new OptionError(
        `request.${name} must be a Float32Array or Float64Array, got ${describe(array)}`,
      );
    }
    // A transferred buffer is detached: its arrays read as empty, and Node sends them as such.
    if (array!.length === 0) {
      throw new OptionError(
        `request.${name} is empty; if it was sent to a worker before, its buffer was ` +
          'transferred (pass copy: true to keep using the arrays)',
      );
    }
  }
  const counts = { steps: request.steps, batchSize: request.batchSize ?? 1 };
  for (const [name, value] of Object.entries(counts)) {
    if (!Number.isSafeInteger(value) || (value as number) < 1) {
      throw new OptionError(`request.${name} must be a positive integer, got ${describe(value)}`);
    }
  }
  const interval = request.reportIntervalMs ?? 0;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    throw new OptionError(
      `request.reportIntervalMs must be a finite number >= 0, got ${describe(interval)}`,
    );
  }
  if (typeof Response !== 'undefined' && request.network.wasm instanceof Response) {
    throw new OptionError(
      'request.network.wasm cannot be a Response (it cannot be sent to a worker): ' +
        'pass its URL, its bytes or a compiled WebAssembly.Module',
    );
  }
}

/** The request with a `URL` wasm source replaced by its `href` (URL objects are not cloneable). */
function cloneable(request: TrainingRequest): TrainingRequest {
  const wasm = request.network.wasm;
  if (!(wasm instanceof URL)) return request;
  const network: NetworkOptions = { ...request.network, wasm: wasm.href };
  return { ...request, network };
}

/**
 * Trains a network in `worker` (which must call {@link serveTraining}) without blocking this
 * thread. Like `trainStep` and the other synchronous checks of the library, a malformed call
 * (no `network` object, arrays of the wrong type, a bad count, options that are not an object,
 * a request that cannot be sent to a worker) throws {@link OptionError} synchronously, before
 * anything is sent. Everything decided in the worker or later rejects `done` instead (see
 * {@link TrainingRun.done}): the network options are validated by `Network.create` there.
 *
 * The worker stays yours: it is neither terminated nor unref'd, so it can serve several runs.
 * In Node, `worker.terminate()` it when done, or the process keeps running.
 *
 * @example
 * const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
 * const run = trainInWorker(worker, { network: { layers: [2, 3, 1], learningRate: 0.5 }, x, y, steps: 10_000 }, {
 *   onProgress: ({ step, loss }) => console.log(step, loss),
 * });
 * const { parameters } = await run.done;
 */
export function trainInWorker(
  worker: MessageEndpoint,
  request: TrainingRequest,
  options: TrainInWorkerOptions = {},
): TrainingRun {
  checkArguments(worker, request, options);
  const run = startRun<TrainingResult>(worker, {
    request: (id) => ({ kind: 'wasm-mlp:train', id, request: cloneable(request) }),
    transfer: request.copy ? [] : buffersOf([request.x, request.y, request.probe]),
    signal: options.signal,
    api: 'trainInWorker()',
    onMessage: (message) => {
      if (message.kind === 'wasm-mlp:progress') {
        const { kind: _kind, id: _id, ...progress } = message;
        options.onProgress?.(progress);
      } else if (message.kind === 'wasm-mlp:done') {
        return { result: message.result };
      }
      return undefined;
    },
  });
  return { done: run.done, stop: () => run.stop() };
}
