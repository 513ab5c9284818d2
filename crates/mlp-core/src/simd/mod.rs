//! `SimdReal`: a `Real` with a 128-bit vector type (`f32x4` / `f64x2`).
//!
//! On `wasm32` with `simd128` the vector is `core::arch::wasm32::v128` ([`wasm`]); everywhere
//! else it is a plain `[T; LANES]` array ([`portable`]), so `cargo test` on the host runs the
//! very same kernel code paths as the WebAssembly build.
//!
//! Arithmetic is deliberately non-fused (`acc + a·b` rounds twice): plain SIMD128 has no FMA,
//! and the portable version must produce bit-identical results. The one exception is the
//! optional relaxed-SIMD build (`+relaxed-simd`, `dist/wasm_mlp_relaxed.wasm`), whose
//! `vmul_add` is `relaxed_madd` (fused where the CPU has FMA, so rounded once): it is tested
//! against the reference with the same error bounds, not bit for bit.

use crate::real::Real;

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm;

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod portable;

/// A scalar type with a 128-bit SIMD vector of `LANES` lanes.
pub trait SimdReal: Real {
    /// The vector: `v128` on wasm, `[Self; LANES]` elsewhere.
    type V: Copy;
    /// Lanes per vector (4 for `f32`, 2 for `f64`).
    const LANES: usize;

    /// Every lane = `x`.
    fn vsplat(x: Self) -> Self::V;
    /// Lane-wise `a + b`.
    fn vadd(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `a − b`.
    fn vsub(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise `a · b`.
    fn vmul(a: Self::V, b: Self::V) -> Self::V;

    /// Lane-wise `a / b`.
    fn vdiv(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise minimum; NaN if either lane is NaN (wasm `min`).
    fn vmin(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise maximum; NaN if either lane is NaN (wasm `max`).
    fn vmax(a: Self::V, b: Self::V) -> Self::V;
    /// Lane-wise round to the nearest integer, ties to even (wasm `nearest`).
    fn vround(a: Self::V) -> Self::V;
    /// Lane-wise `|a|`.
    fn vabs(a: Self::V) -> Self::V;
    /// Lane-wise `|magnitude|` with the sign bit of `sign`.
    fn vcopysign(magnitude: Self::V, sign: Self::V) -> Self::V;
    /// Lane-wise `2^n` for lanes holding integers `n` with `2^n` a normal number
    /// (`−126 ≤ n ≤ 127` for f32, `−1022 ≤ n ≤ 1023` for f64), built from the exponent bits.
    fn vpow2i(n: Self::V) -> Self::V;

    /// Lane-wise `acc + a·b`, rounded twice (not fused; fused in the relaxed-SIMD build).
    #[inline(always)]
    fn vmul_add(acc: Self::V, a: Self::V, b: Self::V) -> Self::V {
        Self::vadd(acc, Self::vmul(a, b))
    }

    /// Loads `LANES` consecutive values (no alignment requirement).
    ///
    /// # Safety
    /// `p` must be valid for reads of `LANES` values of `Self`.
    unsafe fn vload(p: *const Self) -> Self::V;

    /// Loads one value and broadcasts it to every lane.
    ///
    /// # Safety
    /// `p` must be valid for a read of one `Self`.
    unsafe fn vload_splat(p: *const Self) -> Self::V;

    /// Stores `LANES` consecutive values (no alignment requirement).
    ///
    /// # Safety
    /// `p` must be valid for writes of `LANES` values of `Self`.
    unsafe fn vstore(p: *mut Self, v: Self::V);

    /// Safe load of the first `LANES` values of `s` (panics if `s` is shorter).
    #[inline(always)]
    fn vload_from(s: &[Self]) -> Self::V {
        assert!(s.len() >= Self::LANES);
        // SAFETY: the assert guarantees `LANES` readable values at `s.as_ptr()`.
        unsafe { Self::vload(s.as_ptr()) }
    }

    /// Safe store into the first `LANES` values of `s` (panics if `s` is shorter).
    #[inline(always)]
    fn vstore_to(s: &mut [Self], v: Self::V) {
        assert!(s.len() >= Self::LANES);
        // SAFETY: the assert guarantees `LANES` writable values at `s.as_mut_ptr()`.
        unsafe { Self::vstore(s.as_mut_ptr(), v) }
    }
}
