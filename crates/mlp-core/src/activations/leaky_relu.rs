//! `y = z` for `z > 0`, else `slope·z` (`slope = 0`: relu). Local derivative `1` or `slope`.
//!
//! With `slope ≥ 0`, `y > 0 ⇔ z > 0`, so the derivative is read off the cached output. At
//! `z = 0` the derivative taken is the left one (`slope`), as in most libraries.

use crate::real::Real;

/// In place `z ← z > 0 ? z : slope·z`.
pub fn forward<T: Real>(z: &mut [T], slope: T) {
    for v in z {
        if *v < T::ZERO {
            *v = if slope == T::ZERO {
                T::ZERO
            } else {
                slope * *v
            };
        }
    }
}

/// In place `dL/dz = dL/dy ⊙ (y > 0 ? 1 : slope)`. Panics if the lengths differ.
pub fn backward<T: Real>(grad: &mut [T], y: &[T], slope: T) {
    assert_eq!(grad.len(), y.len(), "leaky relu backward: length mismatch");
    for (g, &y) in grad.iter_mut().zip(y) {
        if y <= T::ZERO {
            *g = if slope == T::ZERO {
                T::ZERO
            } else {
                *g * slope
            };
        }
    }
}
