//! Row-wise softmax `y_k = e^(z_k − m) / Σ_j e^(z_j − m)` (`m` = the row's max, so no
//! overflow for large logits), and its backward `dL/dz_k = y_k·(g_k − Σ_j g_j·y_j)`.

use crate::kernels::elementwise::map_in_place;
use crate::kernels::exp::vexp;
use crate::real::Real;
use crate::simd::SimdReal;

/// In place softmax of every row (width `cols`) of `z` (`e^x` vectorised, kernels::exp).
pub fn forward<T: SimdReal>(z: &mut [T], cols: usize) {
    for row in z.chunks_exact_mut(cols) {
        let max = row
            .iter()
            .copied()
            .fold(row[0], |m, v| if v > m { v } else { m });
        let vmax = T::vsplat(max);
        map_in_place(row, |v| vexp::<T>(T::vsub(v, vmax)));
        let mut sum = T::ZERO;
        for &v in row.iter() {
            sum += v;
        }
        for v in row.iter_mut() {
            *v = *v / sum;
        }
    }
}

/// In place `grad_k ← y_k·(grad_k − Σ_j grad_j·y_j)` per row (the softmax Jacobian
/// `∂y_j/∂z_k = y_j(δ_jk − y_k)` applied to `dL/dy`).
pub fn backward<T: Real>(grad: &mut [T], y: &[T], cols: usize) {
    assert_eq!(grad.len(), y.len(), "softmax backward: length mismatch");
    for (g, y) in grad.chunks_exact_mut(cols).zip(y.chunks_exact(cols)) {
        let mut dot = T::ZERO;
        for (&gk, &yk) in g.iter().zip(y) {
            dot += gk * yk;
        }
        for (gk, &yk) in g.iter_mut().zip(y) {
            *gk = yk * (*gk - dot);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_logits_do_not_overflow() {
        let mut z = [1000.0f32, 0.0, -1000.0, 1e30, 1e30, 0.0];
        forward(&mut z, 3);
        assert_eq!(&z[..3], &[1.0, 0.0, 0.0]);
        assert_eq!(&z[3..], &[0.5, 0.5, 0.0]);
    }
}
