/**
 * The vocabulary types every layer shares (options, backends, formats, the public API). This
 * module imports nothing, so any module can use these types without pulling in another.
 * @module
 */

/** Element type of parameters and activations. */
export type Dtype = 'f32' | 'f64';

/** The typed array used for a dtype: `Float32Array` for `'f32'`, `Float64Array` for `'f64'`. */
export type ArrayFor<D extends Dtype> = D extends 'f64' ? Float64Array : Float32Array;

/**
 * Which weight matrix the backward loop uses to propagate the gradient to the previous layer.
 * - `'exact'`: the matrix before this step's update, i.e. the true gradient of the loss.
 * - `'update-first'`: the matrix after this step's update (what the original code does). With
 *   any optimizer, layer `i` is updated (by that optimizer's rule, from its exact `dW`, `db`)
 *   before the gradient is passed to layer `i − 1` through the updated `W[i]`.
 */
export type Ordering = 'exact' | 'update-first';

/** Which engine does the math: the Rust/WebAssembly SIMD core, or the pure-TypeScript reference. */
export type BackendName = 'wasm' | 'reference';

/**
 * Where the WebAssembly module comes from: a path or URL (string or `URL`), the bytes,
 * an already compiled `WebAssembly.Module`, or a fetch `Response`.
 */
export type WasmSource = string | URL | ArrayBuffer | Uint8Array | WebAssembly.Module | Response;

/**
 * The optimizer's state, for saving and resuming training: `state` holds `slots` vectors of
 * `parameterCount` values one after the other, each parallel to the flat parameter vector
 * (per layer `W[i]` row-major then `b[i]`); `slots` is 0 for SGD, 1 for momentum (velocity),
 * 2 for Adam (first moment `m`, then second moment `v`). `step` counts completed steps.
 * Backends use it with the default `D` (either typed array).
 */
export interface OptimizerState<D extends Dtype = Dtype> {
  state: ArrayFor<D>;
  step: number;
}
