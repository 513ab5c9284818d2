// Training data changed after fit() validated it (issue 9, item 7): an Infinity written into a
// typed `x` from a callback. Through σ or tanh it gave a finite loss but infinite weight
// gradients, so the parameters became non-finite while training went on, and the later
// DivergenceError claimed they were the last finite ones. Now the step is not applied (both
// backends check each batch), fit() rejects with a NonFiniteError naming the value, and the
// parameters are exactly those after the previous batch.
import { describe, expect, it } from 'vitest';
import {
  DivergenceError,
  Network,
  NonFiniteError,
  type ActivationName,
  type BackendName,
} from '../../ts/index.js';
import { WASM_PATH, flatParams } from '../helpers.js';

describe('training data changed while fit() runs', () => {
  for (const backend of ['wasm', 'reference'] as BackendName[]) {
    for (const activation of ['sigmoid', 'tanh'] as ActivationName[]) {
      for (const [name, bad] of [
        ['x', Infinity],
        ['y', NaN],
      ] as const) {
        it(`${backend}, ${activation}: ${bad} written into ${name} → NonFiniteError, parameters of the last good batch`, async () => {
          const net = await Network.create({
            layers: [2, 4, 1],
            activation,
            seed: 3,
            backend,
            wasm: WASM_PATH,
          });
          const x = Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]);
          const y = Float32Array.from([0, 1, 1, 0]);
          let snapshot: ReturnType<typeof net.getParameters> | null = null;
          // Flat typed arrays are used in place (not copied), so a later write reaches fit().
          const fit = net.fit(x, y, {
            epochs: 3,
            batchSize: 4,
            shuffle: false,
            onEpochEnd: ({ epoch }) => {
              if (epoch !== 0) return;
              snapshot = net.getParameters();
              if (name === 'x') x[3] = bad;
              else y[2] = bad;
            },
          });
          await expect(fit).rejects.toThrow(NonFiniteError);
          await expect(fit).rejects.toThrow(
            `${name}[${name === 'x' ? 1 : 2}][${name === 'x' ? 1 : 0}] is ${bad} at epoch 1, batch 0`,
          );
          await expect(fit).rejects.toThrow('the training data changed while fit() ran');
          const after = net.getParameters();
          expect(flatParams(after).every(Number.isFinite)).toBe(true);
          expect(after).toEqual(snapshot);
          net.dispose();
        });
      }
    }
  }

  it('a DivergenceError says when an earlier update already made the parameters non-finite', async () => {
    // A finite but absurd learning rate: the first update overflows the parameters (lr·dW >
    // f32 max) while that batch's loss is still finite; the next loss is not finite.
    const net = await Network.create({
      layers: [2, 3, 1],
      activation: 'linear',
      loss: 'mse',
      learningRate: 1e38,
      seed: 1,
      wasm: WASM_PATH,
    });
    const fit = net.fit(
      [
        [100, 100],
        [100, -100],
      ],
      [[0], [1]],
      { epochs: 5, batchSize: 2 },
    );
    await expect(fit).rejects.toThrow(DivergenceError);
    const message = await fit.catch((e: Error) => e.message);
    // Here the update overflowed: the message must not claim the parameters are finite.
    expect(flatParams(net.getParameters()).every(Number.isFinite)).toBe(false);
    expect(message).toContain('an earlier update had already overflowed');
    expect(message).not.toContain('those after the last batch with a finite loss');
    net.dispose();
  });
});
