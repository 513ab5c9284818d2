// Hostile model files: whatever sizes, counts, offsets or nesting a header claims, a reader
// allocates no more than the file's own size implies (typed arrays counted while it decodes)
// and answers with a WasmMlpError that says what is wrong, never a bare RangeError.
import { afterEach, describe, expect, it } from 'vitest';
import { FormatError, Network, OptionError } from 'wasm-mlp';
import { fromONNX, toONNX } from 'wasm-mlp/onnx';
import { nestedArrays, onnxFile, onnxObject, safetensorsFile, safetensorsParts } from './files.js';

const TYPED = ['Float32Array', 'Float64Array', 'Uint8Array'] as const;
const originals = Object.fromEntries(TYPED.map((n) => [n, globalThis[n]]));
afterEach(() => Object.assign(globalThis, originals));

/**
 * Starts a load and returns the bytes of typed arrays (and slots of plain arrays) constructed
 * with a length while its synchronous part ran: the decoding, up to the first await.
 */
function allocationsOf(load: () => Promise<unknown>): { bytes: number; result: Promise<unknown> } {
  let bytes = 0;
  for (const name of TYPED) {
    globalThis[name] = new Proxy(originals[name]!, {
      construct(target, args: unknown[]) {
        if (typeof args[0] === 'number') bytes += args[0] * target.BYTES_PER_ELEMENT;
        return Reflect.construct(target, args);
      },
    }) as never;
  }
  let result: Promise<unknown>;
  try {
    result = load();
  } finally {
    Object.assign(globalThis, originals);
  }
  result.catch(() => {});
  return { bytes, result };
}

describe('safetensors headers cannot claim more memory than the file has', () => {
  it('a training slot repeated 100,000 times is rejected before any slot is read', async () => {
    const net = await Network.create({ layers: [300, 300, 10], optimizer: 'adam', seed: 1 });
    const { header, data } = safetensorsParts(net.toSafetensors({ trainingState: true }));
    const meta = header['__metadata__'];
    const training = JSON.parse(meta['wasm_mlp.training']);
    meta['wasm_mlp.training'] = JSON.stringify({ ...training, slots: Array(100_000).fill('m') });
    const file = safetensorsFile(header, data);
    expect(file.length).toBeGreaterThan(1_300_000);
    const { bytes, result } = allocationsOf(() => Network.fromSafetensors(file));
    await expect(result).rejects.toThrow(FormatError);
    await expect(result).rejects.toThrow(
      /wasm_mlp\.training\.slots must be \['m', 'v'\] .*got \['m', 'm', .*\(100000 in all\)\]/,
    );
    // The container's tensors (= the data) and the parameters widened to float64.
    expect(bytes).toBeLessThan(4 * file.length);
    // Wrong names for the optimizer, or a slot named twice, are rejected the same way.
    for (const slots of [['velocity'], ['m', 'm'], ['v', 'm']]) {
      meta['wasm_mlp.training'] = JSON.stringify({ ...training, slots });
      await expect(Network.fromSafetensors(safetensorsFile(header, data))).rejects.toThrow(
        /wasm_mlp\.training\.slots must be \['m', 'v'\]/,
      );
    }
    net.dispose();
  });

  it('overlapping tensors are rejected before any tensor is decoded', async () => {
    const data = new Uint8Array(65_536);
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++) {
      header[`t${i}`] = { dtype: 'F32', shape: [16_384], data_offsets: [0, 65_536] };
    }
    const file = safetensorsFile(header, data);
    const { bytes, result } = allocationsOf(() => Network.fromSafetensors(file));
    await expect(result).rejects.toThrow(
      "safetensors: tensor 't1' starts at byte 0, expected 65536 (tensors must tile the data area",
    );
    expect(bytes).toBeLessThan(file.length);
  });

  it('absurd layer sizes in the metadata or the options are an OptionError', async () => {
    const net = await Network.create({ layers: [2, 2], seed: 1 });
    const { header, data } = safetensorsParts(net.toSafetensors());
    const arch = JSON.parse(header['__metadata__']['wasm_mlp.architecture']);
    for (const layers of [
      [-1, 2],
      [100_000, 100_000],
      [2 ** 31, 2],
      [2, 0],
    ]) {
      header['__metadata__']['wasm_mlp.architecture'] = JSON.stringify({ ...arch, layers });
      await expect(Network.fromSafetensors(safetensorsFile(header, data))).rejects.toThrow(
        /^safetensors: invalid architecture: layers/,
      );
      await expect(
        Network.fromSafetensors(net.toSafetensors(), { architecture: { layers } }),
      ).rejects.toThrow(OptionError);
    }
    net.dispose();
  });

  it('deep nesting in the header or the metadata JSON is a FormatError', async () => {
    const deep = nestedArrays(100_000);
    const shape = `{"layers.0.weight": {"dtype": "F32", "shape": ${deep}, "data_offsets": [0, 0]}}`;
    await expect(
      Network.fromSafetensors(safetensorsFile(shape, new Uint8Array(0))),
    ).rejects.toThrow(
      'safetensors: the header: arrays/objects nested more than 64 deep (a model needs 5)',
    );
    const net = await Network.create({ layers: [2, 2], seed: 1 });
    const { header, data } = safetensorsParts(net.toSafetensors());
    header['__metadata__']['wasm_mlp.architecture'] = `{"layers": ${deep}}`;
    await expect(Network.fromSafetensors(safetensorsFile(header, data))).rejects.toThrow(
      'safetensors: metadata wasm_mlp.architecture: arrays/objects nested more than 64 deep',
    );
    net.dispose();
  });
});

describe('JSON models', () => {
  it('absurd layer sizes are an OptionError before anything is allocated from them', async () => {
    const net = await Network.create({ layers: [2, 2], seed: 1 });
    for (const layers of [
      [-1, 2],
      [100_000, 100_000],
      [2 ** 31, 2],
      [2.5, 2],
      [2, 2 ** 27],
    ]) {
      const json = net.toJSON();
      json.architecture.layers = layers;
      const { bytes, result } = allocationsOf(() => Network.fromJSON(JSON.stringify(json)));
      await expect(result).rejects.toThrow(OptionError);
      await expect(result).rejects.toThrow(/^model JSON: invalid architecture: layers/);
      expect(bytes).toBe(0);
    }
    net.dispose();
  });

  it('100,000 nested arrays (in the metadata or anywhere) are a FormatError', async () => {
    const net = await Network.create({ layers: [2, 2], seed: 1 });
    const text = JSON.stringify(net.toJSON());
    for (const key of ['metadata', 'architecture', 'parameters']) {
      const deep = text.replace(
        new RegExp(`"${key}":\\{`),
        `"${key}":{"x":${nestedArrays(100_000)},`,
      );
      await expect(Network.fromJSON(deep)).rejects.toThrow(
        'model JSON: arrays/objects nested more than 64 deep (a model needs 5)',
      );
    }
    // Brackets inside strings do not count.
    net.metadata = { classes: nestedArrays(100) };
    const back = await Network.fromJSON(JSON.stringify(net.toJSON()));
    expect(back.metadata).toEqual(net.metadata);
    back.dispose();
    net.dispose();
  });
});

describe('ONNX dims', () => {
  it('dims that do not match the data, negative or huge, are a FormatError', async () => {
    const net = await Network.create({ layers: [2, 3, 2], seed: 1 });
    const good = onnxObject(toONNX(net));
    for (const dims of [
      [-1, 3],
      [2 ** 40, 2 ** 40],
      [2 ** 53, 1],
      [3, 3],
      [0, 3],
    ]) {
      const model = structuredClone(good);
      model['graph'].initializer[0].dims = dims;
      const { bytes, result } = allocationsOf(() => fromONNX(onnxFile(model)));
      await expect(result).rejects.toThrow(FormatError);
      await expect(result).rejects.toThrow(/^ONNX: initializer 'layers\.0\.weight' has /);
      expect(bytes).toBeLessThan(4096);
    }
    // Dims that agree with the (absent) data but not with an MLP: a 0 × 3 weight, checked by
    // the rule of Network.create (without the architecture metadata, which would disagree).
    const empty = structuredClone(good);
    empty['metadata_props'] = [];
    empty['graph'].initializer[0] = {
      ...good['graph'].initializer[0],
      dims: [0, 3],
      raw_data: new Uint8Array(0),
    };
    await expect(fromONNX(onnxFile(empty))).rejects.toThrow(
      /^ONNX: invalid architecture: layers\[0\] must be a positive integer, got 0/,
    );
    net.dispose();
  });

  it('deeply nested architecture metadata is a FormatError', async () => {
    const net = await Network.create({ layers: [2, 2], seed: 1 });
    const model = onnxObject(toONNX(net));
    const prop = model['metadata_props'].find(
      (p: { key: string }) => p.key === 'wasm_mlp.architecture',
    );
    prop.value = `{"layers": ${nestedArrays(100_000)}}`;
    await expect(fromONNX(onnxFile(model))).rejects.toThrow(
      'ONNX: metadata wasm_mlp.architecture: arrays/objects nested more than 64 deep',
    );
    net.dispose();
  });
});
