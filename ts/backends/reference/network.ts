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
import { layerOffsets, type LayerOffsets } from '../../init.js';
import { stateSlots, type ModelSpec } from '../../model.js';
import type { Dtype, OptimizerState } from '../../types.js';
import { arrayType, gatherRows, type Backend, type Real } from '../backend.js';
import { activate, activationBackward } from './activations.js';
import { DropoutMask, keepScale } from './dropout.js';
import { addBias, columnSums, gemm } from './kernels.js';
import { lossValue, outputDelta, scaleRows, weightedLossValue } from './losses.js';
import { normScale } from './clipping.js';
import { optimizerUpdate } from './optimizers.js';

/** {@link Backend} in plain TypeScript. */
export class ReferenceBackend implements Backend {
  readonly dtype: Dtype;
  readonly spec: ModelSpec;
  readonly paramCount: number;
  /** The flat parameter vector: for each layer, `W[i]` row-major then `b[i]`. */
  readonly #params: Real;
  /** The flat gradient vector (same layout); written by every backward pass. */
  readonly #grads: Real;
  /** Optimizer state: `stateSlots × paramCount`, slot-major, parallel to the parameters. */
  readonly #state: Real;
  /** Completed optimizer steps. */
  #step = 0;
  readonly #offsets: LayerOffsets[];
  readonly #Array: Float32ArrayConstructor | Float64ArrayConstructor;
  /** Cache of the last forward: `inputs[i]` and `outputs[i]` of every layer `i`. */
  #inputs: Real[] = [];
  #outputs: Real[] = [];
  /** The last layer's `z` of the last forward (read by the cross-entropies). */
  #logits: Real = new Float64Array(0);
  #batch = 0;
  /** Per hidden layer: its output before the dropout mask (null where the last forward had none). */
  #unmasked: (Real | null)[] = [];
  /** The optimizer step whose dropout masks the last forward applied (null: none). */
  #maskedStep: number | null = null;

  /**
   * @param spec layers, activations, loss, optimizer, ordering (validated)
   * @param dtype storage type
   * @param params initial flat parameter vector (rounded to `dtype`)
   */
  constructor(spec: ModelSpec, dtype: Dtype, params: ArrayLike<number>) {
    this.spec = spec;
    this.dtype = dtype;
    this.#Array = arrayType(dtype);
    this.#offsets = layerOffsets(spec.layers);
    this.paramCount = params.length;
    this.#params = this.#Array.from(params);
    this.#grads = new this.#Array(params.length);
    this.#state = new this.#Array(stateSlots(spec.optimizer) * params.length);
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

  getOptimizerState(): OptimizerState {
    return { state: this.#state.slice(), step: this.#step };
  }

  setOptimizerState(state: ArrayLike<number>, step: number): void {
    this.#state.set(state);
    this.#step = step;
  }

  forward(x: Real, batch: number): Real {
    this.#forward(x, batch, false);
    return this.output(batch).slice();
  }

  output(batch: number): Real {
    const out = this.#outputs[this.#outputs.length - 1]!;
    return out.subarray(0, batch * this.spec.layers[this.spec.layers.length - 1]!);
  }

  /** The mask of hidden layer `h` the last forward applied, with its scale (or null). */
  #mask(h: number): { mask: DropoutMask; scale: number } | null {
    const rate = this.spec.dropout?.[h] ?? 0;
    if (this.#maskedStep === null || rate === 0) return null;
    const mask = new DropoutMask(this.spec.dropoutSeed ?? 0, this.#maskedStep, h, rate);
    return { mask, scale: keepScale(rate, this.dtype === 'f32') };
  }

  /** `training`: apply the dropout masks of the step about to be taken. */
  #forward(x: Real, batch: number, training: boolean): void {
    let input: Real = this.#Array.from(x); // inputs[0] = x, rounded to the dtype
    this.#inputs = [];
    this.#outputs = [];
    this.#unmasked = [];
    this.#maskedStep = training && this.spec.dropout?.some((r) => r > 0) ? this.#step + 1 : null;
    for (let i = 0; i < this.#offsets.length; i++) {
      const { inputs: nIn, outputs: nOut } = this.#offsets[i]!;
      const z = new this.#Array(batch * nOut);
      gemm(false, false, batch, nOut, nIn, input, this.#W(i), z, false); // z = inputs[i]·W[i]
      addBias(z, this.#b(i), batch, nOut); //                               z += b[i]
      if (i === this.#offsets.length - 1) this.#logits = z.slice(); //      logits, for the loss
      activate(this.spec.activations[i]!, z, batch, nOut); //               outputs[i] = f(z), in place
      const dropout = i < this.#offsets.length - 1 ? this.#mask(i) : null;
      this.#unmasked.push(dropout ? z.slice() : null); //                    f' reads the unmasked f(z)
      dropout?.mask.apply(z, dropout.scale); //                              z ⊙ m/(1 − p)
      this.#inputs.push(input);
      this.#outputs.push(z);
      input = z; //                                                         inputs[i+1] = outputs[i]
    }
    this.#batch = batch;
  }

  /** The loss of the cached output and `dL/dz` of the output layer. */
  #lossAndGrad(y: Real, weights?: Real | null): { loss: number; grad: Real } {
    const { layers, loss, activations } = this.spec;
    const cols = layers[layers.length - 1]!;
    const out = this.#outputs[this.#outputs.length - 1]!;
    const target = this.#Array.from(y); // the targets as the dtype stores them
    const grad = new this.#Array(out.length);
    const w = weights ? this.#Array.from(weights.subarray(0, this.#batch)) : null;
    const value = w
      ? weightedLossValue(loss, out, this.#logits, target, w, cols)
      : lossValue(loss, out, this.#logits, target, this.#batch, cols);
    outputDelta(loss, activations[activations.length - 1]!, out, target, grad, this.#batch, cols);
    if (w) scaleRows(grad, w, cols); // row r's term is w_r·ℓ_r
    return { loss: value, grad };
  }

  /**
   * The backward loop, the readable version of `Network::backprop` in the Rust core. From the
   * output layer's `delta = dL/dz` (for the seed's σ + ½·SSE: `delta = (ŷ − y) ⊙ ŷ(1 − ŷ)`),
   * per layer from the last: `dW = aᵀ·delta`, `db = Σ_rows delta`, and for the layer below
   * `delta_prev = (delta·Wᵀ) ⊙ f'(a)`. With a learning rate, one optimizer step in this
   * backend's ordering; with `null`, only the gradient (into `#grads`).
   */
  #backward(outputDelta: Real, batch: number, learningRate: number | null): void {
    const last = this.#offsets.length - 1;
    const step = this.#step + 1;
    const { clipNorm } = this.spec.optimizer;
    if (learningRate !== null && clipNorm !== undefined) {
      // The global norm needs every layer's gradient before any update (exact ordering only):
      // the gradient pass, then every layer's update with the gradient scaled.
      this.#backward(outputDelta, batch, null);
      const scale = normScale(this.#grads, clipNorm);
      for (let i = 0; i <= last; i++) this.#update(i, learningRate, step, scale);
      this.#step = step;
      return;
    }
    // dL/da of the current layer's output, turned into its delta (dL/dz) by f' below; the
    // output layer's arrives as the delta already (fused with the loss, see losses.ts).
    let delta = outputDelta;
    for (let i = last; i >= 0; i--) {
      const { inputs: nIn, outputs: nOut } = this.#offsets[i]!;
      const a = this.#inputs[i]!; // the layer's input: the previous layer's output a = f(z)
      // delta = dL/da ⊙ f'(z), f' through the layer's output (sigmoid: a(1 − a))
      if (i !== last) {
        const a = this.#unmasked[i] ?? this.#outputs[i]!;
        activationBackward(this.spec.activations[i]!, delta, a, batch, nOut);
        const dropout = this.#mask(i); // a = m/(1 − p) ⊙ f(z): the same factor on the gradient
        dropout?.mask.apply(delta, dropout.scale);
      }
      // through z = a·W + b: dW = aᵀ·delta, db = Σ_rows delta
      gemm(true, false, nIn, nOut, batch, a, delta, this.#dW(i), false);
      columnSums(delta, batch, nOut, this.#db(i));
      const current = delta;
      // dL/da of the layer below = delta·Wᵀ (its f' is applied at the top of the next turn)
      const propagate = (): Real => {
        const below = new this.#Array(batch * nIn);
        gemm(false, true, batch, nIn, nOut, current, this.#W(i), below, false);
        return below;
      };
      const update = (lr: number): void => this.#update(i, lr, step, 1);
      if (learningRate === null) {
        if (i > 0) delta = propagate();
      } else if (this.spec.ordering === 'exact') {
        if (i > 0) delta = propagate(); // from W before the update: the true gradient
        update(learningRate);
      } else {
        update(learningRate);
        if (i > 0) delta = propagate(); // from the updated W, as the original code does
      }
    }
    if (learningRate !== null) this.#step = step;
  }

  /** One optimizer update of layer `i` from its gradient, scaled by `scale` (clipNorm). */
  #update(i: number, lr: number, step: number, scale: number): void {
    const { weights, biases, outputs: nOut } = this.#offsets[i]!;
    const opt = this.spec.optimizer;
    const [p, g, s] = [this.#params, this.#grads, this.#state];
    optimizerUpdate(opt, p, g, s, weights, biases, lr, opt.weightDecay, step, scale); // W
    optimizerUpdate(opt, p, g, s, biases, biases + nOut, lr, 0, step, scale); //  b (no decay)
  }

  backward(y: Real, batch: number, learningRate: number): void {
    this.#backward(this.#lossAndGrad(y).grad, batch, learningRate);
  }

  trainStep(x: Real, y: Real, batch: number, learningRate: number, weights?: Real | null): number {
    // As the core: a batch that is not finite (in the stored dtype) is skipped, NaN returned.
    if (!this.#storable(x, batch * this.spec.layers[0]!)) return NaN;
    if (!this.#storable(y, batch * this.spec.layers[this.spec.layers.length - 1]!)) return NaN;
    if (weights && !this.#storable(weights, batch)) return NaN;
    this.#forward(x, batch, true);
    const { loss, grad } = this.#lossAndGrad(y, weights);
    if (Number.isFinite(loss)) this.#backward(grad, batch, learningRate); // else: skip the update
    return loss;
  }

  /** Whether the first `n` values are finite once stored in the dtype (f32 may overflow). */
  #storable(values: Real, n: number): boolean {
    const round = this.dtype === 'f32' ? Math.fround : (v: number) => v;
    for (let i = 0; i < n; i++) if (!Number.isFinite(round(values[i]!))) return false;
    return true;
  }

  trainRows(
    x: Real,
    y: Real,
    rows: ArrayLike<number>,
    learningRate: number,
    weights?: Real | null,
  ): number {
    const { layers } = this.spec;
    const xs = gatherRows(x, layers[0]!, rows, new Float64Array(rows.length * layers[0]!));
    const nOut = layers[layers.length - 1]!;
    const ys = gatherRows(y, nOut, rows, new Float64Array(rows.length * nOut));
    const ws = weights ? gatherRows(weights, 1, rows, new Float64Array(rows.length)) : null;
    return this.trainStep(xs, ys, rows.length, learningRate, ws);
  }

  gradients(x: Real, y: Real, batch: number, weights?: Real | null): { grads: Real; loss: number } {
    this.#forward(x, batch, false);
    const { loss, grad } = this.#lossAndGrad(y, weights);
    this.#backward(grad, batch, null);
    return { grads: this.#grads.slice(), loss };
  }

  loss(x: Real, y: Real, batch: number, weights?: Real | null): number {
    this.#forward(x, batch, false);
    return this.#lossAndGrad(y, weights).loss;
  }

  clone(): ReferenceBackend {
    const copy = new ReferenceBackend(this.spec, this.dtype, this.#params);
    copy.setOptimizerState(this.#state, this.#step);
    return copy;
  }

  dispose(): void {
    this.#inputs = [];
    this.#outputs = [];
  }
}
