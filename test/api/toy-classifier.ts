// The small classification problem and network the fit / dataset tests share (not a test file).
import { Network, type BackendName, type NetworkOptions } from 'wasm-mlp';
import { WASM_PATH, randArray, rng } from '../helpers.js';

/** A 3-class toy problem: `rows` rows (default 60), class = which of 3 features is largest. */
export function toy(seed: number, rows = 60): { x: number[][]; y: number[][] } {
  const next = rng(seed);
  const x = Array.from({ length: rows }, () => randArray(next, 3, 0, 1));
  const y = x.map((r) => {
    const c = r.indexOf(Math.max(...r));
    return [0, 1, 2].map((k) => (k === c ? 1 : 0));
  });
  return { x, y };
}

/** A [3, 8, 3] tanh/softmax Adam classifier for {@link toy}, with `extra` options on top. */
export const classifier = (backend: BackendName, extra: Partial<NetworkOptions> = {}) =>
  Network.create({
    layers: [3, 8, 3],
    activation: ['tanh', 'softmax'],
    loss: 'categorical-cross-entropy',
    optimizer: 'adam',
    learningRate: 0.02,
    backend,
    wasm: WASM_PATH,
    ...extra,
  } as NetworkOptions<'f32'>);
