//! Half sum of squared errors: `L = ½·Σ(ŷ − y)²`, `dL/dŷ = ŷ − y`.
//!
//! A sum over every row and output, not a mean: the learning rate absorbs the batch size.

use crate::real::Real;

/// `½·Σ(ŷ − y)²`, accumulated in `f64` whatever `T` is. Panics if the lengths differ.
pub fn loss<T: Real>(prediction: &[T], target: &[T]) -> f64 {
    assert_eq!(prediction.len(), target.len(), "loss: length mismatch");
    let sum: f64 = prediction
        .iter()
        .zip(target)
        .map(|(&p, &y)| {
            let d = p.to_f64() - y.to_f64();
            d * d
        })
        .sum();
    0.5 * sum
}

/// `grad = ŷ − y` (the derivative of `½(ŷ − y)²`). Panics if the lengths differ.
pub fn backward<T: Real>(prediction: &[T], target: &[T], grad: &mut [T]) {
    assert!(
        prediction.len() == target.len() && grad.len() == target.len(),
        "loss: length mismatch"
    );
    for ((g, &p), &y) in grad.iter_mut().zip(prediction).zip(target) {
        *g = p - y;
    }
}

/// `grad = (ŷ − y)·scale`: the shared form of the mean losses' (and fused) derivatives.
pub fn scaled_backward<T: Real>(prediction: &[T], target: &[T], grad: &mut [T], scale: f64) {
    backward(prediction, target, grad);
    let scale = T::from_f64(scale);
    for g in grad {
        *g *= scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_sse_value_and_gradient() {
        let p = [1.0f32, 0.5, -2.0];
        let y = [0.0f32, 0.5, 1.0];
        assert_eq!(loss(&p, &y), 0.5 * (1.0 + 0.0 + 9.0));
        let mut g = [0.0f32; 3];
        backward(&p, &y, &mut g);
        assert_eq!(g, [1.0, 0.0, -3.0]);
    }
}
