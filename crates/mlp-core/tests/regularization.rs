//! Dropout and per-row loss weights at the network level (f64): the gradients of the masked
//! and of the weighted loss against central finite differences, a train step against the
//! hand-written SGD update along them, dropout absent at inference, and the setters' checks.

use wasm_mlp::kernels::dropout::Mask;
use wasm_mlp::test_support::Rng;
use wasm_mlp::{Activation, Config, Loss, NetError, Network, Optimizer, Ordering};

const SIZES: [usize; 4] = [3, 6, 5, 2];
const BATCH: usize = 4;

fn net(hidden: Activation, loss: Loss, out: Activation, rng: &mut Rng) -> Network<f64> {
    let mut n = Network::with_config(Config {
        sizes: &SIZES,
        activations: &[hidden, hidden, out],
        loss,
        optimizer: Optimizer::default(),
        ordering: Ordering::Exact,
    })
    .unwrap();
    n.reserve(BATCH).unwrap();
    for p in n.params_mut() {
        *p = rng.uniform();
    }
    for x in &mut n.input_mut()[..BATCH * SIZES[0]] {
        *x = 2.0 * rng.uniform();
    }
    for (r, row) in n.target_mut()[..BATCH * 2].chunks_exact_mut(2).enumerate() {
        row.copy_from_slice(if r % 2 == 0 { &[1.0, 0.0] } else { &[0.0, 1.0] });
    }
    n
}

/// Central differences of `value` against `grads`, every parameter.
fn check_fd(n: &mut Network<f64>, grads: &[f64], value: impl Fn(&mut Network<f64>) -> f64) {
    let h = 1e-6;
    for (i, &g) in grads.iter().enumerate() {
        let p0 = n.params()[i];
        n.params_mut()[i] = p0 + h;
        let up = value(n);
        n.params_mut()[i] = p0 - h;
        let down = value(n);
        n.params_mut()[i] = p0;
        let fd = (up - down) / (2.0 * h);
        assert!(
            (g - fd).abs() <= 1e-6 * g.abs().max(fd.abs()) + 1e-8,
            "param {i}: exact {g} vs fd {fd}"
        );
    }
}

const CASES: [(Activation, Loss, Activation); 4] = [
    (Activation::Sigmoid, Loss::HalfSse, Activation::Sigmoid),
    (Activation::Tanh, Loss::Mse, Activation::Linear),
    (
        Activation::Relu,
        Loss::CategoricalCrossEntropy,
        Activation::Softmax,
    ),
    (
        Activation::LeakyRelu { slope: 0.1 },
        Loss::BinaryCrossEntropy,
        Activation::Sigmoid,
    ),
];

#[test]
fn masked_loss_gradient_matches_finite_differences() {
    let mut rng = Rng::new(13);
    for (hidden, loss, out) in CASES {
        let mut n = net(hidden, loss, out, &mut rng);
        n.set_dropout(&[0.5, 0.25], 99).unwrap();
        n.set_step_count(41);
        let masked = n.training_gradients(BATCH);
        let g = n.grads().to_vec();
        // The masks really are on: the loss differs from the unmasked one.
        assert_ne!(masked, n.loss(BATCH));
        check_fd(&mut n, &g, |n| n.training_gradients(BATCH));
    }
}

#[test]
fn weighted_loss_value_and_gradient() {
    let mut rng = Rng::new(14);
    let w = [0.5, 2.0, 0.0, 1.25];
    for (hidden, loss, out) in CASES {
        let mut n = net(hidden, loss, out, &mut rng);
        // The value: Σ_r w_r·ℓ_r, divided by B for the mean losses (Keras's reduction), with
        // ℓ_r the row's loss alone (computed here by a 1-row copy of the network).
        let mut rows = Vec::new();
        for r in 0..BATCH {
            let mut one = net(hidden, loss, out, &mut Rng::new(0));
            one.params_mut().copy_from_slice(n.params());
            one.input_mut()[..3].copy_from_slice(&n.input_mut()[r * 3..r * 3 + 3]);
            one.target_mut()[..2].copy_from_slice(&n.target_mut()[r * 2..r * 2 + 2]);
            rows.push(one.loss(1));
        }
        let sum: f64 = rows.iter().zip(w).map(|(l, w)| w * l).sum();
        let want = if loss == Loss::HalfSse {
            sum
        } else {
            sum / BATCH as f64
        };
        n.weights_mut()[..BATCH].copy_from_slice(&w);
        n.set_weighted(true);
        let got = n.gradients(BATCH);
        assert!(
            (got - want).abs() <= 1e-14 * want.abs(),
            "{loss:?}: {got} vs {want}"
        );
        let g = n.grads().to_vec();
        check_fd(&mut n, &g, |n| n.loss(BATCH));
        // Weighted and masked together.
        n.set_dropout(&[0.3, 0.3], 5).unwrap();
        n.training_gradients(BATCH);
        let g = n.grads().to_vec();
        check_fd(&mut n, &g, |n| n.training_gradients(BATCH));
    }
}

#[test]
fn train_step_descends_the_masked_gradient() {
    let mut rng = Rng::new(15);
    let mut n = net(Activation::Tanh, Loss::Mse, Activation::Linear, &mut rng);
    n.set_dropout(&[0.4, 0.0], 3).unwrap();
    for _ in 0..3 {
        let before = n.params().to_vec();
        let masked = n.training_gradients(BATCH);
        let g = n.grads().to_vec();
        let loss = n.train_step(BATCH, 0.05);
        assert_eq!(loss, masked);
        for ((p, p0), g) in n.params().iter().zip(&before).zip(&g) {
            assert_eq!(*p, p0 - 0.05 * g); // SGD: w ← w − lr·g, bit for bit
        }
    }
    assert_eq!(n.step_count(), 3);
}

#[test]
fn dropout_is_off_at_inference() {
    let mut rng = Rng::new(16);
    let mut n = net(Activation::Relu, Loss::Mse, Activation::Linear, &mut rng);
    n.forward(BATCH);
    let plain = n.output()[..BATCH * 2].to_vec();
    let plain_loss = n.loss(BATCH);
    n.set_dropout(&[0.5, 0.5], 1).unwrap();
    n.forward(BATCH);
    assert_eq!(&n.output()[..BATCH * 2], &plain[..]);
    assert_eq!(n.loss(BATCH), plain_loss);
    let g = n.gradients(BATCH);
    assert_eq!(g, plain_loss);
    // A training forward does differ.
    assert_ne!(n.training_gradients(BATCH), plain_loss);
}

#[test]
fn masks_follow_the_documented_key() {
    // The mask of hidden layer 0 at step t+1 decides which units of the first hidden layer
    // carry any gradient to W_0: a dropped unit j has dW_0[:, j] = 0 and db_0[j] = 0.
    let mut rng = Rng::new(17);
    let mut n = net(
        Activation::Sigmoid,
        Loss::HalfSse,
        Activation::Sigmoid,
        &mut rng,
    );
    n.set_dropout(&[0.5, 0.0], 1234).unwrap();
    n.set_step_count(9);
    n.training_gradients(BATCH);
    let mask = Mask::new(1234, 10, 0, 0.5);
    let db0 = &n.grads()[3 * 6..3 * 6 + 6];
    for (j, &db) in db0.iter().enumerate() {
        let any_kept = (0..BATCH).any(|r| mask.keeps((r * 6 + j) as u32));
        assert_eq!(db != 0.0, any_kept, "unit {j}");
    }
}

#[test]
fn set_dropout_rejects_bad_rates_and_keeps_the_network() {
    let mut rng = Rng::new(18);
    let mut n = net(Activation::Relu, Loss::Mse, Activation::Linear, &mut rng);
    n.set_dropout(&[0.2, 0.1], 1).unwrap();
    for bad in [
        &[0.2][..],
        &[0.2, 1.0],
        &[-0.1, 0.0],
        &[f64::NAN, 0.0],
        &[0.1, 0.1, 0.1],
    ] {
        assert_eq!(n.set_dropout(bad, 2), Err(NetError::InvalidConfig));
        assert_eq!(n.dropout(), &[0.2, 0.1]);
    }
    // Growing after set_dropout sizes the unmasked buffers too.
    n.reserve(4 * BATCH).unwrap();
    n.training_gradients(4 * BATCH);
    n.set_dropout(&[], 0).unwrap();
    assert!(n.dropout().is_empty());
}
