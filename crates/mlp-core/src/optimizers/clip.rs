//! Gradient clipping, applied to the raw gradient inside each rule's update (before weight
//! decay is added): first the global-norm scale `s = c/‖g‖` when `‖g‖ > c` (else 1, `‖g‖` over
//! every parameter, weights and biases, of the step), then the per-element clamp to `[−v, v]`.

use crate::real::Real;

/// The clipping options of an optimizer; `None` = off.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clip {
    /// `clipNorm` `c > 0`: the whole gradient is scaled by `c/‖g‖` when `‖g‖ > c`.
    pub norm: Option<f64>,
    /// `clipValue` `v > 0`: every element is clamped to `[−v, v]` (after the norm scale).
    pub value: Option<f64>,
}

impl Clip {
    /// No clipping.
    pub const NONE: Clip = Clip {
        norm: None,
        value: None,
    };
}

/// The global-norm scale `min(1, c/‖g‖)` of the gradient `g` (all parameters), the sum of
/// squares accumulated in `f64` in index order (the reference backend's order, so `f64`
/// networks agree to the last bit). A non-finite norm gives `c/∞ = 0` or NaN: the update is
/// then as non-finite as the gradient was, like without clipping.
pub fn norm_scale<T: Real>(g: &[T], c: f64) -> f64 {
    let norm = g
        .iter()
        .map(|&g| g.to_f64() * g.to_f64())
        .sum::<f64>()
        .sqrt();
    if norm > c {
        c / norm
    } else {
        1.0
    }
}

/// One gradient element clipped: `clamp(g·s, −v, v)`, `v = ∞` without `clipValue` (no branch
/// on the option inside the rules' loops, which would duplicate each loop). NaN stays NaN (no
/// `max`/`min`, which would drop it), as in the reference backend.
#[inline(always)]
pub fn element<T: Real>(g: T, scale: T, value: T) -> T {
    let g = g * scale;
    if g > value {
        value
    } else if g < -value {
        -value
    } else {
        g
    }
}
