//! Mean squared error: `L = Σ(ŷ − y)² / N` over all `N = rows·outputs` values,
//! `dL/dŷ = 2(ŷ − y)/N`.

use crate::real::Real;

/// `Σ(ŷ − y)² / N`, accumulated in `f64`. Panics if the lengths differ.
pub fn loss<T: Real>(prediction: &[T], target: &[T]) -> f64 {
    2.0 * super::half_sse::loss(prediction, target) / prediction.len().max(1) as f64
}

/// `grad = 2(ŷ − y)/N`. Panics if the lengths differ.
pub fn backward<T: Real>(prediction: &[T], target: &[T], grad: &mut [T]) {
    let n = prediction.len().max(1) as f64;
    super::half_sse::scaled_backward(prediction, target, grad, 2.0 / n);
}
