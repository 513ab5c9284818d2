//! FFI smoke test: the extern "C" functions driven natively, as the TS side drives them.
//! (The test-only kernel exports are tested in `src/ffi/kernels.rs`.)

use wasm_mlp::ffi::{
    decode_config, f32_exports as f32x, f64_exports as f64x, mlp_alloc, mlp_free, CONFIG_HEADER,
};
use wasm_mlp::{Activation, Clip, Loss, Optimizer, Ordering, Rule};

/// The config block of the default network (sigmoid, half-sse, sgd) for `sizes` and `ordering`.
fn default_block(sizes: &[u32], ordering: u32) -> Vec<f64> {
    let mut block = vec![f64::from(ordering), 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0];
    block.push(sizes.len() as f64);
    block.extend(sizes.iter().map(|&s| f64::from(s)));
    for _ in 1..sizes.len() {
        block.extend([0.0, 0.0]);
    }
    block
}

#[test]
fn config_block_decodes_and_rejects_malformed_blocks() {
    // [3, 4, 2]: relu, then softmax; categorical cross-entropy; adam; update-first; λ = 0.01;
    // clipValue 0.5
    let block = [
        1.0, 3.0, 2.0, 0.9, 0.999, 1e-8, 0.01, 0.0, 0.5, 3.0, 3.0, 4.0, 2.0, 2.0, 0.0, 5.0, 0.0,
    ];
    let d = decode_config(&block).unwrap();
    assert_eq!(d.sizes, [3, 4, 2]);
    assert_eq!(d.activations, [Activation::Relu, Activation::Softmax]);
    assert_eq!(d.loss, Loss::CategoricalCrossEntropy);
    assert_eq!(d.ordering, Ordering::UpdateFirst);
    assert_eq!(
        d.optimizer,
        Optimizer {
            rule: Rule::Adam {
                beta1: 0.9,
                beta2: 0.999,
                epsilon: 1e-8
            },
            weight_decay: 0.01,
            clip: Clip {
                norm: None,
                value: Some(0.5)
            }
        }
    );
    assert_eq!(block.len(), CONFIG_HEADER + 3 * 2 + 1);
    let with = |slot: usize, v: f64| {
        let mut b = block.to_vec();
        b[slot] = v;
        decode_config(&b)
    };
    assert!(decode_config(&block[..block.len() - 1]).is_none(), "short");
    assert!(decode_config(&block[..3]).is_none(), "no header");
    assert!(with(0, 2.0).is_none(), "ordering");
    assert!(with(1, 4.0).is_none(), "loss");
    assert!(with(2, 5.0).is_none(), "optimizer");
    assert!(with(3, 1.0).is_none(), "beta1 = 1");
    assert!(with(5, 0.0).is_none(), "epsilon = 0");
    assert!(with(6, -1.0).is_none(), "negative decay");
    for (slot, bad) in [
        (7, -1.0),
        (7, f64::NAN),
        (7, f64::INFINITY),
        (8, -0.5),
        (8, f64::NAN),
    ] {
        assert!(with(slot, bad).is_none(), "clipping slot {slot} = {bad}");
    }
    assert_eq!(with(7, 2.0).unwrap().optimizer.clip.norm, Some(2.0));
    assert_eq!(with(8, 0.0).unwrap().optimizer.clip.value, None);
    assert_eq!(
        with(2, 3.0).unwrap().optimizer.rule,
        Rule::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8
        }
    );
    let mut rms = block.to_vec();
    rms[2..6].copy_from_slice(&[4.0, 0.9, 1e-7, 0.0]);
    assert_eq!(
        decode_config(&rms).unwrap().optimizer.rule,
        Rule::RmsProp {
            rho: 0.9,
            epsilon: 1e-7
        }
    );
    rms[5] = 1.0;
    assert!(decode_config(&rms).is_none(), "rmsprop's third slot");
    assert!(with(9, 4.0).is_none(), "size count vs length");
    assert!(with(10, 2.5).is_none(), "fractional size");
    assert!(with(13, 9.0).is_none(), "activation code");
    let mut leaky = block.to_vec();
    leaky[13] = 3.0;
    leaky[14] = 0.2;
    assert_eq!(
        decode_config(&leaky).unwrap().activations[0],
        Activation::LeakyRelu { slope: 0.2 }
    );
    leaky[14] = -0.5;
    assert!(decode_config(&leaky).is_none(), "negative leaky slope");
    // decodable but structurally invalid: softmax first, cross-entropy without softmax
    // SAFETY: valid blocks of the stated lengths.
    unsafe {
        let mut b = block.to_vec();
        b[13] = 5.0;
        assert!(f32x::net_create(b.as_ptr(), b.len() as u32).is_null());
        b[13] = 2.0;
        b[15] = 0.0;
        assert!(f32x::net_create(b.as_ptr(), b.len() as u32).is_null());
        // global-norm clipping needs exact ordering (no global norm when updating first)
        let mut b = block.to_vec();
        b[7] = 1.0;
        assert!(f32x::net_create(b.as_ptr(), b.len() as u32).is_null());
        b[0] = 0.0;
        let net = f32x::net_create(b.as_ptr(), b.len() as u32);
        assert!(!net.is_null());
        f32x::net_destroy(net);
        let net = f64x::net_create(block.as_ptr(), block.len() as u32);
        assert!(!net.is_null());
        let p = f64x::net_param_count(net);
        assert_eq!(p, 3 * 4 + 4 + 4 * 2 + 2);
        assert_eq!(f64x::net_state_len(net), 2 * p);
        assert_eq!(f64x::net_step_count(net), 0.0);
        f64x::net_set_step_count(net, 12.0);
        assert_eq!(f64x::net_step_count(net), 12.0);
        f64x::net_set_step_count(net, -1.0);
        f64x::net_set_step_count(net, 0.5);
        assert_eq!(f64x::net_step_count(net), 12.0);
        f64x::net_destroy(net);
    }
}

#[test]
fn ffi_network_lifecycle_f32() {
    let sizes = [2u32, 3, 1];
    // SAFETY (whole test): every pointer comes from the exports and is used within the
    // lengths and lifetimes the ffi module documents.
    unsafe {
        let create = |b: &[f64]| f32x::net_create(b.as_ptr(), b.len() as u32);
        assert!(create(&default_block(&sizes[..1], 0)).is_null());
        assert!(create(&default_block(&[2, 0, 1], 0)).is_null());
        assert!(create(&default_block(&sizes, 2)).is_null());
        assert!(f32x::net_create(std::ptr::null(), 3).is_null());

        let net = create(&default_block(&sizes, 1));
        assert!(!net.is_null());
        assert_eq!(f32x::net_param_count(net), 13);
        let params = std::slice::from_raw_parts_mut(f32x::net_params(net), 13);
        for (i, p) in params.iter_mut().enumerate() {
            *p = (i as f32 * 0.37).sin();
        }
        assert_eq!(f32x::net_reserve(net, 4), 1);
        let x = [0.0f32, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
        let y = [0.0f32, 1.0, 1.0, 0.0];
        std::ptr::copy_nonoverlapping(x.as_ptr(), f32x::net_input(net), 8);
        std::ptr::copy_nonoverlapping(y.as_ptr(), f32x::net_target(net), 4);

        let l0 = f32x::net_loss(net, 4);
        let first = f32x::net_train_step(net, 4, 2.0);
        assert_eq!(l0, first);
        let mut last = first;
        for _ in 0..200 {
            last = f32x::net_train_step(net, 4, 2.0);
        }
        assert!(last.is_finite() && last < first, "{first} -> {last}");
        let out = std::slice::from_raw_parts(f32x::net_output(net), 4);
        assert!(out.iter().all(|v| (0.0..=1.0).contains(v)));

        let g = f32x::net_gradients(net, 4);
        assert!(g.is_finite());
        let grads = std::slice::from_raw_parts(f32x::net_grads(net), 13);
        assert!(grads.iter().any(|&v| v != 0.0));

        // batch beyond capacity: rejected, no panic
        assert!(f32x::net_train_step(net, 5, 0.1).is_nan());
        assert_eq!(f32x::net_forward(net, 5), 0);
        f32x::net_backward(net, 5, 0.1);
        // null handle: tolerated
        assert!(f32x::net_loss(std::ptr::null_mut(), 1).is_nan());
        assert_eq!(f32x::net_reserve(std::ptr::null_mut(), 1), 0);

        assert_eq!(f32x::net_forward(net, 4), 1);
        // a non-finite input: refused, nothing computed
        let input = f32x::net_input(net);
        let first = *input;
        *input = f32::NAN;
        assert_eq!(f32x::net_forward(net, 4), 0);
        *input = first;
        assert_eq!(f32x::net_forward(net, 4), 1);
        f32x::net_backward(net, 4, 0.5);
        f32x::net_destroy(net);
        f32x::net_destroy(std::ptr::null_mut());
    }
}

#[test]
fn ffi_alloc_and_free() {
    // SAFETY: `p` is freed once with the size and align it was allocated with; null is a no-op.
    unsafe {
        let p = mlp_alloc(64, 16);
        assert!(!p.is_null() && (p as usize).is_multiple_of(16));
        mlp_free(p, 64, 16);
        assert!(!mlp_alloc(0, 8).is_null());
        assert!(mlp_alloc(16, 3).is_null());
        mlp_free(std::ptr::null_mut(), 16, 8);
    }
}
