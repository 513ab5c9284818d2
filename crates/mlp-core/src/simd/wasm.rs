//! `SimdReal` on `wasm32` + `simd128`: `f32x4` and `f64x2` through `core::arch::wasm32`.
//!
//! Wasm SIMD loads and stores have no alignment requirement (`v128_load` / `v128_store` are
//! unaligned accesses), so the only safety obligation is that the memory is valid.

use core::arch::wasm32::{
    f32x4_abs, f32x4_add, f32x4_div, f32x4_max, f32x4_min, f32x4_mul, f32x4_nearest, f32x4_splat,
    f32x4_sub, f64x2_abs, f64x2_add, f64x2_div, f64x2_max, f64x2_min, f64x2_mul, f64x2_nearest,
    f64x2_splat, f64x2_sub, i32x4_add, i32x4_shl, i32x4_splat, i32x4_trunc_sat_f32x4,
    i32x4_trunc_sat_f64x2_zero, i64x2_add, i64x2_extend_low_i32x4, i64x2_shl, i64x2_splat, v128,
    v128_and, v128_andnot, v128_load, v128_load32_splat, v128_load64_splat, v128_or, v128_store,
};

use super::SimdReal;

impl SimdReal for f32 {
    type V = v128;
    const LANES: usize = 4;

    #[inline(always)]
    fn vsplat(x: f32) -> v128 {
        f32x4_splat(x)
    }
    #[inline(always)]
    fn vadd(a: v128, b: v128) -> v128 {
        f32x4_add(a, b)
    }
    #[inline(always)]
    fn vsub(a: v128, b: v128) -> v128 {
        f32x4_sub(a, b)
    }
    #[inline(always)]
    fn vmul(a: v128, b: v128) -> v128 {
        f32x4_mul(a, b)
    }
    #[inline(always)]
    fn vdiv(a: v128, b: v128) -> v128 {
        f32x4_div(a, b)
    }
    #[inline(always)]
    fn vmin(a: v128, b: v128) -> v128 {
        f32x4_min(a, b)
    }
    #[inline(always)]
    fn vmax(a: v128, b: v128) -> v128 {
        f32x4_max(a, b)
    }
    #[inline(always)]
    fn vround(a: v128) -> v128 {
        f32x4_nearest(a)
    }
    #[inline(always)]
    fn vabs(a: v128) -> v128 {
        f32x4_abs(a)
    }
    #[inline(always)]
    fn vcopysign(magnitude: v128, sign: v128) -> v128 {
        let bit = f32x4_splat(-0.0);
        v128_or(v128_andnot(magnitude, bit), v128_and(sign, bit))
    }
    #[inline(always)]
    fn vpow2i(n: v128) -> v128 {
        // (n + 127) << 23: the biased exponent of 2^n with a zero mantissa.
        i32x4_shl(i32x4_add(i32x4_trunc_sat_f32x4(n), i32x4_splat(127)), 23)
    }
    /// With relaxed SIMD: `f32x4.relaxed_madd`, a fused multiply-add on hardware with FMA
    /// (rounded once, so results differ from the portable build in the last bit).
    #[cfg(target_feature = "relaxed-simd")]
    #[inline(always)]
    fn vmul_add(acc: v128, a: v128, b: v128) -> v128 {
        core::arch::wasm32::f32x4_relaxed_madd(a, b, acc)
    }
    #[inline(always)]
    unsafe fn vload(p: *const f32) -> v128 {
        // SAFETY: the caller guarantees 4 readable f32 at `p`; v128.load is unaligned.
        unsafe { v128_load(p.cast::<v128>()) }
    }
    #[inline(always)]
    unsafe fn vload_splat(p: *const f32) -> v128 {
        // SAFETY: the caller guarantees one readable f32 at `p`; an f32 has the size of a u32.
        unsafe { v128_load32_splat(p.cast::<u32>()) }
    }
    #[inline(always)]
    unsafe fn vstore(p: *mut f32, v: v128) {
        // SAFETY: the caller guarantees 4 writable f32 at `p`; v128.store is unaligned.
        unsafe { v128_store(p.cast::<v128>(), v) }
    }
}

impl SimdReal for f64 {
    type V = v128;
    const LANES: usize = 2;

    #[inline(always)]
    fn vsplat(x: f64) -> v128 {
        f64x2_splat(x)
    }
    #[inline(always)]
    fn vadd(a: v128, b: v128) -> v128 {
        f64x2_add(a, b)
    }
    #[inline(always)]
    fn vsub(a: v128, b: v128) -> v128 {
        f64x2_sub(a, b)
    }
    #[inline(always)]
    fn vmul(a: v128, b: v128) -> v128 {
        f64x2_mul(a, b)
    }
    #[inline(always)]
    fn vdiv(a: v128, b: v128) -> v128 {
        f64x2_div(a, b)
    }
    #[inline(always)]
    fn vmin(a: v128, b: v128) -> v128 {
        f64x2_min(a, b)
    }
    #[inline(always)]
    fn vmax(a: v128, b: v128) -> v128 {
        f64x2_max(a, b)
    }
    #[inline(always)]
    fn vround(a: v128) -> v128 {
        f64x2_nearest(a)
    }
    #[inline(always)]
    fn vabs(a: v128) -> v128 {
        f64x2_abs(a)
    }
    #[inline(always)]
    fn vcopysign(magnitude: v128, sign: v128) -> v128 {
        let bit = f64x2_splat(-0.0);
        v128_or(v128_andnot(magnitude, bit), v128_and(sign, bit))
    }
    #[inline(always)]
    fn vpow2i(n: v128) -> v128 {
        // (n + 1023) << 52: the biased exponent of 2^n with a zero mantissa.
        let n = i64x2_extend_low_i32x4(i32x4_trunc_sat_f64x2_zero(n));
        i64x2_shl(i64x2_add(n, i64x2_splat(1023)), 52)
    }
    /// With relaxed SIMD: `f64x2.relaxed_madd`, a fused multiply-add on hardware with FMA
    /// (rounded once, so results differ from the portable build in the last bit).
    #[cfg(target_feature = "relaxed-simd")]
    #[inline(always)]
    fn vmul_add(acc: v128, a: v128, b: v128) -> v128 {
        core::arch::wasm32::f64x2_relaxed_madd(a, b, acc)
    }
    #[inline(always)]
    unsafe fn vload(p: *const f64) -> v128 {
        // SAFETY: the caller guarantees 2 readable f64 at `p`; v128.load is unaligned.
        unsafe { v128_load(p.cast::<v128>()) }
    }
    #[inline(always)]
    unsafe fn vload_splat(p: *const f64) -> v128 {
        // SAFETY: the caller guarantees one readable f64 at `p`; an f64 has the size of a u64.
        unsafe { v128_load64_splat(p.cast::<u64>()) }
    }
    #[inline(always)]
    unsafe fn vstore(p: *mut f64, v: v128) {
        // SAFETY: the caller guarantees 2 writable f64 at `p`; v128.store is unaligned.
        unsafe { v128_store(p.cast::<v128>(), v) }
    }
}
