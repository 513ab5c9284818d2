//! Steady-state training allocates nothing: the crate's counting allocator is installed in
//! this test binary (on wasm32 it is the crate's global allocator; natively it is not).
//! One test only, so no other test thread allocates concurrently.

use wasm_mlp::alloc_counter::{allocation_count, CountingAlloc};
use wasm_mlp::{Activation, Clip, Config, Loss, Network, Optimizer, Ordering, Rule};

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

#[test]
fn training_loop_does_not_allocate() {
    let adam = Optimizer {
        rule: Rule::Adam {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        },
        weight_decay: 1e-4,
        // clipping included: the global-norm path runs the gradient pass, then the updates
        clip: Clip {
            norm: Some(1.0),
            value: Some(0.5),
        },
    };
    let acts = [Activation::Relu, Activation::Tanh, Activation::Softmax];
    for (ordering, cross_entropy) in [
        (Ordering::Exact, false),
        (Ordering::UpdateFirst, false),
        (Ordering::Exact, true),
    ] {
        let sizes = [20, 70, 33, 10];
        let mut net = if cross_entropy {
            // relu/tanh/softmax + categorical cross-entropy + Adam: logits and optimizer state
            Network::<f32>::with_config(Config {
                sizes: &sizes,
                activations: &acts,
                loss: Loss::CategoricalCrossEntropy,
                optimizer: adam,
                ordering,
            })
            .unwrap()
        } else {
            Network::<f32>::new(&sizes, ordering).unwrap()
        };
        if cross_entropy {
            // with dropout and per-row loss weights
            net.set_dropout(&[0.3, 0.1], 7).unwrap();
            net.set_weighted(true);
        }
        let grown = allocation_count();
        net.reserve(130).unwrap();
        assert!(
            allocation_count() > grown,
            "the counter must see reserve's allocations"
        );
        for (i, p) in net.params_mut().iter_mut().enumerate() {
            *p = ((i * 7919) % 1000) as f32 / 1000.0 - 0.5;
        }
        let before = allocation_count();
        net.weights_mut().fill(0.5);
        for step in 0..8 {
            let batch = [130, 1, 77, 128][step % 4];
            net.train_step(batch, 0.1);
            net.gradients(batch);
            net.loss(batch);
            net.reserve(batch).unwrap(); // not growing: no-op
        }
        assert_eq!(
            allocation_count(),
            before,
            "{ordering:?} cross-entropy {cross_entropy}"
        );
    }
}
