/**
 * `wasm-mlp/onnx`: ONNX export and import of networks, a separate entry point so the core
 * bundle stays free of protobuf code (it needs the `protobufjs` dependency). Export is the
 * function {@link toONNX}, not a method of `Network`: a method would need the core to reach
 * this module, either by a hook that importing it installs (hidden global state, the method
 * failing or not depending on an import elsewhere in the program) or by loading it on demand
 * (an async method, and the encoder back in every bundler's graph of the core).
 *
 * @example
 * import { Network } from 'wasm-mlp';
 * import { toONNX, fromONNX } from 'wasm-mlp/onnx';
 * const bytes = toONNX(net, { opset: 17 });   // serve it with onnxruntime
 * const back = await fromONNX(bytes);
 * @module
 */
import {
  FormatError,
  Network,
  OptionError,
  type Architecture,
  type Dtype,
  type LoadOptions,
  type NetworkOptions,
} from './index.js';
import {
  DEFAULT_OPSET,
  OPSET_RANGE,
  OnnxProblem,
  decodeOnnx,
  encodeOnnx,
  type MlpGraph,
} from './io/onnx/model.js';
import { architectureOptions, checkJSONDepth, RESERVED_PREFIX } from './io/record.js';

export { DEFAULT_OPSET, OPSET_RANGE };

const ARCHITECTURE_KEY = `${RESERVED_PREFIX}architecture`;
const NORMALIZATION_KEY = `${RESERVED_PREFIX}normalization`;

/** Options of {@link toONNX}. */
export interface OnnxExportOptions {
  /** The ONNX opset, an integer from 13 to 21. Default 17. */
  opset?: number;
  /**
   * Element type of the graph: `'f32'` (FLOAT) or `'f64'` (DOUBLE). Default: the network's
   * dtype. An f64 network exported as `'f32'` has its parameters rounded to float32.
   */
  dtype?: Dtype;
}

/**
 * The network as an ONNX model for inference: input `input` `[batch, n_0]`, output `output`
 * `[batch, n_L]`, one `Gemm` and one activation node per layer (`Sigmoid`, `Tanh`, `Relu`,
 * `LeakyRelu`, `Identity`, `Softmax` on the last axis). `metadata_props` hold
 * `net.metadata` and the architecture. A network's {@link Network.normalization} is folded
 * into the first `Gemm` (`W'[r][c] = W[r][c] / s_r`, `b'[c] = b[c] − Σ_r m_r / s_r · W[r][c]`),
 * so the graph takes raw inputs, as `net.predict` does; `fromONNX` gives back a network
 * without a normalization whose parameters include it. onnxruntime's CPU provider runs it in float and double.
 * @throws OptionError for a bad option; StateError after dispose
 */
export function toONNX(net: Network<Dtype>, options: OnnxExportOptions = {}): Uint8Array {
  if (!(net instanceof Network)) {
    throw new OptionError('toONNX: expected a Network from wasm-mlp as the first argument');
  }
  if (typeof options !== 'object' || options === null) {
    throw new OptionError(`toONNX options must be an object, got ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'opset' && key !== 'dtype') {
      throw new OptionError(`toONNX: unknown option '${key}'; known options: opset, dtype`);
    }
  }
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < OPSET_RANGE[0] || opset > OPSET_RANGE[1]) {
    throw new OptionError(
      `opset must be an integer from ${OPSET_RANGE[0]} to ${OPSET_RANGE[1]}, got ${String(opset)}`,
    );
  }
  const dtype = options.dtype ?? net.dtype;
  if (dtype !== 'f32' && dtype !== 'f64') {
    throw new OptionError(`dtype must be 'f32' or 'f64', got ${String(dtype)}`);
  }
  const json = net.toJSON();
  const params = net.getParameters();
  const weights: ArrayLike<number>[] = params.weights;
  const biases: ArrayLike<number>[] = params.biases;
  const norm = net.normalization;
  const metadata: Record<string, string> = {
    ...net.metadata,
    [ARCHITECTURE_KEY]: JSON.stringify({ ...json.architecture, dtype }),
  };
  if (norm) {
    // The graph takes raw inputs: the standardisation becomes part of the first Gemm, folded
    // in float64 (then rounded to the graph's dtype once).
    const [w, b] = [Float64Array.from(weights[0]!), Float64Array.from(biases[0]!)];
    norm.foldInto(w, b, net.layers[1]!);
    [weights[0], biases[0]] = [w, b];
    metadata[NORMALIZATION_KEY] = 'folded into layers.0';
  }
  const graph: MlpGraph = {
    layers: [...net.layers],
    activations: net.activations.map((a) => ({ ...a })),
    dtype,
    weights,
    biases,
    metadata,
  };
  return encodeOnnx(graph, opset, '');
}

/**
 * Runs a decoder, rethrowing its format problems as the public `FormatError` (this entry point
 * is bundled apart from the core, so the decoders' error classes are copies).
 */
function asFormatError<T>(decode: () => T): T {
  try {
    return decode();
  } catch (e) {
    if (e instanceof OnnxProblem || (e instanceof Error && e.name === 'FormatError')) {
      throw new FormatError(`ONNX: ${e.message}`);
    }
    throw e;
  }
}

/** Options of {@link fromONNX}. */
export interface OnnxImportOptions extends LoadOptions {
  /**
   * `Network.create` options (loss, optimizer, …) for models without this library's
   * architecture metadata, or to override it. Layers and activations come from the graph.
   */
  architecture?: Partial<Omit<NetworkOptions<Dtype>, 'backend' | 'wasm' | 'layers'>>;
}

/**
 * A network from an MLP-shaped ONNX model: a chain of `Gemm` (or `MatMul` + `Add`) and
 * activation nodes with constant FLOAT/DOUBLE weights, as {@link toONNX} writes and as
 * `torch.onnx.export` writes for an `nn.Sequential` of `Linear` layers and activations.
 *
 * Limits: memory is bounded by the file (every initializer's dims must match the values it
 * carries before they are decoded); the layer sizes pass the check of `Network.create` (at
 * most `MAX_PARAMETERS` = 2^27 parameters); the architecture metadata nests at most 64 deep.
 * A load that fails after the network was created disposes it.
 * @throws FormatError naming the node or initializer that does not fit; OptionError for an
 *   invalid architecture; NonFiniteError for NaN/±Infinity weights
 */
export async function fromONNX<D extends Dtype = Dtype>(
  bytes: Uint8Array,
  options: OnnxImportOptions = {},
): Promise<Network<D>> {
  if (!(bytes instanceof Uint8Array)) {
    throw new FormatError('fromONNX: expected the model bytes as a Uint8Array');
  }
  if (typeof options !== 'object' || options === null) {
    throw new OptionError(`fromONNX options must be an object, got ${String(options)}`);
  }
  const graph = asFormatError(() => decodeOnnx(bytes));
  const { architecture: override, ...load } = options;
  const inferred: NetworkOptions<Dtype> = {
    layers: graph.layers,
    activation: graph.activations.map((a) => (a.type === 'leakyRelu' ? a : a.type)),
    dtype: graph.dtype,
  };
  const last = graph.activations[graph.activations.length - 1]!.type;
  if (last === 'softmax') inferred.loss = 'categorical-cross-entropy';
  else if (last !== 'sigmoid') inferred.loss = 'mse';
  const saved = graph.metadata[ARCHITECTURE_KEY];
  let base: NetworkOptions<Dtype> = inferred;
  if (saved !== undefined) {
    let parsed: unknown;
    try {
      asFormatError(() => checkJSONDepth(saved, `metadata ${ARCHITECTURE_KEY}`));
      parsed = JSON.parse(saved);
    } catch (e) {
      if (e instanceof FormatError) throw e;
      throw new FormatError(`ONNX: metadata ${ARCHITECTURE_KEY} is not JSON`);
    }
    base = asFormatError(() => architectureOptions(parsed, `metadata ${ARCHITECTURE_KEY}`));
    const layers: unknown = (parsed as Architecture).layers;
    const same =
      Array.isArray(layers) &&
      layers.length === graph.layers.length &&
      layers.every((n, i) => n === graph.layers[i]);
    if (!same) {
      const said =
        Array.isArray(layers) && layers.length <= 64 && layers.every((n) => typeof n === 'number')
          ? `[${layers.join(', ')}]`
          : 'something else';
      throw new FormatError(
        `ONNX: the metadata says layers ${said} but the graph has [${graph.layers.join(', ')}]`,
      );
    }
    // The graph's own activations and dtype are what the weights were exported with.
    base = { ...base, activation: inferred.activation!, dtype: graph.dtype };
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(graph.metadata)) {
    if (!k.startsWith(RESERVED_PREFIX)) metadata[k] = v;
  }
  // Through the restore path every format shares: a load that fails after the network was
  // created (e.g. a NaN weight) disposes it instead of leaking its wasm memory.
  return Network.fromRecord<D>(
    { ...base, ...override } as NetworkOptions<Dtype>,
    { parameters: { weights: graph.weights, biases: graph.biases }, metadata, training: null },
    load,
    'ONNX',
  );
}
