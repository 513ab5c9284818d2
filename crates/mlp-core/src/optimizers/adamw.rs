//! AdamW (Loshchilov & Hutter 2019, `torch.optim.AdamW`): Adam on the gradient alone, with the
//! weight decay decoupled from it and applied to the weights directly:
//! `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `w ← w − a·(λw + m̂/(√v̂ + ε))`.

use super::{adam, clip, Step};
use crate::real::Real;

/// One AdamW update of `w` with moments `m`, `v`; `[β₁, β₂, ε]` in `hyper`, `λ` in
/// `step.decay` (0 for biases).
pub fn update<T: Real>(
    step: &Step<T>,
    hyper: [T; 3],
    w: &mut [T],
    g: &[T],
    m: &mut [T],
    v: &mut [T],
) {
    assert!(
        w.len() == g.len() && m.len() == w.len() && v.len() == w.len(),
        "adamw: length mismatch"
    );
    for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m).zip(v) {
        let g = clip::element(g, step.grad_scale, step.clip_value);
        // the decay term reads w before the update, as in the one-line formula above
        *w += -step.lr * (step.decay * *w + adam::direction(step, hyper, g, m, v));
    }
}
