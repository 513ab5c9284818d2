//! Network-level tests: exact gradients vs finite differences, the two orderings, and one
//! case of the shared reference vectors (xor, layers [2, 3, 1]).

use wasm_mlp::test_support::Rng;
use wasm_mlp::{Network, Ordering};

/// A network with random parameters in [−1, 1), inputs in [−1, 1), targets in [0, 1).
fn random_net(rng: &mut Rng, sizes: &[usize], batch: usize, ordering: Ordering) -> Network<f64> {
    let mut net = Network::<f64>::new(sizes, ordering).unwrap();
    net.reserve(batch).unwrap();
    for p in net.params_mut() {
        *p = rng.uniform();
    }
    for x in &mut net.input_mut()[..batch * sizes[0]] {
        *x = rng.uniform();
    }
    for y in &mut net.target_mut()[..batch * sizes[sizes.len() - 1]] {
        *y = 0.5 * (rng.uniform() + 1.0);
    }
    net
}

const SHAPES: [&[usize]; 6] = [
    &[1, 1],
    &[3, 2],
    &[2, 3, 1],
    &[3, 5, 2],
    &[4, 8, 6, 5, 3],
    &[7, 9, 4, 2],
];

#[test]
fn gradients_match_central_finite_differences() {
    let mut rng = Rng::new(42);
    let h = 1e-6;
    let mut worst: f64 = 0.0;
    for (s, sizes) in SHAPES.iter().enumerate() {
        for batch in 1..=9 {
            if (s + batch) % 2 == 1 && batch > 2 {
                continue; // about half the (shape, batch) pairs keep the test quick
            }
            let mut net = random_net(&mut rng, sizes, batch, Ordering::Exact);
            net.gradients(batch);
            let grads = net.grads().to_vec();
            for (idx, &g) in grads.iter().enumerate() {
                let p0 = net.params()[idx];
                net.params_mut()[idx] = p0 + h;
                let up = net.loss(batch);
                net.params_mut()[idx] = p0 - h;
                let down = net.loss(batch);
                net.params_mut()[idx] = p0;
                let fd = (up - down) / (2.0 * h);
                // Central differences: truncation O(h²·L''') ≈ 1e-12, cancellation
                // ≈ ε·L/h ≈ 1e-10 absolute; 1e-6 relative with that floor.
                let err = (g - fd).abs();
                let tol = 1e-6 * g.abs().max(fd.abs()) + 1e-9;
                assert!(
                    err <= tol,
                    "sizes {sizes:?} batch {batch} param {idx}: exact {g} fd {fd}"
                );
                worst = worst.max(err / g.abs().max(fd.abs()).max(1e-3));
            }
        }
    }
    assert!(worst < 1e-6, "worst relative error {worst:e}");
}

/// Runs one training step with each ordering from identical states; returns the params.
fn step_both(sizes: &[usize], batch: usize, lr: f64, seed: u64) -> (Vec<f64>, Vec<f64>, f64, f64) {
    let mut a = random_net(&mut Rng::new(seed), sizes, batch, Ordering::Exact);
    let mut b = random_net(&mut Rng::new(seed), sizes, batch, Ordering::UpdateFirst);
    let la = a.train_step(batch, lr);
    let lb = b.train_step(batch, lr);
    (a.params().to_vec(), b.params().to_vec(), la, lb)
}

#[test]
fn single_layer_orderings_agree() {
    for (sizes, batch) in [(&[3usize, 1][..], 5), (&[4, 6], 3), (&[1, 1], 1)] {
        let (a, b, la, lb) = step_both(sizes, batch, 0.3, 9);
        assert_eq!(la, lb);
        assert_eq!(a, b, "sizes {sizes:?}");
    }
}

#[test]
fn multi_layer_orderings_differ() {
    for (sizes, batch) in [(&[2usize, 3, 1][..], 4), (&[4, 8, 6, 5, 3], 7)] {
        let (a, b, la, lb) = step_both(sizes, batch, 0.5, 10);
        assert_eq!(la, lb, "same loss before the update");
        let n_last = sizes[sizes.len() - 2] * sizes[sizes.len() - 1] + sizes[sizes.len() - 1];
        let tail = a.len() - n_last;
        // The last layer is updated before any propagation: identical in both orderings.
        assert_eq!(a[tail..], b[tail..]);
        let diff = a[..tail]
            .iter()
            .zip(&b[..tail])
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(
            diff > 1e-6,
            "sizes {sizes:?}: hidden layers should differ, max diff {diff:e}"
        );
    }
}

#[test]
fn exact_backward_is_gradient_descent() {
    let mut rng = Rng::new(77);
    for sizes in SHAPES {
        let batch = 5;
        let lr = 0.7;
        let mut net = random_net(&mut rng, sizes, batch, Ordering::Exact);
        let p0 = net.params().to_vec();
        net.gradients(batch);
        let g = net.grads().to_vec();
        net.train_step(batch, lr);
        for i in 0..p0.len() {
            // Same operations in the same order (x + (−lr)·g): bit-identical.
            assert_eq!(
                net.params()[i],
                p0[i] + (-lr) * g[i],
                "sizes {sizes:?} param {i}"
            );
        }
        // After an exact step, grads hold exactly the gradient at the old parameters.
        assert_eq!(net.grads(), &g[..]);
    }
}

#[test]
fn f32_network_tracks_f64() {
    let mut rng = Rng::new(5);
    let sizes = [4, 8, 6, 3];
    let batch = 7;
    let mut n64 = random_net(&mut rng, &sizes, batch, Ordering::UpdateFirst);
    let mut n32 = Network::<f32>::new(&sizes, Ordering::UpdateFirst).unwrap();
    n32.reserve(batch).unwrap();
    let cast = |s: &[f64]| s.iter().map(|&v| v as f32).collect::<Vec<f32>>();
    n32.params_mut().copy_from_slice(&cast(n64.params()));
    n32.input_mut().copy_from_slice(&cast(n64.input_mut()));
    n32.target_mut().copy_from_slice(&cast(n64.target_mut()));
    for _ in 0..5 {
        let (l32, l64) = (n32.train_step(batch, 0.3), n64.train_step(batch, 0.3));
        assert!(
            (l32 - l64).abs() <= 1e-5 * l64.abs().max(1.0),
            "{l32} vs {l64}"
        );
    }
    for (a, b) in n32.params().iter().zip(n64.params()) {
        assert!((f64::from(*a) - b).abs() < 1e-5);
    }
}

#[test]
fn reserve_grows_only_and_creation_validates() {
    assert!(Network::<f32>::new(&[], Ordering::Exact).is_err());
    assert!(Network::<f32>::new(&[3], Ordering::Exact).is_err());
    assert!(Network::<f32>::new(&[3, 0, 2], Ordering::Exact).is_err());
    assert!(Network::<f64>::new(&[usize::MAX, 2], Ordering::Exact).is_err());
    let mut net = Network::<f32>::new(&[3, 4, 2], Ordering::Exact).unwrap();
    assert_eq!(net.params().len(), 3 * 4 + 4 + 4 * 2 + 2);
    assert_eq!(net.capacity(), 0);
    net.reserve(10).unwrap();
    let p = net.input_mut().as_ptr();
    net.reserve(4).unwrap();
    assert_eq!(net.capacity(), 10);
    assert_eq!(net.input_mut().as_ptr(), p);
    assert!(net.reserve(usize::MAX).is_err());
    assert_eq!(net.capacity(), 10);
    net.forward(10);
    net.forward(0);
    assert_eq!(net.loss(0), 0.0);
}

// ----- Reference vectors: xor, layers [2, 3, 1], lr 0.5, batch 4, one step --------------
// Copied from test/fixtures/reference-vectors.json, cases `xor-exact-steps1` and
// `xor-update-first-steps1` (the full set is tested from TypeScript against the wasm build).

const XOR_W0: [f64; 6] = [
    -0.6207182055921117,
    0.9997426571824171,
    0.17332179764364808,
    0.6702010440492991,
    -0.4685756176505409,
    -0.7750375247946284,
];
const XOR_B0: [f64; 3] = [
    0.1444869489314018,
    -0.30427963187181906,
    0.008317129163728176,
];
const XOR_W1: [f64; 3] = [0.5720503850733247, 0.039884227400442285, 0.8725282242649517];
const XOR_B1: [f64; 1] = [0.17733786509611205];
const XOR_X: [f64; 8] = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
const XOR_Y: [f64; 4] = [0.0, 1.0, 1.0, 0.0];
const XOR_FORWARD: [f64; 4] = [
    0.7188976764853648,
    0.7033255715494289,
    0.7107237008705433,
    0.6950222870370314,
];
const XOR_LOSS_BEFORE: f64 = 0.5857831712343751;
/// Flat layout: W0, b0, W1, b1.
const XOR_GRADIENTS: [f64; 13] = [
    0.012830940450381694,
    0.0009234860454369646,
    0.016597951178258418,
    0.013339388767924011,
    0.0009166756645609481,
    0.01776661465870322,
    0.02596692985158518,
    0.0018055084649547435,
    0.03658901639476666,
    0.09296676019083658,
    0.08442046509193808,
    0.07330052776102797,
    0.171221271526256,
];
const XOR_AFTER_UPDATE_FIRST: [f64; 13] = [
    -0.62661237079112,
    0.9997695855377283,
    0.16537141782118964,
    0.6640733123092925,
    -0.46854888788226506,
    -0.7835476916928762,
    0.1325584878144499,
    -0.3042269842181788,
    -0.009208924175288624,
    0.5255670049779064,
    -0.0023260051455267564,
    0.8358779603844377,
    0.09172722933298405,
];
const XOR_AFTER_LOSS_UPDATE_FIRST: f64 = 0.5606006446940377;
const XOR_AFTER_EXACT: [f64; 13] = [
    -0.6271336758173025,
    0.9992809141596986,
    0.16502282205451888,
    0.6635313496653371,
    -0.4690339554828214,
    -0.78392083212398,
    0.1315034840056092,
    -0.30518238610429643,
    -0.009977379033655153,
    0.5255670049779064,
    -0.0023260051455267564,
    0.8358779603844377,
    0.09172722933298405,
];
const XOR_AFTER_LOSS_EXACT: f64 = 0.560531957512886;

fn xor_net(ordering: Ordering) -> Network<f64> {
    let mut net = Network::<f64>::new(&[2, 3, 1], ordering).unwrap();
    net.reserve(4).unwrap();
    let params: Vec<f64> = [&XOR_W0[..], &XOR_B0, &XOR_W1, &XOR_B1].concat();
    net.params_mut().copy_from_slice(&params);
    net.input_mut().copy_from_slice(&XOR_X);
    net.target_mut().copy_from_slice(&XOR_Y);
    net
}

fn assert_close(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-12 * w.abs().max(1.0),
            "{what}[{i}]: {g} vs {w}"
        );
    }
}

#[test]
fn xor_reference_vectors() {
    for (ordering, after, after_loss) in [
        (Ordering::Exact, XOR_AFTER_EXACT, XOR_AFTER_LOSS_EXACT),
        (
            Ordering::UpdateFirst,
            XOR_AFTER_UPDATE_FIRST,
            XOR_AFTER_LOSS_UPDATE_FIRST,
        ),
    ] {
        let mut net = xor_net(ordering);
        net.forward(4);
        assert_close(net.output(), &XOR_FORWARD, "forward");
        let loss = net.gradients(4);
        assert_close(&[loss], &[XOR_LOSS_BEFORE], "lossBefore");
        assert_close(net.grads(), &XOR_GRADIENTS, "gradients");

        let mut net = xor_net(ordering);
        let loss = net.train_step(4, 0.5);
        assert_close(&[loss], &[XOR_LOSS_BEFORE], "train_step loss");
        assert_close(net.params(), &after, &format!("after ({ordering:?})"));
        assert_close(&[net.loss(4)], &[after_loss], "after.loss");
    }
}
