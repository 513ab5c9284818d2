/**
 * The optimizers of the reference backend, as in the Rust core's `optimizers/` (formulas in
 * `OptimizerOption`, `model.ts`). State: `stateSlots × P` values, slot-major, parallel to the
 * parameters; `step` is the 1-based number of the step being taken (Adam's `t`).
 * @module
 */
import type { Optimizer } from '../../model.js';
import type { Real } from '../backend.js';
import { clipElement } from './clipping.js';

/**
 * One update of `w = params[from, to)` from `grads[from, to)`, with decay `decay` (the
 * optimizer's `weightDecay` for weights, 0 for biases) and the gradient clipped: scaled by
 * `scale` (global-norm clipping, 1 without it), then clamped to `±clipValue`.
 */
export function optimizerUpdate(
  opt: Optimizer,
  params: Real,
  grads: Real,
  state: Real,
  from: number,
  to: number,
  lr: number,
  decay: number,
  step: number,
  scale = 1,
): void {
  const p = params.length;
  for (let i = from; i < to; i++) {
    const w = params[i]!;
    const raw = clipElement(grads[i]!, scale, opt.clipValue); //   clamp(g·s, ±v)
    const g = raw + decay * w; //                                   g̃ = g + λw
    switch (opt.type) {
      case 'sgd': //                                                 w ← w − a·g̃
        params[i] = w + -lr * g;
        break;
      case 'momentum': {
        state[i] = opt.momentum * state[i]! + g; //                  v ← μv + g̃
        const dir = opt.nesterov ? g + opt.momentum * state[i]! : state[i]!;
        params[i] = w + -lr * dir; //                                w ← w − a·(v or g̃ + μv)
        break;
      }
      case 'adam': {
        state[i] = opt.beta1 * state[i]! + (1 - opt.beta1) * g; //   m ← β₁m + (1−β₁)g̃
        state[p + i] = opt.beta2 * state[p + i]! + (1 - opt.beta2) * (g * g); // v ← β₂v + (1−β₂)g̃²
        const mHat = state[i]! * (1 / (1 - opt.beta1 ** step));
        const vHat = state[p + i]! * (1 / (1 - opt.beta2 ** step));
        params[i] = w + -lr * (mHat / (Math.sqrt(vHat) + opt.epsilon));
        break;
      }
      case 'adamw': {
        // decoupled decay: the moments see g alone
        state[i] = opt.beta1 * state[i]! + (1 - opt.beta1) * raw; //  m ← β₁m + (1−β₁)g
        state[p + i] = opt.beta2 * state[p + i]! + (1 - opt.beta2) * (raw * raw); // v ← β₂v + (1−β₂)g²
        const mHat = state[i]! * (1 / (1 - opt.beta1 ** step));
        const vHat = state[p + i]! * (1 / (1 - opt.beta2 ** step));
        // w ← w − a·(λw + m̂/(√v̂ + ε))
        params[i] = w + -lr * (decay * w + mHat / (Math.sqrt(vHat) + opt.epsilon));
        break;
      }
      case 'rmsprop':
        state[i] = opt.rho * state[i]! + (1 - opt.rho) * (g * g); //  v ← ρv + (1−ρ)g̃²
        params[i] = w + -lr * (g / (Math.sqrt(state[i]!) + opt.epsilon)); // w ← w − a·g̃/(√v + ε)
        break;
    }
  }
}
