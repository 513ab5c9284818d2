// wasm-mlp/worker under faults, with real worker_threads workers: every way a worker can die
// (terminated, process.exit, an uncaught exception, a module that throws at import, a script
// that does not exist, a message that cannot be deserialized) settles `done` with a
// WorkerError instead of leaving it pending, and removes the run's listeners. Errors thrown
// inside the worker arrive as the same class, message and fields.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DivergenceError,
  FormatError,
  NonFiniteError,
  OptionError,
  ShapeError,
  StateError,
  TargetError,
  WasmMlpError,
} from 'wasm-mlp';
import { trainInWorker, WorkerError, type TrainingRequest } from 'wasm-mlp/worker';
import { XOR_X, XOR_Y } from '../helpers.js';

// A hang is what these tests catch: fail fast instead of waiting for the 60 s default.
const TIMEOUT = 15_000;
const EVENTS = ['message', 'error', 'exit', 'messageerror'] as const;
const network = { layers: [2, 3, 1], learningRate: 0.5, seed: 1 };
const endless = (): TrainingRequest => ({
  network,
  x: new Float32Array(XOR_X.flat()),
  y: new Float32Array(XOR_Y.flat()),
  steps: 1e12,
  reportIntervalMs: 5,
});

const started: Worker[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((worker) => worker.terminate()));
});

function trainWorker(): Worker {
  const worker = new Worker(new URL('./fixtures/train-worker.mjs', import.meta.url));
  started.push(worker);
  return worker;
}

function faultyWorker(workerData: object): Worker {
  const worker = new Worker(new URL('./fixtures/faulty-worker.mjs', import.meta.url), {
    workerData,
  });
  started.push(worker);
  return worker;
}

const listenerCounts = (worker: Worker) => EVENTS.map((event) => worker.listenerCount(event));

/** The worker's next 'wasm-mlp:done' message: what it sends once a run has stopped. */
function nextDone(worker: Worker): Promise<{ stopped: boolean }> {
  return new Promise((resolve) => {
    const onMessage = (message: { kind: string; result: { stopped: boolean } }) => {
      if (message.kind !== 'wasm-mlp:done') return;
      worker.off('message', onMessage);
      resolve(message.result);
    };
    worker.on('message', onMessage);
  });
}

async function rejection(done: Promise<unknown>): Promise<unknown> {
  return done.then(
    () => expect.fail('done resolved, expected a rejection'),
    (error: unknown) => error,
  );
}

describe('trainInWorker settles done when the worker dies', { timeout: TIMEOUT }, () => {
  it('worker.terminate() during a run: WorkerError, exit code 1, listeners removed', async () => {
    const worker = trainWorker();
    const before = listenerCounts(worker);
    let progress = 0;
    const run = trainInWorker(worker, endless(), {
      onProgress: () => void (progress++ === 0 && worker.terminate()),
    });
    expect(listenerCounts(worker)).toEqual(before.map((n) => n + 1));
    const error = await rejection(run.done);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toBeInstanceOf(WasmMlpError);
    expect(error).toMatchObject({ name: 'WorkerError', event: 'exit', exitCode: 1 });
    expect((error as Error).message).toMatch(
      /^the training worker exited with code 1 before finishing/,
    );
    expect(progress).toBeGreaterThan(0);
    expect(listenerCounts(worker)).toEqual(before);
    run.stop(); // A no-op once settled: does not throw on a dead worker.
  });

  it('process.exit() inside the worker during a run', async () => {
    const worker = faultyWorker({ fault: 'exit', code: 3 });
    let progress = 0;
    const run = trainInWorker(worker, endless(), { onProgress: () => progress++ });
    const error = await rejection(run.done);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ event: 'exit', exitCode: 3 });
    expect((error as Error).message).toMatch(/exited with code 3 before finishing/);
    expect(progress).toBeGreaterThan(0); // It died mid-run, not before starting.
    expect(listenerCounts(worker)).toEqual([0, 0, 0, 0]);
  });

  it('an uncaught exception in the worker during a run', async () => {
    const worker = faultyWorker({ fault: 'uncaught' });
    let progress = 0;
    const run = trainInWorker(worker, endless(), { onProgress: () => progress++ });
    const error = await rejection(run.done);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ event: 'error', exitCode: undefined });
    expect((error as Error).message).toMatch(
      /^the training worker threw an uncaught exception .*: injected: an uncaught exception in the worker$/,
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(progress).toBeGreaterThan(0);
    expect(listenerCounts(worker)).toEqual([0, 0, 0, 0]);
  });

  it('a worker module that throws at import (the worker never starts serving)', async () => {
    const worker = faultyWorker({ fault: 'import' });
    const error = await rejection(trainInWorker(worker, endless()).done);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ event: 'error' });
    expect((error as Error).message).toMatch(/injected: the worker module failed at import$/);
    expect(listenerCounts(worker)).toEqual([0, 0, 0, 0]);
  });

  it('a worker script that does not exist', async () => {
    const worker = new Worker(new URL('./fixtures/no-such-worker.mjs', import.meta.url));
    started.push(worker);
    const error = await rejection(trainInWorker(worker, endless()).done);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ event: 'error' });
    expect((error as Error).message).toMatch(/no-such-worker\.mjs/);
  });

  it('a messageerror: rejects and asks the still-running worker to stop', async () => {
    // Node gives no public way to make a message fail to deserialize, so the event is
    // injected on the real Worker, exactly as worker_threads would emit it.
    const worker = trainWorker();
    const before = listenerCounts(worker);
    let progress = 0;
    const stoppedRun = nextDone(worker);
    const run = trainInWorker(worker, endless(), {
      onProgress: () => {
        if (progress++ === 0) worker.emit('messageerror', new Error('injected: bad clone'));
      },
    });
    const error = await rejection(run.done);
    expect(error).toBeInstanceOf(WorkerError);
    expect(error).toMatchObject({ event: 'messageerror' });
    expect((error as Error).message).toMatch(/could not be deserialized.*injected: bad clone$/);
    expect(await stoppedRun).toMatchObject({ stopped: true });
    expect(listenerCounts(worker)).toEqual(before);
  });

  it('a worker that had already exited before the run', async () => {
    const worker = trainWorker();
    await worker.terminate();
    const error = await rejection(trainInWorker(worker, endless()).done);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as Error).message).toMatch(/no longer running/);
    expect(listenerCounts(worker)).toEqual([0, 0, 0, 0]);
  });

  it('the same worker serves again after a run ended by an error', async () => {
    const worker = trainWorker();
    const bad = trainInWorker(worker, { ...endless(), network: { layers: [2, 0, 1] } });
    await expect(bad.done).rejects.toThrow(OptionError);
    const good = await trainInWorker(worker, { ...endless(), steps: 10 }).done;
    expect(good.steps).toBe(10);
  });
});

describe('trainInWorker: the caller ends a run', { timeout: TIMEOUT }, () => {
  it('onProgress throws: done rejects with it and the worker stops the run', async () => {
    const worker = trainWorker();
    const thrown = new RangeError('injected: onProgress failed');
    const stoppedRun = nextDone(worker);
    const run = trainInWorker(worker, endless(), {
      onProgress: () => {
        throw thrown;
      },
    });
    expect(await rejection(run.done)).toBe(thrown);
    expect(await stoppedRun).toMatchObject({ stopped: true });
    expect(listenerCounts(worker)).toEqual([0, 0, 0, 0]);
  });

  it('signal aborts: done rejects with its reason at once and the worker stops', async () => {
    const worker = trainWorker();
    const controller = new AbortController();
    const stoppedRun = nextDone(worker);
    const run = trainInWorker(worker, endless(), {
      signal: controller.signal,
      onProgress: () => controller.abort(new Error('injected: abort')),
    });
    await expect(run.done).rejects.toThrow('injected: abort');
    expect(await stoppedRun).toMatchObject({ stopped: true });

    const aborted = AbortSignal.abort();
    const error = await rejection(trainInWorker(worker, endless(), { signal: aborted }).done);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(listenerCounts(worker)).toEqual([0, 0, 0, 0]);
  });
});

describe('errors thrown in the worker arrive as the same class', { timeout: TIMEOUT }, () => {
  it('OptionError, ShapeError, NonFiniteError, TargetError from real bad requests', async () => {
    const worker = trainWorker();
    const xor = { x: new Float32Array(XOR_X.flat()), y: new Float32Array(XOR_Y.flat()) };
    const cases: [Partial<TrainingRequest>, typeof WasmMlpError, string][] = [
      [{ network: { layers: [2, 0, 1] } }, OptionError, 'layers[1] must be a positive integer'],
      [{ y: new Float32Array(3) }, ShapeError, 'y: expected 4 rows (the rows of x), got 3'],
      [{ x: new Float32Array([0, 0, 0, 1, 1, NaN, 1, 1]) }, NonFiniteError, 'is NaN'],
      [
        {
          network: { ...network, loss: 'binary-cross-entropy' },
          y: new Float32Array([0, 1, 2, 0]),
        },
        TargetError,
        "= 2 is outside [0, 1], which loss 'binary-cross-entropy' requires",
      ],
    ];
    for (const [change, Class, message] of cases) {
      const request = { network, ...xor, steps: 1, copy: true, ...change };
      const error = await rejection(trainInWorker(worker, request).done);
      expect(error).toBeInstanceOf(Class);
      expect((error as Error).name).toBe(Class.name);
      expect((error as Error).message).toContain(message);
    }
  });

  it('every other class, with its fields, injected into trainStep in the worker', async () => {
    const cases: [string, unknown[], new (...args: never[]) => Error, object][] = [
      ['StateError', [], StateError, {}],
      ['FormatError', [], FormatError, {}],
      ['WasmMlpError', [], WasmMlpError, {}],
      ['DivergenceError', [2, 5, NaN], DivergenceError, { epoch: 2, batch: 5, loss: NaN }],
      // Not the library's: a plain Error that keeps its name and message.
      ['TypeError', [], Error, { name: 'TypeError' }],
    ];
    for (const [name, args, Class, fields] of cases) {
      const message = `injected: a ${name} thrown by trainStep`;
      const worker = faultyWorker({ fault: 'throw', error: { class: name, message, args } });
      const error = await rejection(trainInWorker(worker, endless()).done);
      expect(error).toBeInstanceOf(Class);
      expect(error).toMatchObject({ message, name, ...fields });
      if (Class !== WasmMlpError && Class !== Error) {
        expect(error).not.toBeInstanceOf(WorkerError);
      }
    }
  });
});
