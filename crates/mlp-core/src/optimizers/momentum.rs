//! Momentum (heavy ball, `torch.optim.SGD` form): `v ← μv + g̃`, then `w ← w − a·v`, or with
//! Nesterov `w ← w − a·(g̃ + μv)`, where `g̃ = g + λw`.

use super::{clip, Step};
use crate::real::Real;

/// One momentum update of `w` with velocity `v` (same length as `w`).
pub fn update<T: Real>(step: &Step<T>, mu: T, nesterov: bool, w: &mut [T], g: &[T], v: &mut [T]) {
    assert!(
        w.len() == g.len() && v.len() == w.len(),
        "momentum: length mismatch"
    );
    for ((w, &g), v) in w.iter_mut().zip(g).zip(v) {
        let g = clip::element(g, step.grad_scale, step.clip_value) + step.decay * *w;
        *v = mu * *v + g;
        let dir = if nesterov { g + mu * *v } else { *v };
        *w += -step.lr * dir;
    }
}
