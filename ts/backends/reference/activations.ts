/**
 * The activations of the reference backend: forward and local derivative side by side, the
 * derivative written in terms of the output `y` (what the forward pass caches), as in the
 * Rust core's `activations/`.
 * @module
 */
import type { Activation } from '../../model.js';
import type { Real } from '../backend.js';
import { sigmoid, sigmoidBackward } from './kernels.js';

/** In place `z ← f(z)` on `rows × cols` values (softmax works row by row). */
export function activate(a: Activation, z: Real, rows: number, cols: number): void {
  const len = rows * cols;
  switch (a.type) {
    case 'sigmoid': //                                     σ(z) = 1/(1 + e^(−z))
      return sigmoid(z, len);
    case 'tanh':
      for (let i = 0; i < len; i++) z[i] = Math.tanh(z[i]!);
      return;
    case 'relu':
      for (let i = 0; i < len; i++) if (z[i]! < 0) z[i] = 0;
      return;
    case 'leakyRelu':
      for (let i = 0; i < len; i++) if (z[i]! < 0) z[i] = a.slope === 0 ? 0 : a.slope * z[i]!;
      return;
    case 'linear':
      return;
    case 'softmax': //                                     e^(z_k − max) / Σ_j e^(z_j − max)
      for (let r = 0; r < rows; r++) {
        const row = z.subarray(r * cols, (r + 1) * cols);
        let max = row[0]!;
        for (let k = 1; k < cols; k++) if (row[k]! > max) max = row[k]!;
        let sum = 0;
        for (let k = 0; k < cols; k++) {
          row[k] = Math.exp(row[k]! - max);
          sum += row[k]!;
        }
        for (let k = 0; k < cols; k++) row[k] = row[k]! / sum;
      }
      return;
  }
}

/** In place `grad ← dL/dz = dL/dy ⊙ f'(z)`, from `grad = dL/dy` and the output `y`. */
export function activationBackward(
  a: Activation,
  grad: Real,
  y: Real,
  rows: number,
  cols: number,
): void {
  const len = rows * cols;
  switch (a.type) {
    case 'sigmoid': //                                     σ' = y(1 − y)
      return sigmoidBackward(grad, y, len);
    case 'tanh': //                                        tanh' = 1 − y²
      for (let i = 0; i < len; i++) grad[i] = grad[i]! * (1 - y[i]! * y[i]!);
      return;
    case 'relu': //                                        [y > 0]
      for (let i = 0; i < len; i++) if (y[i]! <= 0) grad[i] = 0;
      return;
    case 'leakyRelu': //                                   y > 0 ? 1 : slope
      for (let i = 0; i < len; i++) {
        if (y[i]! <= 0) grad[i] = a.slope === 0 ? 0 : grad[i]! * a.slope;
      }
      return;
    case 'linear': //                                      1
      return;
    case 'softmax': //                                     y_k·(g_k − Σ_j g_j·y_j)
      for (let r = 0; r < rows; r++) {
        const g = grad.subarray(r * cols, (r + 1) * cols);
        const yr = y.subarray(r * cols, (r + 1) * cols);
        let dot = 0;
        for (let k = 0; k < cols; k++) dot += g[k]! * yr[k]!;
        for (let k = 0; k < cols; k++) g[k] = yr[k]! * (g[k]! - dot);
      }
      return;
  }
}
