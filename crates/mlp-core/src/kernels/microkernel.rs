//! The register-blocked GEMM micro-kernel: an `MR × NR` tile of C from packed panels.
//!
//! The tile is `MR = 4` rows × `NV = 2` vectors per row, i.e. 4×8 for `f32` (`f32x4`) and
//! 4×4 for `f64` (`f64x2`): 8 accumulators + 2 B vectors + 1 broadcast = 11 of the 15 xmm
//! registers V8 gives wasm, so the tile never spills.
//!
//! Two facts of V8's code generation (TurboFan, x64, as observed in Node 20) shape the loop:
//! - TurboFan hoists every load of a loop body above its arithmetic, regardless of register
//!   pressure. The k loop is unrolled by `KU = 4` with a never-taken, loop-variant early exit
//!   (`p + r == never`, `never` an opaque `usize::MAX`) after every `EXIT_ROWS = 4` rows, i.e.
//!   after each k step, which forces each step's rows to be computed before the next step's
//!   loads: the tile stays in registers.
//!   Measured in Node 20 (f32, GFLOP/s, best of medians; `bench/gemm.mjs`): unroll 4 / exit per
//!   step ≈ 39–41 on n = 512 and the three MLP shapes; unroll 2 ≈ 37–39; unroll 1 ≈ 35;
//!   unroll 8 ≈ 36; exits every 2 rows ≈ 35. Other tiles (all fit the 15 registers on paper):
//!   2×16 ≈ 38–40 on square shapes but 31 on `Aᵀ·B` (2-row A panels make packing costlier),
//!   5×8 ≈ 25–32 and 3×12 ≈ 24–27 (V8 spills them).
//! - V8 does not fold a `load32_splat`'s constant offset into the address; it keeps one
//!   register per distinct offset. The broadcast addresses are therefore computed with
//!   `wrapping_add`, which LLVM may not fold into the memarg (wrapping offsets cannot be),
//!   so V8 sees a plain explicit add.

use crate::simd::SimdReal;

/// Rows of the register tile (and the row count of a packed A panel).
pub const MR: usize = 4;
/// SIMD vectors per tile row; the tile is `NV · LANES` columns wide.
pub const NV: usize = 2;
/// k-loop unroll factor (see the module docs for the measurements).
const KU: usize = 4;
/// Rows between two never-taken exits.
const EXIT_ROWS: usize = 4;
/// The widest `NR` of any type (`f32`: `NV` × 4 lanes), for the edge-tile scratch buffer.
pub const NR_MAX: usize = NV * 4;

/// Columns of the register tile for `T` (and the column count of a packed B panel).
#[inline(always)]
pub const fn nr<T: SimdReal>() -> usize {
    NV * T::LANES
}

/// The part of C one micro-kernel call writes: `rows ≤ MR`, `cols ≤ NR`, row stride `ldc`.
#[derive(Clone, Copy, Debug)]
pub struct Tile {
    /// Valid rows of the tile (`1..=MR`).
    pub rows: usize,
    /// Valid columns of the tile (`1..=NR`).
    pub cols: usize,
    /// Row stride of C.
    pub ldc: usize,
}

/// `C[tile] (+)= Apanel · Bpanel` over `kc` steps.
///
/// `a` holds a packed `MR × kc` A panel (`a[p·MR + i]`), `b` a packed `kc × NR` B panel
/// (`b[p·NR + j]`), `c` starts at the tile's top-left element. Full tiles are stored straight
/// from the registers; edge tiles go through a scratch buffer and only the valid part is
/// written back (the masked store).
///
/// # Safety
/// `c` must be valid for reads and writes of the tile's `rows × cols` elements at row stride
/// `tile.ldc`, and no other thread may access them during the call.
#[inline(always)]
pub unsafe fn microkernel<T: SimdReal>(
    kc: usize,
    a: &[T],
    b: &[T],
    c: *mut T,
    tile: Tile,
    accumulate: bool,
) {
    let nr = nr::<T>();
    assert!(a.len() >= kc * MR && b.len() >= kc * nr);
    assert!((1..=MR).contains(&tile.rows) && (1..=nr).contains(&tile.cols));

    // SAFETY: the asserts above guarantee kc·MR readable values in `a` and kc·NR in `b`.
    let acc = unsafe { accumulate_tile::<T>(kc, a.as_ptr(), b.as_ptr()) };

    let l = T::LANES;
    if tile.rows == MR && tile.cols == nr {
        for (r, row) in acc.iter().enumerate() {
            // SAFETY: row r < rows of the tile, nr = cols valid elements (the contract).
            let c_row = unsafe { std::slice::from_raw_parts_mut(c.add(r * tile.ldc), nr) };
            for (v, &x) in row.iter().enumerate() {
                let dst = &mut c_row[v * l..(v + 1) * l];
                let x = if accumulate {
                    T::vadd(T::vload_from(dst), x)
                } else {
                    x
                };
                T::vstore_to(dst, x);
            }
        }
    } else {
        // Masked store: spill the tile, then copy only the `rows × cols` valid part.
        let mut scratch = [T::ZERO; MR * NR_MAX];
        for (r, row) in acc.iter().enumerate() {
            for (v, &x) in row.iter().enumerate() {
                T::vstore_to(&mut scratch[r * nr + v * l..], x);
            }
        }
        for r in 0..tile.rows {
            let src = &scratch[r * nr..r * nr + tile.cols];
            // SAFETY: row r < rows of the tile, `cols` valid elements (the contract).
            let dst = unsafe { std::slice::from_raw_parts_mut(c.add(r * tile.ldc), tile.cols) };
            if accumulate {
                for (d, &s) in dst.iter_mut().zip(src) {
                    *d += s;
                }
            } else {
                dst.copy_from_slice(src);
            }
        }
    }
}

/// The `MR × NV` accumulator vectors of one tile.
type Acc<T> = [[<T as SimdReal>::V; NV]; MR];

/// One k step of the tile: `acc[r] += a[r]·b` for the `MR` rows (`a`: `MR` packed values of A,
/// broadcast one by one; `b`: `NR` packed values of B, `NV` vectors). After every
/// `EXIT_ROWS` rows it checks the never-true, loop-variant `p + r == never` and returns
/// `false` if it held, so the caller can leave its loop (see the module docs: the exit makes
/// V8 finish those rows before it issues later loads).
///
/// # Safety
/// `a` must be valid for `MR` reads and `b` for `NV·LANES` reads.
#[inline(always)]
unsafe fn step<T: SimdReal>(
    acc: &mut Acc<T>,
    a: *const T,
    b: *const T,
    p: usize,
    never: usize,
) -> bool {
    // SAFETY: `b` is valid for NV·LANES reads (the caller's contract).
    let bv: [T::V; NV] =
        core::array::from_fn(|v| unsafe { T::vload(b.wrapping_add(v * T::LANES)) });
    for (r, row) in acc.iter_mut().enumerate() {
        // `wrapping_add`: an explicit address add for V8 (see the module docs).
        // SAFETY: r < MR and `a` is valid for MR reads.
        let ar = unsafe { T::vload_splat(a.wrapping_add(r)) };
        for (x, &bj) in row.iter_mut().zip(&bv) {
            *x = T::vmul_add(*x, ar, bj);
        }
        if (r + 1) % EXIT_ROWS == 0 && p.wrapping_add(r) == never {
            return false;
        }
    }
    true
}

/// The register loop: returns the `MR × NV` accumulator vectors.
///
/// # Safety
/// `a` must be valid for `kc·MR` reads and `b` for `kc·NV·LANES` reads.
#[inline(always)]
unsafe fn accumulate_tile<T: SimdReal>(kc: usize, a: *const T, b: *const T) -> Acc<T> {
    let nr = nr::<T>();
    let mut acc: Acc<T> = [[T::vsplat(T::ZERO); NV]; MR];
    // Opaque to LLVM (so the exits reach V8 intact); never equals `p + r` for a k index p.
    let never = core::hint::black_box(usize::MAX);
    let mut p = 0;
    while p + KU <= kc {
        for u in 0..KU {
            let q = p + u;
            // SAFETY: q < kc, so a + q·MR and b + q·NR are valid for a step's reads.
            if !unsafe {
                step::<T>(
                    &mut acc,
                    a.wrapping_add(q * MR),
                    b.wrapping_add(q * nr),
                    q,
                    never,
                )
            } {
                return acc;
            }
        }
        p += KU;
    }
    while p < kc {
        // SAFETY: p < kc.
        unsafe {
            step::<T>(
                &mut acc,
                a.wrapping_add(p * MR),
                b.wrapping_add(p * nr),
                p,
                never,
            )
        };
        p += 1;
    }
    acc
}
