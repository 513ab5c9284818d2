//! `y = z` for `z > 0`, else `slope·z`, `slope ≥ 0`. Local derivative `1` or `slope`.
//!
//! With `slope ≥ 0`, `y > 0 ⇔ z > 0`, so the derivative is read off the cached output. At
//! `z = 0` the derivative taken is the left one (`slope`), as in most libraries. `slope = 0`
//! is relu (exact zeros, not `0·z`, which would be −0 or NaN for `z = −∞`).

use super::relu;
use crate::real::Real;

/// In place `z ← z > 0 ? z : slope·z`.
pub fn forward<T: Real>(z: &mut [T], slope: T) {
    if slope == T::ZERO {
        return relu::forward(z);
    }
    for v in z {
        if *v < T::ZERO {
            *v = slope * *v;
        }
    }
}

/// In place `dL/dz = dL/dy ⊙ (y > 0 ? 1 : slope)`. Panics if the lengths differ.
pub fn backward<T: Real>(grad: &mut [T], y: &[T], slope: T) {
    if slope == T::ZERO {
        return relu::backward(grad, y);
    }
    assert_eq!(grad.len(), y.len(), "leaky relu backward: length mismatch");
    for (g, &y) in grad.iter_mut().zip(y) {
        if y <= T::ZERO {
            *g *= slope;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_zero_is_relu_with_exact_zeros() {
        let z = [f64::NEG_INFINITY, -1.0, -0.0, 0.0, 2.0];
        let (mut relu_y, mut leaky_y) = (z, z);
        relu::forward(&mut relu_y);
        forward(&mut leaky_y, 0.0);
        // −0 is not < 0, so it stays; −∞ gives 0, not 0·(−∞) = NaN.
        assert_eq!(
            relu_y.map(f64::to_bits),
            [0.0, 0.0, -0.0, 0.0, 2.0].map(f64::to_bits)
        );
        assert_eq!(leaky_y.map(f64::to_bits), relu_y.map(f64::to_bits));
        let mut y = z;
        forward(&mut y, 0.25);
        assert_eq!(y, [f64::NEG_INFINITY, -0.25, -0.0, 0.0, 2.0]);
        let mut g = [1.0; 5];
        backward(&mut g, &y, 0.25);
        assert_eq!(g, [0.25, 0.25, 0.25, 0.25, 1.0]);
    }
}
