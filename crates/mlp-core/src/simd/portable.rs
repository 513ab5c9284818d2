//! `SimdReal` everywhere except wasm32+simd128: the vector is a plain `[T; LANES]`.
//!
//! Lane-wise arithmetic is exactly the IEEE operation per lane, so results are bit-identical
//! to the wasm build; this is what lets native `cargo test` check the real kernels.

use super::SimdReal;

/// `f(a, b)`, or NaN if either is NaN (wasm's `min` / `max`; Rust's return the other operand).
#[inline(always)]
fn nan_propagating<T: crate::real::Real>(a: T, b: T, f: fn(T, T) -> T) -> T {
    #[allow(clippy::eq_op)] // x != x: NaN
    if a != a || b != b {
        a + b
    } else {
        f(a, b)
    }
}

macro_rules! impl_portable {
    ($t:ident, $lanes:literal) => {
        impl SimdReal for $t {
            type V = [$t; $lanes];
            const LANES: usize = $lanes;

            #[inline(always)]
            fn vsplat(x: $t) -> Self::V {
                [x; $lanes]
            }
            #[inline(always)]
            fn vadd(a: Self::V, b: Self::V) -> Self::V {
                core::array::from_fn(|i| a[i] + b[i])
            }
            #[inline(always)]
            fn vsub(a: Self::V, b: Self::V) -> Self::V {
                core::array::from_fn(|i| a[i] - b[i])
            }
            #[inline(always)]
            fn vmul(a: Self::V, b: Self::V) -> Self::V {
                core::array::from_fn(|i| a[i] * b[i])
            }
            #[inline(always)]
            fn vdiv(a: Self::V, b: Self::V) -> Self::V {
                core::array::from_fn(|i| a[i] / b[i])
            }
            #[inline(always)]
            fn vmin(a: Self::V, b: Self::V) -> Self::V {
                core::array::from_fn(|i| nan_propagating(a[i], b[i], $t::min))
            }
            #[inline(always)]
            fn vmax(a: Self::V, b: Self::V) -> Self::V {
                core::array::from_fn(|i| nan_propagating(a[i], b[i], $t::max))
            }
            #[inline(always)]
            fn vround(a: Self::V) -> Self::V {
                core::array::from_fn(|i| a[i].round_ties_even())
            }
            #[inline(always)]
            fn vabs(a: Self::V) -> Self::V {
                core::array::from_fn(|i| a[i].abs())
            }
            #[inline(always)]
            fn vcopysign(magnitude: Self::V, sign: Self::V) -> Self::V {
                core::array::from_fn(|i| magnitude[i].copysign(sign[i]))
            }
            #[inline(always)]
            fn vpow2i(n: Self::V) -> Self::V {
                // Exact: powers of two in the normal range. `as i32` saturates (NaN → 0), as
                // wasm's trunc_sat does.
                core::array::from_fn(|i| (2.0 as $t).powi(n[i] as i32))
            }
            #[inline(always)]
            unsafe fn vload(p: *const $t) -> Self::V {
                // SAFETY: the caller guarantees LANES readable values at `p`; read_unaligned
                // has no alignment requirement.
                unsafe { p.cast::<Self::V>().read_unaligned() }
            }
            #[inline(always)]
            unsafe fn vload_splat(p: *const $t) -> Self::V {
                // SAFETY: the caller guarantees one readable value at `p`.
                [unsafe { p.read_unaligned() }; $lanes]
            }
            #[inline(always)]
            unsafe fn vstore(p: *mut $t, v: Self::V) {
                // SAFETY: the caller guarantees LANES writable values at `p`.
                unsafe { p.cast::<Self::V>().write_unaligned(v) }
            }
        }
    };
}

impl_portable!(f32, 4);
impl_portable!(f64, 2);
