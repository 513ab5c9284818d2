/**
 * `wasm-mlp/worker`: train in a Web Worker or a Node `worker_threads` worker without blocking
 * the calling thread, with progress messages back and buffers transferred, not copied.
 *
 * @example
 * // train-worker.js (the worker's module)
 * import { serveTraining } from 'wasm-mlp/worker';
 * serveTraining();
 *
 * // main.js
 * import { trainInWorker } from 'wasm-mlp/worker';
 * const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' });
 * const run = trainInWorker(worker, { network: { layers: [2, 3, 1] }, x, y, steps: 10_000 }, {
 *   onProgress: ({ step, loss }) => console.log(step, loss),
 * });
 * const { parameters } = await run.done;
 * @module
 */
export { serveTraining } from './worker/serve-training.js';
export { trainInWorker } from './worker/train-in-worker.js';
export { fitInWorker } from './worker/fit-in-worker.js';
export type { FitRun, FitInWorkerOptions } from './worker/fit-in-worker.js';
export type { TrainingRun, TrainInWorkerOptions } from './worker/train-in-worker.js';
export type {
  FloatArray,
  TrainingProgress,
  TrainingRequest,
  TrainingResult,
  FitRequest,
  FitResult,
  WorkerFitOptions,
} from './worker/protocol.js';
export { WorkerError } from './worker/errors.js';
export type { WorkerFailure } from './worker/errors.js';
export type { MessageEndpoint } from './worker/endpoint.js';
