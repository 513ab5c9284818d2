//! Optimizers: in-place updates of the flat parameter vector from the flat gradient. One file
//! per rule, each an `update` free function; [`Optimizer::update`] dispatches on the [`Rule`].
//!
//! State lives in one flat vector of `slots() × P` values (`P` = parameter count), slot-major
//! and parallel to the parameters: slot `s` of parameter `i` is `state[s·P + i]`. Momentum has
//! one slot (the velocity `v`), RMSprop one (`v`), Adam and AdamW two (`m`, then `v`), SGD
//! none. The step counter `t` (Adam's bias correction) counts completed steps and is part of
//! the state.
//!
//! Optional L2 weight decay `λ` (coupled, as in `torch.optim`'s `weight_decay`): the update
//! uses `g + λ·w` for weights; biases are not decayed. Losses reported elsewhere exclude it.
//! AdamW decouples it instead (`w ← w − a·λw − …`, see [`adamw`]).
//!
//! Optional gradient clipping ([`clip`]) on the raw gradient, inside each rule's update.

pub mod adam;
pub mod adamw;
pub mod clip;
pub mod momentum;
pub mod rmsprop;
pub mod sgd;

pub use clip::Clip;

use crate::real::Real;
use crate::simd::SimdReal;

/// The update rule (ABI codes: `ffi::decode_config`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// `w ← w − a·g`
    Sgd,
    /// Heavy ball: `v ← μv + g`, `w ← w − a·v`; Nesterov: `w ← w − a·(g + μv)`
    Momentum {
        /// `μ` in [0, 1).
        momentum: f64,
        /// Use the Nesterov look-ahead form.
        nesterov: bool,
    },
    /// Adam (Kingma & Ba 2015) with bias correction
    Adam {
        /// `β₁` in [0, 1).
        beta1: f64,
        /// `β₂` in [0, 1).
        beta2: f64,
        /// `ε > 0`, added to `√v̂`.
        epsilon: f64,
    },
    /// AdamW: Adam with decoupled weight decay, `w ← w − a·(λw + m̂/(√v̂ + ε))`
    AdamW {
        /// `β₁` in [0, 1).
        beta1: f64,
        /// `β₂` in [0, 1).
        beta2: f64,
        /// `ε > 0`, added to `√v̂`.
        epsilon: f64,
    },
    /// RMSprop: `v ← ρv + (1−ρ)g̃²`, `w ← w − a·g̃/(√v + ε)`
    RmsProp {
        /// `ρ` in [0, 1), the decay of the running mean square.
        rho: f64,
        /// `ε > 0`, added to `√v`.
        epsilon: f64,
    },
}

/// An update rule plus its weight decay and gradient clipping.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Optimizer {
    /// The update rule.
    pub rule: Rule,
    /// `λ ≥ 0`: weights are updated with `g + λ·w` (AdamW: decoupled, see [`Rule::AdamW`]).
    pub weight_decay: f64,
    /// Gradient clipping (off by default).
    pub clip: Clip,
}

impl Default for Optimizer {
    fn default() -> Self {
        Optimizer {
            rule: Rule::Sgd,
            weight_decay: 0.0,
            clip: Clip::NONE,
        }
    }
}

/// The per-step scalars of one update, computed once per step (in `f64`, then rounded to `T`).
#[derive(Clone, Copy, Debug)]
pub struct Step<T> {
    /// Learning rate `a`.
    pub lr: T,
    /// Weight decay `λ` for the current slice (0 for biases).
    pub decay: T,
    /// Adam's bias corrections `1/(1 − β₁ᵗ)`, `1/(1 − β₂ᵗ)` for this step's `t`.
    pub correction1: T,
    /// See `correction1`.
    pub correction2: T,
    /// Gradient scale of the global-norm clipping, `min(1, c/‖g‖)` (1 without it).
    pub grad_scale: T,
    /// Per-element gradient clamp `v` of `clipValue` (`+∞` without it).
    pub clip_value: T,
}

impl<T: Real> Step<T> {
    /// Whether the gradient reaches the rule unchanged (no clipping this step).
    pub fn unclipped(&self) -> bool {
        self.grad_scale == T::ONE && self.clip_value == T::from_f64(f64::INFINITY)
    }
}

impl Optimizer {
    /// State slots per parameter.
    pub fn slots(&self) -> usize {
        match self.rule {
            Rule::Sgd => 0,
            Rule::Momentum { .. } => 1,
            Rule::RmsProp { .. } => 1,
            Rule::Adam { .. } | Rule::AdamW { .. } => 2,
        }
    }

    /// The scalars of step number `t` (1-based) at learning rate `lr`, for weights.
    pub fn step_scalars<T: Real>(&self, lr: T, t: u64) -> Step<T> {
        let (c1, c2) = match self.rule {
            Rule::Adam { beta1, beta2, .. } | Rule::AdamW { beta1, beta2, .. } => {
                let t = t.min(i32::MAX as u64) as i32;
                (1.0 / (1.0 - beta1.powi(t)), 1.0 / (1.0 - beta2.powi(t)))
            }
            _ => (1.0, 1.0),
        };
        Step {
            lr,
            decay: T::from_f64(self.weight_decay),
            correction1: T::from_f64(c1),
            correction2: T::from_f64(c2),
            grad_scale: T::ONE,
            clip_value: T::from_f64(self.clip.value.unwrap_or(f64::INFINITY)),
        }
    }

    /// One update of `w` from `g`, with this slice's state `s0`, `s1` (each `w.len()` long, or
    /// empty when the rule has fewer slots).
    pub fn update<T: SimdReal>(
        &self,
        step: &Step<T>,
        w: &mut [T],
        g: &[T],
        s0: &mut [T],
        s1: &mut [T],
    ) {
        match self.rule {
            Rule::Sgd => sgd::update(step, w, g),
            Rule::Momentum { momentum, nesterov } => {
                momentum::update(step, T::from_f64(momentum), nesterov, w, g, s0)
            }
            Rule::Adam {
                beta1,
                beta2,
                epsilon,
            } => adam::update(
                step,
                [T::from_f64(beta1), T::from_f64(beta2), T::from_f64(epsilon)],
                w,
                g,
                s0,
                s1,
            ),
            Rule::AdamW {
                beta1,
                beta2,
                epsilon,
            } => adamw::update(
                step,
                [T::from_f64(beta1), T::from_f64(beta2), T::from_f64(epsilon)],
                w,
                g,
                s0,
                s1,
            ),
            Rule::RmsProp { rho, epsilon } => {
                rmsprop::update(step, [T::from_f64(rho), T::from_f64(epsilon)], w, g, s0)
            }
        }
    }
}
