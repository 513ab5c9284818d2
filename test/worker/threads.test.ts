// wasm-mlp/worker in Node: training in a worker_threads Worker through the built bundles, with
// progress messages, transferred buffers, stop(), and errors carried back with their class.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Network, NonFiniteError, OptionError, ShapeError } from 'wasm-mlp';
import { trainInWorker, type TrainingProgress } from 'wasm-mlp/worker';
import { XOR_X, XOR_Y, flatParams } from '../helpers.js';

const xorX = () => new Float32Array(XOR_X.flat());
const xorY = () => new Float32Array(XOR_Y.flat());
const network = { layers: [2, 3, 1], learningRate: 0.5, seed: 1 };

let worker: Worker;
beforeAll(() => {
  worker = new Worker(new URL('./fixtures/train-worker.mjs', import.meta.url));
});
afterAll(() => worker.terminate());

describe('trainInWorker with a worker_threads Worker', () => {
  it('trains XOR to convergence, reporting progress, and transfers the inputs', async () => {
    const x = xorX();
    const y = xorY();
    const probe = xorX();
    const progress: TrainingProgress[] = [];
    const run = trainInWorker(
      worker,
      { network, x, y, probe, steps: 10_000, reportIntervalMs: 2 },
      { onProgress: (p) => progress.push(p) },
    );
    // Transferred, not copied: the caller's buffers are detached.
    expect([x.byteLength, y.byteLength, probe.byteLength]).toEqual([0, 0, 0]);
    const result = await run.done;
    expect(result.steps).toBe(10_000);
    expect(result.stopped).toBe(false);
    expect(result.loss).toBeLessThan(0.01);

    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)!.step).toBe(10_000);
    const steps = progress.map((p) => p.step);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));
    for (const p of progress) {
      expect(p.probeOutput).toBeInstanceOf(Float32Array);
      expect(p.probeOutput).toHaveLength(4);
      expect(p.stepsPerSecond).toBeGreaterThan(0);
    }
    const last = progress.at(-1)!.probeOutput!;
    expect(Array.from(last, (v) => (v > 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);

    // The same training on this thread gives the same parameters (same core, same seed).
    const local = await Network.create(network);
    for (let i = 0; i < 10_000; i++) local.trainStep(XOR_X, XOR_Y);
    expect(flatParams(result.parameters)).toEqual(flatParams(local.getParameters()));
    local.dispose();
  });

  it('copy: true leaves the inputs usable; mini-batches cycle through the rows', async () => {
    const x = xorX();
    const y = xorY();
    const { done } = trainInWorker(worker, {
      network: { ...network, backend: 'reference' },
      x,
      y,
      steps: 6,
      batchSize: 3,
      copy: true,
    });
    expect(x.byteLength).toBe(32);
    const result = await done;
    // Rows 0-2, row 3, rows 0-2, row 3, ... (the last mini-batch of a pass is shorter).
    const local = await Network.create({ ...network, backend: 'reference' });
    for (let i = 0; i < 3; i++) {
      local.trainStep(XOR_X.slice(0, 3), XOR_Y.slice(0, 3));
      local.trainStep(XOR_X.slice(3), XOR_Y.slice(3));
    }
    expect(flatParams(result.parameters)).toEqual(flatParams(local.getParameters()));
  });

  it('stop() ends a run early with stopped: true', async () => {
    const run = trainInWorker(
      worker,
      { network, x: xorX(), y: xorY(), steps: 1e12, reportIntervalMs: 5 },
      { onProgress: () => run.stop() },
    );
    const result = await run.done;
    expect(result.stopped).toBe(true);
    expect(result.steps).toBeGreaterThan(0);
    expect(result.steps).toBeLessThan(1e12);
    expect(Number.isFinite(result.loss)).toBe(true);
  });

  it("rejects with the worker's error class and message", async () => {
    const badLayers = trainInWorker(worker, {
      network: { layers: [2, 0, 1] },
      x: xorX(),
      y: xorY(),
      steps: 1,
    });
    await expect(badLayers.done).rejects.toThrow(OptionError);
    await expect(badLayers.done).rejects.toThrow('layers[1] must be a positive integer, got 0');

    const badRows = trainInWorker(worker, { network, x: xorX(), y: new Float32Array(3), steps: 1 });
    await expect(badRows.done).rejects.toThrow(ShapeError);
    await expect(badRows.done).rejects.toThrow('y: expected 4 rows (the rows of x), got 3');

    const badWidth = trainInWorker(worker, {
      network,
      x: new Float32Array(5),
      y: xorY(),
      steps: 1,
    });
    await expect(badWidth.done).rejects.toThrow(
      'x: expected a length that is a multiple of 2 (layers[0]), got 5',
    );
  });

  it('names the probe, not x, when the probe is wrong, before any training step', async () => {
    const onProgress = vi.fn();
    const wide = trainInWorker(
      worker,
      { network, x: xorX(), y: xorY(), probe: new Float32Array(3), steps: 1000 },
      { onProgress },
    );
    await expect(wide.done).rejects.toThrow(ShapeError);
    await expect(wide.done).rejects.toThrow(
      'probe: expected a length that is a multiple of 2 (layers[0]), got 3',
    );
    const infinite = trainInWorker(worker, {
      network,
      x: xorX(),
      y: xorY(),
      probe: Float32Array.of(0, Infinity),
      steps: 1000,
    });
    await expect(infinite.done).rejects.toThrow(NonFiniteError);
    await expect(infinite.done).rejects.toThrow('probe[1] is Infinity');
    expect(onProgress).not.toHaveBeenCalled();
  });

  it('throws OptionError synchronously for a malformed request', () => {
    const base = { network, x: xorX(), y: xorY(), steps: 1 };
    const cases: [object, string][] = [
      [{ x: [0, 1] }, 'request.x must be a Float32Array or Float64Array, got an array of length 2'],
      [
        { y: new Int32Array(4) },
        'request.y must be a Float32Array or Float64Array, got a Int32Array',
      ],
      [{ probe: 'grid' }, "request.probe must be a Float32Array or Float64Array, got 'grid'"],
      [{ steps: 0 }, 'request.steps must be a positive integer, got 0'],
      [{ steps: 1.5 }, 'request.steps must be a positive integer, got 1.5'],
      [{ batchSize: -1 }, 'request.batchSize must be a positive integer, got -1'],
      [{ reportIntervalMs: NaN }, 'request.reportIntervalMs must be a finite number >= 0, got NaN'],
      [
        { network: { ...network, wasm: new Response('') } },
        'request.network.wasm cannot be a Response',
      ],
    ];
    for (const [change, message] of cases) {
      const request = { ...base, ...change } as Parameters<typeof trainInWorker>[1];
      expect(() => trainInWorker(worker, request)).toThrow(OptionError);
      expect(() => trainInWorker(worker, request)).toThrow(message);
    }
  });

  it('throws OptionError, not a bare TypeError, for missing or wrongly typed arguments', () => {
    const { network: _network, ...noNetwork } = { network, x: xorX(), y: xorY(), steps: 1 };
    const request = () => ({ network, x: xorX(), y: xorY(), steps: 1 });
    const cases: [() => unknown, string][] = [
      [
        () => trainInWorker(worker, noNetwork as never),
        'request.network must be an object of Network.create options, got undefined',
      ],
      [
        () => trainInWorker(worker, { ...request(), network: [2, 3, 1] } as never),
        'request.network must be an object of Network.create options, got an array of length 3',
      ],
      [
        () => trainInWorker(worker, undefined as never),
        'request must be an object { network, x, y, steps, … }, got undefined',
      ],
      [
        () => trainInWorker(worker, request(), null as never),
        'options must be an object, got null',
      ],
      [
        () => trainInWorker(worker, request(), { onProgress: 'log' } as never),
        "options.onProgress must be a function, got 'log'",
      ],
      [
        () => trainInWorker(worker, request(), { signal: true } as never),
        'options.signal must be an AbortSignal, got true',
      ],
      [
        () => trainInWorker({} as never, request()),
        'worker must be a Web Worker or a node:worker_threads Worker',
      ],
      [
        // Not structured-cloneable: postMessage's DataCloneError becomes an OptionError.
        () =>
          trainInWorker(worker, { ...request(), network: { ...network, seed: () => 1 } as never }),
        'request could not be sent to the worker',
      ],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(OptionError);
      expect(call).toThrow(message);
    }
  });

  it('throws OptionError for an array already transferred to a worker, or empty', async () => {
    const x = xorX();
    const y = xorY();
    const first = trainInWorker(worker, { network, x, y, steps: 1 });
    // Node sends a detached buffer as an empty one: without the check the worker would answer
    // a puzzling 'y: expected 0 rows (the rows of x), got 4'.
    const again = () => trainInWorker(worker, { network, x, y: xorY(), steps: 1 });
    expect(again).toThrow(OptionError);
    expect(again).toThrow('request.x is empty; if it was sent to a worker before, its buffer');
    const emptyProbe = () =>
      trainInWorker(worker, { network, x: xorX(), y: xorY(), probe: new Float32Array(), steps: 1 });
    expect(emptyProbe).toThrow('request.probe is empty');
    expect((await first.done).steps).toBe(1);
  });
});
