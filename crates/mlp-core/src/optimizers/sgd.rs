//! Plain stochastic gradient descent: `w ← w − a·(g + λw)`.

use crate::kernels::axpy;
use crate::simd::SimdReal;

/// SGD with a fixed learning rate `a`.
#[derive(Clone, Copy, Debug)]
pub struct Sgd<T> {
    /// The learning rate `a`.
    pub lr: T,
}

impl<T: SimdReal> Sgd<T> {
    /// `params ← params − a·grads` (elementwise; same layout). Panics if the lengths differ.
    pub fn step(&self, params: &mut [T], grads: &[T]) {
        axpy(params, grads, -self.lr);
    }

    /// `params ← params − a·(grads + λ·params)`; `λ = 0` is exactly [`Sgd::step`].
    pub fn step_decayed(&self, params: &mut [T], grads: &[T], decay: T) {
        if decay == T::ZERO {
            return self.step(params, grads);
        }
        assert_eq!(params.len(), grads.len(), "sgd: length mismatch");
        for (w, &g) in params.iter_mut().zip(grads) {
            *w += -self.lr * (g + decay * *w);
        }
    }
}
