//! Plain stochastic gradient descent: `w ← w − a·(g + λw)`.

use super::{clip, Step};
use crate::kernels::axpy;
use crate::simd::SimdReal;

/// One SGD update of `w` from `g`. Without decay (`λ = 0`, and always for biases) or clipping
/// it is the vectorised `w += (−a)·g` ([`axpy()`]). Panics if the lengths differ.
pub fn update<T: SimdReal>(step: &Step<T>, w: &mut [T], g: &[T]) {
    if step.decay == T::ZERO && step.unclipped() {
        return axpy(w, g, -step.lr);
    }
    assert_eq!(w.len(), g.len(), "sgd: length mismatch");
    for (w, &g) in w.iter_mut().zip(g) {
        let g = clip::element(g, step.grad_scale, step.clip_value);
        *w += -step.lr * (g + step.decay * *w);
    }
}
