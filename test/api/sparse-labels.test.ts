// Integer class labels: the 'sparse-categorical-cross-entropy' loss gives exactly what the
// categorical one gives with one-hot targets, in every method and on both backends; bad labels
// are TargetErrors; predictClasses and predict({ as: 'rows' }) give classes and rows back; the
// loss name survives JSON, safetensors and ONNX.
import { describe, expect, it } from 'vitest';
import {
  Network,
  OptionError,
  ShapeError,
  StateError,
  TargetError,
  toRows,
  type BackendName,
  type LossName,
  type NetworkOptions,
} from 'wasm-mlp';
import { fromONNX, toONNX } from 'wasm-mlp/onnx';
import { flatParams } from '../helpers.js';

const backends: BackendName[] = ['reference', 'wasm'];
const SPARSE = 'sparse-categorical-cross-entropy';

// Three separable classes in 2-D, with their class ids and one-hot rows.
const X = [
  [0, 0],
  [0.1, 0.2],
  [1, 0],
  [0.9, 0.1],
  [0, 1],
  [0.2, 0.9],
];
const LABELS = [0, 0, 1, 1, 2, 2];
const ONE_HOT = LABELS.map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0)));

function options(backend: BackendName, loss: LossName): NetworkOptions<'f64'> {
  return {
    layers: [2, 4, 3],
    activation: ['tanh', 'softmax'],
    loss,
    optimizer: 'adam',
    learningRate: 0.05,
    dtype: 'f64',
    backend,
    seed: 7,
  };
}

async function pair(backend: BackendName): Promise<[Network<'f64'>, Network<'f64'>]> {
  return [
    await Network.create(options(backend, SPARSE)),
    await Network.create(options(backend, 'categorical-cross-entropy')),
  ];
}

describe('sparse-categorical-cross-entropy', () => {
  it.each(backends)(
    'equals categorical CE on one-hot targets in every method (%s)',
    async (backend) => {
      const [sparse, dense] = await pair(backend);
      expect(sparse.lossName).toBe(SPARSE);
      expect(sparse.loss(X, LABELS)).toBe(dense.loss(X, ONE_HOT));
      expect(sparse.evaluate(X, Int32Array.from(LABELS))).toEqual(dense.evaluate(X, ONE_HOT));
      const g = sparse.gradients(X, Float64Array.from(LABELS));
      const h = dense.gradients(X, ONE_HOT);
      expect(g.loss).toBe(h.loss);
      expect(flatParams(g)).toEqual(flatParams(h));
      // trainStep in a loop (the one-hot buffer is reused across calls of different batches).
      for (let i = 0; i < 20; i++) {
        const rows = i % 2 === 0 ? 6 : 3;
        expect(sparse.trainStep(X.slice(0, rows), LABELS.slice(0, rows))).toBe(
          dense.trainStep(X.slice(0, rows), ONE_HOT.slice(0, rows)),
        );
      }
      sparse.forward(X);
      dense.forward(X);
      sparse.backward(LABELS.map((c) => [c])); // rows of one value are labels too
      dense.backward(ONE_HOT);
      expect(flatParams(sparse.getParameters())).toEqual(flatParams(dense.getParameters()));

      const a = await sparse.fit(X, LABELS, {
        epochs: 30,
        batchSize: 4,
        validationData: { x: X, y: LABELS },
      });
      const b = await dense.fit(X, ONE_HOT, {
        epochs: 30,
        batchSize: 4,
        validationData: { x: X, y: ONE_HOT },
      });
      expect(a).toEqual(b);
      expect(flatParams(sparse.getParameters())).toEqual(flatParams(dense.getParameters()));
      expect(a.accuracy!.at(-1)).toBe(1);
      expect(Array.from(sparse.predictClasses(X))).toEqual(LABELS);
      sparse.dispose();
      dense.dispose();
    },
  );

  it('the wasm and reference backends agree on sparse training', async () => {
    const nets = await Promise.all(backends.map((b) => Network.create(options(b, SPARSE))));
    const histories = await Promise.all(
      nets.map((n) => n.fit(X, LABELS, { epochs: 20, batchSize: 3, validationSplit: 0.5 })),
    );
    for (let e = 0; e < 20; e++) {
      expect(histories[1]!.loss[e]).toBeCloseTo(histories[0]!.loss[e]!, 10);
      expect(histories[1]!.valLoss[e]).toBeCloseTo(histories[0]!.valLoss[e]!, 10);
    }
    const [ref, wasm] = nets.map((n) => flatParams(n.getParameters()));
    wasm!.forEach((v, i) => expect(v).toBeCloseTo(ref![i]!, 10));
    for (const n of nets) n.dispose();
  });

  it.each(backends)(
    'rejects labels that are not class ids, network unchanged (%s)',
    async (backend) => {
      const net = await Network.create({ ...options(backend, SPARSE), dtype: 'f32' });
      const before = flatParams(net.getParameters());
      const bad: [unknown, RegExp][] = [
        [[0, 1, 3, 0, 1, 2], /^y\[2\] = 3 is not a class id: .* integers in \[0, 3\)/],
        [[0, 1, -1, 0, 1, 2], /^y\[2\] = -1 is not a class id/],
        [[0, 1.5, 1, 0, 1, 2], /^y\[1\] = 1.5 is not a class id/],
      ];
      for (const [y, message] of bad) {
        expect(() => net.trainStep(X, y as number[])).toThrow(TargetError);
        expect(() => net.loss(X, y as number[])).toThrow(message);
        expect(() => net.gradients(X, y as number[])).toThrow(TargetError);
        expect(() => net.evaluate(X, y as number[])).toThrow(TargetError);
        await expect(net.fit(X, y as number[])).rejects.toThrow(TargetError);
        await expect(net.fit(X, LABELS, { validationData: [X, y as number[]] })).rejects.toThrow(
          /^validationData\.y\[\d\] = .* is not a class id/,
        );
      }
      // One-hot targets by mistake: a ShapeError that says what to do.
      expect(() => net.trainStep(X, ONE_HOT)).toThrow(ShapeError);
      expect(() => net.trainStep(X, ONE_HOT.flat())).toThrow(
        /takes one integer class id per row \(6 values\), got what looks like one-hot rows of 3; .*'categorical-cross-entropy'/,
      );
      expect(() => net.trainStep(X, [0, 1])).toThrow(/expected 6 rows/);
      expect(flatParams(net.getParameters())).toEqual(before);
      net.dispose();
    },
  );

  it('needs a softmax output, like the categorical loss', async () => {
    await expect(
      Network.create({ layers: [2, 3], activation: 'sigmoid', loss: SPARSE }),
    ).rejects.toThrow(
      new OptionError(
        "loss 'sparse-categorical-cross-entropy' needs activation 'softmax' on the last layer, got 'sigmoid'",
      ),
    );
  });

  it.each(backends)(
    'round-trips the loss name through JSON, safetensors and ONNX (%s)',
    async (backend) => {
      const net = await Network.create(options(backend, SPARSE));
      await net.fit(X, LABELS, { epochs: 3 });
      const loaded = [
        await Network.fromJSON(JSON.stringify(net.toJSON({ trainingState: true }))),
        await Network.fromSafetensors(net.toSafetensors({ trainingState: true })),
        await fromONNX(toONNX(net)),
      ];
      for (const back of loaded) {
        expect(back.lossName).toBe(SPARSE);
        expect(back.loss(X, LABELS)).toBeCloseTo(net.loss(X, LABELS), 12);
        back.dispose();
      }
      net.dispose();
    },
  );
});

describe('predictClasses and rows', () => {
  it.each(backends)(
    'argmax per row, or a 0.5 threshold for one sigmoid output (%s)',
    async (backend) => {
      const softmax = await Network.create({
        layers: [2, 3],
        activation: 'softmax',
        loss: SPARSE,
        backend,
      });
      softmax.setParameters({ weights: [[1, 0, 0, 0, 0, 2]], biases: [[0, 0.5, 0]] });
      const classes = softmax.predictClasses([
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ]);
      expect(classes).toBeInstanceOf(Int32Array);
      expect(Array.from(classes)).toEqual([1, 0, 2, 2]);

      const sigmoid = await Network.create({ layers: [1, 1], backend });
      sigmoid.setParameters({ weights: [[1]], biases: [[0]] });
      expect(Array.from(sigmoid.predictClasses([[-1], [0], [2]]))).toEqual([0, 1, 1]);

      const regression = await Network.create({ layers: [1, 1], activation: 'linear', backend });
      expect(() => regression.predictClasses([[1]])).toThrow(StateError);
      expect(() => regression.predictClasses([[1]])).toThrow(
        /one 'linear' output .* use predict\(\)/,
      );
      for (const n of [softmax, sigmoid, regression]) n.dispose();
    },
  );

  it("predict(x, { as: 'rows' }) returns number[][]; toRows splits any flat output", async () => {
    const net = await Network.create({ layers: [2, 3], activation: 'softmax', dtype: 'f64' });
    const flat = net.predict(X);
    const rows: number[][] = net.predict(X, { as: 'rows' });
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => Array.isArray(r) && r.length === 3)).toBe(true);
    expect(rows.flat()).toEqual(Array.from(flat));
    expect(net.predict(X, { as: 'flat' })).toEqual(flat);
    expect(toRows(net.forward(X), 3)).toEqual(rows);
    expect(() => net.predict(X, { as: 'columns' as 'rows' })).toThrow(OptionError);
    expect(() => toRows(flat, 4)).toThrow(ShapeError);
    net.dispose();
  });
});
