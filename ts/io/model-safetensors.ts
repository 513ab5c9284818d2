/**
 * Networks as safetensors files (`net.toSafetensors()` / `Network.fromSafetensors()`).
 *
 * Tensor names: `layers.{i}.weight` and `layers.{i}.bias` for weight layer `i` (0-based). The
 * weight is stored `n_i × n_{i+1}` (layout `'in-out'`, as `x·W + b` uses it: the default) or
 * `n_{i+1} × n_i` (layout `'pytorch'`, as `torch.nn.Linear.weight`, so a PyTorch state dict
 * with these names loads directly). dtype `F32` or `F64`, the network's.
 *
 * `__metadata__` (all values strings): the user's `net.metadata` entries, plus
 * - `wasm_mlp.format_version`: `"1"`
 * - `wasm_mlp.architecture`: the architecture as JSON (see `record.ts`)
 * - `wasm_mlp.layout`: `"in-out"` or `"pytorch"`
 * - `wasm_mlp.training` (only with the training state): `{"step", "epochs", "slots"}` as JSON
 *   (plus `"schedule"`, the learning-rate schedule's state, when `fit` ran one),
 *   with the optimizer's state as tensors `optimizer.{slot}.layers.{i}.weight|bias` in the
 *   same layout as the parameters; slots `velocity` (momentum), `v` (RMSprop) or `m`, `v`
 *   (Adam, AdamW).
 *
 * The input standardisation (`net.normalization`), when set, is two F64 tensors
 * `normalization.mean` and `normalization.std` of shape `[n_0]`, and the file says
 * `wasm_mlp.format_version` `"2"`, so a reader of version 1 rejects it (as an unexpected
 * tensor) instead of feeding raw inputs to a network trained on standardised ones.
 * @module
 */
import { checkScheduleState } from '../training/schedules.js';
import { FormatError, OptionError, describe } from '../errors.js';
import type { NetworkOptions } from '../options.js';
import type { Dtype } from '../types.js';
import {
  architectureOptions,
  checkFileLayers,
  checkJSONDepth,
  RESERVED_PREFIX,
  type ModelRecord,
  type TrainingState,
} from './record.js';
import {
  decodeSafetensors,
  encodeSafetensors,
  shapeText,
  type Tensor,
  type TensorEntry,
} from './safetensors.js';

/** How weight matrices are stored: `n_in × n_out` (`'in-out'`) or `n_out × n_in` (`'pytorch'`). */
export type WeightLayout = 'in-out' | 'pytorch';

/** Safetensors format version written in `wasm_mlp.format_version`. */
export const SAFETENSORS_FORMAT_VERSION = 2;

const NORMALIZATION_TENSORS = ['normalization.mean', 'normalization.std'] as const;

const KEY = {
  version: `${RESERVED_PREFIX}format_version`,
  architecture: `${RESERVED_PREFIX}architecture`,
  layout: `${RESERVED_PREFIX}layout`,
  training: `${RESERVED_PREFIX}training`,
};

/** Names of the optimizer state slots, in the order of the flat state. */
export function slotNames(optimizerType: string): string[] {
  return SLOT_NAMES[optimizerType] ?? [];
}

const SLOT_NAMES: Readonly<Partial<Record<string, string[]>>> = {
  sgd: [],
  momentum: ['velocity'],
  adam: ['m', 'v'],
  adamw: ['m', 'v'],
  rmsprop: ['v'],
};

/** Every slot name any optimizer uses, and the most slots one optimizer has. */
const ALL_SLOTS = ['m', 'v', 'velocity'];
const MAX_SLOTS = 2;

/** The slots of an optimizer option, or undefined if the option is not a known optimizer. */
function optimizerSlots(option: unknown): string[] | undefined {
  const type =
    option === undefined
      ? 'sgd'
      : typeof option === 'string'
        ? option
        : typeof option === 'object' && option !== null
          ? (option as { type?: unknown }).type
          : undefined;
  return typeof type === 'string' && Object.hasOwn(SLOT_NAMES, type) ? slotNames(type) : undefined;
}

/** `rows × cols` row-major → `cols × rows` row-major. */
function transpose(
  a: ArrayLike<number>,
  rows: number,
  cols: number,
  out: Float64Array | Float32Array,
): void {
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
}

function checkLayout(value: unknown, name: string): WeightLayout | undefined {
  if (value === undefined || value === 'in-out' || value === 'pytorch') return value;
  throw new OptionError(`${name} must be 'in-out' or 'pytorch', got ${describe(value)}`);
}

/** Encodes a record; `layout` picks the weight layout (default `'in-out'`). */
export function recordToSafetensors(record: ModelRecord, layout: unknown): Uint8Array {
  const lay = checkLayout(layout, 'layout') ?? 'in-out';
  const { layers, dtype } = record.architecture;
  const st = dtype === 'f64' ? 'F64' : 'F32';
  const Arr = dtype === 'f64' ? Float64Array : Float32Array;
  const tensors: [string, Tensor][] = [];
  const addLayers = (
    prefix: string,
    weights: ArrayLike<number>[],
    biases: ArrayLike<number>[],
  ): void => {
    weights.forEach((w, i) => {
      const [nIn, nOut] = [layers[i]!, layers[i + 1]!];
      let data = Arr.from(w);
      let shape = [nIn, nOut];
      if (lay === 'pytorch') {
        data = new Arr(w.length);
        transpose(w, nIn, nOut, data);
        shape = [nOut, nIn];
      }
      tensors.push([`${prefix}layers.${i}.weight`, { dtype: st, shape, data }]);
      tensors.push([
        `${prefix}layers.${i}.bias`,
        { dtype: st, shape: [nOut], data: Arr.from(biases[i]!) },
      ]);
    });
  };
  addLayers('', record.parameters.weights, record.parameters.biases);
  const norm = record.normalization;
  if (norm) {
    for (const [name, values] of [
      [NORMALIZATION_TENSORS[0], norm.mean],
      [NORMALIZATION_TENSORS[1], norm.std],
    ] as const) {
      tensors.push([name, { dtype: 'F64', shape: [layers[0]!], data: Float64Array.from(values) }]);
    }
  }
  const metadata: Record<string, string> = {
    ...record.metadata,
    [KEY.version]: String(norm ? 2 : 1),
    [KEY.architecture]: JSON.stringify(record.architecture),
    [KEY.layout]: lay,
  };
  if (record.training) {
    const slots = slotNames(
      typeof record.architecture.optimizer === 'string'
        ? record.architecture.optimizer
        : record.architecture.optimizer.type,
    );
    const { step, epochs, optimizerState, schedule } = record.training;
    const count = record.parameters.weights.reduce(
      (n, w, i) => n + w.length + record.parameters.biases[i]!.length,
      0,
    );
    slots.forEach((slot, s) => {
      const split = splitFlat(optimizerState, s * count, layers);
      addLayers(`optimizer.${slot}.`, split.weights, split.biases);
    });
    metadata[KEY.training] = JSON.stringify({
      step,
      epochs,
      slots,
      ...(schedule ? { schedule } : {}),
    });
  }
  return encodeSafetensors(tensors, metadata);
}

/** Per-layer views of a flat parameter-shaped vector starting at `start`. */
function splitFlat(
  flat: ArrayLike<number>,
  start: number,
  layers: readonly number[],
): { weights: ArrayLike<number>[]; biases: ArrayLike<number>[] } {
  const weights: number[][] = [];
  const biases: number[][] = [];
  let at = start;
  for (let i = 0; i + 1 < layers.length; i++) {
    const [nIn, nOut] = [layers[i]!, layers[i + 1]!];
    weights.push(Array.from({ length: nIn * nOut }, (_, k) => flat[at + k]!));
    at += nIn * nOut;
    biases.push(Array.from({ length: nOut }, (_, k) => flat[at + k]!));
    at += nOut;
  }
  return { weights, biases };
}

/** Options of `Network.fromSafetensors` that concern the file. */
export interface SafetensorsReadOptions {
  /**
   * The weight layout of the file. Default: what the file's metadata says, else `'in-out'`.
   * Use `'pytorch'` for a PyTorch state dict (`nn.Linear.weight` is `n_out × n_in`).
   */
  layout?: WeightLayout;
  /**
   * `Network.create` options (without `backend`/`wasm`) for files that carry no architecture
   * (e.g. written by PyTorch), or to override the file's: e.g. `{ activation: ['relu',
   * 'softmax'], loss: 'categorical-cross-entropy' }`. `layers` may be left out: it is read from
   * the tensors' shapes.
   */
  architecture?: Partial<Omit<NetworkOptions<Dtype>, 'backend' | 'wasm'>>;
}

/**
 * Decodes a safetensors file into `Network.create` options and a record (without the
 * architecture, which the network resolves and validates from the options).
 *
 * Limits, checked before anything is allocated from them: those of the container (see
 * `decodeSafetensors`: header ≤ 100 MB, at most `MAX_TENSORS` = 65,536 tensors counted before
 * the header is parsed, JSON nesting ≤ 64, tensors tiling the data area); the layers pass the
 * check of `Network.create` (at most `MAX_PARAMETERS` = 2^27 parameters); the training slots
 * must be the optimizer's (at most 2, each once); and every tensor the network needs must be
 * present with its shape, and no other, before any value is decoded. So the values decoded
 * are those of the file's data area, at most 3 copies as float64 (reading, pytorch
 * transposition, the flat optimizer state).
 * @throws FormatError for a malformed file, missing or misshapen tensors, unknown tensors,
 *   training slots that are not the optimizer's; OptionError for invalid layer sizes
 */
export function recordFromSafetensors(
  bytes: Uint8Array,
  read: SafetensorsReadOptions,
): { options: NetworkOptions<Dtype>; record: Omit<ModelRecord, 'architecture'> } {
  const requested = checkLayout(read.layout, 'layout');
  const file = decodeSafetensors(bytes);
  const meta = file.metadata;
  const stored = meta[KEY.layout];
  if (stored !== undefined && stored !== 'in-out' && stored !== 'pytorch') {
    throw new FormatError(
      `safetensors: metadata ${KEY.layout} is ${describe(stored.length > 40 ? `${stored.slice(0, 37)}...` : stored)}, expected 'in-out' or 'pytorch'`,
    );
  }
  if (requested && stored && requested !== stored) {
    throw new FormatError(
      `layout '${requested}' was requested but the file says its weights are stored '${stored}'; leave layout out`,
    );
  }
  const layout: WeightLayout = requested ?? (stored as WeightLayout | undefined) ?? 'in-out';
  let fileOptions: Partial<NetworkOptions<Dtype>> = {};
  const architecture = metaJSON(meta, KEY.architecture);
  if (architecture !== undefined) {
    fileOptions = architectureOptions(architecture, `safetensors metadata ${KEY.architecture}`);
  }
  const version = meta[KEY.version];
  if (
    version !== undefined &&
    !(Number(version) >= 1 && Number(version) <= SAFETENSORS_FORMAT_VERSION)
  ) {
    throw new FormatError(
      `safetensors: ${KEY.version} ${describe(version)} is not one this library reads (1…${SAFETENSORS_FORMAT_VERSION}); upgrade wasm-mlp`,
    );
  }
  const options = { ...fileOptions, ...read.architecture } as NetworkOptions<Dtype>;
  // Before anything is allocated from them: the sizes drive the arrays below.
  // The layer sizes the caller or the file's architecture gives (else inferred per layout).
  const given = options.layers;
  const layers = withLayoutHint(file.tensors, layout, stored, given, () =>
    checkFileLayers(options.layers ?? inferLayers(file.tensors, layout), 'safetensors'),
  );
  options.layers = layers;
  // The training slots, checked before anything is read: each slot is a full copy of the
  // parameters, and a header naming a slot many times would make a small file allocate
  // gigabytes. The slots must be the optimizer's, each once.
  let slots: string[] = [];
  const t = metaJSON(meta, KEY.training) as
    { step?: unknown; epochs?: unknown; slots?: unknown; schedule?: unknown } | undefined;
  if (t !== undefined) {
    const names = t?.slots;
    if (!Array.isArray(names) || !names.every((s) => typeof s === 'string')) {
      throw new FormatError(
        `safetensors: ${KEY.training}.slots must be an array of names, got ${describe(names)}`,
      );
    }
    if (typeof t?.epochs !== 'number' || !Number.isSafeInteger(t.epochs) || t.epochs < 0) {
      throw new FormatError(
        `safetensors: ${KEY.training}.epochs must be an integer >= 0, got ${describe(t.epochs)}`,
      );
    }
    const known = optimizerSlots(options.optimizer);
    if (
      (known !== undefined && names.join() !== known.join()) ||
      names.length > MAX_SLOTS ||
      new Set(names).size !== names.length ||
      !names.every((n) => ALL_SLOTS.includes(n))
    ) {
      const want = known
        ? `[${quoted(known)}]`
        : `at most ${MAX_SLOTS} distinct names among ${quoted(ALL_SLOTS)}`;
      throw new FormatError(
        `safetensors: ${KEY.training}.slots must be ${want} (the optimizer's state slots), got [${quoted(names)}]`,
      );
    }
    slots = names;
  }
  // Every tensor the network needs is found with its shape, and no other is in the file, before
  // any value is decoded: the names and shapes come from the header alone.
  const expected = new Set<string>();
  const find = (prefix: string): { weights: TensorEntry[]; biases: TensorEntry[] } => {
    const weights: TensorEntry[] = [];
    const biases: TensorEntry[] = [];
    for (let i = 0; i + 1 < layers.length; i++) {
      const [nIn, nOut] = [layers[i]!, layers[i + 1]!];
      const wShape = layout === 'pytorch' ? [nOut, nIn] : [nIn, nOut];
      weights.push(tensorOf(file.tensors, `${prefix}layers.${i}.weight`, wShape, layout, expected));
      biases.push(tensorOf(file.tensors, `${prefix}layers.${i}.bias`, [nOut], layout, expected));
    }
    return { weights, biases };
  };
  const found = withLayoutHint(file.tensors, layout, stored, given, () => find(''));
  const foundSlots = slots.map((slot) => find(`optimizer.${slot}.`));
  const normTensors = NORMALIZATION_TENSORS.filter((name) => file.tensors.has(name));
  if (normTensors.length === 1) {
    throw new FormatError(
      `safetensors: '${normTensors[0]}' without '${NORMALIZATION_TENSORS.find((n) => n !== normTensors[0])}' (the normalization needs both)`,
    );
  }
  const normEntries = normTensors.map((name) =>
    tensorOf(file.tensors, name, [layers[0]!], layout, expected),
  );
  if (expected.size !== file.tensors.size) {
    const unexpected = [...file.tensors.keys()].filter((name) => !expected.has(name));
    throw new FormatError(
      `safetensors: unexpected tensor${unexpected.length > 1 ? 's' : ''} ${quoted(unexpected)} for layers [${layers.join(', ')}] (names are layers.{i}.weight / layers.{i}.bias)`,
    );
  }
  // Decoding, in the network's (in-out) layout.
  const weightsOf = (w: TensorEntry, i: number): Float64Array => {
    if (layout !== 'pytorch') return w.values();
    const [nIn, nOut] = [layers[i]!, layers[i + 1]!];
    const flat = new Float64Array(nIn * nOut);
    transpose(w.values(), nOut, nIn, flat);
    return flat;
  };
  const parameters = {
    weights: found.weights.map(weightsOf),
    biases: found.biases.map((b) => b.values()),
  };
  let training: TrainingState | null = null;
  if (t !== undefined) {
    const count = parameters.weights.reduce(
      (n, w, i) => n + w.length + parameters.biases[i]!.length,
      0,
    );
    // Filled in place: spreading a layer into push() overflows the stack for large layers.
    const state = new Float64Array(slots.length * count);
    let at = 0;
    for (const slot of foundSlots) {
      slot.weights.forEach((w, i) => {
        const values = weightsOf(w, i);
        state.set(values, at);
        at += values.length;
        const bias = slot.biases[i]!.values();
        state.set(bias, at);
        at += bias.length;
      });
    }
    training = {
      step: t.step as number,
      epochs: t.epochs as number,
      optimizerState: state,
      schedule:
        t.schedule === undefined
          ? null
          : checkScheduleState(t.schedule, `safetensors: ${KEY.training}.schedule`),
    };
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) if (!k.startsWith(RESERVED_PREFIX)) metadata[k] = v;
  const normalization =
    normEntries.length === 2
      ? { mean: normEntries[0]!.values(), std: normEntries[1]!.values() }
      : null;
  return { options, record: { parameters, metadata, normalization, training } };
}

/** Names for a message, quoted; the first 8 and a count of the others (a file may have millions). */
function quoted(names: readonly string[]): string {
  const shown = names.slice(0, 8).map((n) => `'${n.length > 64 ? `${n.slice(0, 61)}...` : n}'`);
  if (names.length > shown.length) shown.push(`… (${names.length} in all)`);
  return shown.join(', ');
}

/** A metadata entry parsed as JSON (undefined when absent). */
function metaJSON(meta: Record<string, string>, key: string): unknown {
  const text = meta[key];
  if (text === undefined) return undefined;
  checkJSONDepth(text, `safetensors: metadata ${key}`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new FormatError(`safetensors: metadata ${key} is not JSON (${(e as Error).message})`);
  }
}

/** A tensor by name with the expected shape; the hint names the other layout when it fits. */
function tensorOf(
  tensors: Map<string, TensorEntry>,
  name: string,
  shape: number[],
  layout: WeightLayout,
  seen: Set<string>,
): TensorEntry {
  const t = tensors.get(name);
  if (!t) {
    const names = [...tensors.keys()];
    throw new FormatError(
      `safetensors: tensor '${name}' is missing (the file has ${names.length ? quoted(names) : 'no tensors'})`,
    );
  }
  seen.add(name);
  if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
    const other = layout === 'pytorch' ? 'in-out' : 'pytorch';
    const transposed =
      shape.length === 2 &&
      t.shape.length === 2 &&
      t.shape[0] === shape[1] &&
      t.shape[1] === shape[0];
    throw new FormatError(
      `safetensors: tensor '${name}' has shape ${shapeText(t.shape)}, expected [${shape.join(', ')}] (layout '${layout}')` +
        (transposed ? `; it fits layout '${other}': pass { layout: '${other}' }` : ''),
    );
  }
  return t;
}

/**
 * Runs `shapes` (the layer inference or the parameter lookup) and, when it fails with a shape
 * error on a file that does not record its layout (a PyTorch state dict has no
 * `wasm_mlp.layout`), adds `pass { layout: … }` to the message if every weight and bias fits
 * the other layout. A mismatch in one layer can surface far from it (a square first layer of a
 * PyTorch file reads fine, then the next layer's input count disagrees, or a single layer's
 * bias has the wrong length), so the hint checks the whole file, not the failing tensor.
 */
function withLayoutHint<T>(
  tensors: Map<string, TensorEntry>,
  layout: WeightLayout,
  stored: string | undefined,
  layers: readonly number[] | undefined,
  shapes: () => T,
): T {
  try {
    return shapes();
  } catch (e) {
    if (!(e instanceof FormatError) || stored !== undefined || /pass \{ layout:/.test(e.message)) {
      throw e;
    }
    const other: WeightLayout = layout === 'pytorch' ? 'in-out' : 'pytorch';
    if (!fitsLayout(tensors, other, layers)) throw e;
    throw new FormatError(
      `${e.message}; the file does not record its layout and its shapes fit layout '${other}'` +
        `${other === 'pytorch' ? ' (a PyTorch state dict, nn.Linear weights n_out × n_in)' : ''}: ` +
        `pass { layout: '${other}' }`,
    );
  }
}

/** Whether every `layers.{i}.weight` / `.bias` has the shapes `layout` expects. */
function fitsLayout(
  tensors: Map<string, TensorEntry>,
  layout: WeightLayout,
  given: readonly number[] | undefined,
): boolean {
  try {
    const layers = given ?? inferLayers(tensors, layout);
    const seen = new Set<string>();
    for (let i = 0; i + 1 < layers.length; i++) {
      const [nIn, nOut] = [layers[i]!, layers[i + 1]!];
      tensorOf(
        tensors,
        `layers.${i}.weight`,
        layout === 'pytorch' ? [nOut, nIn] : [nIn, nOut],
        layout,
        seen,
      );
      tensorOf(tensors, `layers.${i}.bias`, [nOut], layout, seen);
    }
    return true;
  } catch {
    return false;
  }
}

/** Layer sizes from `layers.{i}.weight` shapes, for files without an architecture. */
function inferLayers(tensors: Map<string, TensorEntry>, layout: WeightLayout): number[] {
  const layers: number[] = [];
  for (let i = 0; ; i++) {
    const t = tensors.get(`layers.${i}.weight`);
    if (!t) break;
    if (t.shape.length !== 2) {
      throw new FormatError(
        `safetensors: tensor 'layers.${i}.weight' must be 2-D, got shape ${shapeText(t.shape)}`,
      );
    }
    const [nIn, nOut] =
      layout === 'pytorch' ? [t.shape[1]!, t.shape[0]!] : [t.shape[0]!, t.shape[1]!];
    if (i === 0) layers.push(nIn);
    else if (layers[i] !== nIn) {
      throw new FormatError(
        `safetensors: 'layers.${i}.weight' takes ${nIn} inputs but layer ${i - 1} has ${layers[i]} outputs (layout '${layout}')`,
      );
    }
    layers.push(nOut);
  }
  if (layers.length === 0) {
    throw new FormatError(
      `safetensors: no architecture in the metadata and no tensor 'layers.0.weight' to infer the layers from (the file has ${tensors.size ? quoted([...tensors.keys()]) : 'no tensors'})`,
    );
  }
  return layers;
}
