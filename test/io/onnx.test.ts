// ONNX export run by the real onnxruntime (onnxruntime-node's CPU provider): every activation ×
// dtype, opsets 13…21, the graph's structure, import of our exports, and errors.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { FormatError, Network, OptionError, type ActivationOption, type Dtype } from 'wasm-mlp';
import { DEFAULT_OPSET, OPSET_RANGE, fromONNX, toONNX } from 'wasm-mlp/onnx';
import { maxAbsDiff, randArray, rng } from '../helpers.js';

/** Runs an ONNX model on `rows × n0` inputs with onnxruntime-node. */
async function runOrt(
  model: Uint8Array,
  x: ArrayLike<number>,
  rows: number,
  n0: number,
  dtype: Dtype,
) {
  const session = await ort.InferenceSession.create(model);
  const data = dtype === 'f64' ? Float64Array.from(x) : Float32Array.from(x);
  const input = new ort.Tensor(dtype === 'f64' ? 'float64' : 'float32', data, [rows, n0]);
  const result = await session.run({ input });
  return { output: result['output']!, session };
}

const activations: ActivationOption[] = [
  'sigmoid',
  'tanh',
  'relu',
  { type: 'leakyRelu', slope: 0.1 },
  'linear',
];
// Tolerances vs predict() (absolute; outputs are O(1)). f64: only the summation order differs
// (measured ≤ 1e-15), except LeakyRelu, whose alpha is a float32 attribute in ONNX: fround(0.1)
// differs from 0.1 by 1.5e-9, times pre-activations up to ~5 (measured 8e-9). f32: rounding of
// depth-3 sums of ≤ 9 terms of magnitude ≲ 3 in a different order: a few ulps of the largest
// partial sums (~1e-6; measured ≤ 7.2e-7).
const TOL: Record<Dtype, number> = { f64: 1e-12, f32: 1e-5 };
const LEAKY_F64_TOL = 3e-8;
const measured: Record<string, number> = {};

describe('toONNX run by onnxruntime-node', () => {
  const cases: [string, Dtype][] = [];
  for (const a of [...activations, 'softmax'])
    for (const d of ['f32', 'f64'] as const) cases.push([JSON.stringify(a), d]);

  it.each(cases)('hidden/output activation %s, %s, matches predict()', async (name, dtype) => {
    const act = JSON.parse(name) as ActivationOption;
    const hidden = act === 'softmax' ? 'tanh' : act;
    const net = await Network.create({
      layers: [5, 9, 7, 4],
      activation: [hidden, hidden, act],
      dtype,
      seed: 21,
      initializer: 'glorot-normal',
    });
    const rows = 33;
    const x = randArray(rng(5), rows * 5, -3, 3);
    const { output, session } = await runOrt(toONNX(net), x, rows, 5, dtype);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['output']);
    expect(output.dims).toEqual([rows, 4]);
    expect(output.type).toBe(dtype === 'f64' ? 'float64' : 'float32');
    const diff = maxAbsDiff(output.data as Float32Array, net.predict(x));
    measured[`${name} ${dtype}`] = diff;
    const tol = dtype === 'f64' && name.includes('leakyRelu') ? LEAKY_F64_TOL : TOL[dtype];
    expect(diff).toBeLessThanOrEqual(tol);
  });

  it('reports the largest difference measured', () => {
    const worst = (d: Dtype) =>
      Math.max(
        ...Object.entries(measured)
          .filter(([k]) => k.endsWith(d))
          .map(([, v]) => v),
      );
    console.log(
      `ONNX vs predict max |diff|: f32 ${worst('f32').toExponential(2)}, f64 ${worst('f64').toExponential(2)}`,
    );
    expect(Object.keys(measured)).toHaveLength(12);
  });

  it.each(
    Array.from({ length: OPSET_RANGE[1] - OPSET_RANGE[0] + 1 }, (_, i) => OPSET_RANGE[0] + i),
  )('opset %i loads and runs', async (opset) => {
    const net = await Network.create({
      layers: [3, 4, 3],
      activation: ['relu', 'softmax'],
      loss: 'categorical-cross-entropy',
      seed: 2,
    });
    const x = randArray(rng(opset), 6, -1, 1);
    const { output } = await runOrt(toONNX(net, { opset }), x, 2, 3, 'f32');
    expect(maxAbsDiff(output.data as Float32Array, net.predict(x))).toBeLessThanOrEqual(TOL.f32);
  });

  it('exports an f64 network as float with { dtype: "f32" }', async () => {
    const net = await Network.create({
      layers: [4, 6, 2],
      activation: 'tanh',
      dtype: 'f64',
      seed: 8,
    });
    const x = randArray(rng(8), 40, -1, 1);
    const { output } = await runOrt(toONNX(net, { dtype: 'f32' }), x, 10, 4, 'f32');
    expect(output.type).toBe('float32');
    expect(maxAbsDiff(output.data as Float32Array, net.predict(x))).toBeLessThanOrEqual(TOL.f32);
  });

  it('carries metadata and the architecture in metadata_props, default opset 17', async () => {
    expect(DEFAULT_OPSET).toBe(17);
    const net = await Network.create({
      layers: [2, 2],
      activation: 'softmax',
      loss: 'categorical-cross-entropy',
    });
    net.metadata = { classes: '["no","yes"]' };
    const session = await ort.InferenceSession.create(toONNX(net));
    // onnxruntime-node exposes no model metadata; the import below reads it back instead.
    expect(session.inputNames).toEqual(['input']);
    const back = await fromONNX(toONNX(net));
    expect(back.metadata).toEqual({ classes: '["no","yes"]' });
    expect(back.lossName).toBe('categorical-cross-entropy');
  });
});

describe('export is the function toONNX(net), with no hidden state', () => {
  it('Network has no toONNX method; the function checks the network like a method would', async () => {
    const net = await Network.create({ layers: [3, 4, 2], activation: 'relu', seed: 5 });
    expect('toONNX' in net).toBe(false);
    expect(toONNX(net, { opset: 15 })).toEqual(toONNX(net, { opset: 15 }));
    expect(() => toONNX(net, { opset: 99 })).toThrow(/opset must be an integer from 13 to 21/);
    net.dispose();
    expect(() => toONNX(net)).toThrow(/disposed/);
  });

  it('works on networks created before wasm-mlp/onnx was imported, which changes nothing', () => {
    // A fresh process (this file has already imported the entry).
    const script =
      "const { Network } = await import('wasm-mlp');" +
      'const net = await Network.create({ layers: [2, 1] });' +
      'const before = Object.getOwnPropertyNames(Network.prototype).join();' +
      "const { toONNX } = await import('wasm-mlp/onnx');" +
      'const after = Object.getOwnPropertyNames(Network.prototype).join();' +
      'console.log(before === after, toONNX(net).length > 0);';
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('true true\n');
  });
});

describe('fromONNX', () => {
  it.each(['f32', 'f64'] as Dtype[])('reads back our export exactly (%s)', async (dtype) => {
    const net = await Network.create({
      layers: [3, 5, 4, 2],
      activation: ['relu', { type: 'leakyRelu', slope: 0.25 }, 'sigmoid'],
      loss: 'binary-cross-entropy',
      optimizer: 'adam',
      dtype,
      seed: 4,
      learningRate: 0.01,
    });
    const back = await fromONNX(toONNX(net));
    expect(back.toJSON()).toEqual(net.toJSON());
  });

  it('infers the architecture when the metadata is absent (e.g. another exporter)', async () => {
    const net = await Network.create({
      layers: [3, 4, 2],
      activation: ['tanh', 'linear'],
      loss: 'mse',
      seed: 1,
    });
    const bytes = toONNX(net);
    const stripped = await fromONNX(bytes, { architecture: { optimizer: 'momentum' } });
    expect(stripped.activations).toEqual([{ type: 'tanh' }, { type: 'linear' }]);
    expect(stripped.optimizer.type).toBe('momentum');
  });

  it('rejects what is not an MLP-shaped ONNX model, and bad export options', async () => {
    await expect(fromONNX(new Uint8Array([1, 2, 3]))).rejects.toThrow(FormatError);
    await expect(fromONNX(new Uint8Array([1, 2, 3]))).rejects.toThrow(/^ONNX: not an ONNX model/);
    await expect(fromONNX(new Uint8Array(0))).rejects.toThrow('ONNX: the model has no graph nodes');
    const net = await Network.create({ layers: [2, 1] });
    expect(() => toONNX(net, { opset: 12 })).toThrow(
      new OptionError('opset must be an integer from 13 to 21, got 12'),
    );
    expect(() => toONNX(net, { opset: 17, foo: 1 } as never)).toThrow(
      "toONNX: unknown option 'foo'; known options: opset, dtype",
    );
    expect(() => toONNX({} as never)).toThrow(
      'toONNX: expected a Network from wasm-mlp as the first argument',
    );
  });
});

describe('the compiled schema', () => {
  it('ts/io/onnx/schema.ts is generated from the committed onnx.proto', () => {
    const script = fileURLToPath(new URL('../../scripts/onnx-schema.mjs', import.meta.url));
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
