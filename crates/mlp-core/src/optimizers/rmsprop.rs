//! RMSprop (Hinton's lecture 6e, `torch.optim.RMSprop` without momentum or centering):
//! `v ← ρv + (1−ρ)g̃²`, `w ← w − a·g̃/(√v + ε)`, with `g̃ = g + λw`.

use super::{clip, Step};
use crate::real::Real;

/// One RMSprop update of `w` with the running mean square `v`; `[ρ, ε]` in `hyper`.
pub fn update<T: Real>(step: &Step<T>, hyper: [T; 2], w: &mut [T], g: &[T], v: &mut [T]) {
    let [rho, eps] = hyper;
    assert!(
        w.len() == g.len() && v.len() == w.len(),
        "rmsprop: length mismatch"
    );
    for ((w, &g), v) in w.iter_mut().zip(g).zip(v) {
        let g = clip::element(g, step.grad_scale, step.clip_value) + step.decay * *w;
        *v = rho * *v + (T::ONE - rho) * (g * g);
        *w += -step.lr * (g / (v.sqrt() + eps));
    }
}
