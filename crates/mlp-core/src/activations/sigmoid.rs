//! `y = σ(z) = 1/(1 + e^(−z))`, with `σ'(z) = σ(z)(1 − σ(z)) = y(1 − y)`: the derivative
//! through the output, so the backward pass needs only the cached `y`. The seed network's
//! activation (every layer).

use crate::kernels::elementwise::{map_in_place, zip_map_in_place};
use crate::kernels::exp::vsigmoid;
use crate::simd::SimdReal;

/// In place `z ← σ(z)`, vectorised ([`kernels::exp`](crate::kernels::exp): within 2 ulp of the
/// exact value in f32, of libm in f64; 0 and 1 at the extremes, no NaN for finite `z`).
pub fn forward<T: SimdReal>(z: &mut [T]) {
    map_in_place(z, vsigmoid::<T>);
}

/// In place `dL/dz = dL/dy ⊙ y(1 − y)`, computed as `(g·y)·(1 − y)`. Panics if the lengths
/// differ.
pub fn backward<T: SimdReal>(grad: &mut [T], y: &[T]) {
    zip_map_in_place(grad, y, |g, y| {
        T::vmul(T::vmul(g, y), T::vsub(T::vsplat(T::ONE), y))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    fn check<T: SimdReal>(rng: &mut Rng) {
        for len in [0, 1, 3, 4, 5, 8, 17, 33] {
            let x: Vec<T> = rng.vec(len);
            let mut y = x.clone();
            forward(&mut y);
            for (a, b) in x.iter().zip(&y) {
                let want = 1.0 / (1.0 + (-a.to_f64()).exp());
                // kernels::exp: ≤ 2.5 ulp, and σ < 1.
                assert!((b.to_f64() - want).abs() <= 2.5 * T::EPSILON.to_f64());
            }
            let g0: Vec<T> = rng.vec(len);
            let mut g = g0.clone();
            backward(&mut g, &y);
            for i in 0..len {
                // Same operation order as the vector code, so the match is exact.
                assert_eq!(g[i], g0[i] * y[i] * (T::ONE - y[i]));
            }
        }
    }

    #[test]
    fn sigmoid_matches_naive() {
        let mut rng = Rng::new(11);
        check::<f32>(&mut rng);
        check::<f64>(&mut rng);
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        let mut x = [-1000.0f32, 1000.0, 0.0];
        forward(&mut x);
        assert_eq!(x, [0.0, 1.0, 0.5]);
        let mut x = [-1e308f64, 1e308, 0.0];
        forward(&mut x);
        assert_eq!(x, [0.0, 1.0, 0.5]);
    }
}
