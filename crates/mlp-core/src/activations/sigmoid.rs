//! The sigmoid activation `y = σ(z)` of every layer.

use crate::kernels;
use crate::simd::SimdReal;

/// `σ(z) = 1 / (1 + e^(−z))`, with `σ'(z) = σ(z)(1 − σ(z))` expressed through the output,
/// so the backward pass needs only the cached `y`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Sigmoid;

impl Sigmoid {
    /// Forward, in place: `z ← σ(z)`.
    pub fn forward<T: SimdReal>(z: &mut [T]) {
        kernels::sigmoid(z);
    }

    /// Backward, in place: `dL/dz = dL/dy ⊙ y(1 − y)` (`grad` holds dL/dy on entry).
    pub fn backward<T: SimdReal>(grad: &mut [T], y: &[T]) {
        kernels::sigmoid_backward(grad, y);
    }
}
