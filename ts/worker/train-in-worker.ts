/**
 * The caller's side: `trainInWorker(worker, request)` sends a {@link TrainingRequest} to a
 * worker running {@link serveTraining} and returns a {@link TrainingRun}: progress callbacks,
 * `stop()`, and a promise of the trained parameters. Input buffers are transferred, not
 * copied (unless `copy: true`), so the caller's `x`, `y` and `probe` are detached afterwards.
 * @module
 */
import { OptionError, type NetworkOptions } from '../index.js';
import { describe } from '../errors.js';
import { listen, type MessageEndpoint } from './endpoint.js';
import { rebuildError } from './errors.js';
import {
  buffersOf,
  type FromWorker,
  type ToWorker,
  type TrainingProgress,
  type TrainingRequest,
  type TrainingResult,
} from './protocol.js';

/** A training run in progress. */
export interface TrainingRun {
  /** Resolves with the trained parameters; rejects with the worker's error (same class name). */
  readonly done: Promise<TrainingResult>;
  /** Asks the worker to stop after the current slice; `done` then resolves with `stopped: true`. */
  stop(): void;
}

/** Options of {@link trainInWorker}. */
export interface TrainInWorkerOptions {
  /** Called on the caller's thread for every progress message. */
  readonly onProgress?: (progress: TrainingProgress) => void;
}

let nextRunId = 1;

function isFloatArray(value: unknown): boolean {
  return value instanceof Float32Array || value instanceof Float64Array;
}

function checkRequest(request: TrainingRequest): void {
  for (const name of ['x', 'y'] as const) {
    if (!isFloatArray(request[name])) {
      throw new OptionError(
        `request.${name} must be a Float32Array or Float64Array, got ${describe(request[name])}`,
      );
    }
  }
  if (request.probe !== undefined && !isFloatArray(request.probe)) {
    throw new OptionError(
      `request.probe must be a Float32Array or Float64Array, got ${describe(request.probe)}`,
    );
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
  if (typeof Response !== 'undefined' && request.network?.wasm instanceof Response) {
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
 * thread. Throws {@link OptionError} synchronously for a malformed request; errors inside the
 * worker (bad layer sizes, shapes, a wasm load failure) reject `done` with an error of the
 * same class and message.
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
  checkRequest(request);
  const id = nextRunId++;
  let unlisten = () => {};
  const done = new Promise<TrainingResult>((resolve, reject) => {
    unlisten = listen(worker, (data) => {
      const message = data as FromWorker;
      if (message?.id !== id || typeof message.kind !== 'string') return;
      if (message.kind === 'wasm-mlp:progress') {
        const { kind: _kind, id: _id, ...progress } = message;
        options.onProgress?.(progress);
        return;
      }
      unlisten();
      if (message.kind === 'wasm-mlp:done') resolve(message.result);
      else if (message.kind === 'wasm-mlp:error') {
        reject(rebuildError(message.errorClass, message.message));
      }
    });
  });
  const send: ToWorker = { kind: 'wasm-mlp:train', id, request: cloneable(request) };
  worker.postMessage(send, request.copy ? [] : buffersOf([request.x, request.y, request.probe]));
  return {
    done,
    stop: () => worker.postMessage({ kind: 'wasm-mlp:stop', id } satisfies ToWorker, []),
  };
}
