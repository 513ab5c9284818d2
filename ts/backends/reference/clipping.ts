/**
 * Gradient clipping in the reference backend, as `crates/mlp-core/src/optimizers/clip.rs`
 * (options: `training/clipping.ts`).
 * @module
 */
import type { Real } from '../backend.js';

/**
 * The global-norm scale `min(1, c/‖g‖)` of the whole gradient, the squares summed in index
 * order (the core's order, so f64 networks agree to the last bit).
 */
export function normScale(grads: Real, clipNorm: number): number {
  let sum = 0;
  for (let i = 0; i < grads.length; i++) sum += grads[i]! * grads[i]!;
  const norm = Math.sqrt(sum);
  return norm > clipNorm ? clipNorm / norm : 1;
}

/** `clamp(g·scale, −v, v)`; NaN stays NaN, as in the core. */
export function clipElement(g: number, scale: number, clipValue: number | undefined): number {
  const s = g * scale;
  if (clipValue === undefined) return s;
  return s > clipValue ? clipValue : s < -clipValue ? -clipValue : s;
}
