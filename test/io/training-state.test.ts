// Training state: fit 6 epochs vs fit 3, save (JSON or safetensors), load into a fresh network,
// fit 3 more: parameters, optimizer state and step count identical bit for bit. Saving is only
// allowed between epochs.
import { describe, expect, it } from 'vitest';
import { Network, StateError, type BackendName, type Dtype, type OptimizerOption } from 'wasm-mlp';
import { randArray, rng } from '../helpers.js';

const next = rng(77);
const rows = 23; // batch size 5: four full batches and one of 3
const x = randArray(next, rows * 4, -1, 1);
const y = Array.from({ length: rows }, (_, r) =>
  [0, 1, 2].map((k) => (k === r % 3 ? 1 : 0)),
).flat();

const cases: [BackendName, Dtype, OptimizerOption, 'json' | 'safetensors'][] = [];
for (const backend of ['wasm', 'reference'] as const) {
  for (const dtype of ['f32', 'f64'] as const) {
    cases.push([backend, dtype, 'adam', dtype === 'f32' ? 'safetensors' : 'json']);
  }
}
cases.push(['wasm', 'f32', { type: 'momentum', nesterov: true }, 'json']);
cases.push(['wasm', 'f64', { type: 'adam', weightDecay: 0.01 }, 'safetensors']);
cases.push(['wasm', 'f32', 'sgd', 'safetensors']);
// AdamW, RMSprop and gradient clipping, each backend and dtype, each format
for (const backend of ['wasm', 'reference'] as const) {
  for (const dtype of ['f32', 'f64'] as const) {
    const other = dtype === 'f32' ? 'json' : 'safetensors';
    const same = dtype === 'f32' ? 'safetensors' : 'json';
    cases.push([backend, dtype, { type: 'adamw', weightDecay: 0.05, clipNorm: 0.5 }, same]);
    cases.push([backend, dtype, { type: 'rmsprop', rho: 0.8, clipValue: 0.05 }, other]);
  }
}
cases.push(['wasm', 'f64', { type: 'adamw', clipNorm: 0.3, clipValue: 0.02 }, 'json']);
cases.push(['wasm', 'f32', { type: 'rmsprop', weightDecay: 0.01 }, 'safetensors']);
cases.push(['wasm', 'f32', { type: 'momentum', clipNorm: 0.2 }, 'safetensors']);

describe('resuming fit from a saved training state', () => {
  it.each(cases)(
    '%s %s %o via %s: 3 + save/load + 3 epochs = 6 epochs, bit for bit',
    async (backend, dtype, optimizer, format) => {
      const options = {
        layers: [4, 6, 3],
        activation: ['relu', 'softmax'] as const,
        loss: 'categorical-cross-entropy' as const,
        optimizer,
        dtype,
        backend,
        seed: 11,
        learningRate: 0.05,
      };
      const fit = { batchSize: 5, epochs: 3 };
      const straight = await Network.create(options);
      await straight.fit(x, y, { ...fit, epochs: 6 });

      const first = await Network.create(options);
      await first.fit(x, y, fit);
      const saved =
        format === 'json'
          ? JSON.stringify(first.toJSON({ trainingState: true }))
          : first.toSafetensors({ trainingState: true });
      first.dispose();
      const resumed =
        typeof saved === 'string'
          ? await Network.fromJSON(saved, { backend })
          : await Network.fromSafetensors(saved, { backend });
      expect(resumed.epochsTrained).toBe(3);
      expect(resumed.getOptimizerState().step).toBe(3 * 5);
      await resumed.fit(x, y, fit);

      expect(resumed.epochsTrained).toBe(6);
      expect(resumed.getParameters()).toEqual(straight.getParameters());
      expect(resumed.getOptimizerState()).toEqual(straight.getOptimizerState());
    },
  );

  it('differs from an uninterrupted run when the training state is left out', async () => {
    const options = {
      layers: [4, 6, 3],
      activation: ['tanh', 'softmax'] as const,
      loss: 'categorical-cross-entropy' as const,
      optimizer: 'adam' as const,
      seed: 2,
    };
    const straight = await Network.create(options);
    await straight.fit(x, y, { batchSize: 5, epochs: 4 });
    const first = await Network.create(options);
    await first.fit(x, y, { batchSize: 5, epochs: 2 });
    const resumed = await Network.fromSafetensors(first.toSafetensors());
    expect(resumed.getOptimizerState().step).toBe(0);
    await resumed.fit(x, y, { batchSize: 5, epochs: 2 });
    expect(resumed.getParameters()).not.toEqual(straight.getParameters());
  });

  it('stores the optimizer slots as tensors in the same layout as the parameters', async () => {
    const net = await Network.create({ layers: [2, 3, 1], optimizer: 'adam', seed: 3 });
    await net.fit([0, 1, 1, 0], [1, 0], { epochs: 2, batchSize: 1 });
    const bytes = net.toSafetensors({ trainingState: true, layout: 'pytorch' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const head = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(head['optimizer.m.layers.0.weight'].shape).toEqual([3, 2]);
    expect(head['optimizer.v.layers.1.bias'].shape).toEqual([1]);
    expect(JSON.parse(head.__metadata__['wasm_mlp.training'])).toEqual({
      step: 4,
      epochs: 2,
      slots: ['m', 'v'],
    });
    const back = await Network.fromSafetensors(bytes);
    expect(back.getOptimizerState()).toEqual(net.getOptimizerState());
  });

  it('saves from onEpochEnd, and refuses in the middle of an epoch', async () => {
    const net = await Network.create({
      layers: [4, 3],
      activation: 'softmax',
      loss: 'categorical-cross-entropy',
      optimizer: 'adam',
    });
    const atEpochEnd: Uint8Array[] = [];
    const midEpoch: unknown[] = [];
    await net.fit(x, y, {
      batchSize: 5,
      epochs: 2,
      onBatchEnd: () => {
        try {
          net.toJSON({ trainingState: true });
        } catch (e) {
          midEpoch.push(e);
        }
      },
      onEpochEnd: () => void atEpochEnd.push(net.toSafetensors({ trainingState: true })),
    });
    expect(midEpoch).toHaveLength(10);
    expect(midEpoch[0]).toBeInstanceOf(StateError);
    expect((midEpoch[0] as Error).message).toBe(
      'the training state can only be saved between epochs (from onEpochEnd or after fit() resolves): in the middle of an epoch the position in the shuffled rows would be lost and a resume would not be exact. Save without trainingState, or complete an epoch with fit() first',
    );
    const last = await Network.fromSafetensors(atEpochEnd[1]!);
    expect(last.epochsTrained).toBe(2);
    expect(last.getParameters()).toEqual(net.getParameters());
    // Saving without the training state is fine at any time.
    expect(() => net.toJSON()).not.toThrow();
  });

  it('refuses after a fit() aborted mid-epoch, until an epoch completes (issue 9, item 8)', async () => {
    const net = await Network.create({
      layers: [4, 3],
      activation: 'softmax',
      loss: 'categorical-cross-entropy',
    });
    const controller = new AbortController();
    const aborted = net.fit(x, y, {
      batchSize: 5,
      epochs: 2,
      signal: controller.signal,
      onBatchEnd: ({ batch }) => {
        if (batch === 1) controller.abort();
      },
    });
    await expect(aborted).rejects.toThrow();
    const save = () => net.toJSON({ trainingState: true });
    expect(save).toThrow(StateError);
    expect(save).toThrow(
      /^the last fit\(\) stopped in the middle of an epoch \(aborted, diverged or a callback threw\), so the position in the shuffled rows would be lost/,
    );
    expect(() => net.toSafetensors({ trainingState: true })).toThrow(StateError);
    expect(() => net.toJSON()).not.toThrow();
    // A completed epoch (or an explicit setOptimizerState) makes the state consistent again.
    await net.fit(x, y, { batchSize: 5, epochs: 1 });
    expect(save).not.toThrow();
    net.dispose();
  });
});
