//! Per-row sample weights `w_r ≥ 0` in every loss, with Keras's convention for the reduction:
//! each row's loss `ℓ_r` (mean over its outputs for the mean losses) is multiplied by its weight
//! and the batch reduction is unchanged: `Σ_r w_r·ℓ_r / B` for the mean losses (divided by the
//! batch size, not by `Σ w`), `Σ_r w_r·ℓ_r` for `HalfSse`. Its gradient is the unweighted
//! `dL/dz` with row `r` scaled by `w_r` (every loss's row terms are independent).

use super::Loss;
use crate::simd::SimdReal;

/// `Σ_r w_r·ℓ_r`, divided by `B = weights.len()` for the mean losses (accumulated in `f64`;
/// `ℓ_r` is [`Loss::value`] of the row alone). `z` is empty for losses that do not read logits.
pub fn value<T: SimdReal>(
    loss: Loss,
    y_hat: &[T],
    z: &[T],
    target: &[T],
    weights: &[T],
    cols: usize,
) -> f64 {
    let mut sum = 0.0;
    for (r, &w) in weights.iter().enumerate() {
        let row = r * cols..(r + 1) * cols;
        let z_row = if z.is_empty() { z } else { &z[row.clone()] };
        sum += w.to_f64() * loss.value(&y_hat[row.clone()], z_row, &target[row], cols);
    }
    if loss == Loss::HalfSse {
        sum
    } else {
        sum / weights.len().max(1) as f64
    }
}

/// `delta[r][c] ← delta[r][c]·w_r`.
pub fn scale_rows<T: SimdReal>(delta: &mut [T], weights: &[T], cols: usize) {
    for (row, &w) in delta.chunks_exact_mut(cols).zip(weights) {
        for d in row {
            *d *= w;
        }
    }
}
