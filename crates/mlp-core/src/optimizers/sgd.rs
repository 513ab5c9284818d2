//! Plain stochastic gradient descent: `w ← w − a·(g + λw)`.

use super::Step;
use crate::kernels::axpy;
use crate::simd::SimdReal;

/// One SGD update of `w` from `g`. Without decay (`λ = 0`, and always for biases) it is the
/// vectorised `w += (−a)·g` ([`axpy()`]). Panics if the lengths differ.
pub fn update<T: SimdReal>(step: &Step<T>, w: &mut [T], g: &[T]) {
    if step.decay == T::ZERO {
        return axpy(w, g, -step.lr);
    }
    assert_eq!(w.len(), g.len(), "sgd: length mismatch");
    for (w, &g) in w.iter_mut().zip(g) {
        *w += -step.lr * (g + step.decay * *w);
    }
}
