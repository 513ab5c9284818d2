//! Test build only (cargo feature `test-exports`): the kernels alone, `mlp_gemm_{t}`,
//! `mlp_sigmoid_{t}`, `mlp_sigmoid_backward_{t}`, `mlp_add_bias_{t}`, `mlp_column_sums_{t}`,
//! `mlp_axpy_{t}`, and `mlp_dropout_mask` (the dropout masks), so the TS tests can check each against the reference kernels and the
//! benchmarks can time the GEMM. Rust paths `ffi::kernels::f32_kernels::<name>` / `f64_kernels`.
//!
//! Each takes caller-owned buffers of the stated lengths (from `mlp_alloc`); an output buffer
//! must not overlap an input buffer. Shapes whose length overflows `usize` make the call do
//! nothing; an allocation failure of the GEMM's packing workspace aborts (test build only).

use super::{slice, slice_mut};
use crate::kernels::{self, GemmWorkspace, MatMut, MatRef};
use crate::real::Real;
use std::cell::RefCell;

/// `a·b` as `usize`, `None` on overflow (possible on wasm32).
fn mul(a: u32, b: u32) -> Option<usize> {
    (a as usize).checked_mul(b as usize)
}

macro_rules! kernel_exports {
    ($m:ident, $t:ty, $suffix:literal) => {
        #[doc = concat!("The `", $suffix, "` kernel exports (`mlp_*_", $suffix, "`).")]
        pub mod $m {
            use super::*;

            /// The element type of every `T*` in this module.
            pub type T = $t;

            thread_local! {
                /// Packing buffers for `mlp_gemm` (reused across calls).
                static WORKSPACE: RefCell<GemmWorkspace<T>> = const { RefCell::new(GemmWorkspace::new()) };
            }

            /// `C(m×n) = op(A)·op(B)` (`+ C` if `accumulate != 0`). `op(A)` is `m×k`, stored
            /// `k×m` when `trans_a != 0`; `op(B)` is `k×n`, stored `n×k` when `trans_b != 0`.
            ///
            /// # Safety
            /// `a` (m·k), `b` (k·n) readable, `c` (m·n) readable and writable, `c` not
            /// overlapping `a` or `b`.
            #[allow(clippy::too_many_arguments)]
            #[export_name = concat!("mlp_gemm_", $suffix)]
            pub unsafe extern "C" fn gemm(
                trans_a: u32,
                trans_b: u32,
                m: u32,
                n: u32,
                k: u32,
                a: *const T,
                b: *const T,
                c: *mut T,
                accumulate: u32,
            ) {
                let (Some(la), Some(lb), Some(lc)) = (mul(m, k), mul(k, n), mul(m, n)) else { return };
                // SAFETY: the caller's contract: lengths as documented, c exclusive.
                let (Some(a), Some(b), Some(c)) = (unsafe { slice(a, la) }, unsafe { slice(b, lb) }, unsafe { slice_mut(c, lc) }) else {
                    return;
                };
                let (m, n, k) = (m as usize, n as usize, k as usize);
                let a = if trans_a != 0 { MatRef::new(a, k, m).t() } else { MatRef::new(a, m, k) };
                let b = if trans_b != 0 { MatRef::new(b, n, k).t() } else { MatRef::new(b, k, n) };
                WORKSPACE.with_borrow_mut(|ws| kernels::gemm(ws, a, b, MatMut::new(c, m, n), accumulate != 0));
            }

            /// In place `x = σ(x)`.
            ///
            /// # Safety
            /// `x` readable and writable for `len` elements.
            #[export_name = concat!("mlp_sigmoid_", $suffix)]
            pub unsafe extern "C" fn sigmoid(x: *mut T, len: u32) {
                // SAFETY: the caller's contract.
                if let Some(x) = unsafe { slice_mut(x, len as usize) } {
                    crate::activations::sigmoid::forward(x);
                }
            }

            /// In place `g = g ⊙ y(1 − y)`.
            ///
            /// # Safety
            /// `g` readable/writable and `y` readable for `len` elements, not overlapping.
            #[export_name = concat!("mlp_sigmoid_backward_", $suffix)]
            pub unsafe extern "C" fn sigmoid_backward(g: *mut T, y: *const T, len: u32) {
                // SAFETY: the caller's contract.
                if let (Some(g), Some(y)) = unsafe { (slice_mut(g, len as usize), slice(y, len as usize)) } {
                    crate::activations::sigmoid::backward(g, y);
                }
            }

            /// `x[r][c] += bias[c]` for a row-major `rows × cols` `x`.
            ///
            /// # Safety
            /// `x` readable/writable for `rows·cols`, `bias` readable for `cols`, not overlapping.
            #[export_name = concat!("mlp_add_bias_", $suffix)]
            pub unsafe extern "C" fn add_bias(x: *mut T, bias: *const T, rows: u32, cols: u32) {
                let Some(len) = mul(rows, cols) else { return };
                // SAFETY: the caller's contract.
                if let (Some(x), Some(b)) = unsafe { (slice_mut(x, len), slice(bias, cols as usize)) } {
                    kernels::add_bias(x, b, rows as usize, cols as usize);
                }
            }

            /// `out[c] = Σ_r a[r][c]` for a row-major `rows × cols` `a`.
            ///
            /// # Safety
            /// `a` readable for `rows·cols`, `out` writable for `cols`, not overlapping.
            #[export_name = concat!("mlp_column_sums_", $suffix)]
            pub unsafe extern "C" fn column_sums(a: *const T, rows: u32, cols: u32, out: *mut T) {
                let Some(len) = mul(rows, cols) else { return };
                // SAFETY: the caller's contract.
                if let (Some(a), Some(out)) = unsafe { (slice(a, len), slice_mut(out, cols as usize)) } {
                    kernels::column_sums(a, rows as usize, cols as usize, out);
                }
            }

            /// `x += alpha·y`.
            ///
            /// # Safety
            /// `x` readable/writable and `y` readable for `len` elements, not overlapping.
            #[export_name = concat!("mlp_axpy_", $suffix)]
            pub unsafe extern "C" fn axpy(x: *mut T, y: *const T, len: u32, alpha: f64) {
                // SAFETY: the caller's contract.
                if let (Some(x), Some(y)) = unsafe { (slice_mut(x, len as usize), slice(y, len as usize)) } {
                    kernels::axpy(x, y, T::from_f64(alpha));
                }
            }
        }
    };
}

kernel_exports!(f32_kernels, f32, "f32");
kernel_exports!(f64_kernels, f64, "f64");

/// `out[k] = 1` if element `first + k` is kept by the dropout mask of `(seed, step, layer,
/// rate)` (`kernels::dropout::Mask`), else 0; `step` an integer `f64` (exact below 2⁵³). For
/// the check that the reference backend draws the same masks.
///
/// # Safety
/// `out` writable for `n` bytes.
#[export_name = "mlp_dropout_mask"]
pub unsafe extern "C" fn dropout_mask(
    seed: u32,
    step: f64,
    layer: u32,
    rate: f64,
    first: u32,
    n: u32,
    out: *mut u8,
) {
    let mask = kernels::dropout::Mask::new(seed, step as u64, layer, rate);
    // SAFETY: the caller's contract.
    if let Some(out) = unsafe { slice_mut(out, n as usize) } {
        for (k, o) in out.iter_mut().enumerate() {
            *o = u8::from(mask.keeps(first.wrapping_add(k as u32)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::f64_kernels as f64k;
    use crate::ffi::{mlp_alloc, mlp_free};

    #[test]
    fn kernel_exports_f64() {
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
            f64k::gemm(1, 0, m, n, k, a, b, c, 0);
            let (i, j) = (2usize, 3usize);
            let want: f64 = (0..k as usize)
                .map(|p| *a.add(p * m as usize + i) * *b.add(p * n as usize + j))
                .sum();
            assert_eq!(*c.add(i * n as usize + j), want);

            f64k::axpy(c, c.cast_const(), 0, 2.0); // len 0: no-op
            f64k::sigmoid(c, m * n);
            assert!((0..(m * n) as usize).all(|i| (0.0..=1.0).contains(&*c.add(i))));
            let sums = mlp_alloc(bytes(n), 8).cast::<f64>();
            f64k::column_sums(c, m, n, sums);
            f64k::add_bias(c, sums, m, n);
            f64k::sigmoid_backward(c, b, m * n);
            mlp_free(sums.cast(), bytes(n), 8);
            mlp_free(a.cast(), bytes(m * k), 8);
            mlp_free(b.cast(), bytes(k * n), 8);
            mlp_free(c.cast(), bytes(m * n), 8);
        }
    }
}
