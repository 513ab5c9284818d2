//! Layer activations: one file per activation, each with two free functions side by side,
//! `forward` (`z ← f(z)` in place) and `backward` (`dL/dy ← dL/dz = dL/dy ⊙ f'` in place).
//! [`Activation`] names them and dispatches to them.
//!
//! Every local derivative is written in terms of the layer's *output* `y` (the only thing the
//! forward pass caches): `σ' = y(1 − y)`, `tanh' = 1 − y²`, `relu' = [y > 0]`, … so the
//! backward pass never needs the pre-activation `z`. Adding an activation: a file with
//! `forward` / `backward`, a variant and its code here (and in the TS encoder and the
//! reference backend's `activations.ts`).

pub mod leaky_relu;
pub mod relu;
pub mod sigmoid;
pub mod softmax;
pub mod tanh;

use crate::simd::SimdReal;

/// The activation of one layer (ABI codes: `ffi::decode_config`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    /// `σ(z) = 1/(1 + e^(−z))`
    Sigmoid,
    /// `tanh(z)`
    Tanh,
    /// `max(z, 0)`
    Relu,
    /// `z` if `z > 0`, else `slope·z`; `slope ≥ 0`
    LeakyRelu {
        /// The negative-side slope.
        slope: f64,
    },
    /// `z`
    Linear,
    /// Row-wise `e^(z_k) / Σ_j e^(z_j)`; output layer only
    Softmax,
}

impl Activation {
    /// Whether `f` acts on each element alone (all but softmax, which needs whole rows), so it
    /// can run on any part of a row, e.g. a GEMM tile in the product's epilogue.
    pub fn is_elementwise(self) -> bool {
        self != Activation::Softmax
    }

    /// Forward, in place: `z ← f(z)` for a row-major block of rows of width `cols`.
    pub fn forward<T: SimdReal>(self, z: &mut [T], cols: usize) {
        match self {
            Activation::Sigmoid => sigmoid::forward(z),
            Activation::Tanh => tanh::forward(z),
            Activation::Relu => relu::forward(z),
            Activation::LeakyRelu { slope } => leaky_relu::forward(z, T::from_f64(slope)),
            Activation::Linear => {} // y = z: nothing to do, so no file of its own
            Activation::Softmax => softmax::forward(z, cols),
        }
    }

    /// Backward, in place: `grad ← dL/dz` from `grad = dL/dy` and the cached output `y`.
    pub fn backward<T: SimdReal>(self, grad: &mut [T], y: &[T], cols: usize) {
        match self {
            Activation::Sigmoid => sigmoid::backward(grad, y), // y(1 − y)
            Activation::Tanh => tanh::backward(grad, y),
            Activation::Relu => relu::backward(grad, y),
            Activation::LeakyRelu { slope } => leaky_relu::backward(grad, y, T::from_f64(slope)),
            Activation::Linear => {} // dy/dz = 1
            Activation::Softmax => softmax::backward(grad, y, cols),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    const ALL: [Activation; 6] = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Linear,
        Activation::Softmax,
    ];

    /// `Σ g ⊙ f(z)` (a scalar function of `z`) for the finite differences below.
    fn dot_forward(act: Activation, z: &[f64], g: &[f64], cols: usize) -> f64 {
        let mut y = z.to_vec();
        act.forward(&mut y, cols);
        y.iter().zip(g).map(|(a, b)| a * b).sum()
    }

    #[test]
    fn local_derivatives_match_central_differences() {
        let mut rng = Rng::new(3);
        let h = 1e-6;
        for act in ALL {
            for cols in [1, 3, 5] {
                let rows = 4;
                // Keep z away from relu's kink at 0, where the derivative is one-sided.
                let z: Vec<f64> = (0..rows * cols)
                    .map(|_| {
                        let v = 2.0 * rng.uniform();
                        if v.abs() < 0.05 {
                            0.3
                        } else {
                            v
                        }
                    })
                    .collect();
                let g: Vec<f64> = rng.vec(rows * cols);
                let mut y = z.clone();
                act.forward(&mut y, cols);
                let mut dz = g.clone();
                act.backward(&mut dz, &y, cols);
                for i in 0..z.len() {
                    let (mut up, mut down) = (z.clone(), z.clone());
                    up[i] += h;
                    down[i] -= h;
                    let fd = (dot_forward(act, &up, &g, cols) - dot_forward(act, &down, &g, cols))
                        / (2.0 * h);
                    assert!(
                        (fd - dz[i]).abs() <= 1e-8 * (1.0 + fd.abs()),
                        "{act:?} cols {cols} element {i}: analytic {} vs fd {fd}",
                        dz[i]
                    );
                }
            }
        }
    }
}
