//! Categorical cross-entropy of a softmax output, from its logits `z`:
//! per row `−Σ_k y_k ln ŷ_k = Σ_k y_k·(lse(z) − z_k)` with `lse(z) = m + ln Σ_j e^(z_j − m)`
//! (`m` the row max: finite for any finite logits), mean over the `B` rows.
//! Fused with the softmax: `dL/dz_k = (ŷ_k·Σ_j y_j − y_k)/B` (`= (ŷ − y)/B` for rows summing to 1).

use crate::real::Real;

/// The mean over rows of the cross-entropy, accumulated in `f64`. Panics on a length mismatch.
pub fn loss<T: Real>(z: &[T], target: &[T], cols: usize) -> f64 {
    assert_eq!(z.len(), target.len(), "loss: length mismatch");
    let rows = z.len() / cols.max(1);
    let mut sum = 0.0;
    for (z, y) in z.chunks_exact(cols).zip(target.chunks_exact(cols)) {
        let max = z.iter().fold(f64::NEG_INFINITY, |m, v| m.max(v.to_f64()));
        let lse = max + z.iter().map(|v| (v.to_f64() - max).exp()).sum::<f64>().ln();
        sum += z
            .iter()
            .zip(y)
            .map(|(&z, &y)| y.to_f64() * (lse - z.to_f64()))
            .sum::<f64>();
    }
    sum / rows.max(1) as f64
}

/// `grad_k = (ŷ_k·Σ_j y_j − y_k)/B` per row.
pub fn delta<T: Real>(y_hat: &[T], target: &[T], grad: &mut [T], cols: usize) {
    let rows = y_hat.len() / cols.max(1);
    let scale = T::from_f64(1.0 / rows.max(1) as f64);
    for ((g, p), y) in grad
        .chunks_exact_mut(cols)
        .zip(y_hat.chunks_exact(cols))
        .zip(target.chunks_exact(cols))
    {
        let mut mass = T::ZERO;
        for &yk in y {
            mass += yk;
        }
        for ((gk, &pk), &yk) in g.iter_mut().zip(p).zip(y) {
            *gk = (pk * mass - yk) * scale;
        }
    }
}
