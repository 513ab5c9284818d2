//! Binary cross-entropy of a sigmoid output, from its logits `z` (`ŷ = σ(z)`):
//! `L = Σ[max(z, 0) − z·y + ln(1 + e^(−|z|))] / N`, which equals `−Σ[y ln ŷ + (1−y) ln(1−ŷ)] / N`
//! but never takes `ln 0`. Fused with the sigmoid: `dL/dz = (ŷ − y)/N`. `N = rows·outputs`.

use crate::real::Real;

/// The mean binary cross-entropy, accumulated in `f64`. Panics if the lengths differ.
pub fn loss<T: Real>(z: &[T], target: &[T]) -> f64 {
    assert_eq!(z.len(), target.len(), "loss: length mismatch");
    let sum: f64 = z
        .iter()
        .zip(target)
        .map(|(&z, &y)| {
            let (z, y) = (z.to_f64(), y.to_f64());
            z.max(0.0) - z * y + (-z.abs()).exp().ln_1p()
        })
        .sum();
    sum / z.len().max(1) as f64
}

/// `grad = (ŷ − y)/N`: the derivative through the sigmoid and the loss together.
pub fn delta<T: Real>(y_hat: &[T], target: &[T], grad: &mut [T]) {
    let n = y_hat.len().max(1) as f64;
    super::half_sse::scaled_backward(y_hat, target, grad, 1.0 / n);
}
