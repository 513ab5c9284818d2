// fitInWorker in Node: Network.fit's options in a worker_threads Worker (validation data,
// early stopping, schedules, metrics), epoch and batch logs as messages, the same history and
// parameters as fit on this thread, stop() between epochs with an exactly resumable model,
// abort, errors carried back with their class, and a worker that dies mid-fit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Network,
  OptionError,
  type BatchLog,
  type EpochLog,
  type FitOptions,
  type NetworkOptions,
} from 'wasm-mlp';
import { fitInWorker, WorkerError, type WorkerFitOptions } from 'wasm-mlp/worker';
import { flatParams, randArray, rng } from '../helpers.js';

const network: NetworkOptions<'f32'> = {
  layers: [3, 10, 3],
  activation: ['tanh', 'softmax'],
  loss: 'categorical-cross-entropy',
  optimizer: 'adam',
  learningRate: 0.02,
  seed: 9,
};

/** 3 classes by the largest feature: train and validation rows, flat. */
function data(rows: number, seed: number) {
  const next = rng(seed);
  const x = new Float32Array(rows * 3);
  const y = new Float32Array(rows * 3);
  for (let r = 0; r < rows; r++) {
    const row = randArray(next, 3, 0, 1);
    x.set(row, r * 3);
    y[r * 3 + row.indexOf(Math.max(...row))] = 1;
  }
  return { x, y };
}

const train = () => data(90, 1);
const val = () => data(30, 2);

const FIT: WorkerFitOptions = {
  epochs: 8,
  batchSize: 16,
  metrics: ['mae'],
  earlyStopping: { patience: 3, restoreBestWeights: true },
  learningRate: { type: 'plateau', patience: 1, factor: 0.5 },
};

let worker: Worker;
beforeAll(() => {
  worker = new Worker(new URL('./fixtures/train-worker.mjs', import.meta.url));
});
afterAll(() => worker.terminate());

/** fit on this thread with the same options. */
async function local(options: FitOptions, model?: Uint8Array) {
  const net = model ? await Network.fromSafetensors(model) : await Network.create(network);
  const logs: EpochLog[] = [];
  const history = await net.fit(train().x, train().y, {
    ...options,
    onEpochEnd: (log) => void logs.push(log),
  });
  const result = { history, logs, parameters: net.getParameters() };
  net.dispose();
  return result;
}

describe('fitInWorker with a worker_threads Worker', () => {
  it("runs fit's options in the worker: same logs, history and parameters as on this thread", async () => {
    const t = train();
    const v = val();
    const epochs: EpochLog[] = [];
    const batches: BatchLog[] = [];
    const run = fitInWorker(
      worker,
      { network, x: t.x, y: t.y, fit: { ...FIT, validationData: v }, reportIntervalMs: 0 },
      { onEpochEnd: (log) => void epochs.push(log), onBatchEnd: (log) => void batches.push(log) },
    );
    expect([t.x.byteLength, v.y.byteLength]).toEqual([0, 0]); // transferred
    const result = await run.done;
    const here = await local({ ...FIT, validationData: val() });
    expect(result.stopped).toBe(false);
    expect(result.history).toEqual(here.history);
    expect(epochs).toEqual(here.logs);
    expect(epochs.map((l) => l.learningRate)).toContain(0.02);
    expect(batches.length).toBe(here.history.epochs * Math.ceil(90 / 16)); // interval 0: all
    expect(batches[0]).toMatchObject({ epoch: 0, batch: 0, size: 16 });
    expect(flatParams(result.parameters)).toEqual(flatParams(here.parameters));
    using loaded = await Network.fromSafetensors(result.model);
    expect(loaded.epochsTrained).toBe(here.history.epochs);
  });

  it('stop() ends after the current epoch; its model continues exactly in another run', async () => {
    // yieldEveryMs 0: the worker reads its messages after every batch.
    const fit: WorkerFitOptions = {
      epochs: 40,
      batchSize: 8,
      validationSplit: 0.2,
      yieldEveryMs: 0,
      learningRate: { type: 'cosine', epochs: 40, warmupEpochs: 1 },
    };
    const run = fitInWorker(
      worker,
      { network, ...train(), fit },
      { onEpochEnd: ({ epoch }) => void (epoch === 1 && run.stop()) },
    );
    const first = await run.done;
    expect(first.stopped).toBe(true);
    // The stop request arrives while epoch 2 runs at the earliest.
    const done = first.history.epochs;
    expect(done).toBeGreaterThanOrEqual(2);
    expect(done).toBeLessThan(40);
    expect(first.history.loss).toHaveLength(done);
    const rest = await fitInWorker(worker, {
      network: first.model,
      ...train(),
      fit: { ...fit, epochs: 40 - done },
    }).done;
    const whole = await local(fit);
    expect(flatParams(rest.parameters)).toEqual(flatParams(whole.parameters));
    expect([...first.history.loss, ...rest.history.loss]).toEqual(whole.history.loss);
  });

  it('checkpoints to a path from inside the worker; a missing directory rejects first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasm-mlp-fit-worker-'));
    try {
      const path = join(dir, 'ckpt.json');
      const result = await fitInWorker(worker, {
        network,
        ...train(),
        fit: { epochs: 3, checkpoint: { path, every: 2 } },
      }).done;
      using saved = await Network.fromJSON(readFileSync(path, 'utf8'));
      expect(saved.epochsTrained).toBe(3);
      expect(flatParams(saved.getParameters())).toEqual(flatParams(result.parameters));
      const missing = fitInWorker(worker, {
        network,
        ...train(),
        fit: { epochs: 3, checkpoint: { path: join(dir, 'nope', 'c.json') } },
      });
      await expect(missing.done).rejects.toThrow(OptionError);
      await expect(missing.done).rejects.toThrow('no such directory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an aborted signal rejects at once; the worker serves the next run', async () => {
    const controller = new AbortController();
    const run = fitInWorker(
      worker,
      { network, ...train(), fit: { epochs: 10_000 } },
      { signal: controller.signal, onEpochEnd: () => controller.abort() },
    );
    await expect(run.done).rejects.toThrow(/aborted/);
    const next = await fitInWorker(worker, { network, ...train(), fit: { epochs: 1 } }).done;
    expect(next.history.epochs).toBe(1);
  });

  it("rejects with fit's error class and message; malformed calls throw synchronously", async () => {
    const bad = fitInWorker(worker, {
      network,
      ...train(),
      fit: { learningRate: { type: 'step', every: 0 } },
    });
    await expect(bad.done).rejects.toThrow(OptionError);
    await expect(bad.done).rejects.toThrow("learningRate schedule 'step': every must be");
    const epochs = fitInWorker(worker, { network, ...train(), fit: { epochs: 0 } });
    await expect(epochs.done).rejects.toThrow('epochs must be an integer >= 1, got 0');

    const sync: [object, RegExp][] = [
      [{ network, ...train(), fit: { onEpochEnd: () => {} } }, /pass it in fitInWorker's options/],
      [
        { network, ...train(), fit: { checkpoint: { save: () => {} } } },
        /checkpoint.save cannot be sent/,
      ],
      [{ network: 3, ...train() }, /request.network must be an object/],
      [{ network, ...train(), x: [1, 2, 3] }, /request.x must be a Float32Array/],
      [
        { network, ...train(), fit: { validationData: { x: [1], y: [1] } } },
        /validationData.x must be a Float32Array/,
      ],
    ];
    for (const [request, message] of sync) {
      expect(() => fitInWorker(worker, request as never)).toThrow(OptionError);
      expect(() => fitInWorker(worker, request as never)).toThrow(message);
    }
  });

  it('a worker terminated mid-fit rejects with WorkerError', async () => {
    const doomed = new Worker(new URL('./fixtures/train-worker.mjs', import.meta.url));
    const run = fitInWorker(
      doomed,
      { network, ...train(), fit: { epochs: 10_000 } },
      { onEpochEnd: () => void doomed.terminate() },
    );
    const error = await run.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkerError);
    expect((error as WorkerError).event).toBe('exit');
  });
});
