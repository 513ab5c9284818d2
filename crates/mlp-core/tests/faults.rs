//! Fault injection: every allocation of network creation and of `reserve` is made to fail in
//! turn (the counting allocator's budget), and what is left behind is checked: creation
//! returns null, `reserve` returns `Err` with no buffer moved and the capacity unchanged, and
//! the network then trains exactly like one that never saw a failure. One test only: the
//! budget is process-wide, so no other test thread may allocate meanwhile.

use wasm_mlp::alloc_counter::{set_allocation_budget, CountingAlloc};
use wasm_mlp::ffi::f64_exports as f64x;
use wasm_mlp::test_support::Rng;
use wasm_mlp::{Activation, Clip, Config, Loss, Network, Optimizer, Ordering, Rule};

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

const SIZES: [usize; 4] = [7, 33, 5, 3];

fn config() -> Config<'static> {
    Config {
        sizes: &SIZES,
        activations: &[Activation::Relu, Activation::Tanh, Activation::Softmax],
        loss: Loss::CategoricalCrossEntropy,
        optimizer: Optimizer {
            rule: Rule::Adam {
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8,
            },
            weight_decay: 0.0,
            clip: Clip::NONE,
        },
        ordering: Ordering::Exact,
    }
}

/// A network with deterministic parameters, reserved for `batch` rows.
fn network(batch: usize) -> Network<f64> {
    let mut net = Network::<f64>::with_config(config()).unwrap();
    let params: Vec<f64> = Rng::new(7).vec(net.params().len());
    net.params_mut().copy_from_slice(&params);
    net.reserve(batch).unwrap();
    net
}

/// Trains `net` for three steps of `batch` rows; returns the losses and the parameters.
fn train(net: &mut Network<f64>, batch: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Rng::new(11);
    let mut losses = Vec::new();
    for _ in 0..3 {
        let x: Vec<f64> = rng.vec(batch * SIZES[0]);
        net.input_mut()[..x.len()].copy_from_slice(&x);
        let target = net.target_mut();
        target[..batch * 3].fill(0.0);
        for row in 0..batch {
            target[row * 3 + row % 3] = 1.0;
        }
        losses.push(net.train_step(batch, 0.01));
    }
    (losses, net.params().to_vec())
}

/// The buffer addresses the FFI hands out (they must not move when `reserve` fails).
fn addresses(net: &mut Network<f64>) -> [usize; 3] {
    [
        net.input_mut().as_ptr() as usize,
        net.target_mut().as_ptr() as usize,
        net.output_mut().as_ptr() as usize,
    ]
}

#[test]
fn every_failed_allocation_leaves_a_usable_network() {
    let (small, large) = (4, 300);
    let expected = train(&mut network(large), large);

    // reserve: fail the 0th, 1st, … allocation until one reserve needs no more than allowed.
    let mut failures = 0;
    for budget in 0.. {
        let mut net = network(small);
        let before = addresses(&mut net);
        set_allocation_budget(Some(budget));
        let result = net.reserve(large);
        set_allocation_budget(None);
        if result.is_ok() {
            assert_eq!(net.capacity(), large);
            assert_eq!(
                train(&mut net, large),
                expected,
                "after the successful reserve"
            );
            break;
        }
        failures += 1;
        assert_eq!(net.capacity(), small, "budget {budget}: capacity changed");
        assert_eq!(
            addresses(&mut net),
            before,
            "budget {budget}: a buffer moved"
        );
        // Still usable at the old size, then able to grow once memory is back.
        let (losses, _) = train(&mut net, small);
        assert!(losses.iter().all(|l| l.is_finite()));
        let mut fresh = network(large);
        fresh.params_mut().copy_from_slice(net.params());
        fresh
            .optimizer_state_mut()
            .copy_from_slice(net.optimizer_state());
        fresh.set_step_count(net.step_count());
        net.reserve(large).unwrap();
        assert_eq!(
            train(&mut net, large),
            train(&mut fresh, large),
            "budget {budget}"
        );
    }
    assert!(
        failures >= 8,
        "reserve makes many allocations; only {failures} failed"
    );

    // creation through the FFI: null on every failure, never an abort.
    let block: Vec<f64> = {
        let mut b = vec![
            0.0,
            3.0,
            2.0,
            0.9,
            0.999,
            1e-8,
            0.0,
            0.0,
            0.0,
            SIZES.len() as f64,
        ];
        b.extend(SIZES.iter().map(|&s| s as f64));
        b.extend([2.0, 0.0, 1.0, 0.0, 5.0, 0.0]);
        b
    };
    let mut created = 0;
    for budget in 0.. {
        set_allocation_budget(Some(budget));
        // SAFETY: a valid block; the handle is destroyed below.
        let net = unsafe { f64x::net_create(block.as_ptr(), block.len() as u32) };
        set_allocation_budget(None);
        if net.is_null() {
            created += 1;
            continue;
        }
        // SAFETY: a live handle from net_create, destroyed once.
        unsafe {
            assert_eq!(f64x::net_reserve(net, large as u32), 1);
            f64x::net_destroy(net);
        }
        break;
    }
    assert!(
        created >= 5,
        "creation failed only {created} times before succeeding"
    );
}
