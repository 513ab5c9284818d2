//! AdamW (Loshchilov & Hutter 2019, `torch.optim.AdamW`): Adam on the gradient alone, with the
//! weight decay decoupled from it and applied to the weights directly:
//! `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, `w ← w − a·(λw + m̂/(√v̂ + ε))`.

use super::{clip, Step};
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
    let [b1, b2, eps] = hyper;
    assert!(
        w.len() == g.len() && m.len() == w.len() && v.len() == w.len(),
        "adamw: length mismatch"
    );
    for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m).zip(v) {
        let g = clip::element(g, step.grad_scale, step.clip_value);
        *m = b1 * *m + (T::ONE - b1) * g;
        *v = b2 * *v + (T::ONE - b2) * (g * g);
        let m_hat = *m * step.correction1;
        let v_hat = *v * step.correction2;
        *w += -step.lr * (step.decay * *w + m_hat / (v_hat.sqrt() + eps));
    }
}
