// Threaded training is byte-identical to one thread: every hidden activation × loss (with its
// output activation) × optimizer (AdamW with clipNorm, momentum with clipValue) × ordering ×
// dtype, with dropout on the hidden layers, 100 training steps with threads 1, 2 and 3:
// parameters, optimizer state and outputs compared bit for bit. The layers are large enough
// that every large product is split between the threads.
// Shared by bit-identity-f32.test.ts and bit-identity-f64.test.ts (not a test file itself).
import { describe, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import type { NetworkOptions } from '../../ts/options.js';

const LAYERS = [64, 96, 48, 5];
const BATCH = 128;
const STEPS = 100;

const HIDDEN = ['sigmoid', 'tanh', 'relu', 'leakyRelu', 'linear'] as const;
const OUTPUTS = [
  { loss: 'half-sse', output: 'sigmoid' },
  { loss: 'mse', output: 'linear' },
  { loss: 'binary-cross-entropy', output: 'sigmoid' },
  { loss: 'categorical-cross-entropy', output: 'softmax' },
] as const;
const OPTIMIZERS = [
  'sgd',
  { type: 'momentum', momentum: 0.9, nesterov: true, clipValue: 0.05 },
  'adam',
  { type: 'adamw', clipNorm: 1 },
  'rmsprop',
] as const;

/** Deterministic inputs and one-hot targets (valid for every loss), made once per step. */
const DATA = Array.from({ length: STEPS + 1 }, (_, step) => makeData(step));
const data = (step: number) => DATA[step]!;

function makeData(step: number): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(BATCH * LAYERS[0]!);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(0.37 * i + step);
  const k = LAYERS[LAYERS.length - 1]!;
  const y = new Float64Array(BATCH * k);
  for (let r = 0; r < BATCH; r++) y[r * k + ((r + step) % k)] = 1;
  return { x, y };
}

const bytes = (a: ArrayLike<number>): string =>
  Buffer.from(Float64Array.from(a).buffer).toString('base64');

async function train(options: NetworkOptions, threads: number): Promise<string[]> {
  const net = await Network.create({ ...options, threads });
  expect(net.threads.count).toBe(threads);
  for (let step = 0; step < STEPS; step++) {
    const { x, y } = data(step);
    net.trainStep(x, y);
  }
  const { x } = data(STEPS);
  const params = net.getParameters();
  const out = [
    ...[...params.weights, ...params.biases].map(bytes),
    bytes(net.getOptimizerState().state),
    bytes(net.predict(x) as Float64Array),
  ];
  net.dispose();
  return out;
}

/** The byte-identity suite for one dtype (one test file per dtype, so vitest runs them side by side). */
export function describeBitIdentity(dtype: 'f32' | 'f64'): void {
  describe(`threads: 100 ${dtype} training steps are byte-identical for 1, 2 and 3 threads`, () => {
    {
      for (const ordering of ['exact', 'update-first'] as const) {
        it(`${dtype}, ${ordering}: ${HIDDEN.length} hidden activations × ${OUTPUTS.length} losses × ${OPTIMIZERS.length} optimizers`, async () => {
          let compared = 0;
          for (const hidden of HIDDEN) {
            for (const { loss, output } of OUTPUTS) {
              for (const optimizer of OPTIMIZERS) {
                // clipNorm needs the exact ordering (a global norm before any update).
                if (
                  ordering === 'update-first' &&
                  typeof optimizer === 'object' &&
                  'clipNorm' in optimizer
                ) {
                  continue;
                }
                const options: NetworkOptions = {
                  layers: LAYERS,
                  activation: [hidden, hidden, output],
                  loss,
                  optimizer,
                  learningRate: optimizer === 'adam' ? 0.001 : 0.01,
                  dropout: 0.1,
                  ordering,
                  dtype,
                  seed: 5,
                };
                const one = await train(options, 1);
                for (const threads of [2, 3]) {
                  const many = await train(options, threads);
                  expect(
                    many,
                    `${hidden}/${loss}/${JSON.stringify(optimizer)}: ${threads}`,
                  ).toEqual(one);
                  compared++;
                }
              }
            }
          }
          const optimizers = OPTIMIZERS.length - (ordering === 'update-first' ? 1 : 0);
          expect(compared).toBe(HIDDEN.length * OUTPUTS.length * optimizers * 2);
        });
      }
    }
  });
}
