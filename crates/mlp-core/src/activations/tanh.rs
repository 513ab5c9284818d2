//! `y = tanh(z)`, with `tanh'(z) = 1 − y²`.

use crate::real::Real;

/// In place `z ← tanh(z)`.
pub fn forward<T: Real>(z: &mut [T]) {
    for v in z {
        *v = v.tanh();
    }
}

/// In place `dL/dz = dL/dy ⊙ (1 − y²)`. Panics if the lengths differ.
pub fn backward<T: Real>(grad: &mut [T], y: &[T]) {
    assert_eq!(grad.len(), y.len(), "tanh backward: length mismatch");
    for (g, &y) in grad.iter_mut().zip(y) {
        *g *= T::ONE - y * y;
    }
}
