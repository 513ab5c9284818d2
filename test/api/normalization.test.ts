// Input normalization in the library (issue 12, item 9): Standardizer, net.fitNormalization /
// setNormalization, applied to every x, saved in JSON and safetensors (as part of the record),
// folded into the ONNX export (checked with onnxruntime-node), the same on both backends.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  FormatError,
  Network,
  NonFiniteError,
  OptionError,
  ShapeError,
  Standardizer,
  StateError,
  type BackendName,
  type Dtype,
} from 'wasm-mlp';
import { fromONNX, toONNX } from 'wasm-mlp/onnx';
import { WASM_PATH, maxAbsDiff, randArray, rng } from '../helpers.js';

const BACKENDS: BackendName[] = ['wasm', 'reference'];

/** 40 rows of 3 features on very different scales (thousands, units, millionths), 2 classes. */
function data(): { x: number[][]; y: number[][] } {
  const next = rng(11);
  const x = Array.from({ length: 40 }, () => {
    const [a, b, c] = randArray(next, 3, -1, 1);
    return [5000 + 2000 * a!, 3 * b!, 1e-6 * c!];
  });
  return { x, y: x.map((r) => (r[1]! + (r[0]! - 5000) / 2000 > 0 ? [1, 0] : [0, 1])) };
}

/** Mean and population std per column, by hand. */
function manualMoments(x: number[][]): { mean: number[]; std: number[] } {
  const n = x.length;
  const mean = x[0]!.map((_, j) => x.reduce((s, r) => s + r[j]!, 0) / n);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, r) => s + (r[j]! - m) ** 2, 0) / n));
  return { mean, std };
}

function create(backend: BackendName, dtype: Dtype) {
  return Network.create({
    backend,
    wasm: WASM_PATH,
    dtype,
    seed: 4,
    layers: [3, 5, 2],
    activation: ['tanh', 'softmax'],
    loss: 'categorical-cross-entropy',
    optimizer: 'adam',
    learningRate: 0.05,
  });
}

describe('Standardizer', () => {
  it('fits mean and population std per column (std 1 for a constant column)', () => {
    const { x } = data();
    const s = Standardizer.fit(x);
    const m = manualMoments(x);
    expect(maxAbsDiff(s.mean, m.mean)).toBeLessThan(1e-9);
    expect(maxAbsDiff(s.std, m.std)).toBeLessThan(1e-12 * 2000);
    const flat = Standardizer.fit([1, 5, 1, 6], 2).std;
    expect(flat[0]).toBe(1);
    expect(flat[1]).toBeCloseTo(0.5, 15);
    const t = s.transform(x);
    expect(t[3]).toBeCloseTo((x[1]![0]! - m.mean[0]!) / m.std[0]!, 12);
  });

  it('is overflow-safe: values near 1e300 give finite moments', () => {
    const s = Standardizer.fit([[1e300], [-1e300], [1e300], [-1e300]]);
    expect(s.mean[0]).toBe(0);
    expect(s.std[0]).toBeCloseTo(1e300, -290);
    // a spread of 3.4e308, beyond float64, still standardises: sums never overflow
    expect(
      Array.from(Standardizer.fit([[1.7e308], [-1.7e308]]).transform([[1.7e308], [-1.7e308]])),
    ).toEqual([1, -1]);
  });

  it('rejects bad values', () => {
    expect(() => new Standardizer([0, 1], [1])).toThrow(ShapeError);
    expect(() => new Standardizer([NaN], [1])).toThrow(NonFiniteError);
    expect(() => new Standardizer([0], [0])).toThrow('Standardizer: std[0] must be > 0, got 0');
    expect(() => Standardizer.fit([1, 2, 3])).toThrow('pass the number of features');
    // a value far outside the fitted spread overflows once standardised: an error, not Infinity
    expect(() => new Standardizer([0], [1e-300]).transform([[1e10]])).toThrow(NonFiniteError);
  });
});

describe.each(BACKENDS)('network normalization (%s)', (backend) => {
  it.each(['f32', 'f64'] as const)(
    'predict, evaluate and fit on raw x equal the same on manually standardised x (%s)',
    async (dtype) => {
      const { x, y } = data();
      const { mean, std } = manualMoments(x);
      const s = new Standardizer(mean, std);
      const manual = x.map((r) => r.map((v, j) => (v - mean[j]!) / std[j]!));
      const a = await create(backend, dtype);
      const b = await create(backend, dtype);
      a.setNormalization(s);
      expect(Array.from(a.predict(x))).toEqual(Array.from(b.predict(manual)));
      expect(a.evaluate(x, y)).toEqual(b.evaluate(manual, y));
      const ha = await a.fit(x, y, { epochs: 5, batchSize: 8, validationData: [x, y] });
      const hb = await b.fit(manual, y, { epochs: 5, batchSize: 8, validationData: [manual, y] });
      expect(ha).toEqual(hb);
      expect(Array.from(a.forward(x))).toEqual(Array.from(b.forward(manual)));
      expect(a.trainStep(x, y)).toBe(b.trainStep(manual, y));
      expect(a.loss(x, y)).toBe(b.loss(manual, y));
      a.dispose();
      b.dispose();
    },
  );

  it('fitNormalization fits, sets and returns it; null removes it; errors leave it', async () => {
    const { x, y } = data();
    const net = await create(backend, 'f64');
    expect(net.normalization).toBeNull();
    const s = net.fitNormalization(x);
    expect(net.normalization).toBe(s);
    expect(Array.from(s.mean)).toEqual(Array.from(Standardizer.fit(x).mean));
    expect(() => net.setNormalization({ mean: [0, 0], std: [1, 1] })).toThrow(
      'normalization has 2 features but the network has 3 inputs (layers[0])',
    );
    expect(net.normalization).toBe(s);
    const running = net.fit(x, y, { epochs: 2 });
    expect(() => net.setNormalization(null)).toThrow(StateError);
    await running;
    net.setNormalization(null);
    expect(net.normalization).toBeNull();
    net.dispose();
  });

  it('round-trips through JSON and safetensors (both layouts) as part of the record', async () => {
    const { x, y } = data();
    const net = await create(backend, 'f32');
    net.fitNormalization(x);
    await net.fit(x, y, { epochs: 3 });
    const expected = Array.from(net.predict(x));
    const json = net.toJSON();
    expect(json.formatVersion).toBe(2);
    expect(json.normalization!.mean).toEqual(Array.from(net.normalization!.mean));
    expect(json.metadata).toEqual({});
    const loaded = [
      await Network.fromJSON(json, { backend, wasm: WASM_PATH }),
      await Network.fromJSON(JSON.stringify(net), { backend, wasm: WASM_PATH }),
      await Network.fromSafetensors(net.toSafetensors(), { backend, wasm: WASM_PATH }),
      await Network.fromSafetensors(net.toSafetensors({ layout: 'pytorch' }), {
        backend,
        wasm: WASM_PATH,
      }),
    ];
    for (const back of loaded) {
      expect(Array.from(back.normalization!.std)).toEqual(Array.from(net.normalization!.std));
      expect(Array.from(back.predict(x))).toEqual(expected);
      back.dispose();
    }
    // Without a normalization nothing changes: version 1, no tensors.
    net.setNormalization(null);
    expect(net.toJSON()).not.toHaveProperty('normalization');
    expect(net.toJSON().formatVersion).toBe(1);
    const plain = await Network.fromSafetensors(net.toSafetensors(), { backend, wasm: WASM_PATH });
    expect(plain.normalization).toBeNull();
    plain.dispose();
    net.dispose();
  });

  it('rejects a file whose normalization does not fit', async () => {
    const net = await create(backend, 'f64');
    net.setNormalization({ mean: [0, 0, 0], std: [1, 1, 1] });
    const json = net.toJSON();
    const load = (j: unknown) => Network.fromJSON(j as typeof json, { backend, wasm: WASM_PATH });
    await expect(
      load({ ...json, normalization: { mean: [0, 0], std: [1, 1, 1] } }),
    ).rejects.toThrow('normalization.mean (layers[0]): expected 3 entries, got 2');
    await expect(
      load({ ...json, normalization: { mean: [0, 0, 0], std: [1, 0, 1] } }),
    ).rejects.toThrow(FormatError);
    await expect(load({ ...json, formatVersion: 3 })).rejects.toThrow('upgrade wasm-mlp');
    net.dispose();
  });
});

describe('ONNX export folds the normalization into the first layer', () => {
  it.each(['f32', 'f64'] as const)('onnxruntime on raw inputs = predict (%s)', async (dtype) => {
    const { x, y } = data();
    const net = await create('wasm', dtype);
    net.fitNormalization(x);
    await net.fit(x, y, { epochs: 5 });
    const bytes = toONNX(net);
    const session = await ort.InferenceSession.create(bytes);
    const flat = x.flat();
    const input = new ort.Tensor(
      dtype === 'f64' ? 'float64' : 'float32',
      dtype === 'f64' ? Float64Array.from(flat) : Float32Array.from(flat),
      [x.length, 3],
    );
    const out = (await session.run({ input }))['output']!.data as Float32Array | Float64Array;
    const expected = net.predict(x);
    // f32: the raw inputs reach onnxruntime as float32 (5000 ± 2000 to ~4e-4) and the folded
    // weights are rounded once; predict standardises in float64 first.
    expect(maxAbsDiff(out, expected)).toBeLessThan(dtype === 'f64' ? 1e-12 : 2e-4);
    const back = await fromONNX(bytes);
    expect(back.normalization).toBeNull();
    expect(maxAbsDiff(back.predict(x), expected)).toBeLessThan(dtype === 'f64' ? 1e-12 : 2e-4);
    // The network itself is unchanged by the export.
    expect(Array.from(net.predict(x))).toEqual(Array.from(expected));
    back.dispose();
    net.dispose();
  });
});

it('wasm and reference agree with a normalization', async () => {
  const { x, y } = data();
  const out: Float64Array[] = [];
  for (const backend of BACKENDS) {
    const net = await create(backend, 'f64');
    net.fitNormalization(x);
    await net.fit(x, y, { epochs: 4, batchSize: 10 });
    out.push(net.predict(x) as Float64Array);
    net.dispose();
  }
  expect(maxAbsDiff(out[0]!, out[1]!)).toBeLessThan(1e-12);
});

it('passes OptionError for a bad normalization argument', async () => {
  const net = await create('reference', 'f64');
  expect(() => net.setNormalization(5 as never)).toThrow(OptionError);
  net.dispose();
});
