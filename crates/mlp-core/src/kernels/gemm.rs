//! `C(m×n) = op(A)·op(B)` (`+ C` when accumulating): the packed, cache-blocked GEMM.
//!
//! Loop nest (BLIS / `matrixmultiply` style), outermost first:
//! ```text
//! for jc in 0..n step NC        B block  (kc × nc) packed once per (jc, pc)   → L3
//!   for pc in 0..k step kc      kc = k split into ⌈k/KC⌉ equal blocks
//!     pack op(B)[pc.., jc..] into NR-column panels
//!     for ic in 0..m step MC    A block  (mc × kc) packed once per (ic, pc)   → L2
//!       pack op(A)[ic.., pc..] into MR-row panels
//!       for jr in 0..nc step NR     one B micro-panel (kc × NR)               → L1
//!         for ir in 0..mc step MR   micro-kernel: MR × NR tile of C in registers
//! ```
//! Transposition costs nothing extra: `MatRef::t` swaps strides and packing reads through them.
//! Edges (m, n not multiples of MR / NR) are zero-padded by the packing and written with the
//! micro-kernel's masked store; `k` needs no padding.

use crate::buffer::{commit, replacement, zeros};
use crate::kernels::epilogue::{CTile, Epilogue, NoEpilogue};
use crate::kernels::matrix::{MatMut, MatRef};
use crate::kernels::microkernel::{microkernel, nr, Tile, MR};
use crate::kernels::pack::{pack_panels, packed_len};
use crate::kernels::small_gemm::{single_row_gemm, small_gemm, SMALL_PRODUCT};
use crate::parallel::pool::MAX_THREADS;
use crate::parallel::{run_tasks, PerThread, SharedMut, Task};
use crate::simd::SimdReal;
use std::collections::TryReserveError;

/// Rows of op(A) per block at full depth KC: the packed MC×KC A block (120 KiB f32) stays in
/// the 1 MiB L2 (shallower blocks get proportionally more rows, see `block_rows`).
pub const MC: usize = 120;
/// Depth per block: an MR×KC A panel (4 KiB) + a KC×NR B panel (8 KiB) fit the 32 KiB L1.
pub const KC: usize = 256;
/// Columns of op(B) per block: the KC×NC B block lives in L3, so B is packed once for MLP-sized n.
pub const NC: usize = 4096;

/// The depth of each k block: `k` split into `⌈k / KC⌉` nearly equal blocks, so no block is a
/// short remainder (k = 784 gives 4 × 196, not 3 × 256 + 16), since every block pays a C load
/// and store per tile.
fn balanced_depth(k: usize) -> usize {
    k.div_ceil(k.div_ceil(KC))
}

/// Rows of op(A) per block for depth `kc`: the A block keeps the `MC × KC` footprint, so a
/// shallow product (the weight gradient `Aᵀ·B` has k = batch) packs taller blocks and reuses
/// each B micro-panel across more tiles. A multiple of `MR`.
fn block_rows(kc: usize) -> usize {
    (MC * KC / kc.max(1)).next_multiple_of(MR)
}

/// Work (multiply-adds) below which a product is not split: one task's share of a split must
/// outweigh re-packing its operand and the pool's wake and join. Measured with 2 threads on a
/// product of 2¹⁹ multiply-adds (2 tasks): 22 µs more than half its one-thread time, against
/// ≈ 10–15 µs of work per 2¹⁸ multiply-adds at the GEMM's 20 GFMA/s, so smaller products
/// would not gain.
pub const PARALLEL_MIN_WORK: usize = 1 << 18;
/// Tasks per thread when a product is split: more than one, so a thread that starts late
/// (woken from sleep, or preempted on a shared machine) costs a smaller share, few enough
/// that re-packing the shared operand per task stays cheap.
pub const TASKS_PER_THREAD: usize = 4;

/// One thread's packing buffers, allocated on first use, grown only when a larger product
/// needs it, and reused by every call.
#[derive(Debug, Default)]
struct Packing<T> {
    a: Vec<T>,
    b: Vec<T>,
}

/// The packing buffers of every thread a product may run on (the network owns one workspace,
/// so training does not allocate), and that thread count.
#[derive(Debug)]
pub struct GemmWorkspace<T> {
    slots: PerThread<Packing<T>>,
    threads: usize,
}

impl<T: SimdReal> Default for GemmWorkspace<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SimdReal> GemmWorkspace<T> {
    /// An empty single-thread workspace (no allocation until the first product).
    pub const fn new() -> Self {
        GemmWorkspace {
            slots: PerThread::new(Packing {
                a: Vec::new(),
                b: Vec::new(),
            }),
            threads: 1,
        }
    }

    /// Threads a product may use (see [`GemmWorkspace::set_threads`]).
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Lets products use up to `threads` threads (≥ 1). The extra threads' buffers are sized
    /// like the existing ones (fallible: on `Err` nothing changed).
    pub fn set_threads(&mut self, threads: usize) -> Result<(), TryReserveError> {
        let threads = threads.clamp(1, MAX_THREADS);
        let (la, lb) = self
            .slots
            .iter_mut()
            .next()
            .map_or((0, 0), |p| (p.a.len(), p.b.len()));
        let mut extra = Vec::new();
        extra.try_reserve_exact(threads.saturating_sub(self.slots.len()))?;
        for _ in self.slots.len()..threads {
            extra.push(Packing {
                a: zeros(la)?,
                b: zeros(lb)?,
            });
        }
        let mut extra = extra.into_iter();
        self.slots
            .try_extend_to(threads, || extra.next().unwrap_or_default())?;
        self.threads = threads;
        Ok(())
    }

    /// Buffer lengths an `m×k · k×n` product needs, rounded up to bounds that never decrease
    /// as `m`, `n` or `k` grow, so a workspace reserved for a batch covers every smaller batch
    /// (the exact need is not monotone in `k`: `kc` and the block height trade off). A task of
    /// a split product is a smaller product, so it is covered too.
    ///
    /// A: `⌈min(m, block_rows(kc))⌉_MR · kc ≤ min(⌈m⌉_MR · min(k, KC), MC·KC + MR·KC)` since
    /// `block_rows(kc)·kc ≤ MC·KC + MR·kc` and `kc = balanced_depth(k) ≤ min(k, KC)`.
    /// B: `⌈min(n, NC)⌉_NR · kc ≤ ⌈min(n, NC)⌉_NR · min(k, KC)`.
    fn needed(m: usize, n: usize, k: usize) -> (usize, usize) {
        let depth = k.clamp(1, KC);
        (
            packed_len(m, depth, MR).min((MC + MR) * KC),
            packed_len(n.min(NC), depth, nr::<T>()),
        )
    }

    /// Grows every thread's buffers (fallibly) so an `m×k · k×n` product needs no allocation.
    pub fn try_reserve(&mut self, m: usize, n: usize, k: usize) -> Result<(), TryReserveError> {
        let (la, lb) = Self::needed(m, n, k);
        let threads = self.threads;
        if self.slots.len() >= threads
            && self
                .slots
                .iter_mut()
                .take(threads)
                .all(|p| p.a.len() >= la && p.b.len() >= lb)
        {
            return Ok(()); // the usual case inside a training step: no allocation
        }
        let growth = self.staged_growth([(m, n, k)])?;
        self.commit(growth);
        Ok(())
    }

    /// Staged growth for every `(m, n, k)` product in `shapes`: new buffers where these are too
    /// small, allocated without touching `self` (put in place with [`GemmWorkspace::commit`]).
    pub fn staged_growth(
        &self,
        shapes: impl IntoIterator<Item = (usize, usize, usize)>,
    ) -> Result<WorkspaceGrowth<T>, TryReserveError> {
        let (mut la, mut lb) = (0, 0);
        for (m, n, k) in shapes {
            let (a, b) = Self::needed(m, n, k);
            (la, lb) = (la.max(a), lb.max(b));
        }
        let mut slots = Vec::new();
        slots.try_reserve_exact(self.threads)?;
        let current = |slot: usize| -> (&[T], &[T]) {
            // SAFETY: no task is running (we hold `&self` outside any parallel job, and jobs
            // only run inside `gemm_with_epilogue`, which holds `&mut self`).
            let p = unsafe { self.slots.get(slot) };
            (&p.a, &p.b)
        };
        for slot in 0..self.threads {
            let (a, b) = if slot < self.slots.len() {
                current(slot)
            } else {
                (&[][..], &[][..])
            };
            slots.push((replacement(a, la)?, replacement(b, lb)?));
        }
        Ok(WorkspaceGrowth { slots })
    }

    /// Puts a [`GemmWorkspace::staged_growth`] in place (cannot fail).
    pub fn commit(&mut self, growth: WorkspaceGrowth<T>) {
        for (slot, (a, b)) in self.slots.iter_mut().zip(growth.slots) {
            commit(&mut slot.a, a);
            commit(&mut slot.b, b);
        }
    }
}

/// Replacement packing buffers from [`GemmWorkspace::staged_growth`], per thread (`None`: big
/// enough).
#[derive(Debug)]
pub struct WorkspaceGrowth<T> {
    slots: Vec<StagedPacking<T>>,
}

/// One thread's replacement A and B packing buffers (`None`: the current one is big enough).
type StagedPacking<T> = (Option<Vec<T>>, Option<Vec<T>>);

/// `c = a·b`, or `c += a·b` when `accumulate`. `a` is `m×k`, `b` is `k×n`, `c` is `m×n`
/// (any of `a`, `b` may be a transposed view). Panics if the shapes disagree, or if the
/// workspace cannot grow (it never needs to once `try_reserve` covered the shape).
pub fn gemm<T: SimdReal>(
    ws: &mut GemmWorkspace<T>,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
    accumulate: bool,
) {
    gemm_with_epilogue(ws, a, b, c, accumulate, &NoEpilogue);
}

/// How a product is cut into tasks: `tasks` bands of rows (`by_rows`) or of columns of C,
/// each a whole number of micro-tiles. Each task packs its band of one operand and all of the
/// other, so the band runs along the dimension whose re-packing is cheaper: columns (A
/// re-packed per task, `m·k`) when `m ≤ n`, rows (B re-packed, `k·n`) otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Split {
    by_rows: bool,
    /// Rows or columns per band (the last band may be shorter).
    band: usize,
    tasks: usize,
}

impl Split {
    fn new(m: usize, n: usize, k: usize, threads: usize, nr: usize) -> Split {
        let (by_rows, len, unit) = if m > n { (true, m, MR) } else { (false, n, nr) };
        let work = m * n * k.max(1);
        let wanted = if threads <= 1 || work < 2 * PARALLEL_MIN_WORK {
            1
        } else {
            (threads * TASKS_PER_THREAD).min(work / PARALLEL_MIN_WORK)
        };
        let band = len.div_ceil(wanted.max(1)).next_multiple_of(unit);
        Split {
            by_rows,
            band,
            tasks: len.div_ceil(band),
        }
    }
}

/// [`gemm`], then `epilogue` applied to each finished `mc × nc` block of C right after its
/// last depth block is stored (so while it is in L2); every element of C is in exactly one
/// block. The epilogue is a trait object so every caller shares one instance of this function
/// (measured: one monomorphised copy per epilogue type made the tiny `xor` step ~5% slower).
/// See [`crate::kernels::epilogue`].
///
/// With [`GemmWorkspace::threads`] > 1 a large product is cut into bands of C ([`Split`]) run
/// by the pool; every element is computed by the same operations in the same order as on one
/// thread (same depth blocks, same micro-kernel), so C is bit-identical for any thread count.
pub fn gemm_with_epilogue<T: SimdReal>(
    ws: &mut GemmWorkspace<T>,
    a: MatRef<'_, T>,
    b: MatRef<'_, T>,
    c: MatMut<'_, T>,
    accumulate: bool,
    epilogue: &(dyn Epilogue<T> + Sync),
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert!(
        b.rows == k && c.rows == m && c.cols == n,
        "gemm: shape mismatch"
    );
    if m == 0 || n == 0 {
        return;
    }
    let ldc = n;
    // Unpacked paths (tiny products, including k = 0; one row of A): C is finished in one go.
    let small = m * n * k <= SMALL_PRODUCT;
    if small || (m == 1 && b.cs == 1) {
        if small {
            small_gemm(a, b, c.data, accumulate);
        } else {
            single_row_gemm(a, b, c.data, accumulate);
        }
        let c = SharedMut::new(c.data);
        // SAFETY: the whole of C, and no other reference to it exists while the tile lives.
        epilogue.apply(unsafe { CTile::new(c, 0, 0, m, n, ldc) });
        return;
    }
    ws.try_reserve(m, n, k)
        .expect("gemm workspace allocation failed");
    let split = Split::new(m, n, k, ws.threads, nr::<T>());
    let c = SharedMut::new(c.data);
    let slots = &ws.slots;
    let task = |t: Task| {
        let start = t.index * split.band;
        let (r0, c0, rows, cols) = if split.by_rows {
            (start, 0, split.band.min(m - start), n)
        } else {
            (0, start, m, split.band.min(n - start))
        };
        // SAFETY: `t.slot` is this thread's own slot (run_tasks never runs two tasks on one
        // slot at once), and this is the only reference to it we take.
        let packing = unsafe { slots.get(t.slot) };
        let band = Band {
            r0,
            c0,
            a: a.block(r0, 0, rows, k),
            b: b.block(0, c0, k, cols),
        };
        blocked(packing, band, c, ldc, accumulate, epilogue);
    };
    let complete = run_tasks(ws.threads, split.tasks, &task);
    assert!(complete, "gemm: a pool worker died during the product");
}

/// One task's band of a product: rows `r0..` and columns `c0..` of C, `a` and `b` the matching
/// blocks of the operands.
struct Band<'a, T> {
    r0: usize,
    c0: usize,
    a: MatRef<'a, T>,
    b: MatRef<'a, T>,
}

/// The packed loop nest over one band of C (the whole of C on one thread).
fn blocked<T: SimdReal>(
    ws: &mut Packing<T>,
    band: Band<'_, T>,
    c: SharedMut<'_, T>,
    ldc: usize,
    accumulate: bool,
    epilogue: &(dyn Epilogue<T> + Sync),
) {
    let Band { r0, c0, a, b } = band;
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let nr = nr::<T>();
    let kc_step = balanced_depth(k);
    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(kc_step) {
            let kc = kc_step.min(k - pc);
            // Later depth blocks add onto the partial products of the earlier ones.
            let acc = accumulate || pc > 0;
            let last_depth = pc + kc == k;
            pack_panels(b.block(pc, jc, kc, nc).t(), nr, &mut ws.b);
            let mc_step = block_rows(kc);
            for ic in (0..m).step_by(mc_step) {
                let mc = mc_step.min(m - ic);
                pack_panels(a.block(ic, pc, mc, kc), MR, &mut ws.a);
                // SAFETY: this band's `mc × nc` block of C (rows r0+ic.., columns c0+jc..)
                // is in bounds and written by this task alone (bands are disjoint).
                let mut block = unsafe { CTile::new(c, r0 + ic, c0 + jc, mc, nc, ldc) };
                for jr in (0..nc).step_by(nr) {
                    let b_panel = &ws.b[jr * kc..(jr + nr) * kc];
                    for ir in (0..mc).step_by(MR) {
                        let a_panel = &ws.a[ir * kc..(ir + MR) * kc];
                        let tile = Tile {
                            rows: MR.min(mc - ir),
                            cols: nr.min(nc - jr),
                            ldc,
                        };
                        // SAFETY: the tile lies inside `block` (ir < mc, jr < nc, clipped).
                        let c_tile = unsafe { block.tile_ptr(ir, jr) };
                        // SAFETY: `c_tile` is valid for `tile` (rows × cols at stride ldc),
                        // and only this task touches it.
                        unsafe { microkernel(kc, a_panel, b_panel, c_tile, tile, acc) };
                    }
                }
                if last_depth {
                    // The mc × nc block is final and still in L2 (it was just written): long
                    // rows for the epilogue's vector loops, one call per block.
                    epilogue.apply(block);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    /// Naive triple loop in f64 from the same inputs; also returns Σ_p |a_ip|·|b_pj| + |c0_ij|,
    /// the scale the rounding error bound is proportional to.
    #[allow(clippy::too_many_arguments)]
    fn naive<T: SimdReal>(
        ta: bool,
        tb: bool,
        m: usize,
        n: usize,
        k: usize,
        a: &[T],
        b: &[T],
        c0: &[T],
        accumulate: bool,
    ) -> (Vec<f64>, Vec<f64>) {
        let mut out = vec![0.0; m * n];
        let mut scale = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let (mut s, mut sa) = (0.0, 0.0);
                for p in 0..k {
                    let x = if ta { a[p * m + i] } else { a[i * k + p] }.to_f64();
                    let y = if tb { b[j * k + p] } else { b[p * n + j] }.to_f64();
                    s += x * y;
                    sa += (x * y).abs();
                }
                if accumulate {
                    s += c0[i * n + j].to_f64();
                    sa += c0[i * n + j].to_f64().abs();
                }
                out[i * n + j] = s;
                scale[i * n + j] = sa;
            }
        }
        (out, scale)
    }

    fn check<T: SimdReal>(rng: &mut Rng, ws: &mut GemmWorkspace<T>, m: usize, n: usize, k: usize) {
        let a: Vec<T> = rng.vec(m * k);
        let b: Vec<T> = rng.vec(k * n);
        let c0: Vec<T> = rng.vec(m * n);
        // f32 tolerance: the rigorous bound for a sum of k products (+ C) rounded in f32, in
        // any summation order (so the blocked order is covered): |ĉ − c| ≤ γ_{k+1}·(Σ|a||b| +
        // |c0|) with γ_n = n·u/(1 − n·u), u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1).
        // That is ≈ 1.8e-5 relative at k = 300: any real bug (a wrong or missing term) is
        // O(1) relative and fails it. f64: 1e-12 relative to the same scale.
        let u = T::EPSILON.to_f64() / 2.0;
        let gamma = (k + 2) as f64 * u / (1.0 - (k + 2) as f64 * u);
        let rel = if T::LANES == 2 { 1e-12 } else { gamma };
        for ta in [false, true] {
            for tb in [false, true] {
                for accumulate in [false, true] {
                    let mut c = c0.clone();
                    let av = if ta {
                        MatRef::new(&a, k, m).t()
                    } else {
                        MatRef::new(&a, m, k)
                    };
                    let bv = if tb {
                        MatRef::new(&b, n, k).t()
                    } else {
                        MatRef::new(&b, k, n)
                    };
                    gemm(ws, av, bv, MatMut::new(&mut c, m, n), accumulate);
                    let (want, scale) = naive(ta, tb, m, n, k, &a, &b, &c0, accumulate);
                    for idx in 0..m * n {
                        let err = (c[idx].to_f64() - want[idx]).abs();
                        let tol = rel * scale[idx];
                        assert!(
                            err <= tol,
                            "m={m} n={n} k={k} ta={ta} tb={tb} acc={accumulate} idx={idx}: \
                             got {:?} want {} err {err:e} tol {tol:e}",
                            c[idx],
                            want[idx]
                        );
                    }
                }
            }
        }
    }

    const SIZES: [usize; 9] = [1, 2, 3, 5, 7, 8, 17, 33, 67];

    fn shapes() -> Vec<(usize, usize, usize)> {
        let mut v = Vec::new();
        let mut rng = Rng::new(7);
        for _ in 0..60 {
            let pick = |r: &mut Rng| SIZES[r.below(SIZES.len())];
            v.push((pick(&mut rng), pick(&mut rng), pick(&mut rng)));
        }
        // Shapes past every blocking constant and every edge case of the panels.
        v.extend([
            (130, 70, 300),
            (130, 33, 17),
            (1, 130, 7),
            (67, 1, 130),
            (4, 8, 1),
        ]);
        v.extend([(MC + 5, 2 * 8 + 3, KC + 7), (3, 5, 2 * KC + 1), (MR, 8, KC)]);
        // Around the small-product threshold (128 multiply-adds), both sides of it.
        v.extend([(4, 4, 8), (4, 4, 9), (1, 1, 129), (5, 5, 5), (2, 64, 1)]);
        // Shallow k: taller A blocks (block_rows(30) = 1024 rows), two of them.
        v.push((1030, 9, 30));
        // One row of A (the unpacked vector-matrix path when B's rows are contiguous).
        v.extend([(1, 130, 67), (1, 9, 300), (1, 3, 2 * KC + 1)]);
        // k split into balanced depth blocks (784 = 4 × 196) with a k-unroll remainder.
        v.extend([(9, 13, 3 * KC + 16), (MR + 1, 8, 4 * 3 + 1)]);
        v
    }

    #[test]
    fn gemm_f64_matches_naive_all_transpositions() {
        let mut rng = Rng::new(1);
        let mut ws = GemmWorkspace::<f64>::new();
        for (m, n, k) in shapes() {
            check::<f64>(&mut rng, &mut ws, m, n, k);
        }
    }

    #[test]
    fn gemm_f32_matches_naive_all_transpositions() {
        let mut rng = Rng::new(2);
        let mut ws = GemmWorkspace::<f32>::new();
        for (m, n, k) in shapes() {
            check::<f32>(&mut rng, &mut ws, m, n, k);
        }
    }

    #[test]
    fn depth_blocks_are_balanced_and_cover_k() {
        for k in [1, 2, KC - 1, KC, KC + 1, 784, 2 * KC, 5 * KC + 3] {
            let kc = balanced_depth(k);
            let blocks = k.div_ceil(kc);
            assert!(kc <= KC && blocks == k.div_ceil(KC), "k={k} kc={kc}");
            // The last block is at most one element per block shorter than the others.
            assert!(k - (blocks - 1) * kc + blocks > kc, "k={k} kc={kc}");
        }
        assert_eq!(balanced_depth(784), 196);
        // The A block keeps its MC × KC footprint and is a whole number of MR-row panels.
        for kc in [1, 7, 64, 196, KC] {
            let rows = block_rows(kc);
            assert!(
                rows.is_multiple_of(MR) && rows >= MC && (rows - MR) * kc < MC * KC,
                "kc={kc}"
            );
        }
    }

    /// The reserved lengths cover the exact need of every product up to the reserved shape,
    /// so reserving for batch `b` makes every batch `≤ b` allocation-free.
    #[test]
    fn reserved_lengths_cover_every_smaller_product() {
        let exact = |m: usize, n: usize, k: usize| {
            let kc = balanced_depth(k.max(1));
            (
                packed_len(m.min(block_rows(kc)), kc, MR),
                packed_len(n.min(NC), kc, nr::<f32>()),
            )
        };
        let mut worst = (0, 0);
        for m in [1, 3, 5, 33, 120, 784, 5000] {
            for n in [1, 9, 65, 5000] {
                for k in 1..=1100 {
                    let (la, lb) = GemmWorkspace::<f32>::needed(m, n, k);
                    for smaller in [k.saturating_sub(1).max(1), k / 2 + 1, k] {
                        let (ea, eb) = exact(m, n, smaller);
                        assert!(la >= ea && lb >= eb, "m {m} n {n} k {k} vs {smaller}");
                    }
                    worst = (worst.0.max(la), worst.1.max(lb));
                }
            }
        }
        assert!(worst.0 <= (MC + MR) * KC, "A bound {worst:?}");
    }

    #[test]
    fn gemm_wide_n_exceeds_nc() {
        // n > NC exercises the outer jc loop.
        let mut rng = Rng::new(3);
        check::<f32>(&mut rng, &mut GemmWorkspace::new(), 5, NC + 9, 3);
    }

    #[test]
    fn gemm_degenerate_shapes() {
        let mut ws = GemmWorkspace::<f64>::new();
        // k = 0: overwrite gives zeros, accumulate leaves C alone.
        let mut c = vec![5.0; 6];
        gemm(
            &mut ws,
            MatRef::new(&[], 2, 0),
            MatRef::new(&[], 0, 3),
            MatMut::new(&mut c, 2, 3),
            true,
        );
        assert_eq!(c, vec![5.0; 6]);
        gemm(
            &mut ws,
            MatRef::new(&[], 2, 0),
            MatRef::new(&[], 0, 3),
            MatMut::new(&mut c, 2, 3),
            false,
        );
        assert_eq!(c, vec![0.0; 6]);
        // m = 0 / n = 0: nothing happens.
        gemm(
            &mut ws,
            MatRef::new(&[], 0, 4),
            MatRef::new(&[0.0; 12], 4, 3),
            MatMut::new(&mut [], 0, 3),
            false,
        );
        gemm(
            &mut ws,
            MatRef::new(&[0.0; 8], 2, 4),
            MatRef::new(&[], 4, 0),
            MatMut::new(&mut [], 2, 0),
            false,
        );
    }
}
