/**
 * The WebAssembly backend: a Rust `Network<T>` living in the shared instance, driven through
 * `abi.ts` / `core.ts`. A training step is one FFI call (`mlp_net_train_step_*`) after copying the batch in.
 * @module
 */
import {
  NonFiniteError,
  OutOfMemoryError,
  StateError,
  WasmMlpError,
  WorkerError,
} from '../../errors.js';
import { nextMacrotask } from '../../yield.js';
import type { ModelSpec } from '../../model.js';
import type { Dtype, OptimizerState } from '../../types.js';
import { gatherRows, type Backend, type Real } from '../backend.js';
import { encodeConfig, type NetExports, type NetPtr } from './abi.js';
import type { WasmCore } from './core.js';
import type { ThreadInfo } from './threads.js';
import { hasDropout } from '../../training/dropout.js';

/** Rust networks of one core that are not yet freed, and the bytes they hold. */
interface Tally {
  count: number;
  bytes: number;
  /** `bytes` when {@link WasmBackend.create} last let the garbage collector run. */
  checkpoint: number;
}
const tallies = new WeakMap<WasmCore, Tally>();

function tallyOf(core: WasmCore): Tally {
  let tally = tallies.get(core);
  if (!tally) tallies.set(core, (tally = { count: 0, bytes: 0, checkpoint: 0 }));
  return tally;
}

/**
 * Undisposed memory growth after which {@link WasmBackend.create} yields one macrotask first:
 * the finalizers of dropped networks run only in tasks, so a loop of awaited creates would
 * otherwise fill memory with networks that are garbage. 64 MiB keeps the yield rare (one per
 * 64 MiB of new networks) and the memory of such loops in the hundreds of MiB (measured in
 * test/faults/memory-bounds.test.ts).
 */
const RECLAIM_STEP_BYTES = 64 * 2 ** 20;
/** Retries of a creation that ran out of memory while undisposed networks exist. */
const RECLAIM_RETRIES = 3;

/** What the safety net needs to free a network nobody disposed. */
interface Held {
  readonly api: NetExports;
  readonly net: NetPtr;
  readonly tally: Tally;
  /** Bytes of wasm memory this network holds (measured by the core's allocator). */
  bytes: number;
}

/** Frees a Rust network (once) and takes it off its core's tally. */
function release(held: Held): void {
  held.api.netDestroy(held.net);
  held.tally.count--;
  held.tally.bytes -= held.bytes;
}

/** Frees Rust networks whose JS owner was garbage-collected without `dispose()`. */
const finalizer =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Held>(release) : null;

/**
 * What else holds the core's memory when an allocation fails: the other networks not yet
 * freed (`self`, the network that failed to grow, is not counted).
 */
function othersHint({ count, bytes }: Tally, self?: Held): string {
  const others = count - (self ? 1 : 0);
  if (others <= 0) return '';
  const mib = ((bytes - (self?.bytes ?? 0)) / 2 ** 20).toFixed(1);
  return (
    `. ${others} other network(s) on this WebAssembly core hold ${mib} MiB: if some are no ` +
    'longer needed, dispose() them (or use `using`). A network that is only dropped is freed ' +
    'after the garbage collector finds it, which needs the event loop to run tasks (an ' +
    'unbroken chain of awaits does not let it)'
  );
}

/** {@link Backend} backed by the Rust core. */
export class WasmBackend implements Backend {
  readonly dtype: Dtype;
  readonly spec: ModelSpec;
  readonly paramCount: number;
  /** The shared core (instance + memory). */
  readonly core: WasmCore;
  readonly #api: NetExports;
  #net: NetPtr;
  /** Rows the Rust buffers currently hold (after the last successful reserve). */
  #capacity = 0;
  /** The input / target buffers' addresses, fetched once per reserve (they move only then). */
  #inputPtr = 0;
  #targetPtr = 0;
  #weightsPtr = 0;
  /** Whether the core's loss calls read the weights buffer (mirrors `mlp_net_set_weighted`). */
  #weighted = false;
  /** Ownership record of the Rust network (shared with the finalizer). */
  readonly #held: Held;
  /**
   * Memory pressure for the garbage collector: an (untouched, so not resident) ArrayBuffer as
   * large as the wasm memory this network holds. The JS engine counts ArrayBuffers as external
   * memory and collects sooner when they grow; it does not see inside wasm memory, so without
   * this, networks dropped without `dispose()` are collected (and their Rust side freed by the
   * finalizer) only when the small JS heap asks for it.
   */
  #pressure: ArrayBuffer | null = null;
  #threads: ThreadInfo = { requested: 1, count: 1 };

  /**
   * Creates the Rust network and copies `params` into it.
   * @throws WasmMlpError if the core cannot allocate the network
   */
  constructor(core: WasmCore, spec: ModelSpec, dtype: Dtype, params: ArrayLike<number>) {
    this.core = core;
    this.spec = spec;
    this.dtype = dtype;
    this.#api = core.exports(dtype);
    const layers = spec.layers;
    const block = encodeConfig(spec);
    const tally = tallyOf(core);
    const before = core.liveBytes();
    const config = core.allocArray('f64', block);
    try {
      this.#net = this.#api.netCreate(config, block.length);
    } finally {
      core.freeArray('f64', config, block.length);
    }
    if (this.#net === 0) {
      throw new OutOfMemoryError(
        `out of WebAssembly memory creating a network of layers [${layers}] (${dtype})` +
          othersHint(tally),
      );
    }
    this.#held = { api: this.#api, net: this.#net, tally, bytes: 0 };
    tally.count++;
    // Registered first: whatever throws below, the Rust network is freed with this object.
    finalizer?.register(this, this.#held, this);
    this.paramCount = this.#api.paramCount(this.#net);
    if (hasDropout(spec.dropout)) this.#setDropout(spec.dropout!, spec.dropoutSeed ?? 0);
    this.#account(before);
    if (this.paramCount !== params.length) {
      this.dispose();
      throw new WasmMlpError(
        `the core reports ${this.paramCount} parameters for layers [${layers}], expected ${params.length}`,
      );
    }
    this.setParams(params);
  }

  /**
   * Creates a network like the constructor, but first gives dropped networks a chance to be
   * freed: after {@link RECLAIM_STEP_BYTES} of growth in undisposed networks, and again (up to
   * {@link RECLAIM_RETRIES} times) when the creation runs out of memory while other networks
   * on this core were never disposed.
   */
  static async create(
    core: WasmCore,
    spec: ModelSpec,
    dtype: Dtype,
    params: ArrayLike<number>,
  ): Promise<WasmBackend> {
    const tally = tallyOf(core);
    if (tally.bytes >= tally.checkpoint + RECLAIM_STEP_BYTES) {
      await nextMacrotask();
      tally.checkpoint = tally.bytes;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return new WasmBackend(core, spec, dtype, params);
      } catch (error) {
        if (!(error instanceof OutOfMemoryError) || tally.count === 0) throw error;
        if (attempt === RECLAIM_RETRIES) throw error;
        await nextMacrotask();
        tally.checkpoint = tally.bytes;
      }
    }
  }

  /** Hands the (validated) dropout rates and seed to the core. */
  #setDropout(rates: readonly number[], seed: number): void {
    const ptr = this.core.allocArray('f64', rates);
    try {
      if (this.#api.setDropout(this.#net, ptr, rates.length, seed >>> 0) !== 1) {
        this.dispose();
        throw new OutOfMemoryError(
          `out of WebAssembly memory setting up dropout for layers [${this.spec.layers}] (${this.dtype})` +
            othersHint(this.#held.tally),
        );
      }
    } finally {
      this.core.freeArray('f64', ptr, rates.length);
    }
  }

  /**
   * Puts the loss weights of the batch rows in the core's buffer (`rows`: which entries of
   * `weights`, else its first `batch`), or with null turns weighting off.
   */
  #writeWeights(weights: Real | null | undefined, batch: number, rows?: ArrayLike<number>): void {
    const on = weights != null;
    if (on) {
      if (rows) {
        const size = this.dtype === 'f64' ? 8 : 4;
        gatherRows(weights, 1, rows, this.core.heap(this.dtype), this.#weightsPtr / size);
      } else {
        this.core.write(this.dtype, this.#weightsPtr, weights.subarray(0, batch));
      }
    }
    if (on !== this.#weighted) {
      this.#api.setWeighted(this.#net, on ? 1 : 0);
      this.#weighted = on;
    }
  }

  /** Adds what the core allocated since `before` (live bytes) to this network's share. */
  #account(before: number | null): void {
    const after = this.core.liveBytes();
    if (before === null || after === null || after <= before) return;
    this.#held.bytes += after - before;
    this.#held.tally.bytes += after - before;
    try {
      this.#pressure = new ArrayBuffer(this.#held.bytes);
    } catch {
      // Best effort: where the engine refuses (a 32-bit address space), go without the hint.
      this.#pressure = null;
    }
  }

  /**
   * The live handle. Every method goes through here first: after {@link dispose} the handle
   * is 0, and a call with it would read or write from address 0 of the shared memory (other
   * networks' data), so it throws instead.
   */
  #live(): NetPtr {
    if (this.#net === 0) throw new StateError('Network was disposed');
    return this.#net;
  }

  /**
   * The threads this network runs on: as set at creation ({@link setThreads}), fewer if pool
   * workers died since (a dead worker simply takes no more tasks), with the reason.
   */
  get threads(): ThreadInfo {
    const set = this.#threads;
    if (set.count <= 1) return set;
    const alive = this.core.pool.alive;
    if (1 + alive >= set.count) return set;
    return {
      requested: set.requested,
      count: 1 + alive,
      reason: this.core.pool.problem ?? 'pool workers stopped',
    };
  }

  /**
   * Lets the core's products and updates use `info.count` threads of the core's pool (the
   * extra threads' packing buffers are allocated now; results are bit-identical for any count).
   * @throws OutOfMemoryError if those buffers do not fit (the network is unchanged)
   */
  setThreads(info: ThreadInfo): void {
    const status = this.#api.setThreads(this.#live(), info.count);
    if (status === 2) {
      throw new OutOfMemoryError(
        `out of WebAssembly memory allocating buffers for ${info.count} threads ` +
          `(layers [${this.spec.layers}], ${this.dtype})` +
          othersHint(this.#held.tally, this.#held),
      );
    }
    this.#threads = info;
  }

  /**
   * Runs one computing call of the core. A pool worker that dies during it makes the core
   * trap (it cannot finish the product): that becomes a {@link WorkerError} saying so, and
   * the core runs on one thread from then on.
   */
  #compute<R>(call: () => R): R {
    try {
      return call();
    } catch (error) {
      if (error instanceof WebAssembly.RuntimeError && this.core.poolCall('failures') > 0) {
        throw new WorkerError(
          'a thread-pool worker of the WebAssembly core died during this call, so it did not ' +
            'finish: the parameters may be partly updated (reload them from a checkpoint). ' +
            'The core runs on one thread from now on. ' +
            (this.core.pool.problem ?? ''),
          'error',
          undefined,
          error,
        );
      }
      throw error;
    }
  }

  /** Makes the input/target/activation buffers hold `batch` rows (may grow memory). */
  #reserve(batch: number): void {
    const net = this.#live();
    if (batch <= this.#capacity) return;
    const before = this.core.liveBytes();
    const ok = this.#api.reserve(net, batch) === 1;
    // The core's reserve is all-or-nothing (nothing moves on failure), but the addresses are
    // re-read either way: a stale pointer here would write into freed memory.
    this.#inputPtr = this.#api.input(net);
    this.#targetPtr = this.#api.target(net);
    this.#weightsPtr = this.#api.weights(net);
    if (!ok) {
      throw new OutOfMemoryError(
        `out of WebAssembly memory reserving buffers for a batch of ${batch} rows ` +
          `(layers [${this.spec.layers}], ${this.dtype}; the network is unchanged)` +
          othersHint(this.#held.tally, this.#held),
      );
    }
    this.#account(before);
    this.#capacity = batch;
  }

  #writeInput(x: Real): void {
    this.core.write(this.dtype, this.#inputPtr, x);
  }

  #writeTarget(y: Real): void {
    this.core.write(this.dtype, this.#targetPtr, y);
  }

  getParams(): Real {
    return this.core.read(this.dtype, this.#api.params(this.#live()), this.paramCount);
  }

  setParams(flat: ArrayLike<number>): void {
    this.core.write(this.dtype, this.#api.params(this.#live()), flat);
  }

  getOptimizerState(): OptimizerState {
    const net = this.#live();
    const len = this.#api.stateLen(net);
    const state = this.core.read(this.dtype, this.#api.state(net), len);
    return { state, step: this.#api.stepCount(net) };
  }

  setOptimizerState(state: ArrayLike<number>, step: number): void {
    const net = this.#live();
    this.core.write(this.dtype, this.#api.state(net), state);
    this.#api.setStepCount(net, step);
  }

  forward(x: Real, batch: number): Real {
    this.#reserve(batch);
    this.#writeInput(x);
    const done = this.#compute(() => this.#api.forward(this.#net, batch));
    if (done !== 1) {
      // The core refuses a batch holding NaN or ±Infinity (as stored, so also f32 overflow).
      throw new NonFiniteError(`x holds NaN or ±Infinity (batch of ${batch} rows)`);
    }
    return this.output(batch).slice();
  }

  output(batch: number): Real {
    const nOut = this.spec.layers[this.spec.layers.length - 1]!;
    return this.core.view(this.dtype, this.#api.output(this.#live()), batch * nOut);
  }

  backward(y: Real, batch: number, learningRate: number): void {
    // The caller guarantees a forward() of this batch came first, so no reserve is needed.
    this.#live();
    this.#writeTarget(y);
    this.#writeWeights(null, batch);
    this.#compute(() => this.#api.backward(this.#net, batch, learningRate));
  }

  trainStep(x: Real, y: Real, batch: number, learningRate: number, weights?: Real | null): number {
    this.#reserve(batch);
    this.#writeInput(x);
    this.#writeTarget(y);
    this.#writeWeights(weights, batch);
    return this.#compute(() => this.#api.trainStep(this.#net, batch, learningRate));
  }

  trainRows(
    x: Real,
    y: Real,
    rows: ArrayLike<number>,
    learningRate: number,
    weights?: Real | null,
  ): number {
    const { layers } = this.spec;
    const batch = rows.length;
    this.#reserve(batch);
    // Gather the rows straight into the core's batch buffers: no intermediate copy.
    const size = this.dtype === 'f64' ? 8 : 4;
    const heap = this.core.heap(this.dtype);
    gatherRows(x, layers[0]!, rows, heap, this.#inputPtr / size);
    gatherRows(y, layers[layers.length - 1]!, rows, heap, this.#targetPtr / size);
    this.#writeWeights(weights, batch, rows);
    return this.#compute(() => this.#api.trainStep(this.#net, batch, learningRate));
  }

  gradients(x: Real, y: Real, batch: number, weights?: Real | null): { grads: Real; loss: number } {
    this.#reserve(batch);
    this.#writeInput(x);
    this.#writeTarget(y);
    this.#writeWeights(weights, batch);
    const loss = this.#compute(() => this.#api.gradients(this.#net, batch));
    const grads = this.core.read(this.dtype, this.#api.grads(this.#live()), this.paramCount);
    return { grads, loss };
  }

  loss(x: Real, y: Real, batch: number, weights?: Real | null): number {
    this.#reserve(batch);
    this.#writeInput(x);
    this.#writeTarget(y);
    this.#writeWeights(weights, batch);
    return this.#compute(() => this.#api.loss(this.#net, batch));
  }

  clone(): WasmBackend {
    const copy = new WasmBackend(this.core, this.spec, this.dtype, this.getParams());
    const { state, step } = this.getOptimizerState();
    copy.setOptimizerState(state, step);
    copy.setThreads(this.#threads);
    return copy;
  }

  dispose(): void {
    if (this.#net === 0) return;
    finalizer?.unregister(this);
    release(this.#held);
    this.#net = 0;
    this.#pressure = null;
  }
}
