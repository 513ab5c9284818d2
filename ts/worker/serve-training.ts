/**
 * The worker side: `serveTraining()` answers {@link trainInWorker} requests. Each run creates a
 * network, calls `trainStep` in slices of `reportIntervalMs`, posts a progress message after
 * each slice (with the probe's outputs, transferred), then yields to the event loop so a
 * `stop` message can arrive; at the end it posts the trained parameters (transferred) and
 * disposes the network.
 * @module
 */
import { Network, NonFiniteError, ShapeError, type EpochLog, type History } from '../index.js';
import { nodeBuiltin } from '../node-builtin.js';
import { sendableError } from './errors.js';
import { listen, type MessageEndpoint } from './endpoint.js';
import {
  buffersOf,
  type FitRequest,
  type FromWorker,
  type ToWorker,
  type TrainingRequest,
} from './protocol.js';

type Post = (message: FromWorker, transfer?: ArrayBuffer[]) => void;

/** A macrotask boundary without the 4 ms clamp of nested `setTimeout`s. */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

function rowsOf(name: string, array: ArrayLike<number>, width: number, what: string): number {
  if (array.length % width !== 0) {
    throw new ShapeError(
      `${name}: expected a length that is a multiple of ${width} (${what}), got ${array.length}`,
    );
  }
  return array.length / width;
}

/**
 * The probe is checked before training (its errors name it): later, `forward(probe)` would
 * report a bad probe as a bad `x`, after training steps were already spent.
 */
function checkProbe(probe: ArrayLike<number>, inputs: number): void {
  rowsOf('probe', probe, inputs, 'layers[0]');
  for (let i = 0; i < probe.length; i++) {
    if (!Number.isFinite(probe[i])) {
      throw new NonFiniteError(`probe[${i}] is ${probe[i]}: the probe must be finite`);
    }
  }
}

async function train(
  id: number,
  request: TrainingRequest,
  stopped: () => boolean,
  post: Post,
): Promise<void> {
  const net = await Network.create(request.network);
  try {
    const inputs = net.layers[0]!;
    // Sparse labels: one class id per row (expanded to one-hot by each trainStep).
    const sparse = net.lossName === 'sparse-categorical-cross-entropy';
    const outputs = sparse ? 1 : net.layers[net.layers.length - 1]!;
    const last = sparse ? 'one class id per row' : `layers[${net.layers.length - 1}]`;
    const rows = rowsOf('x', request.x, inputs, 'layers[0]');
    const targetRows = rowsOf('y', request.y, outputs, last);
    if (targetRows !== rows) {
      throw new ShapeError(`y: expected ${rows} rows (the rows of x), got ${targetRows}`);
    }
    if (request.probe) checkProbe(request.probe, inputs);
    const batch = Math.min(request.batchSize ?? rows, rows);
    const interval = request.reportIntervalMs ?? 50;
    const started = performance.now();
    let [step, loss, offset, reportedAt, reportedStep] = [0, NaN, 0, started, 0];
    while (step < request.steps && !stopped()) {
      const sliceEnd = performance.now() + interval;
      do {
        const end = Math.min(offset + batch, rows);
        loss = net.trainStep(
          request.x.subarray(offset * inputs, end * inputs),
          request.y.subarray(offset * outputs, end * outputs),
        );
        offset = end === rows ? 0 : end;
        step++;
      } while (step < request.steps && performance.now() < sliceEnd);
      const now = performance.now();
      const probeOutput = request.probe ? net.forward(request.probe) : undefined;
      post(
        {
          kind: 'wasm-mlp:progress',
          id,
          step,
          loss,
          elapsedMs: now - started,
          stepsPerSecond: ((step - reportedStep) * 1000) / Math.max(now - reportedAt, 1e-3),
          ...(probeOutput ? { probeOutput } : {}),
        },
        buffersOf([probeOutput]),
      );
      [reportedAt, reportedStep] = [now, step];
      await yieldToEventLoop();
    }
    const parameters = net.getParameters();
    post(
      {
        kind: 'wasm-mlp:done',
        id,
        result: {
          steps: step,
          loss,
          stopped: step < request.steps,
          elapsedMs: performance.now() - started,
          parameters,
          threads: net.threads,
        },
      },
      buffersOf([...parameters.weights, ...parameters.biases]),
    );
  } finally {
    net.dispose();
  }
}

async function nodeParentPort(): Promise<MessageEndpoint> {
  const { parentPort } =
    await nodeBuiltin<typeof import('node:worker_threads')>('node:worker_threads');
  if (!parentPort) {
    throw new Error('serveTraining() must run inside a Web Worker or a worker_threads Worker');
  }
  return parentPort as unknown as MessageEndpoint;
}

/** A run's stop requests: `stopped` (at the next boundary) and `abort` (a fit, at once). */
interface Control {
  stopped: boolean;
  readonly abort: AbortController;
}

function serve(endpoint: MessageEndpoint): void {
  const runs = new Map<number, Control>();
  const post: Post = (message, transfer = []) => endpoint.postMessage(message, transfer);
  listen(endpoint, {
    message: (data) => {
      const message = data as ToWorker;
      if (message?.kind === 'wasm-mlp:stop') {
        const control = runs.get(message.id);
        if (!control) return;
        control.stopped = true;
        if (message.now) control.abort.abort();
      } else if (message?.kind === 'wasm-mlp:train' || message?.kind === 'wasm-mlp:fit') {
        const { id } = message;
        const control: Control = { stopped: false, abort: new AbortController() };
        runs.set(id, control);
        const job =
          message.kind === 'wasm-mlp:train'
            ? train(id, message.request, () => control.stopped, post)
            : fit(id, message.request, control, post);
        job
          .catch((error: unknown) => post({ kind: 'wasm-mlp:error', id, ...sendableError(error) }))
          .finally(() => runs.delete(id));
      }
    },
  });
}

/** Why a fit was stopped by `stop()` (not an error: the run resolves). */
const STOPPED = Symbol('stopped');

/** A History from the epoch logs (a stopped fit rejects, so it returns none). */
function historyOf(logs: readonly EpochLog[]): History {
  const history: History = {
    epochs: logs.length,
    loss: [],
    valLoss: [],
    stoppedEarly: false,
    bestEpoch: null,
  };
  const arrays = history as unknown as Record<string, number[]>;
  for (const log of logs) {
    for (const [key, value] of Object.entries(log)) {
      if (key === 'epoch' || key === 'learningRate' || typeof value !== 'number') continue;
      (arrays[key] ??= []).push(value);
      if (!key.startsWith('val')) arrays[`val${key[0]!.toUpperCase()}${key.slice(1)}`] ??= [];
    }
  }
  return history;
}

async function fit(id: number, request: FitRequest, control: Control, post: Post): Promise<void> {
  const net =
    request.network instanceof Uint8Array
      ? await Network.fromSafetensors(request.network, request.load ?? {})
      : await Network.create(request.network);
  try {
    const interval = request.reportIntervalMs ?? 50;
    const started = performance.now();
    let reportedAt = -Infinity;
    const logs: EpochLog[] = [];
    const { checkpoint, ...options } = request.fit ?? {};
    let history: History;
    let stopped = false;
    try {
      history = await net.fit(request.x, request.y, {
        ...options,
        ...(checkpoint ? { checkpoint } : {}),
        signal: control.abort.signal,
        onBatchEnd: (log) => {
          const now = performance.now();
          if (now - reportedAt < interval) return;
          reportedAt = now;
          post({ kind: 'wasm-mlp:batch', id, log });
        },
        onEpochEnd: (log) => {
          logs.push(log);
          post({ kind: 'wasm-mlp:epoch', id, log });
          // Stopping here, between epochs, keeps the training state exact and saveable.
          if (control.stopped) control.abort.abort(STOPPED);
        },
      });
    } catch (error) {
      if (!(control.abort.signal.aborted && control.abort.signal.reason === STOPPED)) throw error;
      history = historyOf(logs);
      stopped = logs.length < (options.epochs ?? 1);
    }
    const parameters = net.getParameters();
    const model = net.toSafetensors({ trainingState: true });
    post(
      {
        kind: 'wasm-mlp:fit-done',
        id,
        result: { history, stopped, elapsedMs: performance.now() - started, parameters, model },
      },
      [...buffersOf([...parameters.weights, ...parameters.biases]), model.buffer as ArrayBuffer],
    );
  } finally {
    net.dispose();
  }
}

/**
 * Makes this worker answer {@link trainInWorker} requests. Call it once at the top of the
 * worker's module. `endpoint` defaults to the worker's global scope (Web Worker) or
 * `parentPort` (Node `worker_threads`). In a Web Worker it starts listening synchronously, so
 * no message posted right after `new Worker(…)` is missed; in Node, messages are queued until
 * the listener is attached.
 *
 * @example
 * // train-worker.js
 * import { serveTraining } from 'wasm-mlp/worker';
 * serveTraining();
 */
export function serveTraining(endpoint?: MessageEndpoint): Promise<void> {
  const scope = globalThis as { WorkerGlobalScope?: unknown };
  if (endpoint || typeof scope.WorkerGlobalScope === 'function') {
    serve(endpoint ?? (globalThis as MessageEndpoint));
    return Promise.resolve();
  }
  return nodeParentPort().then(serve);
}
