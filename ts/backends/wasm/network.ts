/**
 * The WebAssembly backend: a Rust `Network<T>` living in the shared instance, driven through
 * `ffi.ts`. A training step is one FFI call (`mlp_net_train_step_*`) after copying the batch in.
 * @module
 */
import { WasmMlpError } from '../../errors.js';
import type { Dtype, Ordering } from '../../options.js';
import type { Backend, Real } from '../backend.js';
import type { DtypeExports, NetPtr, WasmCore } from './ffi.js';

/** What the safety net needs to free a network nobody disposed. */
interface Held {
  readonly api: DtypeExports;
  readonly net: NetPtr;
}

/** Frees Rust networks whose JS owner was garbage-collected without `dispose()`. */
const finalizer =
  typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry<Held>(({ api, net }) => api.netDestroy(net))
    : null;

/** {@link Backend} backed by the Rust core. */
export class WasmBackend implements Backend {
  readonly dtype: Dtype;
  readonly layers: readonly number[];
  readonly ordering: Ordering;
  readonly paramCount: number;
  /** The shared core (instance + memory). */
  readonly core: WasmCore;
  readonly #api: DtypeExports;
  #net: NetPtr;
  /** Rows the Rust buffers currently hold (after the last successful reserve). */
  #capacity = 0;
  /** The input / target buffers' addresses, fetched once per reserve (they move only then). */
  #inputPtr = 0;
  #targetPtr = 0;

  /**
   * Creates the Rust network and copies `params` into it.
   * @throws WasmMlpError if the core cannot allocate the network
   */
  constructor(
    core: WasmCore,
    layers: readonly number[],
    ordering: Ordering,
    dtype: Dtype,
    params: ArrayLike<number>,
  ) {
    this.core = core;
    this.layers = [...layers];
    this.ordering = ordering;
    this.dtype = dtype;
    this.#api = core.exports(dtype);
    const sizesBytes = 4 * layers.length;
    const sizes = core.alloc(sizesBytes, 4);
    try {
      core.writeU32(sizes, layers);
      this.#net = this.#api.netCreate(sizes, layers.length, ordering === 'exact' ? 0 : 1);
    } finally {
      core.free(sizes, sizesBytes, 4);
    }
    if (this.#net === 0) {
      throw new WasmMlpError(`out of WebAssembly memory creating a network of layers [${layers}]`);
    }
    this.paramCount = this.#api.paramCount(this.#net);
    if (this.paramCount !== params.length) {
      this.#api.netDestroy(this.#net);
      throw new WasmMlpError(
        `the core reports ${this.paramCount} parameters for layers [${layers}], expected ${params.length}`,
      );
    }
    this.setParams(params);
    const held: Held = { api: this.#api, net: this.#net };
    finalizer?.register(this, held, this);
  }

  /** The Rust network handle (for tests). */
  get handle(): NetPtr {
    return this.#net;
  }

  /** Makes the input/target/activation buffers hold `batch` rows (may grow memory). */
  #reserve(batch: number): void {
    if (batch <= this.#capacity) return;
    if (this.#api.reserve(this.#net, batch) !== 1) {
      throw new WasmMlpError(`out of WebAssembly memory reserving buffers for a batch of ${batch}`);
    }
    this.#capacity = batch;
    this.#inputPtr = this.#api.input(this.#net);
    this.#targetPtr = this.#api.target(this.#net);
  }

  #writeInput(x: Real): void {
    this.core.write(this.dtype, this.#inputPtr, x);
  }

  #writeTarget(y: Real): void {
    this.core.write(this.dtype, this.#targetPtr, y);
  }

  getParams(): Real {
    return this.core.read(this.dtype, this.#api.params(this.#net), this.paramCount);
  }

  setParams(flat: ArrayLike<number>): void {
    this.core.write(this.dtype, this.#api.params(this.#net), flat);
  }

  forward(x: Real, batch: number): Real {
    this.#reserve(batch);
    this.#writeInput(x);
    this.#api.forward(this.#net, batch);
    const nOut = this.layers[this.layers.length - 1]!;
    return this.core.read(this.dtype, this.#api.output(this.#net), batch * nOut);
  }

  backward(y: Real, batch: number, learningRate: number): void {
    // The caller guarantees a forward() of this batch came first, so no reserve is needed.
    this.#writeTarget(y);
    this.#api.backward(this.#net, batch, learningRate);
  }

  trainStep(x: Real, y: Real, batch: number, learningRate: number): number {
    this.#reserve(batch);
    this.#writeInput(x);
    this.#writeTarget(y);
    return this.#api.trainStep(this.#net, batch, learningRate);
  }

  gradients(x: Real, y: Real, batch: number): { grads: Real; loss: number } {
    this.#reserve(batch);
    this.#writeInput(x);
    this.#writeTarget(y);
    const loss = this.#api.gradients(this.#net, batch);
    const grads = this.core.read(this.dtype, this.#api.grads(this.#net), this.paramCount);
    return { grads, loss };
  }

  loss(x: Real, y: Real, batch: number): number {
    this.#reserve(batch);
    this.#writeInput(x);
    this.#writeTarget(y);
    return this.#api.loss(this.#net, batch);
  }

  clone(): WasmBackend {
    return new WasmBackend(this.core, this.layers, this.ordering, this.dtype, this.getParams());
  }

  dispose(): void {
    if (this.#net === 0) return;
    finalizer?.unregister(this);
    this.#api.netDestroy(this.#net);
    this.#net = 0;
  }
}
