//! FFI smoke test: the extern "C" functions driven natively, as the TS side drives them.

use wasm_mlp::ffi::{f32_exports as f32x, f64_exports as f64x, mlp_alloc, mlp_free};

#[test]
fn ffi_network_lifecycle_f32() {
    let sizes = [2u32, 3, 1];
    // SAFETY (whole test): every pointer comes from the exports and is used within the
    // lengths and lifetimes the ffi module documents.
    unsafe {
        assert!(f32x::net_create(sizes.as_ptr(), 1, 0).is_null());
        assert!(f32x::net_create([2u32, 0, 1].as_ptr(), 3, 0).is_null());
        assert!(f32x::net_create(sizes.as_ptr(), 3, 2).is_null());
        assert!(f32x::net_create(std::ptr::null(), 3, 0).is_null());

        let net = f32x::net_create(sizes.as_ptr(), 3, 1);
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
        f32x::net_forward(net, 5);
        f32x::net_backward(net, 5, 0.1);
        // null handle: tolerated
        assert!(f32x::net_loss(std::ptr::null_mut(), 1).is_nan());
        assert_eq!(f32x::net_reserve(std::ptr::null_mut(), 1), 0);

        f32x::net_forward(net, 4);
        f32x::net_backward(net, 4, 0.5);
        f32x::net_destroy(net);
        f32x::net_destroy(std::ptr::null_mut());
    }
}

#[test]
fn ffi_kernels_f64() {
    // SAFETY (whole test): buffers from mlp_alloc of the stated sizes, freed with the same.
    unsafe {
        let (m, n, k) = (3u32, 5u32, 4u32);
        let bytes = |len: u32| len * 8;
        let a = mlp_alloc(bytes(m * k), 8).cast::<f64>();
        let b = mlp_alloc(bytes(k * n), 8).cast::<f64>();
        let c = mlp_alloc(bytes(m * n), 8).cast::<f64>();
        assert!(!a.is_null() && !b.is_null() && !c.is_null());
        for i in 0..(m * k) as usize {
            *a.add(i) = i as f64;
        }
        for i in 0..(k * n) as usize {
            *b.add(i) = 1.0 + i as f64;
        }
        // A stored transposed (k × m): op(A)(i, p) = a[p·m + i].
        f64x::gemm(1, 0, m, n, k, a, b, c, 0);
        let (i, j) = (2usize, 3usize);
        let want: f64 = (0..k as usize)
            .map(|p| *a.add(p * m as usize + i) * *b.add(p * n as usize + j))
            .sum();
        assert_eq!(*c.add(i * n as usize + j), want);

        f64x::axpy(c, c.cast_const(), 0, 2.0); // len 0: no-op
        f64x::sigmoid(c, m * n);
        assert!((0..(m * n) as usize).all(|i| (0.0..=1.0).contains(&*c.add(i))));
        let sums = mlp_alloc(bytes(n), 8).cast::<f64>();
        f64x::column_sums(c, m, n, sums);
        f64x::add_bias(c, sums, m, n);
        f64x::sigmoid_backward(c, b, m * n);
        mlp_free(sums.cast(), bytes(n), 8);
        mlp_free(a.cast(), bytes(m * k), 8);
        mlp_free(b.cast(), bytes(k * n), 8);
        mlp_free(c.cast(), bytes(m * n), 8);

        assert!(!mlp_alloc(0, 8).is_null());
        assert!(mlp_alloc(16, 3).is_null());
        mlp_free(std::ptr::null_mut(), 16, 8);
    }
}
