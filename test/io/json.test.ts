// JSON model format: exact round trips for every dtype/backend and a network using every kind
// of option, f32 values stored exactly as f32, JSON.stringify(net), and clear errors.
import { describe, expect, it } from 'vitest';
import {
  FormatError,
  JSON_FORMAT_VERSION,
  Network,
  NonFiniteError,
  OptionError,
  type BackendName,
  type Dtype,
} from 'wasm-mlp';
import { RICH, classification } from './models.js';

const combos: [BackendName, Dtype][] = [
  ['wasm', 'f32'],
  ['wasm', 'f64'],
  ['reference', 'f32'],
  ['reference', 'f64'],
];

describe('toJSON / fromJSON', () => {
  it.each(combos)(
    'round-trips architecture, parameters and metadata exactly (%s, %s)',
    async (backend, dtype) => {
      const net = await Network.create({ ...RICH, backend, dtype });
      const { x, y } = classification(1);
      await net.fit(x, y, { epochs: 2, batchSize: 4 });
      net.metadata = { classes: '["a","b","c"]', note: 'hello' };
      const text = JSON.stringify(net.toJSON());
      const back = await Network.fromJSON(text, { backend });
      expect(back.dtype).toBe(dtype);
      expect(back.layers).toEqual(net.layers);
      expect(back.activations).toEqual(net.activations);
      expect(back.lossName).toBe(net.lossName);
      expect(back.optimizer).toEqual(net.optimizer);
      expect(back.initializers).toEqual(net.initializers);
      expect(back.ordering).toBe('update-first');
      expect(back.seed).toBe(42);
      expect(back.learningRate).toBe(0.03);
      expect(back.metadata).toEqual(net.metadata);
      expect(back.getParameters()).toEqual(net.getParameters());
      expect(back.predict(x)).toEqual(net.predict(x));
      // Without the training state the optimizer starts afresh.
      expect(back.getOptimizerState().step).toBe(0);
      expect(back.epochsTrained).toBe(0);
    },
  );

  it('stores f32 parameters as exact f32 values and f64 ones with every bit', async () => {
    const f32 = await Network.create({ layers: [5, 7, 2], dtype: 'f32', seed: 3 });
    const json32 = f32.toJSON();
    const values = [...json32.parameters.weights.flat(2), ...json32.parameters.biases.flat()];
    expect(values.length).toBe(f32.parameterCount);
    expect(values.every((v) => Math.fround(v) === v)).toBe(true);
    const f64 = await Network.create({
      layers: [5, 7, 2],
      dtype: 'f64',
      seed: 3,
      initializer: 'he-normal',
    });
    const back = await Network.fromJSON(JSON.parse(JSON.stringify(f64)));
    const a = back.getParameters();
    const b = f64.getParameters();
    a.weights.forEach((w, i) =>
      expect(Buffer.from(w.buffer)).toEqual(Buffer.from(b.weights[i]!.buffer)),
    );
  });

  it('writes weights as n_in rows of n_out and the documented fields', async () => {
    const net = await Network.create({ layers: [2, 3, 1], seed: 5 });
    const json = net.toJSON();
    expect(json.format).toBe('wasm-mlp');
    expect(json.formatVersion).toBe(1); // 2 (JSON_FORMAT_VERSION) only with a normalization
    expect(JSON_FORMAT_VERSION).toBe(2);
    expect(Object.keys(json.architecture).sort()).toEqual([
      'activations',
      'dtype',
      'initializers',
      'layers',
      'learningRate',
      'loss',
      'optimizer',
      'ordering',
      'seed',
    ]);
    expect(json.architecture.activations).toEqual(['sigmoid', 'sigmoid']);
    const w0 = net.getParameters().weights[0]!;
    expect(json.parameters.weights[0]).toEqual([
      [w0[0], w0[1], w0[2]],
      [w0[3], w0[4], w0[5]],
    ]);
    expect(json.training).toBeUndefined();
    expect(JSON.parse(JSON.stringify(net))).toEqual(json);
  });

  it('loads into another backend or dtype', async () => {
    const net = await Network.create({ layers: [2, 3, 1], dtype: 'f64', seed: 9 });
    const back = await Network.fromJSON(net.toJSON(), { backend: 'reference', dtype: 'f32' });
    expect(back.backend).toBe('reference');
    expect(back.dtype).toBe('f32');
    expect(Array.from(back.getParameters().weights[0]!)).toEqual(
      Array.from(net.getParameters().weights[0]!, Math.fround),
    );
  });
});

describe('fromJSON errors', () => {
  const good = async () => (await Network.create({ layers: [2, 3, 1], seed: 1 })).toJSON();

  it('rejects text that is not JSON, a foreign object, a newer version', async () => {
    await expect(Network.fromJSON('{nope')).rejects.toThrow(FormatError);
    await expect(Network.fromJSON('{nope')).rejects.toThrow(/model JSON does not parse/);
    await expect(Network.fromJSON({ format: 'keras' } as never)).rejects.toThrow(
      "model JSON: format must be 'wasm-mlp', got 'keras'",
    );
    const newer = { ...(await good()), formatVersion: JSON_FORMAT_VERSION + 1 };
    await expect(Network.fromJSON(newer)).rejects.toThrow(
      `formatVersion ${JSON_FORMAT_VERSION + 1} is newer than this library reads (${JSON_FORMAT_VERSION}); upgrade wasm-mlp`,
    );
  });

  it('names a missing architecture field, a bad architecture value, wrong shapes', async () => {
    const g = await good();
    const { loss: _loss, ...noLoss } = g.architecture;
    await expect(Network.fromJSON({ ...g, architecture: noLoss } as never)).rejects.toThrow(
      'model JSON: architecture.loss is missing',
    );
    const badAct = { ...g, architecture: { ...g.architecture, activations: ['sigmoid', 'swish'] } };
    await expect(Network.fromJSON(badAct as never)).rejects.toThrow(OptionError);
    await expect(Network.fromJSON(badAct as never)).rejects.toThrow(
      /model JSON: invalid architecture: activation\[1\] must be .*got 'swish'/,
    );
    const short = structuredClone(g);
    short.parameters.weights[0]!.pop();
    await expect(Network.fromJSON(short)).rejects.toThrow(
      'parameters.weights[0] (layers[0] rows): expected 2 entries, got 1',
    );
    const narrow = structuredClone(g);
    narrow.parameters.weights[1]![2]!.push(0);
    await expect(Network.fromJSON(narrow)).rejects.toThrow(
      'parameters.weights[1][2] (layers[2] columns): expected 1 entries, got 2',
    );
  });

  it('rejects null (a NaN written by JSON.stringify) and bad metadata', async () => {
    const g = await good();
    const nan = structuredClone(g) as unknown as { parameters: { biases: unknown[][] } };
    nan.parameters.biases[0]![1] = null;
    await expect(Network.fromJSON(nan as never)).rejects.toThrow(
      'model JSON: biases[0][1] must be a number, got null',
    );
    const inf = structuredClone(g);
    inf.parameters.biases[0]![1] = Infinity;
    await expect(Network.fromJSON(inf)).rejects.toThrow(NonFiniteError);
    await expect(Network.fromJSON({ ...g, metadata: { a: 1 } } as never)).rejects.toThrow(
      "model JSON: metadata['a'] must be a string, got 1",
    );
  });

  it('metadata setter rejects non-strings and reserved keys', async () => {
    const net = await Network.create({ layers: [2, 1] });
    expect(() => (net.metadata = { n: 3 } as never)).toThrow(
      "metadata['n'] must be a string, got 3",
    );
    expect(() => (net.metadata = { 'wasm_mlp.x': 'y' })).toThrow(
      "metadata['wasm_mlp.x']: keys starting with 'wasm_mlp.' are reserved for the library",
    );
    expect(net.metadata).toEqual({});
  });
});
