// fit(dataset) with the training options of issue 13 that came from other branches: classWeight
// (weights per batch), dropout, learning-rate schedules (per epoch: a dataset's batch count is
// unknown), checkpoints with an exact resume, and sampleWeight rejected (no rows to align with).
import { describe, expect, it } from 'vitest';
import { Network, OptionError, type BackendName, type Dataset } from 'wasm-mlp';
import { WASM_PATH } from '../helpers.js';
import { classifier, toy } from './toy-classifier.js';

const BACKENDS: BackendName[] = ['wasm', 'reference'];

/** The rows as a dataset of items of 7 rows. */
function itemsOf(x: number[][], y: number[][]): Dataset {
  return function* () {
    for (let i = 0; i < x.length; i += 7) yield { x: x.slice(i, i + 7), y: y.slice(i, i + 7) };
  };
}

describe.each(BACKENDS)('fit(dataset) with the issue 13 options, %s', (backend) => {
  const { x, y } = toy(3, 60);

  it('classWeight and dropout train bit-identically to fit(x, y) on the same rows in order', async () => {
    const options = { epochs: 2, batchSize: 8, shuffle: false, classWeight: { 0: 3, 2: 0.5 } };
    using base = await classifier(backend, { dropout: 0.3 });
    const h0 = await base.fit(x, y, options);
    using net = await classifier(backend, { dropout: 0.3 });
    const h = await net.fit(itemsOf(x, y), options);
    expect(h.loss).toEqual(h0.loss);
    expect(net.getParameters()).toEqual(base.getParameters());
    // The weights did matter.
    using plain = await classifier(backend, { dropout: 0.3 });
    await plain.fit(itemsOf(x, y), { epochs: 2, batchSize: 8, shuffle: false });
    expect(plain.getParameters()).not.toEqual(net.getParameters());
  });

  it('rejects sampleWeight and a bad classWeight before training, network unchanged', async () => {
    using net = await classifier(backend);
    const before = net.getParameters();
    await expect(net.fit(itemsOf(x, y), { sampleWeight: new Array(60).fill(1) })).rejects.toThrow(
      OptionError,
    );
    await expect(net.fit(itemsOf(x, y), { sampleWeight: [1] })).rejects.toThrow(
      /sampleWeight needs x and y in memory/,
    );
    await expect(net.fit(itemsOf(x, y), { classWeight: { 5: 1 } })).rejects.toThrow(
      /classWeight: '5' is not a class id/,
    );
    expect(net.getParameters()).toEqual(before);
    expect(net.epochsTrained).toBe(0);
  });

  it('a schedule moves once per epoch (the batch count of a dataset is not known)', async () => {
    using net = await classifier(backend);
    const rates: number[] = [];
    await net.fit(itemsOf(x, y), {
      epochs: 3,
      batchSize: 8,
      learningRate: { type: 'exponential', factor: 0.5 },
      onBatchEnd: () => undefined,
      onEpochEnd: (log) => void rates.push(log.learningRate!),
    });
    expect(rates).toEqual([0.02, 0.01, 0.005]);
    expect(net.learningRate).toBe(0.02);
  });

  it('checkpoints every epoch; resuming from one finishes with the uninterrupted parameters', async () => {
    const options = {
      batchSize: 8,
      shuffleBuffer: 16,
      learningRate: { type: 'step' as const, every: 1, factor: 0.5 },
    };
    using whole = await classifier(backend);
    await whole.fit(itemsOf(x, y), { ...options, epochs: 4 });
    const saved: Uint8Array[] = [];
    using first = await classifier(backend);
    await first.fit(itemsOf(x, y), {
      ...options,
      epochs: 2,
      checkpoint: { every: 1, format: 'safetensors', save: (bytes) => void saved.push(bytes) },
    });
    expect(saved).toHaveLength(2);
    using resumed = await Network.fromSafetensors(saved[1]!, { backend, wasm: WASM_PATH });
    await resumed.fit(itemsOf(x, y), { ...options, epochs: 2 });
    expect(resumed.getParameters()).toEqual(whole.getParameters());
  });
});
