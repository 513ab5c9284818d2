// A fuzzer over model files. Valid JSON, safetensors and ONNX files of several architectures
// (dtypes, activations, optimizers with their training state, both safetensors layouts) are
// mutated: byte flips, truncations, extensions and splices, and structured mutations of what
// the file says (JSON values replaced by wrong types, huge, negative, non-finite or deeply
// nested values, keys dropped or added; the safetensors header and its metadata JSON likewise;
// ONNX dims, raw data, attributes, op types, names, opset; and the shapes that once let a small
// file claim a big network: short JSON rows, empty safetensors tensors, shared ONNX
// initializers). Every mutated file must load into
// a working network (finite output of the right shape, bit-identical to the original's when
// the mutation changed nothing that matters) or be rejected with a WasmMlpError, promptly,
// with the core's live bytes back at their baseline.
//
// Default: a fixed seed and a few hundred mutations per format and kind (a few seconds).
// More: WASM_MLP_FUZZ_RUNS=100000 (mutations per format and kind) and WASM_MLP_FUZZ_SEED=n.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWasm } from '../../ts/backends/wasm/load.js';
import type { WasmCore } from '../../ts/backends/wasm/core.js';
import { Network, WasmMlpError, type Dtype, type NetworkOptions } from '../../ts/index.js';
import { fromONNX, toONNX } from '../../ts/onnx.js';
import { WASM_PATH } from '../helpers.js';
import { onnxFile, onnxObject, safetensorsFile, safetensorsParts } from './files.js';

const RUNS = Number(process.env['WASM_MLP_FUZZ_RUNS'] ?? 1000);
const SEED = Number(process.env['WASM_MLP_FUZZ_SEED'] ?? 20261202);
/** A load slower than this counts as a hang (the files are a few KB). */
const SLOW_MS = 5000;
/** Parameters and slopes up to this size cannot overflow a forward pass of these widths. */
const MODERATE = 1e6;

type Format = 'json' | 'safetensors' | 'onnx';

/** The seed networks: every dtype, activation, loss and optimizer kind appears. */
const ARCHITECTURES: (NetworkOptions<Dtype> & { trainingState: boolean; layout?: 'pytorch' })[] = [
  { layers: [3, 4, 2], seed: 1, trainingState: false },
  {
    layers: [3, 4, 5, 3],
    activation: ['tanh', { type: 'leakyRelu', slope: 0.2 }, 'softmax'],
    loss: 'categorical-cross-entropy',
    optimizer: { type: 'adam', beta1: 0.8, beta2: 0.99, epsilon: 1e-7, weightDecay: 0.001 },
    dtype: 'f64',
    seed: 2,
    trainingState: true,
  },
  {
    layers: [2, 3, 1],
    activation: ['relu', 'linear'],
    loss: 'mse',
    optimizer: { type: 'momentum', momentum: 0.9, nesterov: true },
    seed: 3,
    trainingState: true,
    layout: 'pytorch',
  },
  {
    layers: [4, 2],
    activation: 'sigmoid',
    loss: 'binary-cross-entropy',
    dtype: 'f64',
    seed: 4,
    trainingState: true,
  },
];

interface Seed {
  format: Format;
  bytes: Uint8Array;
  /** What the original file loads into, to compare no-op mutations against. */
  reference: {
    layers: number[];
    activations: string;
    dtype: Dtype;
    params: Float64Array;
    output: Float64Array;
  };
}

let core: WasmCore;
const seeds: Record<Format, Seed[]> = { json: [], safetensors: [], onnx: [] };
const counts: Record<string, { loaded: number; rejected: number; unencodable: number }> = {};
let slowest = 0;

function load(format: Format, bytes: Uint8Array): Promise<Network<Dtype>> {
  if (format === 'json')
    return Network.fromJSON(new TextDecoder().decode(bytes), { wasm: WASM_PATH });
  if (format === 'safetensors') return Network.fromSafetensors(bytes, { wasm: WASM_PATH });
  return fromONNX(bytes, { wasm: WASM_PATH });
}

function flatParameters(net: Network<Dtype>): Float64Array {
  const p = net.getParameters();
  return Float64Array.from([...p.weights, ...p.biases].flatMap((a) => Array.from(a)));
}

/** Two rows of finite inputs in [-1, 1]. */
function inputs(width: number): Float64Array {
  return Float64Array.from({ length: 2 * width }, (_, i) => Math.sin(i + 1));
}

function describeNet(net: Network<Dtype>): Seed['reference'] {
  return {
    layers: [...net.layers],
    activations: JSON.stringify(net.activations),
    dtype: net.dtype,
    params: flatParameters(net),
    output: Float64Array.from(net.forward(inputs(net.layers[0]!))),
  };
}

beforeAll(async () => {
  core = await loadWasm(WASM_PATH);
  for (const { trainingState, layout, ...options } of ARCHITECTURES) {
    const net = await Network.create({ ...options, wasm: WASM_PATH });
    const width = net.layers[0]!;
    const out = net.layers[net.layers.length - 1]!;
    const x = inputs(width).map((v) => v * 2);
    const y = Float64Array.from({ length: 2 * out }, (_, i) =>
      out === 1 ? i % 2 : i % out === 0 ? 1 : 0,
    );
    await net.fit(x, y, { epochs: 2, batchSize: 1 });
    net.metadata = { note: 'fuzz', classes: '["a","b"]' };
    const files: Record<Format, Uint8Array> = {
      json: new TextEncoder().encode(JSON.stringify(net.toJSON({ trainingState }))),
      safetensors: net.toSafetensors({ trainingState, ...(layout ? { layout } : {}) }),
      // A plain copy: on Node protobufjs returns a Buffer, whose slice() is a view.
      onnx: new Uint8Array(toONNX(net)),
    };
    for (const format of ['json', 'safetensors', 'onnx'] as const) {
      const back = await load(format, files[format]);
      seeds[format].push({ format, bytes: files[format], reference: describeNet(back) });
      back.dispose();
    }
    net.dispose();
  }
});

afterAll(() => {
  const total = Object.values(counts).reduce(
    (n, c) => n + c.loaded + c.rejected + c.unencodable,
    0,
  );
  console.log(
    `model-file fuzzer (seed ${SEED}): ${total} mutations; ` +
      Object.entries(counts)
        .map(
          ([k, c]) =>
            `${k} ${c.loaded} loaded / ${c.rejected} rejected${c.unencodable ? ` / ${c.unencodable} not encodable` : ''}`,
        )
        .join('; ') +
      `; slowest load ${slowest.toFixed(0)} ms`,
  );
});

/**
 * The oracle: loads the mutated file; a rejection must be a WasmMlpError, a success a working
 * network; either way the core's live bytes return to the baseline.
 */
async function check(seed: Seed, bytes: Uint8Array | null, kind: string): Promise<void> {
  const tally = (counts[`${seed.format} ${kind}`] ??= { loaded: 0, rejected: 0, unencodable: 0 });
  if (bytes === null) {
    tally.unencodable++;
    return;
  }
  const baseline = core.liveBytes();
  const start = performance.now();
  let net: Network<Dtype>;
  try {
    net = await load(seed.format, bytes);
  } catch (e) {
    slowest = Math.max(slowest, performance.now() - start);
    if (!(e instanceof WasmMlpError)) {
      throw new Error(`${seed.format}: not a WasmMlpError: ${(e as Error)?.stack ?? String(e)}`);
    }
    expect(core.liveBytes()).toBe(baseline);
    tally.rejected++;
    return;
  } finally {
    expect(performance.now() - start).toBeLessThan(SLOW_MS);
  }
  slowest = Math.max(slowest, performance.now() - start);
  tally.loaded++;
  const got = describeNet(net);
  const rows = 2;
  expect(got.output.length).toBe(rows * got.layers[got.layers.length - 1]!);
  const ref = seed.reference;
  const same =
    got.dtype === ref.dtype &&
    got.activations === ref.activations &&
    got.layers.join() === ref.layers.join() &&
    got.params.length === ref.params.length &&
    got.params.every((p, i) => Object.is(p, ref.params[i]));
  if (same) {
    expect(got.output).toEqual(ref.output);
  }
  const slopes = net.activations.map((a) => (a.type === 'leakyRelu' ? Math.abs(a.slope) : 0));
  if (got.params.every((p) => Math.abs(p) <= MODERATE) && slopes.every((s) => s <= MODERATE)) {
    expect(got.output.every(Number.isFinite)).toBe(true);
  }
  net.dispose();
  expect(core.liveBytes()).toBe(baseline);
}

// ---- byte-level mutations (all formats) ----

type ByteMutation =
  | { kind: 'flip'; flips: [number, number][] }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'splice'; at: number; del: number; ins: Uint8Array };

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), {
      minLength: 1,
      maxLength: 4,
    }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('extend' as const),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    del: fc.nat({ max: 64 }),
    ins: fc.uint8Array({ maxLength: 16 }),
  }),
);

function applyBytes(bytes: Uint8Array, m: ByteMutation): Uint8Array {
  const n = bytes.length;
  switch (m.kind) {
    case 'flip': {
      const out = new Uint8Array(bytes);
      for (const [at, mask] of m.flips) out[at % n] = out[at % n]! ^ mask;
      return out;
    }
    case 'truncate':
      return new Uint8Array(bytes.subarray(0, m.at % n));
    case 'extend': {
      const out = new Uint8Array(n + m.bytes.length);
      out.set(bytes);
      out.set(m.bytes, n);
      return out;
    }
    case 'splice': {
      const at = m.at % n;
      return Uint8Array.from([...bytes.subarray(0, at), ...m.ins, ...bytes.subarray(at + m.del)]);
    }
  }
}

// ---- structured mutations of JSON trees (model JSON, safetensors header and its metadata) ----

/** Raw JSON tokens a value can be replaced with in the text (not expressible as values). */
const RAW = {
  '§deep§': '['.repeat(100_000) + ']'.repeat(100_000),
  '§deep64§': '['.repeat(65) + ']'.repeat(65),
  '§inf§': '1e400',
  '§nan§': 'NaN',
  '§bigint§': '123456789012345678901234567890',
} as const;

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    true,
    false,
    '',
    'x',
    'F16',
    'BF16',
    'F32',
    'F64',
    'I64',
    'adam',
    'momentum',
    'sgd',
    'relu',
    'softmax',
    'pytorch',
    'in-out',
    0,
    -1,
    -0,
    0.5,
    1,
    2,
    3,
    1e308,
    -1e308,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    2 ** 53 + 2,
    2 ** 64,
    1e-320,
    [],
    {},
    [0],
    [2 ** 31, 2],
    [-1, 2],
    [1e5, 1e5],
    [0, 0],
    [3, 0],
    ['m', 'm'],
    ['velocity'],
    ...Object.keys(RAW),
  ),
  fc.integer({ min: -(2 ** 31), max: 2 ** 33 }),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer({ min: -2, max: 2 ** 20 }), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 3 }),
);

type TreeMutation = {
  at: number;
  op: 'replace' | 'delete' | 'add' | 'wrap' | 'dup' | 'drop';
  value: unknown;
};
const treeMutation: fc.Arbitrary<TreeMutation> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'replace', 'replace', 'delete', 'add', 'wrap', 'dup', 'drop'),
  value: hostileValue,
});

/** Every container/value in a JSON tree with its parent and key (iterative walk). */
function nodes(root: unknown): { parent: any; key: string | number }[] {
  const out: { parent: any; key: string | number }[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    for (const key of Object.keys(node)) {
      const k = Array.isArray(node) ? Number(key) : key;
      out.push({ parent: node, key: k });
      stack.push((node as any)[k]);
    }
  }
  return out;
}

/** Applies a mutation to a parsed JSON tree in place (root itself is not replaced). */
function mutateTree(root: unknown, m: TreeMutation): void {
  const all = nodes(root);
  if (all.length === 0) return;
  const { parent, key } = all[m.at % all.length]!;
  const value = structuredClone(m.value);
  switch (m.op) {
    case 'replace':
      parent[key] = value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
      break;
    case 'add':
      if (Array.isArray(parent)) parent.push(value);
      else parent[`extra${String(key)}`] = value;
      break;
    case 'wrap':
      parent[key] = [parent[key]];
      break;
    case 'dup':
      if (Array.isArray(parent))
        parent.splice(key as number, 0, structuredClone(parent[key as number]));
      else parent[key] = { ...(parent[key] ?? {}), dup: structuredClone(parent[key]) };
      break;
    case 'drop':
      if (Array.isArray(parent[key])) parent[key].pop();
      else parent[key] = undefined;
      break;
  }
}

/** JSON text with the raw tokens substituted. */
function toText(value: unknown): string {
  let text = JSON.stringify(value) ?? 'null';
  for (const [token, raw] of Object.entries(RAW)) text = text.split(`"${token}"`).join(raw);
  return text;
}

function mutateJSON(bytes: Uint8Array, mutations: TreeMutation[]): Uint8Array {
  const tree = JSON.parse(new TextDecoder().decode(bytes));
  for (const m of mutations) mutateTree(tree, m);
  return new TextEncoder().encode(toText(tree));
}

const METADATA_JSON = ['wasm_mlp.architecture', 'wasm_mlp.training'];

/** Mutates the header (entries, or the JSON inside the metadata), keeping the data area. */
function mutateSafetensors(
  bytes: Uint8Array,
  mutations: TreeMutation[],
  inMetadataJSON: boolean,
  duplicateKey: boolean,
): Uint8Array {
  const { header, data } = safetensorsParts(bytes);
  const meta = header['__metadata__'] as Record<string, string>;
  // The JSON inside the metadata is parsed once and written back last: a raw token (e.g. 100,000
  // nested arrays) is only substituted in the final text.
  const inner = METADATA_JSON.map((key) => JSON.parse(meta[key] ?? 'null') as unknown);
  for (const m of mutations) {
    const k = m.at % 2;
    if (inMetadataJSON && inner[k] !== null) mutateTree(inner[k], m);
    else mutateTree(header, m);
  }
  METADATA_JSON.forEach((key, k) => {
    const meta = header['__metadata__'];
    if (inMetadataJSON && inner[k] !== null && typeof meta === 'object' && meta !== null) {
      meta[key] = toText(inner[k]);
    }
  });
  let text = toText(header);
  if (duplicateKey) {
    // The same tensor named twice (JSON.parse keeps the last): entries must still tile.
    const first = Object.keys(header).find((k) => k !== '__metadata__');
    if (first) text = text.replace('{', `{${JSON.stringify(first)}:${toText(header[first])},`);
  }
  return safetensorsFile(text, data);
}

// ---- structured mutations of ONNX models (on the decoded protobuf object) ----

type OnnxMutation = { at: number; op: number; value: unknown; bytes: ByteMutation };
const onnxMutation: fc.Arbitrary<OnnxMutation> = fc.record({
  at: fc.nat(),
  op: fc.nat({ max: 3 }),
  value: fc.oneof(
    fc.constantFrom(
      -1,
      0,
      1,
      2,
      3,
      7,
      11,
      12,
      13,
      17,
      21,
      22,
      2 ** 31,
      2 ** 40,
      -(2 ** 40),
      2 ** 53,
      'Gemm',
      'MatMul',
      'Add',
      'Relu',
      'Softmax',
      'LeakyRelu',
      'Identity',
      'Conv',
      'input',
      'output',
      'layers.0.weight',
      'layers.0.bias',
      '',
      'alpha',
      'axis',
      'transB',
      'transA',
      'wasm_mlp.architecture',
    ),
    fc.double(),
    fc.integer(),
    fc.string({ maxLength: 6 }),
  ),
  bytes: byteMutation,
});

function mutateOnnx(bytes: Uint8Array, mutations: OnnxMutation[]): Uint8Array | null {
  const model = onnxObject(bytes);
  for (const m of mutations) {
    const all = nodes(model);
    const { parent, key } = all[m.at % all.length]!;
    const current = parent[key];
    if (current instanceof Uint8Array) {
      parent[key] = current.length > 0 ? applyBytes(current, m.bytes) : new Uint8Array(0);
    } else if (Array.isArray(current)) {
      if (m.op === 0) current.pop();
      else if (m.op === 1 && current.length > 0) current.push(structuredClone(current[0]));
      else if (m.op === 2) current.reverse();
      else current.splice(0, current.length);
    } else if (typeof current === 'object' && current !== null) {
      const keys = Object.keys(current);
      if (keys.length > 0) delete current[keys[m.op % keys.length]!];
    } else if (typeof current === 'number') {
      parent[key] = typeof m.value === 'number' ? m.value : current + 1;
    } else if (typeof current === 'string') {
      parent[key] =
        key === 'value' && m.op === 0
          ? current.replace(/\d+/, String(m.value)) // e.g. a layer size in the architecture JSON
          : String(m.value);
    }
  }
  try {
    return onnxFile(model);
  } catch {
    return null; // protobufjs cannot encode it (e.g. a fractional int64): no file to load
  }
}

// ---- amplification shapes: small files that claim big networks ----

/** JSON: a weight row cut short (or emptied), optionally with a layer size grown. */
function shortRow(bytes: Uint8Array, at: number, keep: number, grow: number): Uint8Array {
  const tree = JSON.parse(new TextDecoder().decode(bytes));
  const weights: number[][][] = tree.parameters.weights;
  const layer = weights[at % weights.length]!;
  const row = layer[Math.floor(at / weights.length) % layer.length]!;
  row.length = Math.min(keep, Math.max(0, row.length - 1));
  if (grow > 0) tree.architecture.layers[at % tree.architecture.layers.length] *= grow;
  return new TextEncoder().encode(JSON.stringify(tree));
}

/** Safetensors: empty tensors added (names of the model's own tensors among them). */
function emptyTensors(bytes: Uint8Array, count: number, names: string[]): Uint8Array {
  const { header, data } = safetensorsParts(bytes);
  const real = Object.keys(header).filter((k) => k !== '__metadata__');
  for (let i = 0; i < count; i++) {
    const name =
      names[i % names.length] === '§real§'
        ? real[i % real.length]!
        : `${names[i % names.length]}${i}`;
    header[name] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
  }
  return safetensorsFile(header, data);
}

/** ONNX: a node input (weight or bias) renamed to another node's initializer. */
function sharedInitializer(
  bytes: Uint8Array,
  node: number,
  input: number,
  from: number,
): Uint8Array {
  const model = onnxObject(bytes);
  const gemms = model['graph'].node.filter((n: { input: string[] }) => n.input.length === 3);
  const target = gemms[node % gemms.length];
  const source = gemms[from % gemms.length];
  target.input[1 + (input % 2)] = source.input[1 + (Math.floor(input / 2) % 2)];
  return onnxFile(model);
}

// ---- the properties ----

const settings = { numRuns: RUNS, seed: SEED, endOnFailure: true };
const pick = (format: Format) =>
  fc.nat({ max: seeds[format].length - 1 }).map((i) => seeds[format][i]!);

describe('model-file fuzzer: every mutated file loads a working network or throws a WasmMlpError, leak-free', () => {
  for (const format of ['json', 'safetensors', 'onnx'] as const) {
    it(`${format}: byte flips, truncations, extensions, splices`, async () => {
      await fc.assert(
        fc.asyncProperty(
          pick(format),
          fc.array(byteMutation, { minLength: 1, maxLength: 3 }),
          async (seed, ms) => {
            await check(seed, ms.reduce(applyBytes, seed.bytes), 'bytes');
          },
        ),
        settings,
      );
    });
  }

  it('json: values replaced (wrong types, huge, negative, non-finite, deep), keys dropped/added', async () => {
    await fc.assert(
      fc.asyncProperty(
        pick('json'),
        fc.array(treeMutation, { minLength: 1, maxLength: 3 }),
        async (seed, ms) => {
          await check(seed, mutateJSON(seed.bytes, ms), 'structured');
        },
      ),
      settings,
    );
  });

  it('safetensors: header entries (dtype, shape, offsets, keys) and the metadata JSON', async () => {
    await fc.assert(
      fc.asyncProperty(
        pick('safetensors'),
        fc.array(treeMutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        async (seed, ms, inMetadataJSON, duplicateKey) => {
          await check(
            seed,
            mutateSafetensors(seed.bytes, ms, inMetadataJSON, duplicateKey),
            'structured',
          );
        },
      ),
      settings,
    );
  });

  it('onnx: dims, raw data, attributes, op types, names, opset, metadata', async () => {
    await fc.assert(
      fc.asyncProperty(
        pick('onnx'),
        fc.array(onnxMutation, { minLength: 1, maxLength: 3 }),
        async (seed, ms) => {
          await check(seed, mutateOnnx(seed.bytes, ms), 'structured');
        },
      ),
      settings,
    );
  });

  it('amplification shapes: short JSON rows, empty safetensors tensors, shared ONNX initializers', async () => {
    await fc.assert(
      fc.asyncProperty(
        pick('json'),
        fc.nat(),
        fc.nat({ max: 3 }),
        fc.constantFrom(0, 2, 1000),
        async (seed, at, keep, grow) => {
          await check(seed, shortRow(seed.bytes, at, keep, grow), 'amplification');
        },
      ),
      settings,
    );
    await fc.assert(
      fc.asyncProperty(
        pick('safetensors'),
        fc.integer({ min: 1, max: 300 }),
        fc.array(fc.constantFrom('§real§', 'extra.', 'layers.', 'optimizer.m.layers.'), {
          minLength: 1,
          maxLength: 3,
        }),
        async (seed, count, names) => {
          await check(seed, emptyTensors(seed.bytes, count, names), 'amplification');
        },
      ),
      settings,
    );
    await fc.assert(
      fc.asyncProperty(
        pick('onnx'),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        async (seed, node, input, from) => {
          await check(seed, sharedInitializer(seed.bytes, node, input, from), 'amplification');
        },
      ),
      settings,
    );
  });

  it('the original files load (the oracle has something to compare with)', async () => {
    for (const format of ['json', 'safetensors', 'onnx'] as const) {
      for (const seed of seeds[format]) {
        const before = counts[`${format} original`]?.loaded ?? 0;
        await check(seed, seed.bytes, 'original');
        expect(counts[`${format} original`]!.loaded).toBe(before + 1);
      }
    }
  });
});
