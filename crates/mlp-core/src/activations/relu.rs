//! `y = max(z, 0)`, with `relu'(z) = [z > 0] = [y > 0]` (read off the cached output; at
//! `z = 0` the derivative taken is the left one, 0, as in most libraries).

use crate::real::Real;

/// In place `z ← max(z, 0)` (NaN stays NaN).
pub fn forward<T: Real>(z: &mut [T]) {
    for v in z {
        if *v < T::ZERO {
            *v = T::ZERO;
        }
    }
}

/// In place `dL/dz = dL/dy ⊙ [y > 0]`. Panics if the lengths differ.
pub fn backward<T: Real>(grad: &mut [T], y: &[T]) {
    assert_eq!(grad.len(), y.len(), "relu backward: length mismatch");
    for (g, &y) in grad.iter_mut().zip(y) {
        if y <= T::ZERO {
            *g = T::ZERO;
        }
    }
}
