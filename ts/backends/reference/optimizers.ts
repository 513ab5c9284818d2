/**
 * The optimizers of the reference backend, as in the Rust core's `optimizers/` (formulas in
 * `OptimizerOption`, `model.ts`). State: `stateSlots × P` values, slot-major, parallel to the
 * parameters; `step` is the 1-based number of the step being taken (Adam's `t`).
 * @module
 */
import type { Optimizer } from '../../model.js';
import type { Real } from '../backend.js';

/**
 * One update of `w = params[from, to)` from `grads[from, to)`, with L2 decay `decay` (the
 * optimizer's `weightDecay` for weights, 0 for biases).
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
): void {
  const p = params.length;
  for (let i = from; i < to; i++) {
    const w = params[i]!;
    const g = grads[i]! + decay * w; //                             g̃ = g + λw
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
    }
  }
}
