/**
 * THE TypeScript side of the C ABI (docs/ARCHITECTURE.md, "The C ABI"): the export names, the
 * typed table of the network exports, and the config block with its codes. Nothing here touches
 * memory; {@link WasmCore} (core.ts) binds this table to an instance.
 *
 * Pointers are byte offsets into linear memory, returned by wasm as i32 and normalized here to
 * unsigned numbers (`>>> 0`). Exports of the test build only (the kernels alone, fault
 * injection, the config decoder) are not part of this table: the tests reach them themselves.
 * @module
 */
import type { ActivationName, CoreLoss, ModelSpec, OptimizerName } from '../../model.js';
import type { Dtype, Ordering } from '../../types.js';

/** Byte offset into linear memory. */
export type Ptr = number;
/** Opaque handle of a Rust `Network<T>` (a pointer). */
export type NetPtr = number;

/** The network exports of one dtype (`{t}` = `f32` or `f64` in the ABI table), readably named. */
export interface NetExports {
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
  /** `mlp_net_forward_{t}(net, batch) -> u32`: 1 done, 0 refused (a non-finite input value) */
  forward(net: NetPtr, batch: number): number;
  /** `mlp_net_backward_{t}(net, batch, lr)` */
  backward(net: NetPtr, batch: number, lr: number): void;
  /** `mlp_net_train_step_{t}(net, batch, lr) -> f64` (loss before the update) */
  trainStep(net: NetPtr, batch: number, lr: number): number;
  /** `mlp_net_gradients_{t}(net, batch) -> f64` */
  gradients(net: NetPtr, batch: number): number;
  /** `mlp_net_loss_{t}(net, batch) -> f64` */
  loss(net: NetPtr, batch: number): number;
  /**
   * `mlp_net_set_threads_{t}(net, threads) -> u32`: 0 ok, 1 null handle, 2 out of memory (the
   * extra threads' packing buffers; nothing changed).
   */
  setThreads(net: NetPtr, threads: number): number;
  /**
   * `mlp_net_set_dropout_{t}(net, rates: f64*, len, seed: u32) -> u32`: one rate per hidden
   * layer (or `len` 0: none) and the masks' 32-bit seed; 1 ok, 0 invalid or out of memory.
   */
  setDropout(net: NetPtr, rates: Ptr, len: number, seed: number): number;
  /** `mlp_net_weights_{t}(net) -> T*`: the per-row loss weights (valid until the next reserve) */
  weights(net: NetPtr): Ptr;
  /** `mlp_net_set_weighted_{t}(net, on: u32)`: whether the loss calls read the weights */
  setWeighted(net: NetPtr, on: number): void;
}

/** ABI name (without the dtype suffix) of each entry of {@link NetExports}. */
const NET_EXPORT_NAMES: Record<keyof NetExports, string> = {
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
  setThreads: 'mlp_net_set_threads',
  setDropout: 'mlp_net_set_dropout',
  weights: 'mlp_net_weights',
  setWeighted: 'mlp_net_set_weighted',
};

/** Entries that return a pointer or a u32: normalized with `>>> 0`. */
const UNSIGNED_RESULTS = new Set<keyof NetExports>([
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
  'forward',
  'setThreads',
  'setDropout',
  'weights',
]);

/** The exports that are not per dtype: memory and the scratch allocator. */
export const MEMORY_EXPORTS = {
  memory: 'memory',
  /** `mlp_alloc(bytes, align) -> u8*` */
  alloc: 'mlp_alloc',
  /** `mlp_free(ptr, bytes, align)` */
  free: 'mlp_free',
  /** `mlp_live_bytes() -> u32`: optional diagnostics (bytes allocated in the core). */
  liveBytes: 'mlp_live_bytes',
} as const;

/** Every export name the ABI requires (for diagnostics and tests). */
/**
 * The thread pool's exports (crates/mlp-core/src/ffi/pool.rs), in every build; only the
 * shared-memory build (`mlp_threads_supported() = 1`) can run workers.
 */
export const POOL_EXPORTS = {
  /** `mlp_threads_supported() -> u32`: 1 in the shared-memory build. */
  supported: 'mlp_threads_supported',
  /** `mlp_pool_worker_run(slot)`: a pool worker's life (returns at shutdown). */
  workerRun: 'mlp_pool_worker_run',
  /** `mlp_pool_worker_failed()`: a worker's `workerRun` ended with a trap. */
  workerFailed: 'mlp_pool_worker_failed',
  /** `mlp_pool_workers() -> u32`: workers parked in the pool. */
  workers: 'mlp_pool_workers',
  /** `mlp_pool_failures() -> u32`: workers that died (the pool then takes no jobs). */
  failures: 'mlp_pool_failures',
  /** `mlp_pool_shutdown()`: every worker returns from `workerRun`. */
  shutdown: 'mlp_pool_shutdown',
} as const;

export function requiredExports(): string[] {
  const names: string[] = [MEMORY_EXPORTS.memory, MEMORY_EXPORTS.alloc, MEMORY_EXPORTS.free];
  for (const t of ['f32', 'f64']) {
    for (const n of Object.values(NET_EXPORT_NAMES)) names.push(`${n}_${t}`);
  }
  names.push(...Object.values(POOL_EXPORTS));
  return names;
}

type AnyFn = (...args: number[]) => number;

/** The typed table of a dtype's network exports (pointer and u32 results made unsigned). */
export function netExports(ex: WebAssembly.Exports, dtype: Dtype): NetExports {
  const table: Partial<Record<keyof NetExports, AnyFn>> = {};
  for (const [key, base] of Object.entries(NET_EXPORT_NAMES) as [keyof NetExports, string][]) {
    const fn = ex[`${base}_${dtype}`] as AnyFn;
    table[key] = UNSIGNED_RESULTS.has(key) ? (...args) => fn(...args) >>> 0 : fn;
  }
  return table as unknown as NetExports;
}

// The codes of the config block: they must match crates/mlp-core/src/ffi/mod.rs decode_config
// (test/core/abi-codes.test.ts decodes every option value with it).
/** Slot 0. */
export const ORDERING_CODES: Readonly<Record<Ordering, number>> = { exact: 0, 'update-first': 1 };
/** Slot 1. */
export const LOSS_CODES: Readonly<Record<CoreLoss, number>> = {
  'half-sse': 0,
  mse: 1,
  'binary-cross-entropy': 2,
  'categorical-cross-entropy': 3,
};
/** Slot 2 (hyperparameters in slots 3–5, weight decay in 6, clipping in 7–8). */
export const OPTIMIZER_CODES: Readonly<Record<OptimizerName, number>> = {
  sgd: 0,
  momentum: 1,
  adam: 2,
  adamw: 3,
  rmsprop: 4,
};
/** The first slot of each weight layer's pair (the second: leakyRelu's slope, else 0). */
export const ACTIVATION_CODES: Readonly<Record<ActivationName, number>> = {
  sigmoid: 0,
  tanh: 1,
  relu: 2,
  leakyRelu: 3,
  linear: 4,
  softmax: 5,
};

/**
 * The config block `mlp_net_create_{t}` decodes (docs/ARCHITECTURE.md, `decode_config` in
 * crates/mlp-core/src/ffi/mod.rs): f64 slots `[ordering, loss, optimizer, h0, h1, h2,
 * weightDecay, clipNorm, clipValue, n, sizes…, (activation, parameter) per weight layer]`,
 * a clipping slot 0 when off.
 */
export function encodeConfig(spec: ModelSpec): Float64Array {
  const { layers, activations, loss, optimizer: opt, ordering } = spec;
  const hyper =
    opt.type === 'momentum'
      ? [opt.momentum, opt.nesterov ? 1 : 0, 0]
      : opt.type === 'adam' || opt.type === 'adamw'
        ? [opt.beta1, opt.beta2, opt.epsilon]
        : opt.type === 'rmsprop'
          ? [opt.rho, opt.epsilon, 0]
          : [0, 0, 0];
  return Float64Array.from([
    ORDERING_CODES[ordering],
    LOSS_CODES[loss],
    OPTIMIZER_CODES[opt.type],
    ...hyper,
    opt.weightDecay,
    opt.clipNorm ?? 0,
    opt.clipValue ?? 0,
    layers.length,
    ...layers,
    ...activations.flatMap((a) => [ACTIVATION_CODES[a.type], a.type === 'leakyRelu' ? a.slope : 0]),
  ]);
}
