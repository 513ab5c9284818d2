//! Activations × losses × optimizers at the network level: exact gradients vs central finite
//! differences (f64) for every valid pairing, the optimizer rules against their formulas,
//! update-first with stateful optimizers, and the skip of an update on a non-finite loss.

use wasm_mlp::test_support::Rng;
use wasm_mlp::{Activation, Clip, Config, Loss, Network, Optimizer, Ordering, Rule};

const HIDDEN: [Activation; 5] = [
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::Relu,
    Activation::LeakyRelu { slope: 0.1 },
    Activation::Linear,
];

/// Adam with the usual defaults, no weight decay.
const ADAM: Optimizer = Optimizer {
    rule: Rule::Adam {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-8,
    },
    weight_decay: 0.0,
    clip: Clip::NONE,
};

/// Every (loss, output activation) pair the network accepts.
fn loss_outputs() -> Vec<(Loss, Activation)> {
    let mut pairs = Vec::new();
    for loss in [Loss::HalfSse, Loss::Mse] {
        for out in HIDDEN.into_iter().chain([Activation::Softmax]) {
            pairs.push((loss, out));
        }
    }
    pairs.push((Loss::BinaryCrossEntropy, Activation::Sigmoid));
    pairs.push((Loss::CategoricalCrossEntropy, Activation::Softmax));
    pairs
}

/// Targets valid for `loss`: in [0, 1), rows summing to 1 for the categorical cross-entropy.
fn targets(rng: &mut Rng, loss: Loss, rows: usize, cols: usize) -> Vec<f64> {
    let mut y: Vec<f64> = (0..rows * cols)
        .map(|_| 0.5 * (rng.uniform() + 1.0))
        .collect();
    if loss == Loss::CategoricalCrossEntropy {
        for row in y.chunks_exact_mut(cols) {
            let s: f64 = row.iter().sum();
            row.iter_mut().for_each(|v| *v /= s);
        }
    }
    y
}

fn net(
    sizes: &[usize],
    acts: &[Activation],
    loss: Loss,
    optimizer: Optimizer,
    ordering: Ordering,
) -> Network<f64> {
    Network::with_config(Config {
        sizes,
        activations: acts,
        loss,
        optimizer,
        ordering,
    })
    .unwrap()
}

fn fill(rng: &mut Rng, n: &mut Network<f64>, batch: usize, loss: Loss) {
    let sizes = n.sizes().to_vec();
    n.reserve(batch).unwrap();
    for p in n.params_mut() {
        *p = rng.uniform();
    }
    for x in &mut n.input_mut()[..batch * sizes[0]] {
        *x = 2.0 * rng.uniform();
    }
    let y = targets(rng, loss, batch, sizes[sizes.len() - 1]);
    n.target_mut()[..y.len()].copy_from_slice(&y);
}

#[test]
fn every_activation_and_loss_pair_matches_finite_differences() {
    let mut rng = Rng::new(2024);
    let h = 1e-6;
    let mut checked = 0;
    for hidden in HIDDEN {
        for (loss, out) in loss_outputs() {
            let sizes = [3, 5, 4];
            let batch = 3;
            let mut n = net(
                &sizes,
                &[hidden, out],
                loss,
                Optimizer::default(),
                Ordering::Exact,
            );
            fill(&mut rng, &mut n, batch, loss);
            n.gradients(batch);
            let g = n.grads().to_vec();
            for (i, &gi) in g.iter().enumerate() {
                let p0 = n.params()[i];
                n.params_mut()[i] = p0 + h;
                let up = n.loss(batch);
                n.params_mut()[i] = p0 - h;
                let down = n.loss(batch);
                n.params_mut()[i] = p0;
                let fd = (up - down) / (2.0 * h);
                // truncation O(h²) ≈ 1e-12 and cancellation ≈ ε·L/h ≈ 1e-10; relu's kink is
                // met with probability ~h per element (none occurs with this seed).
                assert!(
                    (gi - fd).abs() <= 1e-6 * gi.abs().max(fd.abs()) + 1e-8,
                    "{hidden:?}/{out:?}/{loss:?} param {i}: exact {gi} vs fd {fd}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        HIDDEN.len() * loss_outputs().len() * (3 * 5 + 5 + 5 * 4 + 4)
    );
}

#[test]
fn cross_entropies_stay_finite_for_huge_logits() {
    for (loss, out) in [
        (Loss::CategoricalCrossEntropy, Activation::Softmax),
        (Loss::BinaryCrossEntropy, Activation::Sigmoid),
    ] {
        let mut n = net(&[1, 2], &[out], loss, Optimizer::default(), Ordering::Exact);
        n.reserve(1).unwrap();
        n.params_mut().copy_from_slice(&[500.0, -500.0, 0.0, 0.0]);
        n.input_mut()[0] = 1.0; // logits ±500: ŷ rounds to exactly 1 and 0
        n.target_mut().copy_from_slice(&[0.0, 1.0]);
        let l = n.loss(1);
        let want = match loss {
            Loss::CategoricalCrossEntropy => 1000.0,
            _ => 500.0, // mean of two terms of 500 each
        };
        assert!((l - want).abs() < 1e-9, "{loss:?}: {l}");
        n.gradients(1);
        assert!(n.grads().iter().all(|g| g.is_finite()));
    }
}

/// One step of each optimizer on a one-layer linear network against the textbook formula.
#[test]
fn optimizer_rules_follow_their_formulas() {
    let rules = [
        Rule::Sgd,
        Rule::Momentum {
            momentum: 0.9,
            nesterov: false,
        },
        Rule::Momentum {
            momentum: 0.8,
            nesterov: true,
        },
        Rule::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        },
        Rule::AdamW {
            beta1: 0.8,
            beta2: 0.99,
            epsilon: 1e-8,
        },
        Rule::RmsProp {
            rho: 0.9,
            epsilon: 1e-8,
        },
    ];
    for rule in rules {
        for weight_decay in [0.0, 0.05] {
            let opt = Optimizer {
                rule,
                weight_decay,
                clip: Clip::NONE,
            };
            let mut rng = Rng::new(8);
            let mut n = net(
                &[3, 2],
                &[Activation::Linear],
                Loss::Mse,
                opt,
                Ordering::Exact,
            );
            fill(&mut rng, &mut n, 4, Loss::Mse);
            let lr = 0.05;
            let p = n.params().len();
            let (mut w, mut s0, mut s1) = (n.params().to_vec(), vec![0.0; p], vec![0.0; p]);
            for t in 1..=3u64 {
                n.gradients(4);
                let g = n.grads().to_vec();
                n.train_step(4, lr);
                for i in 0..p {
                    let decay = if i < 6 { weight_decay } else { 0.0 }; // W is 3×2, then b
                    let gi = g[i] + decay * w[i];
                    w[i] -= lr
                        * match rule {
                            Rule::Sgd => gi,
                            Rule::Momentum { momentum, nesterov } => {
                                s0[i] = momentum * s0[i] + gi;
                                if nesterov {
                                    gi + momentum * s0[i]
                                } else {
                                    s0[i]
                                }
                            }
                            Rule::Adam {
                                beta1,
                                beta2,
                                epsilon,
                            } => {
                                s0[i] = beta1 * s0[i] + (1.0 - beta1) * gi;
                                s1[i] = beta2 * s1[i] + (1.0 - beta2) * gi * gi;
                                let m = s0[i] / (1.0 - beta1.powi(t as i32));
                                let v = s1[i] / (1.0 - beta2.powi(t as i32));
                                m / (v.sqrt() + epsilon)
                            }
                            Rule::AdamW {
                                beta1,
                                beta2,
                                epsilon,
                            } => {
                                // decoupled: the moments see g alone, λw joins the step
                                s0[i] = beta1 * s0[i] + (1.0 - beta1) * g[i];
                                s1[i] = beta2 * s1[i] + (1.0 - beta2) * g[i] * g[i];
                                let m = s0[i] / (1.0 - beta1.powi(t as i32));
                                let v = s1[i] / (1.0 - beta2.powi(t as i32));
                                decay * w[i] + m / (v.sqrt() + epsilon)
                            }
                            Rule::RmsProp { rho, epsilon } => {
                                s0[i] = rho * s0[i] + (1.0 - rho) * gi * gi;
                                gi / (s0[i].sqrt() + epsilon)
                            }
                        };
                    assert!(
                        (n.params()[i] - w[i]).abs() <= 1e-14,
                        "{rule:?} λ={weight_decay} t={t} param {i}"
                    );
                }
                assert_eq!(n.step_count(), t);
                let state = n.optimizer_state();
                assert_eq!(state.len(), opt.slots() * p);
                if opt.slots() >= 1 {
                    assert!((state[..p].iter().zip(&s0)).all(|(a, b)| (a - b).abs() < 1e-14));
                }
                if opt.slots() == 2 {
                    assert!((state[p..].iter().zip(&s1)).all(|(a, b)| (a - b).abs() < 1e-14));
                }
            }
        }
    }
}

/// With any optimizer, update-first updates layer i before propagating through its W: the
/// last layer's update agrees with exact ordering, earlier layers differ; one layer: identical.
#[test]
fn update_first_with_stateful_optimizers() {
    let adam = ADAM;
    let momentum = Optimizer {
        rule: Rule::Momentum {
            momentum: 0.9,
            nesterov: true,
        },
        weight_decay: 0.01,
        clip: Clip::NONE,
    };
    for opt in [adam, momentum] {
        for sizes in [&[4usize, 3][..], &[4, 6, 3]] {
            let acts = vec![Activation::Tanh; sizes.len() - 1];
            let run = |ordering| {
                let mut n = net(sizes, &acts, Loss::Mse, opt, ordering);
                fill(&mut Rng::new(3), &mut n, 5, Loss::Mse);
                for _ in 0..2 {
                    n.train_step(5, 0.1);
                }
                n.params().to_vec()
            };
            let (a, b) = (run(Ordering::Exact), run(Ordering::UpdateFirst));
            if sizes.len() == 2 {
                assert_eq!(a, b);
            } else {
                let last = 6 * 3 + 3;
                assert_ne!(a[..a.len() - last], b[..b.len() - last]);
            }
        }
    }
}

#[test]
fn non_finite_loss_skips_the_update() {
    let adam = ADAM;
    let mut n = Network::<f32>::with_config(Config {
        sizes: &[2, 2],
        activations: &[Activation::Linear],
        loss: Loss::Mse,
        optimizer: adam,
        ordering: Ordering::Exact,
    })
    .unwrap();
    n.reserve(1).unwrap();
    n.params_mut()
        .copy_from_slice(&[3e38, 3e38, 3e38, 3e38, 0.0, 0.0]);
    n.input_mut()[..2].copy_from_slice(&[1.0, 1.0]); // z = 6e38 overflows f32: loss = ∞
    let before = n.params().to_vec();
    let loss = n.train_step(1, 0.1);
    assert!(!loss.is_finite());
    assert_eq!(n.params(), &before[..]);
    assert_eq!(n.step_count(), 0);
    assert!(n.optimizer_state().iter().all(|&s| s == 0.0));
}
