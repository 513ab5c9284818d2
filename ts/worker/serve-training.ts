/**
 * The worker side: `serveTraining()` answers {@link trainInWorker} requests. Each run creates a
 * network, calls `trainStep` in slices of `reportIntervalMs`, posts a progress message after
 * each slice (with the probe's outputs, transferred), then yields to the event loop so a
 * `stop` message can arrive; at the end it posts the trained parameters (transferred) and
 * disposes the network.
 * @module
 */
import { Network, NonFiniteError, ShapeError } from '../index.js';
import { nodeBuiltin } from '../node-builtin.js';
import { sendableError } from './errors.js';
import { listen, type MessageEndpoint } from './endpoint.js';
import { buffersOf, type FromWorker, type ToWorker, type TrainingRequest } from './protocol.js';

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

function serve(endpoint: MessageEndpoint): void {
  const stops = new Map<number, boolean>();
  const post: Post = (message, transfer = []) => endpoint.postMessage(message, transfer);
  listen(endpoint, {
    message: (data) => {
      const message = data as ToWorker;
      if (message?.kind === 'wasm-mlp:stop') {
        if (stops.has(message.id)) stops.set(message.id, true);
      } else if (message?.kind === 'wasm-mlp:train') {
        const { id, request } = message;
        stops.set(id, false);
        train(id, request, () => stops.get(id) === true, post)
          .catch((error: unknown) => post({ kind: 'wasm-mlp:error', id, ...sendableError(error) }))
          .finally(() => stops.delete(id));
      }
    },
  });
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
