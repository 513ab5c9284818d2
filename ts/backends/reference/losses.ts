/**
 * The losses of the reference backend, as in the Rust core's `losses/` (see `CoreLoss` in
 * `model.ts` for the formulas and reductions). Loss values accumulate in float64.
 * @module
 */
import type { Activation, CoreLoss } from '../../model.js';
import type { Real } from '../backend.js';
import { activationBackward } from './activations.js';

/**
 * The loss of `rows × cols` outputs `yHat` (logits `z`, read by the cross-entropies) against
 * `target` (as the dtype stores it).
 */
export function lossValue(
  loss: CoreLoss,
  yHat: Real,
  z: Real,
  target: Real,
  rows: number,
  cols: number,
): number {
  const n = rows * cols;
  let sum = 0;
  switch (loss) {
    case 'half-sse':
    case 'mse':
      for (let k = 0; k < n; k++) {
        const d = yHat[k]! - target[k]!;
        sum += d * d;
      }
      return loss === 'half-sse' ? 0.5 * sum : (2 * (0.5 * sum)) / Math.max(n, 1);
    case 'binary-cross-entropy': // max(z, 0) − z·y + ln(1 + e^(−|z|)), mean
      for (let k = 0; k < n; k++) {
        const zk = z[k]!;
        sum += Math.max(zk, 0) - zk * target[k]! + Math.log1p(Math.exp(-Math.abs(zk)));
      }
      return sum / Math.max(n, 1);
    case 'categorical-cross-entropy': // Σ_k y_k·(lse(z) − z_k), mean over rows
      for (let r = 0; r < rows; r++) {
        let max = -Infinity;
        for (let k = 0; k < cols; k++) max = Math.max(max, z[r * cols + k]!);
        let e = 0;
        for (let k = 0; k < cols; k++) e += Math.exp(z[r * cols + k]! - max);
        const lse = max + Math.log(e);
        let row = 0;
        for (let k = 0; k < cols; k++) row += target[r * cols + k]! * (lse - z[r * cols + k]!);
        sum += row;
      }
      return sum / Math.max(rows, 1);
  }
}

/** `grad ← dL/dz` of the output layer (whose activation turned `z` into `yHat`). */
export function outputDelta(
  loss: CoreLoss,
  activation: Activation,
  yHat: Real,
  target: Real,
  grad: Real,
  rows: number,
  cols: number,
): void {
  const n = rows * cols;
  const scaled = (scale: number): void => {
    for (let k = 0; k < n; k++) grad[k] = (yHat[k]! - target[k]!) * scale;
  };
  switch (loss) {
    case 'half-sse': //                 dL/dŷ = ŷ − y, then through the activation
      for (let k = 0; k < n; k++) grad[k] = yHat[k]! - target[k]!;
      return activationBackward(activation, grad, yHat, rows, cols);
    case 'mse': //                      dL/dŷ = 2(ŷ − y)/N, then through the activation
      scaled(2 / Math.max(n, 1));
      return activationBackward(activation, grad, yHat, rows, cols);
    case 'binary-cross-entropy': //     fused with σ: dL/dz = (ŷ − y)/N
      return scaled(1 / Math.max(n, 1));
    case 'categorical-cross-entropy': // fused with softmax: dL/dz_k = (ŷ_k·Σ_j y_j − y_k)/B
      for (let r = 0; r < rows; r++) {
        let mass = 0;
        for (let k = 0; k < cols; k++) mass += target[r * cols + k]!;
        for (let k = 0; k < cols; k++) {
          const i = r * cols + k;
          grad[i] = (yHat[i]! * mass - target[i]!) * (1 / Math.max(rows, 1));
        }
      }
      return;
  }
}

/**
 * The loss with per-row weights `w` (as `losses/weighted.rs` in the core, Keras's reduction):
 * `Σ_r w_r·ℓ_r`, divided by the batch size `B` for the mean losses (not by `Σ w`), where `ℓ_r`
 * is {@link lossValue} of row `r` alone.
 */
export function weightedLossValue(
  loss: CoreLoss,
  yHat: Real,
  z: Real,
  target: Real,
  w: Real,
  cols: number,
): number {
  let sum = 0;
  for (let r = 0; r < w.length; r++) {
    const [from, to] = [r * cols, (r + 1) * cols];
    const row = (a: Real): Real => a.subarray(from, to);
    sum += w[r]! * lossValue(loss, row(yHat), row(z), row(target), 1, cols);
  }
  return loss === 'half-sse' ? sum : sum / Math.max(w.length, 1);
}

/** `grad[r][c] ← grad[r][c]·w_r`: the weighted loss's `dL/dz` from the unweighted one. */
export function scaleRows(grad: Real, w: Real, cols: number): void {
  for (let r = 0; r < w.length; r++) {
    for (let c = 0; c < cols; c++) grad[r * cols + c] = grad[r * cols + c]! * w[r]!;
  }
}
