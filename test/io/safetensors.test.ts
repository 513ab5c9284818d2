// safetensors: the byte layout of the published format, round trips in both weight layouts
// and dtypes, files written independently by numpy (PyTorch layout without our metadata, and
// our own layout in f64), and clear errors for malformed or mismatched files.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FormatError, Network, OptionError, type Dtype } from 'wasm-mlp';
import { maxAbsDiff, toleranceRatio } from '../helpers.js';
import { RICH, classification } from './models.js';

const fixture = (name: string): Uint8Array =>
  new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));
const expected = JSON.parse(
  readFileSync(new URL('../fixtures/safetensors-expected.json', import.meta.url), 'utf8'),
) as Record<'pytorch' | 'numpy_f64', { x: number[][]; y: number[][] }>;

/** The header of a safetensors file, parsed independently of the library. */
function header(bytes: Uint8Array): { n: number; json: Record<string, any> } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) };
}

describe('toSafetensors', () => {
  it('writes the published layout: u64 LE length, JSON header padded to 8 bytes, F32 data', async () => {
    const net = await Network.create({ layers: [2, 3, 1], seed: 4 });
    net.metadata = { author: 'test' };
    const bytes = net.toSafetensors();
    const { n, json } = header(bytes);
    expect((8 + n) % 8).toBe(0);
    expect(json['layers.0.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(json['layers.0.bias']).toEqual({ dtype: 'F32', shape: [3], data_offsets: [24, 36] });
    expect(json['layers.1.weight']).toEqual({
      dtype: 'F32',
      shape: [3, 1],
      data_offsets: [36, 48],
    });
    expect(json['layers.1.bias']).toEqual({ dtype: 'F32', shape: [1], data_offsets: [48, 52] });
    expect(bytes.length).toBe(8 + n + 52);
    expect(json['__metadata__']).toMatchObject({
      author: 'test',
      'wasm_mlp.format_version': '1',
      'wasm_mlp.layout': 'in-out',
    });
    expect(JSON.parse(json['__metadata__']['wasm_mlp.architecture'])).toEqual(
      net.toJSON().architecture,
    );
    const w0 = new Float32Array(bytes.slice(8 + n, 8 + n + 24).buffer);
    expect(w0).toEqual(net.getParameters().weights[0]);
  });

  it("stores nn.Linear's n_out × n_in with layout 'pytorch'", async () => {
    const net = await Network.create({ layers: [2, 3, 1], dtype: 'f64', seed: 4 });
    const bytes = net.toSafetensors({ layout: 'pytorch' });
    const { n, json } = header(bytes);
    expect(json['layers.0.weight']).toEqual({ dtype: 'F64', shape: [3, 2], data_offsets: [0, 48] });
    const stored = new Float64Array(bytes.slice(8 + n, 8 + n + 48).buffer);
    const w = net.getParameters().weights[0]!; // 2 × 3 row-major
    expect(Array.from(stored)).toEqual([w[0], w[3], w[1], w[4], w[2], w[5]]);
    expect(json['__metadata__']['wasm_mlp.layout']).toBe('pytorch');
  });

  it.each(['f32', 'f64'] as Dtype[])('round-trips both layouts exactly (%s)', async (dtype) => {
    const net = await Network.create({ ...RICH, dtype });
    const { x, y } = classification(2);
    await net.fit(x, y, { epochs: 2, batchSize: 3 });
    net.metadata = { classes: 'a,b,c' };
    for (const layout of ['in-out', 'pytorch'] as const) {
      const back = await Network.fromSafetensors(net.toSafetensors({ layout }));
      expect(back.toJSON()).toEqual(net.toJSON());
      expect(back.predict(x)).toEqual(net.predict(x));
    }
  });

  it('rejects a bad layout when saving', async () => {
    const net = await Network.create({ layers: [2, 1] });
    expect(() => net.toSafetensors({ layout: 'tf' as never })).toThrow(
      new OptionError("layout must be 'in-out' or 'pytorch', got 'tf'"),
    );
  });
});

describe('files written by numpy (test/fixtures/make_safetensors.py)', () => {
  it('loads a PyTorch-layout state dict with a given architecture and matches numpy', async () => {
    const bytes = fixture('pytorch-mlp.safetensors');
    const architecture = { activation: ['relu', 'relu', 'linear'] as const, loss: 'mse' as const };
    const { x, y } = expected.pytorch;
    // f64: the stored f32 weights are exact in f64, so only summation order differs from numpy.
    const f64 = await Network.fromSafetensors(bytes, {
      layout: 'pytorch',
      architecture,
      dtype: 'f64',
    });
    expect(f64.layers).toEqual([3, 5, 4, 2]);
    expect(f64.metadata).toEqual({ format: 'pt' });
    expect(maxAbsDiff(f64.predict(x), y.flat())).toBeLessThan(1e-12);
    // f32: inputs and every layer rounded to f32 (relative error ~1e-7 per op, depth 3).
    const f32 = await Network.fromSafetensors(bytes, { layout: 'pytorch', architecture });
    expect(toleranceRatio(f32.predict(x), y.flat(), 1e-5)).toBeLessThanOrEqual(1);
    // Saved again in PyTorch layout, the tensors are the same bytes numpy wrote.
    const again = header(f32.toSafetensors({ layout: 'pytorch' }));
    const original = header(bytes);
    for (const name of ['layers.0.weight', 'layers.2.bias']) {
      expect(again.json[name].shape).toEqual(original.json[name].shape);
    }
  });

  it('loads a file in our layout with our metadata, in f64, and matches numpy', async () => {
    const net = await Network.fromSafetensors(fixture('numpy-f64.safetensors'));
    expect(net.dtype).toBe('f64');
    expect(net.layers).toEqual([4, 3, 2]);
    expect(net.activations).toEqual([{ type: 'tanh' }, { type: 'sigmoid' }]);
    expect(net.lossName).toBe('mse');
    expect(net.learningRate).toBe(0.05);
    expect(net.seed).toBe(7);
    expect(net.metadata).toEqual({ author: 'make_safetensors.py' });
    const { x, y } = expected.numpy_f64;
    expect(maxAbsDiff(net.predict(x), y.flat())).toBeLessThan(1e-14);
  });

  it('says which layout fits when the shapes are transposed', async () => {
    const bytes = fixture('pytorch-mlp.safetensors');
    await expect(
      Network.fromSafetensors(bytes, {
        architecture: { layers: [3, 5, 4, 2], activation: 'relu' },
      }),
    ).rejects.toThrow(
      "safetensors: tensor 'layers.0.weight' has shape [5, 3], expected [3, 5] (layout 'in-out'); it fits layout 'pytorch': pass { layout: 'pytorch' }",
    );
    await expect(Network.fromSafetensors(bytes)).rejects.toThrow(
      "safetensors: 'layers.1.weight' takes 4 inputs but layer 0 has 3 outputs (layout 'in-out')",
    );
  });
});

describe('a file that does not record its layout, loaded in the wrong one', () => {
  /** A state dict as PyTorch's save_file writes it: F32 tensors, no wasm_mlp metadata. */
  function stateDict(shapes: Record<string, number[]>): Uint8Array {
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    let offset = 0;
    for (const [name, shape] of Object.entries(shapes)) {
      const bytes = 4 * shape.reduce((a, b) => a * b, 1);
      header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
      offset += bytes;
    }
    let json = JSON.stringify(header);
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    const out = new Uint8Array(8 + json.length + offset);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(new TextEncoder().encode(json), 8);
    return out;
  }
  const HINT =
    "the file does not record its layout and its shapes fit layout 'pytorch' (a PyTorch state dict, nn.Linear weights n_out × n_in): pass { layout: 'pytorch' }";

  it.each([
    // nn.Linear(3, 5), nn.Linear(5, 4), nn.Linear(4, 2): every layer non-square
    ['non-square layers', 'pytorch-mlp.safetensors'],
    // nn.Linear(4, 4), nn.Linear(4, 2): the square first layer reads fine in either layout
    ['a square layer, then a non-square one', { w0: [4, 4], b0: [4], w1: [2, 4], b1: [2] }],
    // nn.Linear(2, 4), nn.Linear(4, 4): the square layer last
    ['a non-square layer, then a square one', { w0: [4, 2], b0: [4], w1: [4, 4], b1: [4] }],
    // nn.Linear(3, 2): the weight alone would read as 2 → 3; its bias has 2 entries
    ['a single layer (caught by the bias)', { w0: [2, 3], b0: [2] }],
  ] as const)('suggests layout pytorch: %s', async (_, spec) => {
    const bytes =
      typeof spec === 'string'
        ? fixture(spec)
        : stateDict(
            Object.fromEntries(
              Object.entries(spec).map(([k, shape]) => [
                `layers.${k[1]}.${k[0] === 'w' ? 'weight' : 'bias'}`,
                [...shape],
              ]),
            ),
          );
    const error = await Network.fromSafetensors(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toContain(HINT);
    // …and the suggestion works.
    const net = await Network.fromSafetensors(bytes, { layout: 'pytorch' });
    expect(net.layers.length).toBeGreaterThan(1);
    net.dispose();
  });

  it("suggests layout in-out for an in-out file without metadata loaded as 'pytorch'", async () => {
    const bytes = stateDict({
      'layers.0.weight': [4, 4],
      'layers.0.bias': [4],
      'layers.1.weight': [4, 2],
      'layers.1.bias': [2],
    });
    await expect(Network.fromSafetensors(bytes, { layout: 'pytorch' })).rejects.toThrow(
      "its shapes fit layout 'in-out': pass { layout: 'in-out' }",
    );
  });

  it('gives no hint when the other layout does not fit either, or the file records its layout', async () => {
    const neither = stateDict({ 'layers.0.weight': [2, 3], 'layers.0.bias': [5] });
    const error = (await Network.fromSafetensors(neither).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).not.toContain('pass { layout');
  });
});

describe('fromSafetensors errors', () => {
  const small = async () => (await Network.create({ layers: [2, 3, 1], seed: 1 })).toSafetensors();

  /** A file with the given header object and data bytes. */
  function file(head: object, data = new Uint8Array(0)): Uint8Array {
    const json = new TextEncoder().encode(JSON.stringify(head));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  }

  it('rejects non-safetensors bytes and truncated files', async () => {
    await expect(Network.fromSafetensors(new Uint8Array(3))).rejects.toThrow(
      'safetensors: 3 bytes is too short for the 8-byte header length',
    );
    const text = new TextEncoder().encode('{"format": "wasm-mlp", ...}');
    await expect(Network.fromSafetensors(text)).rejects.toThrow(
      /header length \d+ exceeds the 19 bytes after it/,
    );
    const good = await small();
    await expect(Network.fromSafetensors(good.subarray(0, good.length - 4))).rejects.toThrow(
      "safetensors: tensor 'layers.1.bias' ends at byte 52 of a 48-byte data area (truncated file?)",
    );
    await expect(Network.fromSafetensors('abc' as never)).rejects.toThrow(
      "safetensors: expected a Uint8Array, got 'abc'",
    );
    await expect(Network.fromSafetensors(file([1, 2]))).rejects.toThrow(FormatError);
  });

  it('rejects unsupported dtypes, inconsistent offsets, gaps and trailing bytes', async () => {
    const f = (dtype: string, offsets: number[], bytes = 8) =>
      file(
        { 'layers.0.weight': { dtype, shape: [2, 1], data_offsets: offsets } },
        new Uint8Array(bytes),
      );
    await expect(Network.fromSafetensors(f('BF16', [0, 4]))).rejects.toThrow(
      "safetensors: tensor 'layers.0.weight' has dtype 'BF16'; wasm-mlp reads 'F32' and 'F64'",
    );
    await expect(Network.fromSafetensors(f('F32', [0, 6]))).rejects.toThrow(
      "safetensors: tensor 'layers.0.weight' spans 6 bytes but shape [2, 1] of F32 needs 8",
    );
    await expect(Network.fromSafetensors(f('F32', [4, 12], 12))).rejects.toThrow(
      "tensor 'layers.0.weight' starts at byte 4, expected 0",
    );
    await expect(Network.fromSafetensors(f('F32', [0, 8], 12))).rejects.toThrow(
      'safetensors: the tensors cover 8 of the 12 data bytes (trailing bytes)',
    );
  });

  it('names a missing tensor, an unexpected tensor and a layout conflict', async () => {
    const net = await Network.create({ layers: [2, 3, 1], seed: 1 });
    const bytes = net.toSafetensors();
    await expect(
      Network.fromSafetensors(bytes, { architecture: { layers: [2, 3, 1, 1] } }),
    ).rejects.toThrow(
      /safetensors: tensor 'layers.2.weight' is missing \(the file has 'layers.0.weight', /,
    );
    await expect(
      Network.fromSafetensors(bytes, { architecture: { layers: [2, 3] } }),
    ).rejects.toThrow(
      "safetensors: unexpected tensors 'layers.1.weight', 'layers.1.bias' for layers [2, 3]",
    );
    await expect(Network.fromSafetensors(bytes, { layout: 'pytorch' })).rejects.toThrow(
      "layout 'pytorch' was requested but the file says its weights are stored 'in-out'; leave layout out",
    );
    await expect(Network.fromSafetensors(bytes, { layout: 'x' as never })).rejects.toThrow(
      "layout must be 'in-out' or 'pytorch', got 'x'",
    );
    await expect(Network.fromSafetensors(bytes, { bogus: 1 } as never)).rejects.toThrow(
      "unknown load option 'bogus'",
    );
    await expect(Network.fromSafetensors(file({}))).rejects.toThrow(
      "safetensors: no architecture in the metadata and no tensor 'layers.0.weight' to infer the layers from (the file has no tensors)",
    );
  });
});
