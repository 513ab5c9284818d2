//! Threaded training is bit-identical to one thread: the core's pool gets native worker
//! threads (what `mlp_pool_worker_run` gives it on wasm), and the same networks are trained
//! with 1, 2 and 3 threads for every activation, loss, optimizer (with clipping) and ordering,
//! in both dtypes, with dropout.

use std::sync::OnceLock;
use wasm_mlp::optimizers::Clip;
use wasm_mlp::parallel::POOL;
use wasm_mlp::test_support::Rng;
use wasm_mlp::{Activation, Config, Loss, Network, Optimizer, Ordering, Rule, SimdReal};

/// Two native workers (slots 1 and 2) parked in the process's pool for the whole test run.
fn start_pool() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        for slot in 1..=2 {
            std::thread::spawn(move || POOL.worker_loop(slot));
        }
        while POOL.workers() < 2 {
            std::thread::yield_now();
        }
    });
}

/// Layer sizes large enough that every product is split (≥ 2·2¹⁸ multiply-adds at batch 97)
/// and the first layer's update too (> 2·16 Ki weights), none a multiple of a SIMD width.
const SIZES: [usize; 4] = [131, 257, 67, 3];
const BATCH: usize = 97;

fn train<T: SimdReal>(
    config: Config<'_>,
    threads: usize,
    steps: usize,
) -> (Vec<T>, Vec<T>, Vec<T>) {
    let mut rng = Rng::new(7);
    let mut net = Network::<T>::with_config(config).unwrap();
    net.set_threads(threads).unwrap();
    net.reserve(BATCH).unwrap();
    for p in net.params_mut() {
        *p = T::from_f64(0.2 * rng.uniform());
    }
    let n_in = BATCH * SIZES[0];
    let n_out = BATCH * SIZES[SIZES.len() - 1];
    for step in 0..steps {
        for x in &mut net.input_mut()[..n_in] {
            *x = T::from_f64(rng.uniform());
        }
        for (i, y) in net.target_mut()[..n_out].iter_mut().enumerate() {
            // one-hot rows (valid for every loss, the cross-entropies included)
            *y = T::from_f64(f64::from(u8::from((i + step) % 3 == 0)));
        }
        let loss = net.train_step(BATCH, T::from_f64(0.01));
        assert!(loss.is_finite());
    }
    net.forward(BATCH);
    (
        net.params().to_vec(),
        net.optimizer_state().to_vec(),
        net.output()[..n_out].to_vec(),
    )
}

fn configs() -> Vec<(Vec<Activation>, Loss, Optimizer, Ordering)> {
    let hidden = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.1 },
        Activation::Linear,
    ];
    let outputs = [
        (Activation::Sigmoid, Loss::HalfSse),
        (Activation::Linear, Loss::Mse),
        (Activation::Sigmoid, Loss::BinaryCrossEntropy),
        (Activation::Softmax, Loss::CategoricalCrossEntropy),
    ];
    let optimizers = [
        Optimizer::default(),
        Optimizer {
            rule: Rule::Momentum {
                momentum: 0.9,
                nesterov: true,
            },
            weight_decay: 1e-3,
            clip: Clip {
                norm: None,
                value: Some(0.05),
            },
        },
        Optimizer {
            rule: Rule::Adam {
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8,
            },
            weight_decay: 0.0,
            clip: Clip::default(),
        },
        Optimizer {
            rule: Rule::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8,
            },
            weight_decay: 0.01,
            // clipNorm: the norm is one reduction on the calling thread, the scaled update is
            // split (exact ordering only; update-first is rejected at creation).
            clip: Clip {
                norm: Some(0.5),
                value: None,
            },
        },
        Optimizer {
            rule: Rule::RmsProp {
                rho: 0.9,
                epsilon: 1e-8,
            },
            weight_decay: 0.0,
            clip: Clip::default(),
        },
    ];
    let mut all = Vec::new();
    for (i, &(out, loss)) in outputs.iter().enumerate() {
        for (j, &optimizer) in optimizers.iter().enumerate() {
            for ordering in [Ordering::Exact, Ordering::UpdateFirst] {
                if optimizer.clip.norm.is_some() && ordering == Ordering::UpdateFirst {
                    continue;
                }
                // every hidden activation appears with every loss, optimizer and ordering
                let h = hidden[(i + j) % hidden.len()];
                let h2 = hidden[(i + j + 2) % hidden.len()];
                all.push((vec![h, h2, out], loss, optimizer, ordering));
            }
        }
    }
    all
}

fn identical_for_every_thread_count<T: SimdReal + PartialEq + std::fmt::Debug>(steps: usize) {
    start_pool();
    for (activations, loss, optimizer, ordering) in configs() {
        let config = Config {
            sizes: &SIZES,
            activations: &activations,
            loss,
            optimizer,
            ordering,
        };
        let one = train::<T>(config, 1, steps);
        for threads in [2, 3] {
            let many = train::<T>(config, threads, steps);
            // Bitwise: compare the bit patterns, so −0 vs 0 or NaN payloads would show.
            let bits = |v: &[T]| v.iter().map(|x| x.to_f64().to_bits()).collect::<Vec<_>>();
            assert!(
                bits(&one.0) == bits(&many.0) && bits(&one.1) == bits(&many.1) && bits(&one.2) == bits(&many.2),
                "{activations:?} {loss:?} {optimizer:?} {ordering:?}: {threads} threads differ from 1"
            );
        }
    }
}

#[test]
fn f32_training_is_bit_identical_for_1_2_3_threads() {
    identical_for_every_thread_count::<f32>(6);
}

#[test]
fn f64_training_is_bit_identical_for_1_2_3_threads() {
    identical_for_every_thread_count::<f64>(6);
}
