//! Adam: `m ← β₁m + (1−β₁)g̃`, `v ← β₂v + (1−β₂)g̃²`,
//! `w ← w − a·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)`, with `g̃ = g + λw`.

use super::{clip, Step};
use crate::real::Real;

/// One Adam update of `w` with moments `m`, `v`; `[β₁, β₂, ε]` in `hyper`.
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
        "adam: length mismatch"
    );
    for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m).zip(v) {
        let g = clip::element(g, step.grad_scale, step.clip_value) + step.decay * *w;
        *w += -step.lr * direction(step, hyper, g, m, v);
    }
}

/// The moment updates and Adam's step direction for one element, shared with AdamW:
/// `m ← β₁m + (1−β₁)g`, `v ← β₂v + (1−β₂)g²`, returns `m̂/(√v̂ + ε)` (bias-corrected by the
/// step's `correction1`, `correction2`).
#[inline(always)]
pub(super) fn direction<T: Real>(step: &Step<T>, hyper: [T; 3], g: T, m: &mut T, v: &mut T) -> T {
    let [b1, b2, eps] = hyper;
    *m = b1 * *m + (T::ONE - b1) * g;
    *v = b2 * *v + (T::ONE - b2) * (g * g);
    let m_hat = *m * step.correction1;
    let v_hat = *v * step.correction2;
    m_hat / (v_hat.sqrt() + eps)
}
