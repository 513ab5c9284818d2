// Networks and data shared by the model I/O tests (not a test file).
import type { NetworkOptions } from 'wasm-mlp';
import { randArray, rng } from '../helpers.js';

/** A network that sets every architecture option away from its default. */
export const RICH: NetworkOptions = {
  layers: [3, 4, 5, 3],
  activation: ['tanh', { type: 'leakyRelu', slope: 0.2 }, 'softmax'],
  loss: 'categorical-cross-entropy',
  optimizer: { type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-7, weightDecay: 0.001 },
  initializer: ['glorot-normal', 'he-normal', 'glorot-uniform'],
  ordering: 'update-first',
  seed: 42,
  learningRate: 0.03,
};

/** 8 rows of inputs and one-hot targets over 3 classes. */
export function classification(seed: number): { x: number[]; y: number[] } {
  const next = rng(seed);
  const x = randArray(next, 8 * 3, -1, 1);
  const y = Array.from({ length: 8 }, (_, r) => [0, 1, 2].map((k) => (k === r % 3 ? 1 : 0))).flat();
  return { x, y };
}
