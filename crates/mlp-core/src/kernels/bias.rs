//! Row-broadcast bias add (forward) and column sums (the bias gradient).

use crate::simd::SimdReal;

/// `acc[j] = acc[j] + x[j]` for `j < acc.len()`, vectorised with a scalar tail.
#[inline(always)]
fn add_into<T: SimdReal>(acc: &mut [T], x: &[T]) {
    let l = T::LANES;
    let mut ac = acc.chunks_exact_mut(l);
    let mut xc = x.chunks_exact(l);
    for (av, xv) in (&mut ac).zip(&mut xc) {
        T::vstore_to(av, T::vadd(T::vload_from(av), T::vload_from(xv)));
    }
    for (a, &b) in ac.into_remainder().iter_mut().zip(xc.remainder()) {
        *a += b;
    }
}

/// `x[r][c] += bias[c]` for a row-major `rows × cols` matrix `x`.
/// Panics if `x` is shorter than `rows·cols` or `bias` shorter than `cols`.
pub fn add_bias<T: SimdReal>(x: &mut [T], bias: &[T], rows: usize, cols: usize) {
    if cols == 0 {
        return;
    }
    let bias = &bias[..cols];
    for row in x[..rows * cols].chunks_exact_mut(cols) {
        add_into(row, bias);
    }
}

/// `out[c] = Σ_r a[r][c]` for a row-major `rows × cols` matrix `a` (rows summed in order).
/// Panics if `a` is shorter than `rows·cols` or `out` shorter than `cols`.
pub fn column_sums<T: SimdReal>(a: &[T], rows: usize, cols: usize, out: &mut [T]) {
    let out = &mut out[..cols];
    out.fill(T::ZERO);
    if cols == 0 {
        return;
    }
    for row in a[..rows * cols].chunks_exact(cols) {
        add_into(out, row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    fn check<T: SimdReal>(rng: &mut Rng) {
        for (rows, cols) in [(0, 3), (1, 1), (3, 5), (4, 8), (7, 17), (9, 33), (2, 0)] {
            let x0: Vec<T> = rng.vec(rows * cols);
            let bias: Vec<T> = rng.vec(cols);
            let mut x = x0.clone();
            add_bias(&mut x, &bias, rows, cols);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(x[r * cols + c], x0[r * cols + c] + bias[c]);
                }
            }
            let mut out: Vec<T> = rng.vec(cols);
            column_sums(&x0, rows, cols, &mut out);
            for c in 0..cols {
                let mut s = T::ZERO;
                for r in 0..rows {
                    s += x0[r * cols + c];
                }
                assert_eq!(out[c], s);
            }
        }
    }

    #[test]
    fn bias_kernels_match_naive() {
        let mut rng = Rng::new(21);
        check::<f32>(&mut rng);
        check::<f64>(&mut rng);
    }
}
