//! Is every element finite? The core's own last check on a batch before it may reach the
//! parameters.

use crate::simd::SimdReal;

/// True if no element is NaN or ±∞. `0·v` is ±0 for a finite `v` and NaN otherwise, and NaN
/// survives any sum, so one vector of running sums answers for the whole slice (no branch per
/// element; two accumulators keep two multiply-adds in flight).
pub fn all_finite<T: SimdReal>(x: &[T]) -> bool {
    let l = T::LANES;
    let zero = T::vsplat(T::ZERO);
    let (mut acc0, mut acc1) = (zero, zero);
    let mut pairs = x.chunks_exact(2 * l);
    for pair in &mut pairs {
        let (a, b) = (T::vload_from(&pair[..l]), T::vload_from(&pair[l..]));
        acc0 = T::vmul_add(acc0, a, zero);
        acc1 = T::vmul_add(acc1, b, zero);
    }
    let mut lanes = [T::ZERO; 4];
    T::vstore_to(&mut lanes[..l], T::vadd(acc0, acc1));
    let rest = pairs
        .remainder()
        .iter()
        .fold(T::ZERO, |s, &v| s + v * T::ZERO);
    (lanes[..l].iter().fold(rest, |s, &v| s + v)).is_finite()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check<T: SimdReal>() {
        for len in [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33] {
            let finite: Vec<T> = (0..len).map(|i| T::from_f64(i as f64 - 3.5)).collect();
            assert!(all_finite(&finite), "len {len}");
            for at in 0..len {
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut x = finite.clone();
                    x[at] = T::from_f64(bad);
                    assert!(!all_finite(&x), "len {len}, {bad} at {at}");
                }
            }
        }
        // The largest finite values are finite (v − v = 0, no overflow).
        let big = T::from_f64(if T::LANES == 4 {
            f32::MAX as f64
        } else {
            f64::MAX
        });
        assert!(all_finite(&[big; 11]));
    }

    #[test]
    fn finds_every_non_finite_value_at_every_position() {
        check::<f32>();
        check::<f64>();
    }
}
