//! Plain stochastic gradient descent: `w ← w − a·g`.

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
}
