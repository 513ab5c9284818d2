/**
 * One run in a worker, seen from the caller: posts the request, routes the run's messages,
 * and settles `done` exactly once: with the result, with the error the worker sent (rebuilt
 * as its class), with a {@link WorkerError} when the worker itself fails (exit, uncaught
 * exception, a message that cannot be deserialized), with what a message handler threw, or
 * with `signal.reason`. Shared by `trainInWorker` and `fitInWorker`.
 * @module
 */
import { OptionError } from '../index.js';
import { listen, type MessageEndpoint } from './endpoint.js';
import { rebuildError, WorkerError } from './errors.js';
import type { FromWorker, ToWorker } from './protocol.js';

let nextRunId = 1;

/** What {@link startRun} needs to know about one kind of run. */
export interface RunSpec<R> {
  /** The request message for run `id`. */
  request(id: number): ToWorker;
  /** Buffers to transfer with it. */
  transfer: ArrayBuffer[];
  signal: AbortSignal | undefined;
  /** Names the API in the default abort reason, e.g. `'trainInWorker()'`. */
  api: string;
  /**
   * A message of this run: returns `{ result }` when it ends the run; may throw (the run then
   * rejects with it and the worker is asked to stop at once).
   */
  onMessage(message: FromWorker): { result: R } | undefined;
}

/** A started run: `done`, and `stop(now)` which posts `wasm-mlp:stop` unless settled. */
export interface StartedRun<R> {
  readonly done: Promise<R>;
  stop(now?: boolean): void;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function abortReason(signal: AbortSignal, api: string): unknown {
  return signal.reason ?? new DOMException(`${api} was aborted`, 'AbortError');
}

/**
 * Sends the request and follows the run (see the module comment). A request that cannot be
 * posted (a DataCloneError) throws {@link OptionError} synchronously.
 */
export function startRun<R>(worker: MessageEndpoint, spec: RunSpec<R>): StartedRun<R> {
  const { signal } = spec;
  if (signal?.aborted) {
    return { done: Promise.reject(abortReason(signal, spec.api)), stop: () => {} };
  }
  // A Node worker whose thread has ended reports threadId -1 and will send no more events.
  if ((worker as { threadId?: unknown }).threadId === -1) {
    const error = new WorkerError(
      'the training worker is no longer running (it exited before this run was sent)',
      'exit',
    );
    return { done: Promise.reject(error), stop: () => {} };
  }
  const id = nextRunId++;
  try {
    worker.postMessage(spec.request(id), spec.transfer);
  } catch (error) {
    // A DataCloneError: e.g. a function in the options, or an already transferred buffer.
    throw new OptionError(`request could not be sent to the worker: ${messageOf(error)}`);
  }
  let settled = false;
  const askToStop = (now = false) => {
    try {
      worker.postMessage({ kind: 'wasm-mlp:stop', id, now } satisfies ToWorker, []);
    } catch {
      // The worker is gone: there is nothing left to stop.
    }
  };
  // Listening starts in the same task as the postMessage above; no reply can arrive before.
  const done = new Promise<R>((resolve, reject) => {
    const settle = () => {
      settled = true;
      unlisten();
      signal?.removeEventListener('abort', onAbort);
    };
    /** Rejects `done`; `stopWorker` when the worker may still be running this run. */
    const fail = (error: unknown, stopWorker: boolean) => {
      if (settled) return;
      settle();
      if (stopWorker) askToStop(true);
      reject(error);
    };
    const onAbort = () => fail(abortReason(signal!, spec.api), true);
    const unlisten = listen(worker, {
      message: (data) => {
        const message = data as FromWorker | null;
        if (settled || message?.id !== id || typeof message.kind !== 'string') return;
        if (message.kind === 'wasm-mlp:error') {
          fail(rebuildError(message), false);
          return;
        }
        let end: { result: R } | undefined;
        try {
          end = spec.onMessage(message);
        } catch (error) {
          fail(error, true);
          return;
        }
        if (end) {
          settle();
          resolve(end.result);
        }
      },
      error: (error) =>
        fail(
          new WorkerError(
            'the training worker threw an uncaught exception or failed to load its script ' +
              `before finishing: ${messageOf(error)}`,
            'error',
            undefined,
            error,
          ),
          true,
        ),
      messageerror: (error) =>
        fail(
          new WorkerError(
            'a message from the training worker could not be deserialized, so the run ' +
              `cannot finish: ${messageOf(error)}`,
            'messageerror',
            undefined,
            error,
          ),
          true,
        ),
      exit: (code: number) =>
        fail(
          new WorkerError(
            `the training worker exited with code ${code} before finishing ` +
              '(worker.terminate(), process.exit() or a crash)',
            'exit',
            code,
          ),
          false,
        ),
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return { done, stop: (now) => void (settled || askToStop(now)) };
}
