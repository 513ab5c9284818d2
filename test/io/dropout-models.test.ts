// A network with dropout in the model formats (the built package): ONNX export ignores dropout
// (inference only) and onnxruntime runs it to predict()'s outputs; the architecture metadata
// keeps the rates and seed, so fromONNX, fromJSON and fromSafetensors restore them.
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import { Network } from 'wasm-mlp';
import { fromONNX, toONNX } from 'wasm-mlp/onnx';
import { maxAbsDiff, randArray, rng } from '../helpers.js';

it('a dropout network exports to ONNX, runs in onnxruntime like predict(), and round-trips', async () => {
  const net = await Network.create({
    layers: [5, 16, 12, 3],
    activation: ['relu', 'tanh', 'softmax'],
    loss: 'categorical-cross-entropy',
    dropout: [0.5, 0.3],
    dropoutSeed: 42,
    optimizer: 'adam',
    learningRate: 0.01,
  });
  const x = Float32Array.from(randArray(rng(3), 40 * 5));
  const labels = Array.from({ length: 40 }, (_, r) => [0, 1, 2].map((k) => (k === r % 3 ? 1 : 0)));
  await net.fit(x, labels, { epochs: 5, batchSize: 8 });
  const model = toONNX(net);
  const session = await ort.InferenceSession.create(model);
  const result = await session.run({ input: new ort.Tensor('float32', x, [40, 5]) });
  const out = result['output']!.data as Float32Array;
  expect(maxAbsDiff(out, net.predict(x))).toBeLessThan(1e-5);
  // No dropout node in the graph: only Gemm and the activations.
  expect(session.outputNames).toEqual(['output']);
  expect(Buffer.from(model).includes(Buffer.from('Dropout'))).toBe(false);

  for (const back of [
    await fromONNX(model),
    await Network.fromJSON(net.toJSON()),
    await Network.fromSafetensors(net.toSafetensors()),
  ]) {
    expect(back.dropout).toEqual([0.5, 0.3]);
    expect(back.dropoutSeed).toBe(42);
    expect(maxAbsDiff(back.predict(x), net.predict(x))).toBe(0);
    back.dispose();
  }
  expect(net.summary()).toContain('Dropout (hidden layers, training only): 0.5, 0.3');
  net.dispose();
});
