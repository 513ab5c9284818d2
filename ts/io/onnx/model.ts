/**
 * MLPs as ONNX inference graphs, encoded with protobufjs from the published ONNX schema
 * (`onnx.proto`, compiled to `schema.ts`).
 *
 * Export: input `input` `[batch, n_0]` (symbolic `batch`), per layer `i` a `Gemm`
 * (`layers.{i}.weight` `n_i × n_{i+1}`, `layers.{i}.bias`) and its activation (`Sigmoid`,
 * `Tanh`, `Relu`, `LeakyRelu(alpha)`, `Identity` for linear, `Softmax(axis=-1)`); the last one
 * writes `output` `[batch, n_L]`. Initializers are FLOAT or DOUBLE (raw little-endian data)
 * with the network's dtype. `metadata_props` carry the architecture (`wasm_mlp.architecture`)
 * and the user's metadata.
 *
 * Import reads such chains: `Gemm` (any `transB`, `alpha = beta = 1`) or `MatMul` + `Add`, each
 * optionally followed by one of those activations — our exports and, e.g., a PyTorch
 * `nn.Sequential` of `Linear` and activations exported with `torch.onnx.export`.
 * @module
 */
import protobuf from 'protobufjs/light.js';
import { countDecodedValues } from './count.js';
import { ONNX_SCHEMA } from './schema.js';

/** An MLP as plain data (weights `n_i × n_{i+1}` row-major). */
export interface MlpGraph {
  layers: number[];
  /** Per layer: `'sigmoid' | 'tanh' | 'relu' | 'linear' | 'softmax'` or leakyRelu with its slope. */
  activations: (
    | { type: 'sigmoid' | 'tanh' | 'relu' | 'linear' | 'softmax' }
    | { type: 'leakyRelu'; slope: number }
  )[];
  dtype: 'f32' | 'f64';
  weights: ArrayLike<number>[];
  biases: ArrayLike<number>[];
  /** `metadata_props` as a map. */
  metadata: Record<string, string>;
}

/** A problem with an ONNX model; the public entry point turns it into a `FormatError`. */
export class OnnxProblem extends Error {}

/** Opsets the exporter writes: 13 (Softmax on one axis) … 21. */
export const OPSET_RANGE = [13, 21] as const;
/** The default opset (onnxruntime ≥ 1.12 and every current runtime read it). */
export const DEFAULT_OPSET = 17;

/** The IR version that goes with an opset (from ONNX's versioning table). */
function irVersion(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 19) return 9;
  return 10;
}

// Resolved up front: countDecodedValues reads each field's resolved type.
const root = protobuf.Root.fromJSON(ONNX_SCHEMA).resolveAll();
const ModelProto = root.lookupType('onnx.ModelProto');

/**
 * The most values (graph nodes, tensors, names, dims, attributes, …; not the float/double
 * data) a model may decode to: 2^19 = 524,288, where a message counts 1 more per repeated field
 * of its type (decoding gives each an array). An exported network takes at most 56 per layer
 * plus a few dozen, so exports of up to 9,300 layers read back (larger ones are still written,
 * for runtimes such as onnxruntime). Without the limit, 10 MB of empty entries would take
 * seconds and gigabytes to reject.
 */
export const MAX_ONNX_VALUES = 2 ** 19;
const FLOAT = 1;
const DOUBLE = 11;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;

function tensor(
  name: string,
  dims: number[],
  values: ArrayLike<number>,
  dtype: 'f32' | 'f64',
): object {
  const size = dtype === 'f64' ? 8 : 4;
  const raw = new Uint8Array(values.length * size);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    if (dtype === 'f64') view.setFloat64(i * size, values[i]!, true);
    else view.setFloat32(i * size, values[i]!, true);
  }
  return { name, dims, data_type: dtype === 'f64' ? DOUBLE : FLOAT, raw_data: raw };
}

function valueInfo(name: string, width: number, elemType: number): object {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: elemType,
        shape: { dim: [{ dim_param: 'batch' }, { dim_value: width }] },
      },
    },
  };
}

/** Encodes the graph as an ONNX `ModelProto`. */
export function encodeOnnx(graph: MlpGraph, opset: number, producerVersion: string): Uint8Array {
  const { layers, dtype } = graph;
  const elemType = dtype === 'f64' ? DOUBLE : FLOAT;
  const nodes: object[] = [];
  const initializers: object[] = [];
  let previous = 'input';
  graph.activations.forEach((act, i) => {
    const [nIn, nOut] = [layers[i]!, layers[i + 1]!];
    const [w, b] = [`layers.${i}.weight`, `layers.${i}.bias`];
    initializers.push(tensor(w, [nIn, nOut], graph.weights[i]!, dtype));
    initializers.push(tensor(b, [nOut], graph.biases[i]!, dtype));
    const linear = `layers.${i}.linear`;
    nodes.push({
      name: `layers.${i}.gemm`,
      op_type: 'Gemm',
      input: [previous, w, b],
      output: [linear],
    });
    const out = i === graph.activations.length - 1 ? 'output' : `layers.${i}.output`;
    const node: {
      name: string;
      op_type: string;
      input: string[];
      output: string[];
      attribute?: object[];
    } = {
      name: `layers.${i}.${act.type}`,
      op_type: OP_OF[act.type],
      input: [linear],
      output: [out],
    };
    if (act.type === 'leakyRelu')
      node.attribute = [{ name: 'alpha', type: ATTR_FLOAT, f: act.slope }];
    if (act.type === 'softmax') node.attribute = [{ name: 'axis', type: ATTR_INT, i: -1 }];
    nodes.push(node);
    previous = out;
  });
  const model = ModelProto.fromObject({
    ir_version: irVersion(opset),
    opset_import: [{ domain: '', version: opset }],
    producer_name: 'wasm-mlp',
    producer_version: producerVersion,
    graph: {
      name: 'mlp',
      node: nodes,
      initializer: initializers,
      input: [valueInfo('input', layers[0]!, elemType)],
      output: [valueInfo('output', layers[layers.length - 1]!, elemType)],
    },
    metadata_props: Object.entries(graph.metadata).map(([key, value]) => ({ key, value })),
  });
  return ModelProto.encode(model).finish();
}

const OP_OF: Record<MlpGraph['activations'][number]['type'], string> = {
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
  relu: 'Relu',
  leakyRelu: 'LeakyRelu',
  linear: 'Identity',
  softmax: 'Softmax',
};

interface Attribute {
  name: string;
  f?: number;
  i?: number;
}
interface Node {
  op_type: string;
  input: string[];
  output: string[];
  attribute?: Attribute[];
}
interface TensorProto {
  name: string;
  dims?: number[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  double_data?: number[];
}

function attr(node: Node, name: string): Attribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}

/**
 * Values of an initializer (raw little-endian data or the typed repeated fields). The dims are
 * checked against the data actually present before anything is allocated from them, so a
 * tensor costs at most 8 bytes per value in the file, whatever its dims claim.
 */
function tensorValues(t: TensorProto): {
  dims: number[];
  values: Float64Array;
  dtype: 'f32' | 'f64';
} {
  const dims = t.dims ?? [];
  if (!dims.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw new OnnxProblem(
      `initializer '${t.name}' has dims [${dims.slice(0, 8).join(', ')}${dims.length > 8 ? ', …' : ''}]; each must be an integer >= 0`,
    );
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (t.data_type !== FLOAT && t.data_type !== DOUBLE) {
    throw new OnnxProblem(
      `initializer '${t.name}' has data type ${t.data_type}; only FLOAT (1) and DOUBLE (11) are read`,
    );
  }
  const dtype = t.data_type === DOUBLE ? 'f64' : 'f32';
  if (t.raw_data && t.raw_data.length > 0) {
    const size = dtype === 'f64' ? 8 : 4;
    if (t.raw_data.length !== count * size) {
      throw new OnnxProblem(
        `initializer '${t.name}' has ${t.raw_data.length} bytes of raw data, expected ${count * size}`,
      );
    }
    const values = new Float64Array(count);
    const view = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.byteLength);
    for (let k = 0; k < count; k++)
      values[k] = dtype === 'f64' ? view.getFloat64(k * 8, true) : view.getFloat32(k * 4, true);
    return { dims, values, dtype };
  }
  const data = (dtype === 'f64' ? t.double_data : t.float_data) ?? [];
  if (data.length !== count) {
    throw new OnnxProblem(`initializer '${t.name}' has ${data.length} values, expected ${count}`);
  }
  return { dims, values: Float64Array.from(data), dtype };
}

const ACTIVATION_OF: Record<string, MlpGraph['activations'][number]['type']> = {
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  Relu: 'relu',
  LeakyRelu: 'leakyRelu',
  Identity: 'linear',
  Softmax: 'softmax',
};

/**
 * Throws unless every initializer is an input of at most one node, and at most once. A layer of
 * an MLP has its own weights and bias (the exporter never shares one), while one initializer
 * read by many nodes would let a small file stand for a huge network: a 1 MB 500 × 500 weight
 * named by 400 `Gemm` nodes would load as 100M parameters (2.4 GB). With each initializer
 * read once, the values decoded are at most those the file carries. Names only: nothing is
 * decoded or allocated per value here.
 */
function checkInitializerUses(nodes: readonly Node[], inits: ReadonlyMap<string, unknown>): void {
  const reader = new Map<string, number>();
  nodes.forEach((node, k) => {
    for (const name of node.input) {
      if (!inits.has(name)) continue;
      const first = reader.get(name);
      if (first !== undefined) {
        throw new OnnxProblem(
          `initializer '${brief(name)}' is read by node ${first} and again by node ${k}; each layer of an MLP has its own weights and bias (shared initializers are not read)`,
        );
      }
      reader.set(name, k);
    }
  });
}

/** Dims from the file for a message: the first 8 and a count of the others. */
function dimsText(dims: readonly number[]): string {
  const shown = dims.slice(0, 8).join(', ');
  return dims.length > 8 ? `[${shown}, … (${dims.length} dims)]` : `[${shown}]`;
}

/** A name from the file for a message, cut to 64 characters. */
function brief(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

/**
 * Decodes an MLP-shaped ONNX model. Allocations are bounded by the file: protobufjs checks every
 * length against the bytes, each initializer's dims must match the values it carries before
 * they are decoded, and no initializer may be read by two nodes (checked on the names before
 * any is decoded), so the parameters total at most the values the file carries. Nesting too
 * deep for the decoder (e.g. graphs in attributes) is a problem like any other malformed input.
 * @throws OnnxProblem naming the node or initializer that does not fit
 */
export function decodeOnnx(bytes: Uint8Array): MlpGraph {
  let model: {
    graph?: {
      node?: Node[];
      initializer?: TensorProto[];
      input?: { name: string }[];
      output?: { name: string }[];
    };
    metadata_props?: { key: string; value: string }[];
  };
  if (countDecodedValues(ModelProto, bytes, MAX_ONNX_VALUES) > MAX_ONNX_VALUES) {
    throw new OnnxProblem(
      `the model has more than ${MAX_ONNX_VALUES.toLocaleString('en-US')} nodes, tensors, names, dims and other values (not counting tensor data), the most this library reads (an exported MLP has about 56 per layer)`,
    );
  }
  try {
    model = ModelProto.toObject(ModelProto.decode(bytes), {
      longs: Number,
      defaults: false,
      arrays: true,
    }) as typeof model;
  } catch (e) {
    throw new OnnxProblem(`not an ONNX model: ${(e as Error).message}`);
  }
  const graph = model.graph;
  if (!graph?.node?.length) throw new OnnxProblem('the model has no graph nodes');
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name, t]));
  const isInit = (name: string): boolean => inits.has(name);
  const inputs = (graph.input ?? []).filter((v) => !isInit(v.name));
  if (inputs.length !== 1 || (graph.output ?? []).length !== 1) {
    throw new OnnxProblem(
      `an MLP has 1 input and 1 output, this graph has ${inputs.length} and ${(graph.output ?? []).length}`,
    );
  }
  const nodes = graph.node;
  checkInitializerUses(nodes, inits);
  const out: MlpGraph = {
    layers: [],
    activations: [],
    dtype: 'f32',
    weights: [],
    biases: [],
    metadata: {},
  };
  let current = inputs[0]!.name;
  let k = 0;
  const next = (): Node | undefined => nodes[k];
  const dtypes = new Set<string>();
  const matrix = (name: string, what: string): ReturnType<typeof tensorValues> => {
    const t = inits.get(name);
    if (!t)
      throw new OnnxProblem(
        `${what} '${name}' is not an initializer (only constant weights are read)`,
      );
    const v = tensorValues(t);
    dtypes.add(v.dtype);
    return v;
  };
  while (k < nodes.length) {
    const node = nodes[k]!;
    const layer = out.activations.length;
    let w: ReturnType<typeof tensorValues>;
    let bias: ReturnType<typeof tensorValues>;
    let transB = false;
    if (node.op_type === 'Gemm') {
      if (node.input[0] !== current)
        throw new OnnxProblem(`node ${k} (Gemm) does not read '${current}'`);
      for (const name of ['alpha', 'beta']) {
        const a = attr(node, name);
        if (a && a.f !== 1)
          throw new OnnxProblem(`node ${k} (Gemm) has ${name} = ${a.f}; only 1 is read`);
      }
      if (attr(node, 'transA')?.i) throw new OnnxProblem(`node ${k} (Gemm) has transA = 1`);
      transB = Boolean(attr(node, 'transB')?.i);
      w = matrix(node.input[1]!, `node ${k} (Gemm) weight`);
      if (!node.input[2]) throw new OnnxProblem(`node ${k} (Gemm) has no bias input C`);
      bias = matrix(node.input[2], `node ${k} (Gemm) bias`);
      current = node.output[0]!;
      k++;
    } else if (node.op_type === 'MatMul' && next() && nodes[k + 1]?.op_type === 'Add') {
      if (node.input[0] !== current)
        throw new OnnxProblem(`node ${k} (MatMul) does not read '${current}'`);
      w = matrix(node.input[1]!, `node ${k} (MatMul) weight`);
      const add = nodes[k + 1]!;
      const other = add.input.find((n) => n !== node.output[0]);
      if (!add.input.includes(node.output[0]!) || other === undefined) {
        throw new OnnxProblem(`node ${k + 1} (Add) does not add a bias to the MatMul's output`);
      }
      bias = matrix(other, `node ${k + 1} (Add) bias`);
      current = add.output[0]!;
      k += 2;
    } else {
      throw new OnnxProblem(
        `node ${k} is ${node.op_type}; expected Gemm or MatMul + Add (layer ${layer})`,
      );
    }
    if (w.dims.length !== 2)
      throw new OnnxProblem(`layer ${layer}: the weight must be 2-D, got ${dimsText(w.dims)}`);
    const [nIn, nOut] = transB ? [w.dims[1]!, w.dims[0]!] : [w.dims[0]!, w.dims[1]!];
    if (layer === 0) out.layers.push(nIn);
    else if (out.layers[layer] !== nIn) {
      throw new OnnxProblem(
        `layer ${layer} takes ${nIn} inputs but layer ${layer - 1} has ${out.layers[layer]} outputs`,
      );
    }
    const biasCount = bias.values.length;
    if (biasCount !== nOut || bias.dims.filter((d) => d !== 1).length > 1) {
      throw new OnnxProblem(
        `layer ${layer}: the bias has shape ${dimsText(bias.dims)}, expected [${nOut}]`,
      );
    }
    out.layers.push(nOut);
    let weights = w.values;
    if (transB) {
      weights = new Float64Array(nIn * nOut);
      for (let r = 0; r < nOut; r++)
        for (let c = 0; c < nIn; c++) weights[c * nOut + r] = w.values[r * nIn + c]!;
    }
    out.weights.push(weights);
    out.biases.push(bias.values);
    // The activation: the next node if it reads this layer's output and is one we know.
    const act = next();
    const type = act && act.input[0] === current ? ACTIVATION_OF[act.op_type] : undefined;
    if (act && type) {
      if (type === 'leakyRelu')
        out.activations.push({ type, slope: attr(act, 'alpha')?.f ?? 0.01 });
      else {
        if (type === 'softmax') {
          const axis = attr(act, 'axis')?.i ?? -1;
          if (axis !== -1 && axis !== 1)
            throw new OnnxProblem(`node ${k} (Softmax) has axis ${axis}; expected -1`);
        }
        out.activations.push({ type });
      }
      current = act.output[0]!;
      k++;
    } else {
      out.activations.push({ type: 'linear' });
    }
  }
  if (current !== graph.output![0]!.name) {
    throw new OnnxProblem(
      `the chain ends in '${current}', not the graph output '${graph.output![0]!.name}'`,
    );
  }
  if (dtypes.size > 1) throw new OnnxProblem('the initializers mix FLOAT and DOUBLE');
  out.dtype = dtypes.has('f64') ? 'f64' : 'f32';
  for (const { key, value } of model.metadata_props ?? []) out.metadata[key] = value;
  return out;
}
