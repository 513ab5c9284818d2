//! AdamW, RMSprop and gradient clipping against values computed by hand, on a network small
//! enough to differentiate on paper: `[2, 1]`, linear, MSE, one row, so `z = x·W + b`,
//! `L = (z − y)²` and `g = 2(z − y)·[x₀, x₁, 1]` (for `dW₀, dW₁, db`). Both dtypes.
//! Plus, on a deeper network, that `clipNorm` scales by the norm over every layer.

use wasm_mlp::test_support::Rng;
use wasm_mlp::{
    Activation, Clip, Config, Loss, Network, Optimizer, Ordering, Real, Rule, SimdReal,
};

const ADAMW: Rule = Rule::AdamW {
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
};

/// `[2, 1]` linear + MSE with `W = [0.5, −0.25]`, `b = 0.1`, one row `x`, target `y`.
fn tiny<T: SimdReal>(optimizer: Optimizer, x: [f64; 2], y: f64) -> Network<T> {
    let mut n = Network::<T>::with_config(Config {
        sizes: &[2, 1],
        activations: &[Activation::Linear],
        loss: Loss::Mse,
        optimizer,
        ordering: Ordering::Exact,
    })
    .unwrap();
    n.reserve(1).unwrap();
    for (p, v) in n.params_mut().iter_mut().zip([0.5, -0.25, 0.1]) {
        *p = T::from_f64(v);
    }
    n.input_mut()[..2].copy_from_slice(&x.map(T::from_f64));
    n.target_mut()[0] = T::from_f64(y);
    n
}

fn assert_close<T: Real>(got: &[T], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g.to_f64() - w).abs() <= tol,
            "{what}[{i}]: got {g:?}, want {w}"
        );
    }
}

fn optimizer(rule: Rule, weight_decay: f64, norm: Option<f64>, value: Option<f64>) -> Optimizer {
    Optimizer {
        rule,
        weight_decay,
        clip: Clip { norm, value },
    }
}

/// x = [1, 2], y = 1.1: z = 0.5 − 0.5 + 0.1 = 0.1, so g = 2(0.1 − 1.1)·[1, 2, 1] = [−2, −4, −2].
fn adamw_first_step<T: SimdReal>(tol: f64) {
    let mut n = tiny::<T>(optimizer(ADAMW, 0.1, None, None), [1.0, 2.0], 1.1);
    let loss = n.train_step(1, T::from_f64(0.1));
    assert!(
        (loss - 1.0).abs() <= tol * 10.0,
        "(0.1 − 1.1)² = 1, got {loss}"
    );
    // t = 1: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g², so m̂/(√v̂ + ε) = g/(|g| + ε).
    // w ← w − a·(λw + m̂/(√v̂ + ε)), a = 0.1, λ = 0.1 on W only:
    //   W₀ = 0.5   − 0.1·(0.1·0.5    − 2/(2 + 1e-8)) = 0.5949999995
    //   W₁ = −0.25 − 0.1·(0.1·(−0.25) − 4/(4 + 1e-8)) = −0.14750000025
    //   b  = 0.1   − 0.1·(−2/(2 + 1e-8))              = 0.1999999995
    assert_close(
        n.params(),
        &[0.5949999995, -0.14750000025, 0.1999999995],
        tol,
        "adamw params",
    );
    // The moments saw g alone (the decay is not in them, unlike Adam's g + λw).
    assert_close(
        n.optimizer_state(),
        &[-0.2, -0.4, -0.2, 0.004, 0.016, 0.004],
        tol,
        "adamw m, v",
    );
}

/// RMSprop ρ = 0.75, ε = 1e-8, λ = 0.5 (coupled), a = 0.1; g = [−2, −4, −2] as above, so
/// g̃ = g + λw = [−2 + 0.25, −4 − 0.125, −2] = [−1.75, −4.125, −2] (no decay on b).
fn rmsprop_steps<T: SimdReal>(tol: f64) {
    let rule = Rule::RmsProp {
        rho: 0.75,
        epsilon: 1e-8,
    };
    let mut n = tiny::<T>(optimizer(rule, 0.5, None, None), [1.0, 2.0], 1.1);
    n.train_step(1, T::from_f64(0.1));
    // v = 0.25·g̃² = [0.765625, 4.25390625, 1], √v = [0.875, 2.0625, 1]:
    //   W₀ = 0.5 + 0.1·1.75/(0.875 + 1e-8)   = 0.6999999977142858
    //   W₁ = −0.25 + 0.1·4.125/(2.0625 + 1e-8) = −0.05000000096969695
    //   b  = 0.1 + 0.1·2/(1 + 1e-8)          = 0.299999998
    assert_close(
        n.params(),
        &[0.6999999977142858, -0.05000000096969695, 0.299999998],
        tol,
        "rmsprop step 1",
    );
    assert_close(
        n.optimizer_state(),
        &[0.765625, 4.25390625, 1.0],
        tol,
        "rmsprop v",
    );
    // From a running mean square of 3 (same parameters and data): v = 0.75·3 + 0.25·g̃²
    //   = [3.015625, 6.50390625, 3.25]:
    //   W₀ = 0.5 + 0.1·1.75/(√3.015625 + 1e-8)   = 0.6007742045245064
    //   W₁ = −0.25 + 0.1·4.125/(√6.50390625 + 1e-8) = −0.08825278377359652
    //   b  = 0.1 + 0.1·2/(√3.25 + 1e-8)          = 0.21094003862966124
    let mut n = tiny::<T>(optimizer(rule, 0.5, None, None), [1.0, 2.0], 1.1);
    n.optimizer_state_mut().fill(T::from_f64(3.0));
    n.train_step(1, T::from_f64(0.1));
    assert_close(
        n.params(),
        &[
            0.6007742045245064,
            -0.08825278377359652,
            0.21094003862966124,
        ],
        tol,
        "rmsprop from v = 3",
    );
}

/// x = [2, 2], y = 1.6: z = 1 − 0.5 + 0.1 = 0.6, g = 2(0.6 − 1.6)·[2, 2, 1] = [−4, −4, −2],
/// ‖g‖ = √(16 + 16 + 4) = 6. SGD, a = 0.1.
fn clipping<T: SimdReal>(tol: f64) {
    /// (λ, clipNorm, clipValue, parameters after the step)
    type Case = (f64, Option<f64>, Option<f64>, [f64; 3]);
    let cases: [Case; 5] = [
        // clipNorm 3 < 6: g·3/6 = [−2, −2, −1] → w − 0.1·g
        (0.0, Some(3.0), None, [0.7, -0.05, 0.2]),
        // clipNorm 10 ≥ 6: unchanged, [−4, −4, −2]
        (0.0, Some(10.0), None, [0.9, 0.15, 0.3]),
        // clipValue 3: [−3, −3, −2]
        (0.0, None, Some(3.0), [0.8, 0.05, 0.3]),
        // both: norm first [−2, −2, −1], then value 1.5: [−1.5, −1.5, −1]
        (0.0, Some(3.0), Some(1.5), [0.65, -0.1, 0.2]),
        // clipValue 3 then the decay λ = 0.1 (not clipped): g̃ = [−3 + 0.05, −3 − 0.025, −2]
        (0.1, None, Some(3.0), [0.795, 0.0525, 0.3]),
    ];
    for (decay, norm, value, want) in cases {
        let mut n = tiny::<T>(optimizer(Rule::Sgd, decay, norm, value), [2.0, 2.0], 1.6);
        n.train_step(1, T::from_f64(0.1));
        assert_close(
            n.params(),
            &want,
            tol,
            &format!("λ {decay}, clipNorm {norm:?}, clipValue {value:?}"),
        );
        // the gradient buffer keeps the raw gradient
        assert_close(n.grads(), &[-4.0, -4.0, -2.0], tol, "raw gradient");
    }
}

#[test]
fn adamw_matches_hand_computed_values() {
    adamw_first_step::<f64>(1e-15);
    // f32: 1 − β₂ rounded in f32 is 0.00099998713, so v̂ is 1.3e-5 off, the step 6.4e-7
    adamw_first_step::<f32>(1e-6);
}

#[test]
fn rmsprop_matches_hand_computed_values() {
    rmsprop_steps::<f64>(1e-15);
    rmsprop_steps::<f32>(1e-7);
}

#[test]
fn clipping_matches_hand_computed_values() {
    clipping::<f64>(1e-15);
    clipping::<f32>(1e-7);
}

/// `clipNorm` uses the norm over every parameter of every layer, of the gradient at the
/// weights before the step (exact ordering): `w ← w − a·g·c/‖g‖`.
#[test]
fn clip_norm_is_global_over_layers() {
    let sizes = [3, 5, 4, 2];
    let acts = [Activation::Tanh, Activation::Relu, Activation::Linear];
    let mut rng = Rng::new(5);
    let c = 0.05;
    let mut n = Network::<f64>::with_config(Config {
        sizes: &sizes,
        activations: &acts,
        loss: Loss::Mse,
        optimizer: optimizer(Rule::Sgd, 0.0, Some(c), None),
        ordering: Ordering::Exact,
    })
    .unwrap();
    n.reserve(6).unwrap();
    n.params_mut().iter_mut().for_each(|p| *p = rng.uniform());
    n.input_mut().iter_mut().for_each(|v| *v = rng.uniform());
    n.target_mut().iter_mut().for_each(|v| *v = rng.uniform());
    let w = n.params().to_vec();
    n.gradients(6);
    let g = n.grads().to_vec();
    let norm = g.iter().map(|g| g * g).sum::<f64>().sqrt();
    assert!(norm > c, "the test needs a gradient above the threshold");
    n.train_step(6, 0.5);
    for i in 0..w.len() {
        let want = w[i] - 0.5 * (g[i] * (c / norm));
        assert!((n.params()[i] - want).abs() < 1e-15, "param {i}");
    }
    let step: f64 = n
        .params()
        .iter()
        .zip(&w)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt();
    assert!((step - 0.5 * c).abs() < 1e-12, "‖Δw‖ = a·c, got {step}");
}

/// No global norm with update-first (each layer is updated before the next gradient exists):
/// `clipNorm` is rejected there; `clipValue` works with both orderings and, on one layer (where
/// the orderings coincide), gives the same step.
#[test]
fn clip_norm_needs_exact_ordering() {
    let config = |optimizer, ordering| Config {
        sizes: &[2, 1],
        activations: &[Activation::Linear],
        loss: Loss::Mse,
        optimizer,
        ordering,
    };
    let norm = optimizer(Rule::Sgd, 0.0, Some(1.0), None);
    assert_eq!(
        Network::<f32>::with_config(config(norm, Ordering::UpdateFirst)).unwrap_err(),
        wasm_mlp::NetError::InvalidConfig
    );
    assert!(Network::<f32>::with_config(config(norm, Ordering::Exact)).is_ok());
    let value = optimizer(Rule::Sgd, 0.0, None, Some(3.0));
    let run = |ordering| {
        let mut n = Network::<f64>::with_config(config(value, ordering)).unwrap();
        n.reserve(1).unwrap();
        n.params_mut().copy_from_slice(&[0.5, -0.25, 0.1]);
        n.input_mut()[..2].copy_from_slice(&[2.0, 2.0]);
        n.target_mut()[0] = 1.6;
        n.train_step(1, 0.1);
        n.params().to_vec()
    };
    assert_eq!(run(Ordering::UpdateFirst), run(Ordering::Exact));
    assert_close(
        &run(Ordering::UpdateFirst),
        &[0.8, 0.05, 0.3],
        1e-15,
        "clipValue 3",
    );
}
