//! `C = op(A)·op(B)` for tiny products, without packing.
//!
//! For products like the layers of a `[2, 4, 1]` network (`4×2 · 2×4`), packing both operands
//! and going through the zero-padded micro-kernel and its masked store costs 200–400 ns per
//! call, ~10× the arithmetic. Below [`SMALL_PRODUCT`] multiply-adds, a direct dot-product loop
//! through the views' strides is faster; transposition is again just the strides.

use crate::kernels::matrix::MatRef;
use crate::real::Real;

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
