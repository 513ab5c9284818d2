// trainInWorker with dropout: the worker draws the same masks as a trainStep loop on this
// thread (masks keyed by seed, step and unit), so the parameters are bit-identical.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import { trainInWorker } from 'wasm-mlp/worker';
import { flatParams } from '../helpers.js';

const X = [0, 0, 1, 0, 0, 1, 1, 1];
const Y = [0, 1, 1, 0];
const network = {
  layers: [2, 8, 8, 1],
  activation: ['relu', 'tanh', 'sigmoid'],
  loss: 'binary-cross-entropy',
  learningRate: 0.1,
  dropout: [0.5, 0.25],
  seed: 4,
} as const;

let worker: Worker;
beforeAll(() => {
  worker = new Worker(new URL('./fixtures/train-worker.mjs', import.meta.url));
});
afterAll(() => worker.terminate());

it('trains with dropout in a worker exactly like trainStep here', async () => {
  const options = {
    ...network,
    activation: [...network.activation],
    dropout: [...network.dropout],
  };
  const result = await trainInWorker(worker, {
    network: options,
    x: Float32Array.from(X),
    y: Float32Array.from(Y),
    steps: 50,
    batchSize: 4,
  }).done;
  const local = await Network.create(options);
  const plain = await Network.create({ ...options, dropout: 0 });
  for (let step = 0; step < 50; step++) {
    local.trainStep(X, Y);
    plain.trainStep(X, Y);
  }
  expect(flatParams(result.parameters)).toEqual(flatParams(local.getParameters()));
  expect(flatParams(result.parameters)).not.toEqual(flatParams(plain.getParameters()));
  local.dispose();
  plain.dispose();
});
