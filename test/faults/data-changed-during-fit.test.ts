// Training data changed after fit() validated it (issue 9, item 7): an Infinity written into a
// typed `x` from a callback. Through σ or tanh it gave a finite loss but infinite weight
// gradients, so the parameters became non-finite while training went on, and the later
// DivergenceError claimed they were the last finite ones. Now the step is not applied (both
// backends check each batch), fit() rejects with a NonFiniteError naming the value, and the
// parameters are exactly those after the previous batch.
import { describe, expect, it } from 'vitest';
import {
  DivergenceError,
  FormatError,
  Network,
  NonFiniteError,
  ShapeError,
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

  it('a Float64Array value that overflows f32 in an f32 network is named, not called divergence', async () => {
    const net = await Network.create({ layers: [2, 3, 1], seed: 2, wasm: WASM_PATH });
    const x = Float64Array.from([0, 0, 0, 1, 1, 0, 1, 1]);
    const fit = net.fit(x, [[0], [1], [1], [0]], {
      epochs: 2,
      batchSize: 4,
      shuffle: false,
      onEpochEnd: () => void (x[5] = 1e39), // finite in f64, +Infinity once stored as f32
    });
    await expect(fit).rejects.toThrow(NonFiniteError);
    await expect(fit).rejects.toThrow('x[2][1] is 1e+39 at epoch 1, batch 0');
    net.dispose();
  });

  it('validation data changed to NaN → NonFiniteError, not a silent early stop', async () => {
    const net = await Network.create({ layers: [2, 3, 1], seed: 2, wasm: WASM_PATH });
    const vx = Float32Array.from([0, 0, 1, 1]);
    const fit = net.fit(
      Float32Array.from([0, 0, 0, 1, 1, 0, 1, 1]),
      Float32Array.from([0, 1, 1, 0]),
      {
        epochs: 3,
        validationData: [vx, Float32Array.from([0, 0])],
        earlyStopping: { patience: 0 },
        onEpochEnd: ({ epoch }) => {
          if (epoch === 0) vx[3] = NaN;
        },
      },
    );
    await expect(fit).rejects.toThrow(NonFiniteError);
    await expect(fit).rejects.toThrow(
      'validation x[1][1] is NaN after epoch 1 (0-based): the training data changed while fit() ran',
    );
    net.dispose();
  });

  it('x resized or transferred while fit() runs → ShapeError, not training on stale rows', async () => {
    for (const change of ['resize', 'transfer'] as const) {
      const net = await Network.create({ layers: [2, 3, 1], seed: 2, wasm: WASM_PATH });
      // A resizable ArrayBuffer (ES2024; Node ≥ 20): the typed array over it tracks its length.
      const buffer = new (
        ArrayBuffer as unknown as new (
          n: number,
          o: { maxByteLength: number },
        ) => ArrayBuffer & { resize(n: number): void }
      )(8 * 4, { maxByteLength: 8 * 4 });
      const x = new Float32Array(buffer);
      x.set([0, 0, 0, 1, 1, 0, 1, 1]);
      const fit = net.fit(x, Float32Array.from([0, 1, 1, 0]), {
        epochs: 3,
        batchSize: 2,
        onEpochEnd: () => {
          if (change === 'resize') buffer.resize(4 * 4);
          else structuredClone(buffer, { transfer: [buffer] });
        },
      });
      await expect(fit).rejects.toThrow(ShapeError);
      await expect(fit).rejects.toThrow(
        `x changed size while fit() ran: ${change === 'resize' ? 4 : 0} values, expected 8`,
      );
      net.dispose();
    }
  });

  it('a saved Adam state with a negative second moment is refused (it would turn every parameter NaN)', async () => {
    const net = await Network.create({
      layers: [2, 1],
      optimizer: 'adam',
      seed: 1,
      wasm: WASM_PATH,
    });
    net.trainStep([[0.1, 0.2]], [[1]]);
    const { state, step } = net.getOptimizerState();
    const bad = Float32Array.from(state, (v, i) => (i === net.parameterCount + 1 ? -1 : v));
    expect(() => net.setOptimizerState({ state: bad, step })).toThrow(ShapeError);
    expect(() => net.setOptimizerState({ state: bad, step })).toThrow(
      "state[4] = -1: Adam's second moment (slot 1, state[3…5]) must be ≥ 0",
    );
    const saved = net.toJSON({ trainingState: true });
    saved.training!.optimizerState[net.parameterCount + 1] = -1;
    await expect(Network.fromJSON(saved, { wasm: WASM_PATH })).rejects.toThrow(FormatError);
    net.dispose();
  });

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
