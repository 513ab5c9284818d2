//! The logistic function and its backward: `y = σ(x)`, `g = g ⊙ y(1 − y)`.

use crate::kernels::exp::{map_in_place, vsigmoid};
use crate::simd::SimdReal;

/// In place `x = σ(x) = 1 / (1 + e^(−x))`, vectorised ([`kernels::exp`](crate::kernels::exp):
/// within 2 ulp of the exact value in f32, of libm in f64; 0 and 1 at the extremes, no NaN).
pub fn sigmoid<T: SimdReal>(x: &mut [T]) {
    map_in_place(x, vsigmoid::<T>);
}

/// In place `g = (g ⊙ y) ⊙ (1 − y)`: the chain rule through σ, given its output `y`
/// (σ'(z) = σ(z)(1 − σ(z))). Panics if the lengths differ.
pub fn sigmoid_backward<T: SimdReal>(g: &mut [T], y: &[T]) {
    assert_eq!(g.len(), y.len(), "sigmoid_backward: length mismatch");
    let l = T::LANES;
    let one = T::vsplat(T::ONE);
    let mut gc = g.chunks_exact_mut(l);
    let mut yc = y.chunks_exact(l);
    for (gv, yv) in (&mut gc).zip(&mut yc) {
        let yy = T::vload_from(yv);
        let r = T::vmul(T::vmul(T::vload_from(gv), yy), T::vsub(one, yy));
        T::vstore_to(gv, r);
    }
    for (gs, &ys) in gc.into_remainder().iter_mut().zip(yc.remainder()) {
        *gs = *gs * ys * (T::ONE - ys);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    fn check<T: SimdReal>(rng: &mut Rng) {
        for len in [0, 1, 3, 4, 5, 8, 17, 33] {
            let x: Vec<T> = rng.vec(len);
            let mut y = x.clone();
            sigmoid(&mut y);
            for (a, b) in x.iter().zip(&y) {
                let want = 1.0 / (1.0 + (-a.to_f64()).exp());
                // kernels::exp: ≤ 2.5 ulp, and σ < 1.
                assert!((b.to_f64() - want).abs() <= 2.5 * T::EPSILON.to_f64());
            }
            let g0: Vec<T> = rng.vec(len);
            let mut g = g0.clone();
            sigmoid_backward(&mut g, &y);
            for i in 0..len {
                // Same operation order as the kernel, so the match is exact.
                assert_eq!(g[i], g0[i] * y[i] * (T::ONE - y[i]));
            }
        }
    }

    #[test]
    fn sigmoid_kernels_match_naive() {
        let mut rng = Rng::new(11);
        check::<f32>(&mut rng);
        check::<f64>(&mut rng);
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        let mut x = [-1000.0f32, 1000.0, 0.0];
        sigmoid(&mut x);
        assert_eq!(x, [0.0, 1.0, 0.5]);
        let mut x = [-1e308f64, 1e308, 0.0];
        sigmoid(&mut x);
        assert_eq!(x, [0.0, 1.0, 0.5]);
    }
}
