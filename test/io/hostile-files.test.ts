// Hostile model files: whatever sizes, counts, offsets or nesting a header claims, a reader
// allocates no more than the file's own size implies (typed arrays counted while it decodes)
// and answers with a WasmMlpError that says what is wrong, never a bare RangeError.
import { afterEach, describe, expect, it } from 'vitest';
import { FormatError, Network, OptionError } from 'wasm-mlp';
import { fromONNX, toONNX } from 'wasm-mlp/onnx';
import { nestedArrays, onnxFile, onnxObject, safetensorsFile, safetensorsParts } from './files.js';

const COUNTED = ['Float32Array', 'Float64Array', 'Uint8Array', 'Array'] as const;
const originals = Object.fromEntries(COUNTED.map((n) => [n, globalThis[n]]));
const originalParse = JSON.parse;
afterEach(() => {
  Object.assign(globalThis, originals);
  JSON.parse = originalParse;
});

/**
 * Starts a load and measures the work its synchronous part did (the decoding, up to the first
 * await): the bytes of typed arrays and slots of plain arrays (8 bytes each) constructed with a
 * length, how many typed arrays were constructed at all (empty ones cost no bytes but an
 * object each), and the longest text given to `JSON.parse`.
 */
function allocationsOf(load: () => Promise<unknown>): {
  bytes: number;
  typedArrays: number;
  longestParse: number;
  result: Promise<unknown>;
} {
  let bytes = 0;
  let typedArrays = 0;
  let longestParse = 0;
  for (const name of COUNTED) {
    const size =
      name === 'Array' ? 8 : (originals[name] as Float64ArrayConstructor).BYTES_PER_ELEMENT;
    globalThis[name] = new Proxy(originals[name]!, {
      construct(target, args: unknown[]) {
        if (name !== 'Array') typedArrays++;
        if (typeof args[0] === 'number') bytes += args[0] * size;
        return Reflect.construct(target, args);
      },
    }) as never;
  }
  JSON.parse = (text: string, ...rest: never[]) => {
    longestParse = Math.max(longestParse, String(text).length);
    return originalParse(text, ...rest);
  };
  let result: Promise<unknown>;
  try {
    result = load();
  } finally {
    Object.assign(globalThis, originals);
    JSON.parse = originalParse;
  }
  result.catch(() => {});
  return { bytes, typedArrays, longestParse, result };
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

  it('more than 65,536 tensors are rejected before the header is parsed', async () => {
    // Empty tensors take no data bytes: without a cap, 23.5 MB of them took 6 s and 550 MB.
    const header: Record<string, unknown> = {};
    for (let i = 0; i < 70_000; i++) {
      header[`t${i}`] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
    }
    const file = safetensorsFile(header, new Uint8Array(0));
    const start = performance.now();
    const { typedArrays, longestParse, result } = allocationsOf(() =>
      Network.fromSafetensors(file),
    );
    await expect(result).rejects.toThrow(FormatError);
    await expect(result).rejects.toThrow(
      /^safetensors: the header lists more than 65,536 tensors; this library reads at most 65,536/,
    );
    expect(longestParse).toBe(0);
    expect(typedArrays).toBeLessThan(4);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('unknown tensors are rejected by name before any value is decoded', async () => {
    const net = await Network.create({ layers: [30, 20, 2], optimizer: 'adam', seed: 1 });
    const { header, data } = safetensorsParts(net.toSafetensors({ trainingState: true }));
    for (let i = 0; i < 5000; i++) {
      header[`extra.${i}`] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
    }
    const file = safetensorsFile(header, data);
    const { bytes, typedArrays, result } = allocationsOf(() => Network.fromSafetensors(file));
    await expect(result).rejects.toThrow(
      /^safetensors: unexpected tensors 'extra\.0', .*\(5000 in all\) for layers \[30, 20, 2\]/,
    );
    // Not one tensor decoded (each used to become a typed array, empty or not).
    expect(typedArrays).toBeLessThan(4);
    expect(bytes).toBeLessThan(file.length);
    net.dispose();
  });

  it('a missing optimizer slot tensor is found before the parameters are decoded', async () => {
    const net = await Network.create({ layers: [200, 200, 2], optimizer: 'adam', seed: 1 });
    const { header, data } = safetensorsParts(net.toSafetensors({ trainingState: true }));
    // The last tensor in the data area, so the others still tile it.
    const last = Object.entries(header)
      .filter(([k]) => k !== '__metadata__')
      .sort(([, a], [, b]) => b.data_offsets[1] - a.data_offsets[1])[0]!;
    delete header[last[0]];
    const file = safetensorsFile(header, data.subarray(0, last[1].data_offsets[0]));
    const { bytes, result } = allocationsOf(() => Network.fromSafetensors(file));
    await expect(result).rejects.toThrow(`safetensors: tensor '${last[0]}' is missing`);
    expect(bytes).toBeLessThan(file.length / 100);
    net.dispose();
  });

  it('a network needing more than 65,536 tensors is refused when saved, not when read back', async () => {
    // 10,923 layers with Adam's 2 slots: 6 tensors each, 65,538 in all.
    const net = await Network.create({ layers: Array(10_924).fill(1), optimizer: 'adam', seed: 1 });
    expect(() => net.toSafetensors({ trainingState: true })).toThrow(
      /^safetensors: 65,538 tensors is more than the 65,536 a file may hold to be read back .*; save this network as JSON/,
    );
    net.dispose();
  });

  it('a shape of 100,000 dims is named in a short message', async () => {
    const dims = Array(100_000).fill(1);
    for (const [offsets, message] of [
      [
        [0, 8],
        /^safetensors: tensor 'layers\.0\.weight' spans 8 bytes but shape \[1, 1, 1, 1, 1, 1, 1, 1, … \(100000 dims\)\] of F32 needs 4$/,
      ],
      [
        [0, 4],
        /^safetensors: tensor 'layers\.0\.weight' must be 2-D, got shape \[1, 1, 1, 1, 1, 1, 1, 1, … \(100000 dims\)\]$/,
      ],
    ] as const) {
      const header = { 'layers.0.weight': { dtype: 'F32', shape: dims, data_offsets: offsets } };
      await expect(
        Network.fromSafetensors(safetensorsFile(header, new Uint8Array(offsets[1]))),
      ).rejects.toThrow(message);
    }
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

  it('rows shorter than the layers are rejected before the weights are allocated', async () => {
    // 18 KB of JSON claiming a 5792 × 5792 weight: the flat array (33.5M slots, 268 MB) used to
    // be allocated before the rows were looked at.
    const net = await Network.create({ layers: [2, 3], seed: 1 });
    const json = net.toJSON();
    json.architecture.layers = [5792, 5792];
    json.parameters.weights = [Array.from({ length: 5792 }, () => [])];
    json.parameters.biases = [Array(5792).fill(0)];
    const text = JSON.stringify(json);
    expect(text.length).toBeLessThan(30_000);
    // The short row may be the last one, after 5791 good ones (a 2-layer file of 40 KB).
    const wide = net.toJSON();
    wide.architecture.layers = [2000, 2, 3000];
    wide.architecture.activations = ['sigmoid', 'sigmoid'];
    wide.architecture.initializers = ['glorot-uniform', 'glorot-uniform'];
    wide.parameters.weights = [Array(2000).fill([0, 0]), [Array(3000).fill(0), []]];
    wide.parameters.biases = [[0, 0], Array(3000).fill(0)];
    for (const [file, message] of [
      [text, 'parameters.weights[0][0] (layers[1] columns): expected 5792 entries, got 0'],
      [
        JSON.stringify(wide),
        'parameters.weights[1][1] (layers[2] columns): expected 3000 entries, got 0',
      ],
    ] as const) {
      const { bytes, result } = allocationsOf(() => Network.fromJSON(file));
      await expect(result).rejects.toThrow(FormatError);
      await expect(result).rejects.toThrow(message);
      expect(bytes).toBeLessThan(file.length);
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

  it('an initializer read by several nodes is a FormatError before any is decoded', async () => {
    // One 64 × 64 weight named by 100 Gemm nodes would load as 100 layers (at 500 × 500 and 400
    // nodes: a 1 MB file became 100M parameters, 2.4 GB, 11 s).
    const n = 64;
    const tensor = (name: string, dims: number[]) => ({
      name,
      dims,
      data_type: 1,
      raw_data: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
    });
    const valueInfo = (name: string) => ({
      name,
      type: {
        tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'batch' }, { dim_value: n }] } },
      },
    });
    const chain = (inputs: (k: number) => string[], count: number) => {
      const node = Array.from({ length: count }, (_, k) => ({
        op_type: 'Gemm',
        input: [k === 0 ? 'x' : `h${k - 1}`, ...inputs(k)],
        output: [`h${k}`],
      }));
      const names = [...new Set(node.flatMap((v) => v.input.slice(1)))];
      return onnxFile({
        ir_version: 8,
        opset_import: [{ domain: '', version: 17 }],
        graph: {
          node,
          initializer: names.map((name) => tensor(name, name.startsWith('W') ? [n, n] : [n])),
          input: [valueInfo('x')],
          output: [valueInfo(`h${count - 1}`)],
        },
      });
    };
    for (const [file, message] of [
      [chain(() => ['W', 'B'], 100), "initializer 'W' is read by node 0 and again by node 1"],
      [chain((k) => [`W${k}`, 'B'], 3), "initializer 'B' is read by node 0 and again by node 1"],
      [chain(() => ['W0', 'W0'], 1), "initializer 'W0' is read by node 0 and again by node 0"],
    ] as const) {
      const { bytes, result } = allocationsOf(() => fromONNX(file));
      await expect(result).rejects.toThrow(FormatError);
      await expect(result).rejects.toThrow(`ONNX: ${message}; each layer of an MLP has its own`);
      expect(bytes).toBeLessThan(file.length);
    }
    // Each initializer read once: the same chain loads.
    const net = await fromONNX(chain((k) => [`W${k}`, `B${k}`], 3));
    expect(net.layers).toEqual([n, n, n, n]);
    net.dispose();
  });

  it('a million empty graph entries are rejected before protobufjs decodes them', async () => {
    // 2 bytes each (tag, length 0): decoded, 10 MB of empty nodes took 7 s and 1.7 GB, of empty
    // initializers 24 s and 3.8 GB. The heap of the decoded objects is what this measures.
    for (const field of [1 /* node */, 5 /* initializer */, 13 /* value_info */]) {
      const count = 1_000_000;
      const graph = new Uint8Array(2 * count);
      for (let i = 0; i < count; i++) graph[2 * i] = (field << 3) | 2;
      const length: number[] = [];
      for (let n = graph.length; ; n >>>= 7) {
        if (n < 0x80) {
          length.push(n);
          break;
        }
        length.push((n & 0x7f) | 0x80);
      }
      const file = Uint8Array.from([(7 << 3) | 2 /* ModelProto.graph */, ...length, ...graph]);
      const heap = process.memoryUsage().heapUsed;
      const start = performance.now();
      const { result } = allocationsOf(() => fromONNX(file));
      const grown = process.memoryUsage().heapUsed - heap;
      await expect(result).rejects.toThrow(FormatError);
      await expect(result).rejects.toThrow(
        /^ONNX: the model has more than 524,288 nodes, tensors, names, dims and other values/,
      );
      expect(grown).toBeLessThan(10 * file.length);
      expect(performance.now() - start).toBeLessThan(1000);
    }
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
