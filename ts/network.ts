/// <reference lib="esnext.disposable" preserve="true" />
/**
 * The public {@link Network} class: option checking, input coercion, state checks, and
 * dispatch to a backend (`wasm` or `reference`). Every argument is validated before anything is
 * written to the backend, so a method that throws leaves the network unchanged.
 * @module
 */
import type { Backend, Real } from './backends/backend.js';
import { ReferenceBackend } from './backends/reference/network.js';
import { loadWasm } from './backends/wasm/load.js';
import { WasmBackend } from './backends/wasm/network.js';
import { ShapeError, StateError, describe } from './errors.js';
import { initialParameters, layerOffsets, paramCount, type LayerOffsets } from './init.js';
import { checkValue, toMatrix, type Matrix, type MatrixInput } from './inputs.js';
import {
  checkLearningRate,
  resolveOptions,
  type ArrayFor,
  type BackendName,
  type Dtype,
  type NetworkOptions,
  type Ordering,
  type ResolvedOptions,
} from './options.js';

/** Parameters of a network: per layer `i`, `W[i]` (row-major `n_i × n_{i+1}`) and `b[i]` (`n_{i+1}`). */
export interface NetworkParameters<D extends Dtype = Dtype> {
  /** `weights[i]`: `W[i]`, flat row-major, element `(r, c)` at `r·n_{i+1} + c`. */
  weights: ArrayFor<D>[];
  /** `biases[i]`: `b[i]`, length `n_{i+1}`. */
  biases: ArrayFor<D>[];
}

/** Parameters as accepted by {@link Network.setParameters}: any array-likes of numbers. */
export interface ParametersInput {
  /** `weights[i]`: flat row-major `n_i × n_{i+1}` (typed array or `number[]`). */
  readonly weights: readonly ArrayLike<number>[];
  /** `biases[i]`: length `n_{i+1}`. */
  readonly biases: readonly ArrayLike<number>[];
}

/** Result of {@link Network.gradients}: `dL/dW[i]`, `dL/db[i]` and the loss, no update applied. */
export interface Gradients<D extends Dtype = Dtype> extends NetworkParameters<D> {
  /** `L = ½·Σ(ŷ − y)²` at the current parameters. */
  loss: number;
}

// `Symbol.dispose` is standard in Node ≥ 20.4 and recent browsers; elsewhere use the
// well-known registry symbol TypeScript's `using` helpers also look for.
(Symbol as { dispose?: symbol }).dispose ??= Symbol.for('Symbol.dispose');

/** What the last forward left in the cache, for `backward()`. */
type Cache = { readonly batch: number } | { readonly usedBy: string } | null;
/** The cache state after trainStep (one shared object: the hot path allocates nothing). */
const USED_BY_TRAIN_STEP: Cache = { usedBy: 'trainStep()' };

/** @internal Internals reachable by `crossCheck` (same package), not part of the public API. */
export interface NetworkInternals {
  readonly backend: Backend;
  readonly options: ResolvedOptions;
  x(value: unknown): Matrix;
  y(value: unknown, batch: number, what: string): Matrix;
}
const internalsOf = new WeakMap<object, () => NetworkInternals>();

/** @internal Returns the backend and validators of a live network (throws if disposed). */
export function networkInternals(net: Network<Dtype>): NetworkInternals {
  const get = internalsOf.get(net);
  if (!get) throw new ShapeError(`expected a Network, got ${describe(net)}`);
  return get();
}

/**
 * A multilayer perceptron with a sigmoid on every layer, the loss `L = ½·Σ(ŷ − y)²` (summed
 * over batch rows and outputs), trained by plain SGD. Create it with {@link Network.create}.
 *
 * Inputs `x` (and targets `y`) are accepted as a flat row-major typed array or `number[]`
 * whose length is a multiple of `layers[0]` (of `layers[L]` for `y`), or as `number[][]`
 * rows. Values are rounded to the network's dtype when copied in.
 *
 * @typeParam D the dtype: `'f32'` (default, `Float32Array`s) or `'f64'` (`Float64Array`s)
 */
export class Network<D extends Dtype = 'f32'> {
  readonly #options: ResolvedOptions<D>;
  readonly #layers: readonly number[];
  readonly #offsets: LayerOffsets[];
  readonly #backend: Backend;
  #learningRate: number;
  #cache: Cache = null;
  #disposed = false;

  private constructor(options: ResolvedOptions<D>, backend: Backend) {
    this.#options = options;
    this.#layers = Object.freeze([...options.layers]);
    this.#offsets = layerOffsets(options.layers);
    this.#backend = backend;
    this.#learningRate = options.learningRate;
    internalsOf.set(this, () => {
      this.#live();
      return {
        backend: this.#backend,
        options: this.#options,
        x: (value) => this.#x(value),
        y: (value, batch, what) => this.#y(value, batch, what),
      };
    });
  }

  /**
   * Creates a network. Initial weights and biases are uniform in [-1, 1) from a seeded
   * mulberry32 generator (see `init.ts`), identical on both backends for the same seed.
   *
   * Defaults: `learningRate` 0.1, `ordering` `'exact'`, `dtype` `'f32'`, `backend` `'wasm'`,
   * `seed` 1. With `backend: 'wasm'` the WebAssembly core is loaded once per `wasm` source and
   * shared by every network created from it.
   *
   * @example
   * const net = await Network.create({ layers: [2, 3, 1], learningRate: 0.5, seed: 1 });
   * @throws OptionError for an invalid or unknown option (the promise rejects)
   * @throws WasmMlpError if the WebAssembly core cannot be loaded
   */
  static async create<D extends Dtype = 'f32'>(options: NetworkOptions<D>): Promise<Network<D>> {
    const resolved = resolveOptions(options);
    const params = initialParameters(resolved.layers, resolved.seed);
    let backend: Backend;
    if (resolved.backend === 'reference') {
      backend = new ReferenceBackend(resolved.layers, resolved.ordering, resolved.dtype, params);
    } else {
      const core = await loadWasm(resolved.wasm);
      backend = new WasmBackend(core, resolved.layers, resolved.ordering, resolved.dtype, params);
    }
    return new Network<D>(resolved, backend);
  }

  /** Layer sizes `[n_0, …, n_L]`, input size first (frozen). */
  get layers(): readonly number[] {
    return this.#layers;
  }

  /** Element type of parameters and activations. */
  get dtype(): D {
    return this.#options.dtype;
  }

  /** The math engine: `'wasm'` or `'reference'`. */
  get backend(): BackendName {
    return this.#options.backend;
  }

  /** The backward-loop ordering (fixed at creation). */
  get ordering(): Ordering {
    return this.#options.ordering;
  }

  /** The seed the initial parameters were drawn with. */
  get seed(): number {
    return this.#options.seed;
  }

  /** Total number of parameters (all weights and biases). */
  get parameterCount(): number {
    return paramCount(this.#layers);
  }

  /** True once {@link dispose} was called; every method then throws {@link StateError}. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** The SGD step size used by {@link backward} and {@link trainStep}. */
  get learningRate(): number {
    return this.#learningRate;
  }

  /**
   * Sets the step size.
   * @throws OptionError unless a finite number > 0; StateError after dispose
   */
  set learningRate(value: number) {
    this.#live();
    this.#learningRate = checkLearningRate(value);
  }

  #live(): void {
    if (this.#disposed) throw new StateError('Network was disposed');
  }

  #x(value: unknown): Matrix {
    return toMatrix('x', value, this.#layers[0]!, 'layers[0]', this.dtype);
  }

  #y(value: unknown, batch: number, what: string): Matrix {
    const last = this.#layers.length - 1;
    return toMatrix('y', value, this.#layers[last]!, `layers[${last}]`, this.dtype, {
      batch,
      what,
    });
  }

  #split(flat: Real): NetworkParameters<D> {
    const weights: Real[] = [];
    const biases: Real[] = [];
    for (const o of this.#offsets) {
      weights.push(flat.slice(o.weights, o.biases));
      biases.push(flat.slice(o.biases, o.biases + o.outputs));
    }
    return { weights, biases } as NetworkParameters<D>;
  }

  /**
   * A copy of the parameters: `weights[i]` row-major `n_i × n_{i+1}`, `biases[i]` `n_{i+1}`,
   * typed arrays of the dtype. Changing them does not change the network.
   * @throws StateError after dispose
   */
  getParameters(): NetworkParameters<D> {
    this.#live();
    return this.#split(this.#backend.getParams());
  }

  /**
   * Replaces all parameters (values rounded to the dtype). Shapes as in {@link getParameters};
   * any array-like of numbers is accepted. Invalidates the cache of the last forward.
   * @throws ShapeError for a wrong count or length; NonFiniteError for NaN/±Infinity;
   *   StateError after dispose. The network is unchanged when it throws.
   */
  setParameters(parameters: ParametersInput): void {
    this.#live();
    if (typeof parameters !== 'object' || parameters === null) {
      throw new ShapeError(
        `parameters must be an object { weights, biases }, got ${describe(parameters)}`,
      );
    }
    const nLayers = this.#offsets.length;
    const flat = new Float64Array(this.parameterCount);
    for (const kind of ['weights', 'biases'] as const) {
      const list: unknown = parameters[kind];
      if (!Array.isArray(list)) {
        throw new ShapeError(
          `${kind}: expected an array of ${nLayers} arrays (one per layer), got ${describe(list)}`,
        );
      }
      if (list.length !== nLayers) {
        throw new ShapeError(
          `${kind}: expected ${nLayers} arrays (one per layer, layers.length - 1), got ${list.length}`,
        );
      }
      this.#offsets.forEach((o, i) => {
        const values: unknown = list[i];
        const expected = kind === 'weights' ? o.inputs * o.outputs : o.outputs;
        const shape =
          kind === 'weights'
            ? `layers[${i}] × layers[${i + 1}] = ${o.inputs} × ${o.outputs}`
            : `layers[${i + 1}]`;
        if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
          throw new ShapeError(
            `${kind}[${i}]: expected an array of ${expected} numbers (${shape}), got ${describe(values)}`,
          );
        }
        const arr = values as unknown as ArrayLike<unknown>;
        if (arr.length !== expected) {
          throw new ShapeError(
            `${kind}[${i}]: expected ${expected} value${expected === 1 ? '' : 's'} (${shape}), got ${arr.length}`,
          );
        }
        const start = kind === 'weights' ? o.weights : o.biases;
        for (let k = 0; k < expected; k++) {
          flat[start + k] = checkValue(arr[k], this.dtype, () => `${kind}[${i}][${k}]`);
        }
      });
    }
    this.#backend.setParams(flat);
    this.#cache = { usedBy: 'setParameters()' };
  }

  /**
   * Forward pass: returns a copy of the output (`batch × n_L`, row-major, of the dtype) and
   * caches every layer's activations for {@link backward}.
   * @param x `batch × layers[0]` inputs: flat row-major typed array or `number[]`, or `number[][]`
   * @throws ShapeError, NonFiniteError, StateError (network unchanged)
   */
  forward(x: MatrixInput): ArrayFor<D> {
    this.#live();
    const X = this.#x(x);
    const out = this.#backend.forward(X.data, X.batch);
    this.#cache = { batch: X.batch };
    return out as ArrayFor<D>;
  }

  /**
   * One SGD step from the cache of the last {@link forward} (like the original `.backward()`):
   * the gradient of `½·Σ(ŷ − y)²` propagated through every layer in this network's ordering.
   * Consumes the cache: call `forward` again before the next `backward`.
   * @param y `batch × layers[L]` targets, with the batch of the last forward
   * @throws StateError if there is no forward to use; ShapeError, NonFiniteError (network unchanged)
   */
  backward(y: MatrixInput): void {
    this.#live();
    const cache = this.#cache;
    if (cache === null) {
      throw new StateError('backward() called before forward(): call forward(x), then backward(y)');
    }
    if ('usedBy' in cache) {
      throw new StateError(
        `backward() needs a forward() first: the last forward's cache was used by ${cache.usedBy}`,
      );
    }
    const Y = this.#y(y, cache.batch, 'the batch of the last forward()');
    this.#backend.backward(Y.data, Y.batch, this.#learningRate);
    this.#cache = { usedBy: 'backward()' };
  }

  /**
   * `forward(x)` then `backward(y)` in one call (one FFI call on the wasm backend).
   * @returns the loss `½·Σ(ŷ − y)²` before the update
   * @throws ShapeError, NonFiniteError, StateError (network unchanged)
   */
  trainStep(x: MatrixInput, y: MatrixInput): number {
    this.#live();
    const X = this.#x(x);
    const Y = this.#y(y, X.batch, 'the batch of x');
    const loss = this.#backend.trainStep(X.data, Y.data, X.batch, this.#learningRate);
    this.#cache = USED_BY_TRAIN_STEP;
    return loss;
  }

  /**
   * The exact gradient `dL/dW[i]`, `dL/db[i]` and the loss at the current parameters, with no
   * update (independent of `ordering`).
   * @throws ShapeError, NonFiniteError, StateError (network unchanged)
   */
  gradients(x: MatrixInput, y: MatrixInput): Gradients<D> {
    this.#live();
    const X = this.#x(x);
    const Y = this.#y(y, X.batch, 'the batch of x');
    const { grads, loss } = this.#backend.gradients(X.data, Y.data, X.batch);
    this.#cache = { usedBy: 'gradients()' };
    return { ...this.#split(grads), loss };
  }

  /**
   * The loss `½·Σ(ŷ − y)²` (summed over rows and outputs, not averaged) at the current parameters.
   * @throws ShapeError, NonFiniteError, StateError (network unchanged)
   */
  loss(x: MatrixInput, y: MatrixInput): number {
    this.#live();
    const X = this.#x(x);
    const Y = this.#y(y, X.batch, 'the batch of x');
    const loss = this.#backend.loss(X.data, Y.data, X.batch);
    this.#cache = { usedBy: 'loss()' };
    return loss;
  }

  /**
   * Frees the network's memory (its share of the wasm instance). Idempotent; every other
   * method throws {@link StateError} afterwards. A `FinalizationRegistry` frees forgotten
   * networks eventually, but prefer calling this (or `using net = await Network.create(…)`).
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#cache = null;
    this.#backend.dispose();
  }

  /** Same as {@link dispose}, for `using` declarations. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}
