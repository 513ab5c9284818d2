//! `C = op(A)·op(B)` for tiny products, without packing.
//!
//! For products like the layers of a `[2, 4, 1]` network (`4×2 · 2×4`), packing both operands
//! and going through the zero-padded micro-kernel and its masked store costs 200–400 ns per
//! call, ~10× the arithmetic. Below [`SMALL_PRODUCT`] multiply-adds, a direct dot-product loop
//! through the views' strides is faster; transposition is again just the strides.
//!
//! A single row of A (`m = 1`, e.g. a forward pass at batch 1) against a B with contiguous
//! rows is a vector-matrix product: packing B would copy all of it to use it once, so
//! [`single_row_gemm`] streams B's rows instead, as `c += a_p · B[p, :]` SIMD updates.

use crate::kernels::axpy::axpy;
use crate::kernels::matrix::MatRef;
use crate::real::Real;
use crate::simd::SimdReal;

/// Largest `m·n·k` computed by [`small_gemm`]. Measured in Node 20 (f32): this loop costs
/// ≈ 0.8 ns per multiply-add plus ≈ 20 ns, the packed path ≈ 120 ns for anything up to
/// 8×8×8 (`4×4×4`: 75 vs 120 ns; `8×8×8`: 415 vs 128 ns), so the crossover is ≈ 128.
pub const SMALL_PRODUCT: usize = 128;

/// `c = a·b` (`c += a·b` when `accumulate`), `c` row-major `m × n`. Each element is one
/// dot product summed in `p` order from zero, then added to `c` (the micro-kernel's order).
pub fn small_gemm<T: Real>(a: MatRef<'_, T>, b: MatRef<'_, T>, c: &mut [T], accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && c.len() >= m * n,
        "small_gemm: shape mismatch"
    );
    if n == 0 {
        return;
    }
    for (i, c_row) in c[..m * n].chunks_exact_mut(n).enumerate() {
        for (j, cij) in c_row.iter_mut().enumerate() {
            let mut s = T::ZERO;
            for p in 0..k {
                s += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
            }
            *cij = if accumulate { *cij + s } else { s };
        }
    }
}

/// Columns of C per register-blocked strip of [`single_row_gemm`], in vectors: 8 accumulators
/// (32 f32 / 16 f64 columns) stay in registers over the whole depth, so C is loaded and stored
/// once per strip instead of once per row of B, and each row of B is read as 2 cache lines.
const STRIP_VECTORS: usize = 8;

/// `c = a·b` (`c += a·b` when `accumulate`) for a `1 × k` `a` and a `k × n` `b` whose rows are
/// contiguous (`b.cs == 1`): `c = Σ_p a_p · B[p, :]`, accumulated into `c` in `p` order.
/// B is streamed once (a forward pass at batch 1 is bound by reading the weights).
pub fn single_row_gemm<T: SimdReal>(
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: &mut [T],
    accumulate: bool,
) {
    let (k, n) = (a.cols, b.cols);
    assert!(
        a.rows == 1
            && b.rows == k
            && b.cs == 1
            && c.len() >= n
            && (k == 0 || b.data.len() >= (k - 1) * b.rs + n),
        "single_row_gemm: shape mismatch"
    );
    let c = &mut c[..n];
    if !accumulate {
        c.fill(T::ZERO);
    }
    let l = T::LANES;
    let width = STRIP_VECTORS * l;
    let strips = n / width;
    for s in 0..strips {
        let j = s * width;
        let c_strip = &mut c[j..j + width];
        let mut acc: [T::V; STRIP_VECTORS] =
            core::array::from_fn(|v| T::vload_from(&c_strip[v * l..]));
        for p in 0..k {
            // acc += a_p · B[p, j..j+width]
            let ap = T::vsplat(a.data[p * a.cs]);
            let row = &b.data[p * b.rs + j..p * b.rs + j + width];
            for (v, acc) in acc.iter_mut().enumerate() {
                *acc = T::vmul_add(*acc, ap, T::vload_from(&row[v * l..]));
            }
        }
        for (v, acc) in acc.into_iter().enumerate() {
            T::vstore_to(&mut c_strip[v * l..], acc);
        }
    }
    // The last n mod width columns: one vector update per row of B.
    let j = strips * width;
    if j < n {
        for p in 0..k {
            let start = p * b.rs;
            axpy(&mut c[j..], &b.data[start + j..start + n], a.data[p * a.cs]);
        }
    }
}
