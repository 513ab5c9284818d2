/**
 * The pure-TypeScript reference backend: the same network as the Rust core, computed with the
 * kernels of `kernels.ts`, written to be read top to bottom.
 *
 * - dtype `'f64'`: everything in float64.
 * - dtype `'f32'`: parameters, activations and gradients are stored in `Float32Array`s; each
 *   kernel computes in float64 and rounds once when it stores (sums accumulate in float64).
 *   So it differs from the wasm f32 core, which accumulates in f32, by a few f32 ulps per op.
 * - The loss is always accumulated in float64.
 * @module
 */
import type { Dtype, Ordering } from '../../options.js';
import { layerOffsets, type LayerOffsets } from '../../init.js';
import { arrayType, type Backend, type Real } from '../backend.js';
import { addBias, axpy, columnSums, gemm, sigmoid, sigmoidBackward } from './kernels.js';

/** {@link Backend} in plain TypeScript. */
export class ReferenceBackend implements Backend {
  readonly dtype: Dtype;
  readonly layers: readonly number[];
  readonly ordering: Ordering;
  readonly paramCount: number;
  /** The flat parameter vector: for each layer, `W[i]` row-major then `b[i]`. */
  readonly #params: Real;
  /** The flat gradient vector (same layout); written by every backward pass. */
  readonly #grads: Real;
  readonly #offsets: LayerOffsets[];
  readonly #Array: Float32ArrayConstructor | Float64ArrayConstructor;
  /** Cache of the last forward: `inputs[i]` and `outputs[i]` of every layer `i`. */
  #inputs: Real[] = [];
  #outputs: Real[] = [];

  /**
   * @param layers layer sizes (validated)
   * @param ordering backward-loop ordering
   * @param dtype storage type
   * @param params initial flat parameter vector (rounded to `dtype`)
   */
  constructor(
    layers: readonly number[],
    ordering: Ordering,
    dtype: Dtype,
    params: ArrayLike<number>,
  ) {
    this.layers = [...layers];
    this.ordering = ordering;
    this.dtype = dtype;
    this.#Array = arrayType(dtype);
    this.#offsets = layerOffsets(layers);
    this.paramCount = params.length;
    this.#params = this.#Array.from(params);
    this.#grads = new this.#Array(params.length);
  }

  #W(i: number): Real {
    const o = this.#offsets[i]!;
    return this.#params.subarray(o.weights, o.biases);
  }
  #b(i: number): Real {
    const o = this.#offsets[i]!;
    return this.#params.subarray(o.biases, o.biases + o.outputs);
  }
  #dW(i: number): Real {
    const o = this.#offsets[i]!;
    return this.#grads.subarray(o.weights, o.biases);
  }
  #db(i: number): Real {
    const o = this.#offsets[i]!;
    return this.#grads.subarray(o.biases, o.biases + o.outputs);
  }

  getParams(): Real {
    return this.#params.slice();
  }

  setParams(flat: ArrayLike<number>): void {
    this.#params.set(flat);
  }

  forward(x: Real, batch: number): Real {
    let input: Real = this.#Array.from(x); // inputs[0] = x, rounded to the dtype
    this.#inputs = [];
    this.#outputs = [];
    for (let i = 0; i < this.#offsets.length; i++) {
      const { inputs: nIn, outputs: nOut } = this.#offsets[i]!;
      const z = new this.#Array(batch * nOut);
      gemm(false, false, batch, nOut, nIn, input, this.#W(i), z, false); // z = inputs[i]·W[i]
      addBias(z, this.#b(i), batch, nOut); //                               z += b[i]
      sigmoid(z, batch * nOut); //                                          outputs[i] = σ(z), in place
      this.#inputs.push(input);
      this.#outputs.push(z);
      input = z; //                                                         inputs[i+1] = outputs[i]
    }
    return input.slice();
  }

  /** `L = ½·Σ(ŷ − y)²` (float64 sum) and `dL/dŷ = ŷ − y` from the cached output. */
  #lossAndGrad(y: Real): { loss: number; grad: Real } {
    const out = this.#outputs[this.#outputs.length - 1]!;
    const target = this.#Array.from(y); // the targets as the dtype stores them
    const grad = new this.#Array(out.length);
    let sum = 0;
    for (let k = 0; k < out.length; k++) {
      const d = out[k]! - target[k]!;
      sum += d * d;
      grad[k] = d; // dL/dŷ = ŷ − y
    }
    return { loss: 0.5 * sum, grad };
  }

  /**
   * The backward loop, from the cache of the last forward. With a learning rate, one SGD step
   * in this backend's ordering; with `null`, only the gradient (into `#grads`), no update.
   */
  #backward(grad: Real, batch: number, learningRate: number | null): void {
    for (let i = this.#offsets.length - 1; i >= 0; i--) {
      const { inputs: nIn, outputs: nOut } = this.#offsets[i]!;
      const x = this.#inputs[i]!;
      // through σ: pre = grad ⊙ y(1 − y), with y = outputs[i] (in place: grad becomes pre)
      sigmoidBackward(grad, this.#outputs[i]!, batch * nOut);
      const pre = grad;
      // through z = x·W + b: dW = xᵀ·pre, db = Σ_rows pre, dx = pre·Wᵀ
      gemm(true, false, nIn, nOut, batch, x, pre, this.#dW(i), false);
      columnSums(pre, batch, nOut, this.#db(i));
      const propagate = (): Real => {
        const dx = new this.#Array(batch * nIn);
        gemm(false, true, batch, nIn, nOut, pre, this.#W(i), dx, false);
        return dx;
      };
      const sgd = (lr: number): void => {
        axpy(this.#W(i), this.#dW(i), nIn * nOut, -lr); // W −= a·dW
        axpy(this.#b(i), this.#db(i), nOut, -lr); //       b −= a·db
      };
      if (learningRate === null) {
        if (i > 0) grad = propagate();
      } else if (this.ordering === 'exact') {
        if (i > 0) grad = propagate(); // from W before the update: the true gradient
        sgd(learningRate);
      } else {
        sgd(learningRate);
        if (i > 0) grad = propagate(); // from the updated W, as the original code does
      }
    }
  }

  backward(y: Real, batch: number, learningRate: number): void {
    this.#backward(this.#lossAndGrad(y).grad, batch, learningRate);
  }

  trainStep(x: Real, y: Real, batch: number, learningRate: number): number {
    this.forward(x, batch);
    const { loss, grad } = this.#lossAndGrad(y);
    this.#backward(grad, batch, learningRate);
    return loss;
  }

  gradients(x: Real, y: Real, batch: number): { grads: Real; loss: number } {
    this.forward(x, batch);
    const { loss, grad } = this.#lossAndGrad(y);
    this.#backward(grad, batch, null);
    return { grads: this.#grads.slice(), loss };
  }

  loss(x: Real, y: Real, batch: number): number {
    this.forward(x, batch);
    return this.#lossAndGrad(y).loss;
  }

  clone(): ReferenceBackend {
    return new ReferenceBackend(this.layers, this.ordering, this.dtype, this.#params);
  }

  dispose(): void {
    this.#inputs = [];
    this.#outputs = [];
  }
}
