//! `x += α·y`, the vector update every optimizer step is made of.

use crate::simd::SimdReal;

/// In place `x[i] = x[i] + alpha·y[i]`. Panics if the lengths differ.
pub fn axpy<T: SimdReal>(x: &mut [T], y: &[T], alpha: T) {
    assert_eq!(x.len(), y.len(), "axpy: length mismatch");
    let l = T::LANES;
    let va = T::vsplat(alpha);
    let mut xc = x.chunks_exact_mut(l);
    let mut yc = y.chunks_exact(l);
    for (xv, yv) in (&mut xc).zip(&mut yc) {
        T::vstore_to(xv, T::vmul_add(T::vload_from(xv), va, T::vload_from(yv)));
    }
    for (xs, &ys) in xc.into_remainder().iter_mut().zip(yc.remainder()) {
        *xs += alpha * ys;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    fn check<T: SimdReal>(rng: &mut Rng) {
        for len in [0, 1, 2, 3, 4, 5, 9, 31, 64] {
            let x0: Vec<T> = rng.vec(len);
            let y: Vec<T> = rng.vec(len);
            let alpha = T::from_f64(-0.37);
            let mut x = x0.clone();
            axpy(&mut x, &y, alpha);
            for i in 0..len {
                assert_eq!(x[i], x0[i] + alpha * y[i]);
            }
        }
    }

    #[test]
    fn axpy_matches_naive() {
        let mut rng = Rng::new(31);
        check::<f32>(&mut rng);
        check::<f64>(&mut rng);
    }
}
