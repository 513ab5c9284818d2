//! Losses: the value (with its batch reduction) and the gradient that starts the backward pass.
//!
//! | loss | value | reduction | `dL/dz` of the output layer |
//! |---|---|---|---|
//! | `HalfSse` | `½·Σ(ŷ − y)²` | sum over rows and outputs | `(ŷ − y)` then the activation's backward |
//! | `Mse` | `Σ(ŷ − y)² / (B·n)` | mean over rows and outputs | `2(ŷ − y)/(B·n)` then the activation's backward |
//! | `BinaryCrossEntropy` | `−Σ[y ln ŷ + (1−y) ln(1−ŷ)] / (B·n)`, sigmoid output | mean over rows and outputs | fused: `(ŷ − y)/(B·n)` |
//! | `CategoricalCrossEntropy` | `−Σ y ln ŷ / B`, softmax output | mean over rows | fused: `(ŷ·Σ_k y_k − y)/B` |
//!
//! The cross-entropies are computed from the logits `z` of the output layer (the sigmoid or
//! softmax never gets to round `ŷ` to 0 or 1 first), so they stay finite for large logits.
//!
//! Sample weights (per row) scale each row's term and its gradient: [`weighted`].

pub mod binary_cross_entropy;
pub mod categorical_cross_entropy;
pub mod half_sse;
pub mod mse;
pub mod weighted;

use crate::activations::Activation;
use crate::simd::SimdReal;

/// The training loss (ABI codes: `ffi::decode_config`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `½·Σ(ŷ − y)²`
    HalfSse,
    /// mean squared error
    Mse,
    /// binary cross-entropy of a sigmoid output
    BinaryCrossEntropy,
    /// categorical cross-entropy of a softmax output
    CategoricalCrossEntropy,
}

impl Loss {
    /// The output activation a loss is fused with, if it requires one.
    pub fn required_output(self) -> Option<Activation> {
        match self {
            Loss::BinaryCrossEntropy => Some(Activation::Sigmoid),
            Loss::CategoricalCrossEntropy => Some(Activation::Softmax),
            Loss::HalfSse | Loss::Mse => None,
        }
    }

    /// Whether the loss reads the output layer's logits (so the forward pass must keep them).
    pub fn needs_logits(self) -> bool {
        self.required_output().is_some()
    }

    /// The loss (accumulated in `f64`) of `rows × cols` outputs `y_hat` (and their logits `z`,
    /// read only by the cross-entropies) against `target`.
    pub fn value<T: SimdReal>(self, y_hat: &[T], z: &[T], target: &[T], cols: usize) -> f64 {
        match self {
            Loss::HalfSse => half_sse::loss(y_hat, target),
            Loss::Mse => mse::loss(y_hat, target),
            Loss::BinaryCrossEntropy => binary_cross_entropy::loss(z, target),
            Loss::CategoricalCrossEntropy => categorical_cross_entropy::loss(z, target, cols),
        }
    }

    /// `grad ← dL/dz` of the output layer (`activation` applied to `z` gave `y_hat`).
    pub fn output_delta<T: SimdReal>(
        self,
        activation: Activation,
        y_hat: &[T],
        target: &[T],
        grad: &mut [T],
        cols: usize,
    ) {
        match self {
            Loss::HalfSse => {
                half_sse::backward(y_hat, target, grad); // dL/dŷ = ŷ − y
                activation.backward(grad, y_hat, cols); // dL/dz = dL/dŷ ⊙ f'(z)
            }
            Loss::Mse => {
                mse::backward(y_hat, target, grad); // dL/dŷ = 2(ŷ − y)/N
                activation.backward(grad, y_hat, cols);
            }
            Loss::BinaryCrossEntropy => binary_cross_entropy::delta(y_hat, target, grad),
            Loss::CategoricalCrossEntropy => {
                categorical_cross_entropy::delta(y_hat, target, grad, cols)
            }
        }
    }
}
