/**
 * THE TypeScript side of the C ABI (docs/ARCHITECTURE.md): the only module that touches the
 * WebAssembly instance. It owns
 * - a typed table of the exports, one per dtype (picked by the `_f32` / `_f64` suffix),
 * - the views on linear memory, re-created whenever `memory.buffer` changed (memory growth
 *   detaches the old `ArrayBuffer`): every helper below fetches a fresh view, so no caller
 *   ever holds a view across a call that can grow memory,
 * - copy-in / copy-out helpers.
 *
 * Pointers are byte offsets into linear memory, returned by wasm as i32 and normalized here
 * to unsigned numbers (`>>> 0`).
 * @module
 */
import { OutOfMemoryError, WasmMlpError } from '../../errors.js';
import type { ActivationName, LossName, ModelSpec, OptimizerName } from '../../model.js';
import type { Dtype } from '../../types.js';
import type { Real } from '../backend.js';

/** Byte offset into linear memory. */
export type Ptr = number;
/** Opaque handle of a Rust `Network<T>` (a pointer). */
export type NetPtr = number;

/** The exports of one dtype (`{t}` = `f32` or `f64` in the ABI table), with readable names. */
export interface DtypeExports {
  /** `mlp_net_create_{t}(config: f64*, len) -> Net*` (the block of {@link encodeConfig}). */
  netCreate(config: Ptr, len: number): NetPtr;
  /** `mlp_net_destroy_{t}(net)` */
  netDestroy(net: NetPtr): void;
  /** `mlp_net_param_count_{t}(net) -> u32` */
  paramCount(net: NetPtr): number;
  /** `mlp_net_params_{t}(net) -> T*` (stable for the net's life) */
  params(net: NetPtr): Ptr;
  /** `mlp_net_grads_{t}(net) -> T*` */
  grads(net: NetPtr): Ptr;
  /** `mlp_net_state_len_{t}(net) -> u32`: optimizer state length (`slots × param_count`) */
  stateLen(net: NetPtr): number;
  /** `mlp_net_state_{t}(net) -> T*`: the optimizer state (stable for the net's life) */
  state(net: NetPtr): Ptr;
  /** `mlp_net_step_count_{t}(net) -> f64`: completed optimizer steps */
  stepCount(net: NetPtr): number;
  /** `mlp_net_set_step_count_{t}(net, steps: f64)` */
  setStepCount(net: NetPtr, steps: number): void;
  /** `mlp_net_reserve_{t}(net, batch) -> u32`: 1 ok, 0 out of memory. May grow memory. */
  reserve(net: NetPtr, batch: number): number;
  /** `mlp_net_input_{t}(net) -> T*` (valid until the next reserve) */
  input(net: NetPtr): Ptr;
  /** `mlp_net_target_{t}(net) -> T*` */
  target(net: NetPtr): Ptr;
  /** `mlp_net_output_{t}(net) -> T*` */
  output(net: NetPtr): Ptr;
  /** `mlp_net_forward_{t}(net, batch)` */
  forward(net: NetPtr, batch: number): void;
  /** `mlp_net_backward_{t}(net, batch, lr)` */
  backward(net: NetPtr, batch: number, lr: number): void;
  /** `mlp_net_train_step_{t}(net, batch, lr) -> f64` (loss before the update) */
  trainStep(net: NetPtr, batch: number, lr: number): number;
  /** `mlp_net_gradients_{t}(net, batch) -> f64` */
  gradients(net: NetPtr, batch: number): number;
  /** `mlp_net_loss_{t}(net, batch) -> f64` */
  loss(net: NetPtr, batch: number): number;
  /** `mlp_gemm_{t}(trans_a, trans_b, m, n, k, a, b, c, accumulate)` */
  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: Ptr,
    b: Ptr,
    c: Ptr,
    accumulate: number,
  ): void;
  /** `mlp_sigmoid_{t}(x, len)` */
  sigmoid(x: Ptr, len: number): void;
  /** `mlp_sigmoid_backward_{t}(g, y, len)` */
  sigmoidBackward(g: Ptr, y: Ptr, len: number): void;
  /** `mlp_add_bias_{t}(x, bias, rows, cols)` */
  addBias(x: Ptr, bias: Ptr, rows: number, cols: number): void;
  /** `mlp_column_sums_{t}(a, rows, cols, out)` */
  columnSums(a: Ptr, rows: number, cols: number, out: Ptr): void;
  /** `mlp_axpy_{t}(x, y, len, alpha)` */
  axpy(x: Ptr, y: Ptr, len: number, alpha: number): void;
}

/** ABI name (without the dtype suffix) of each entry of {@link DtypeExports}. */
const ABI_NAMES: Record<keyof DtypeExports, string> = {
  netCreate: 'mlp_net_create',
  netDestroy: 'mlp_net_destroy',
  paramCount: 'mlp_net_param_count',
  params: 'mlp_net_params',
  grads: 'mlp_net_grads',
  stateLen: 'mlp_net_state_len',
  state: 'mlp_net_state',
  stepCount: 'mlp_net_step_count',
  setStepCount: 'mlp_net_set_step_count',
  reserve: 'mlp_net_reserve',
  input: 'mlp_net_input',
  target: 'mlp_net_target',
  output: 'mlp_net_output',
  forward: 'mlp_net_forward',
  backward: 'mlp_net_backward',
  trainStep: 'mlp_net_train_step',
  gradients: 'mlp_net_gradients',
  loss: 'mlp_net_loss',
  gemm: 'mlp_gemm',
  sigmoid: 'mlp_sigmoid',
  sigmoidBackward: 'mlp_sigmoid_backward',
  addBias: 'mlp_add_bias',
  columnSums: 'mlp_column_sums',
  axpy: 'mlp_axpy',
};

/** Entries that return a pointer or a u32: normalized with `>>> 0`. */
const UNSIGNED_RESULTS = new Set<keyof DtypeExports>([
  'netCreate',
  'paramCount',
  'params',
  'grads',
  'stateLen',
  'state',
  'reserve',
  'input',
  'target',
  'output',
]);

const ACTIVATION_CODES: Record<ActivationName, number> = {
  sigmoid: 0,
  tanh: 1,
  relu: 2,
  leakyRelu: 3,
  linear: 4,
  softmax: 5,
};
const LOSS_CODES: Record<LossName, number> = {
  'half-sse': 0,
  mse: 1,
  'binary-cross-entropy': 2,
  'categorical-cross-entropy': 3,
};
const OPTIMIZER_CODES: Record<OptimizerName, number> = { sgd: 0, momentum: 1, adam: 2 };

/**
 * The config block `mlp_net_create_{t}` decodes (docs/ARCHITECTURE.md, `decode_config` in
 * ffi.rs): f64 slots `[ordering, loss, optimizer, h0, h1, h2, weightDecay, n, sizes…,
 * (activation, parameter) per weight layer]`.
 */
export function encodeConfig(spec: ModelSpec): Float64Array {
  const { layers, activations, loss, optimizer: opt, ordering } = spec;
  const hyper =
    opt.type === 'momentum'
      ? [opt.momentum, opt.nesterov ? 1 : 0, 0]
      : opt.type === 'adam'
        ? [opt.beta1, opt.beta2, opt.epsilon]
        : [0, 0, 0];
  return Float64Array.from([
    ordering === 'exact' ? 0 : 1,
    LOSS_CODES[loss],
    OPTIMIZER_CODES[opt.type],
    ...hyper,
    opt.weightDecay,
    layers.length,
    ...layers,
    ...activations.flatMap((a) => [ACTIVATION_CODES[a.type], a.type === 'leakyRelu' ? a.slope : 0]),
  ]);
}

/** Every export name the ABI requires (for diagnostics and tests). */
export function requiredExports(): string[] {
  const names = ['memory', 'mlp_alloc', 'mlp_free'];
  for (const t of ['f32', 'f64']) for (const n of Object.values(ABI_NAMES)) names.push(`${n}_${t}`);
  return names;
}

type AnyFn = (...args: number[]) => number;

/** One instantiated core: exports, memory views and copy helpers. */
export class WasmCore {
  /** The compiled module. */
  readonly module: WebAssembly.Module;
  /** The instance shared by every network created from the same source. */
  readonly instance: WebAssembly.Instance;
  /** The instance's linear memory. */
  readonly memory: WebAssembly.Memory;
  /** Exports of the f32 core. */
  readonly f32: DtypeExports;
  /** Exports of the f64 core. */
  readonly f64: DtypeExports;
  readonly #alloc: AnyFn;
  readonly #free: AnyFn;
  readonly #liveBytes: AnyFn | undefined;
  #buffer: ArrayBuffer | null = null;
  #u8 = new Uint8Array(0);
  #u32 = new Uint32Array(0);
  #f32 = new Float32Array(0);
  #f64 = new Float64Array(0);
  #refreshes = 0;

  /** Wraps an instance; throws {@link WasmMlpError} listing any missing ABI export. */
  constructor(module: WebAssembly.Module, instance: WebAssembly.Instance) {
    const ex = instance.exports;
    const missing = requiredExports().filter((name) => !(name in ex));
    if (missing.length > 0) {
      throw new WasmMlpError(
        `the WebAssembly module does not export the wasm-mlp ABI: missing ${missing.join(', ')}`,
      );
    }
    this.module = module;
    this.instance = instance;
    this.memory = ex['memory'] as WebAssembly.Memory;
    this.#alloc = ex['mlp_alloc'] as AnyFn;
    this.#free = ex['mlp_free'] as AnyFn;
    this.#liveBytes = ex['mlp_live_bytes'] as AnyFn | undefined;
    this.f32 = WasmCore.#table(ex, 'f32');
    this.f64 = WasmCore.#table(ex, 'f64');
  }

  static #table(ex: WebAssembly.Exports, dtype: Dtype): DtypeExports {
    const table: Partial<Record<keyof DtypeExports, AnyFn>> = {};
    for (const [key, base] of Object.entries(ABI_NAMES) as [keyof DtypeExports, string][]) {
      const fn = ex[`${base}_${dtype}`] as AnyFn;
      table[key] = UNSIGNED_RESULTS.has(key) ? (...args) => fn(...args) >>> 0 : fn;
    }
    return table as unknown as DtypeExports;
  }

  /** The export table of a dtype. */
  exports(dtype: Dtype): DtypeExports {
    return dtype === 'f64' ? this.f64 : this.f32;
  }

  /**
   * How many times the memory views were re-created because `memory.buffer` changed (the
   * first creation counts). Exposed for tests of memory growth.
   */
  get viewRefreshes(): number {
    return this.#refreshes;
  }

  /** Re-creates the views if memory grew since they were made. */
  #views(): void {
    const buffer = this.memory.buffer;
    if (buffer !== this.#buffer || buffer.byteLength !== this.#u8.byteLength) {
      this.#buffer = buffer;
      this.#u8 = new Uint8Array(buffer);
      this.#u32 = new Uint32Array(buffer);
      this.#f32 = new Float32Array(buffer);
      this.#f64 = new Float64Array(buffer);
      this.#refreshes++;
    }
  }

  /** A fresh view of the whole memory with the dtype's element type. Do not keep it across calls. */
  heap(dtype: Dtype): Real {
    this.#views();
    return dtype === 'f64' ? this.#f64 : this.#f32;
  }

  /** A fresh `Uint8Array` view of the whole memory. Do not keep it across calls. */
  bytes(): Uint8Array {
    this.#views();
    return this.#u8;
  }

  /**
   * Bytes currently allocated inside the core (the optional diagnostic export
   * `mlp_live_bytes`), or `null` if the module does not export it. Used by leak tests.
   */
  liveBytes(): number | null {
    return this.#liveBytes ? this.#liveBytes() >>> 0 : null;
  }

  /** Current size of linear memory in bytes. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  static #index(ptr: Ptr, size: number): number {
    if (ptr % size !== 0) throw new WasmMlpError(`pointer ${ptr} is not aligned to ${size} bytes`);
    return ptr / size;
  }

  /** `mlp_alloc(bytes, align)`; throws {@link WasmMlpError} when it returns 0. May grow memory. */
  alloc(bytes: number, align = 8): Ptr {
    const ptr = this.#alloc(bytes, align) >>> 0;
    if (ptr === 0 && bytes > 0) {
      throw new OutOfMemoryError(`out of WebAssembly memory allocating ${bytes} bytes`);
    }
    return ptr;
  }

  /** `mlp_free(ptr, bytes, align)`. */
  free(ptr: Ptr, bytes: number, align = 8): void {
    this.#free(ptr, bytes, align);
  }

  /** Copies `src` into memory at `ptr` as the dtype's elements (rounding to f32 if needed). */
  write(dtype: Dtype, ptr: Ptr, src: ArrayLike<number>): void {
    const size = dtype === 'f64' ? 8 : 4;
    this.heap(dtype).set(src, WasmCore.#index(ptr, size));
  }

  /** A view of `len` elements of the dtype at `ptr` (no copy; invalid once memory grows). */
  view(dtype: Dtype, ptr: Ptr, len: number): Real {
    const size = dtype === 'f64' ? 8 : 4;
    const start = WasmCore.#index(ptr, size);
    return this.heap(dtype).subarray(start, start + len);
  }

  /** Copies `len` elements of the dtype at `ptr` out of memory. */
  read(dtype: Dtype, ptr: Ptr, len: number): Real {
    return this.view(dtype, ptr, len).slice();
  }

  /** Copies `src` into memory at `ptr` as u32 values. */
  writeU32(ptr: Ptr, src: ArrayLike<number>): void {
    this.#views();
    this.#u32.set(src, WasmCore.#index(ptr, 4));
  }

  /**
   * Allocates room for `values.length` elements of the dtype (at least one), copies `values`
   * in and returns the pointer. Pair with {@link freeArray}.
   */
  allocArray(dtype: Dtype, values: ArrayLike<number>): Ptr {
    const size = dtype === 'f64' ? 8 : 4;
    const ptr = this.alloc(Math.max(1, values.length) * size, size);
    this.write(dtype, ptr, values);
    return ptr;
  }

  /** Frees an array allocated by {@link allocArray}. */
  freeArray(dtype: Dtype, ptr: Ptr, length: number): void {
    const size = dtype === 'f64' ? 8 : 4;
    this.free(ptr, Math.max(1, length) * size, size);
  }
}
