// trainInWorker with integer class labels ('sparse-categorical-cross-entropy'): y holds one
// class id per row, and the worker's training equals the same trainStep loop on this thread
// with one-hot targets and the categorical loss.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Network, ShapeError, TargetError } from 'wasm-mlp';
import { trainInWorker } from 'wasm-mlp/worker';
import { flatParams } from '../helpers.js';

const X = [0, 0, 1, 0, 0, 1, 1, 1];
const LABELS = [0, 1, 2, 1];
const network = {
  layers: [2, 4, 3],
  activation: ['relu', 'softmax'] as const,
  loss: 'sparse-categorical-cross-entropy' as const,
  learningRate: 0.1,
  seed: 3,
};

let worker: Worker;
beforeAll(() => {
  worker = new Worker(new URL('./fixtures/train-worker.mjs', import.meta.url));
});
afterAll(() => worker.terminate());

it('trains on class ids in a worker like one-hot categorical training here', async () => {
  const { done } = trainInWorker(worker, {
    network: { ...network, activation: [...network.activation] },
    x: Float32Array.from(X),
    y: Float32Array.from(LABELS),
    steps: 200,
    batchSize: 3,
  });
  const result = await done;
  const local = await Network.create({
    ...network,
    activation: [...network.activation],
    loss: 'categorical-cross-entropy',
  });
  const oneHot = LABELS.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));
  for (let step = 0, offset = 0; step < 200; step++) {
    const end = Math.min(offset + 3, 4);
    local.trainStep(X.slice(offset * 2, end * 2), oneHot.slice(offset * 3, end * 3));
    offset = end === 4 ? 0 : end;
  }
  expect(flatParams(result.parameters)).toEqual(flatParams(local.getParameters()));
  local.dispose();
});

it('reports bad labels and one-hot rows from the worker with their class', async () => {
  const run = (y: number[]) =>
    trainInWorker(worker, {
      network: { ...network, activation: [...network.activation] },
      x: Float32Array.from(X),
      y: Float32Array.from(y),
      steps: 1,
    }).done;
  await expect(run([0, 1, 3, 1])).rejects.toThrow(TargetError);
  await expect(run([0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0])).rejects.toThrow(ShapeError);
});
