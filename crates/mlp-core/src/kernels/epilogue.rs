//! GEMM epilogues: an operation applied to each finished block of C while it is still in cache.
//!
//! [`gemm_with_epilogue`](crate::kernels::gemm::gemm_with_epilogue) calls
//! [`Epilogue::apply`] once for every `mc × nc` cache block of C (the whole C on the unpacked
//! paths), right after the block's last depth pass was stored, so every element of C is visited
//! exactly once, after it holds its final `op(A)·op(B) (+ C)` value, while the block is in L2.
//! A layer uses it to fuse
//! - forward: `z = x·W + b; y = act(z)` → [`BiasActivation`] (one pass over C instead of three),
//! - backward: `g_prev = (pre · Wᵀ) ⊙ act'(y_prev)` → [`ScaleByDerivative`].
//!
//! Both take the activation as a slice function, so any activation's kernels plug in.
//!
//! Why blocks, not micro-kernel tiles (`MR × NR`, in L1): measured in Node 20, per-tile
//! epilogues on 4 × 8 tiles made mnist training 4% and forward 6% slower than separate passes
//! (call and loop overhead per 8-element row, more code around the micro-kernel), while whole
//! blocks give the epilogue long contiguous runs and cost one dynamic call per block.

use crate::kernels::add_bias;
use crate::parallel::SharedMut;
use crate::real::Real;
use crate::simd::SimdReal;

/// One finished tile of C: `rows × cols` at `(row0, col0)` of C, row stride `ldc`. Reached
/// through the shared C of a (possibly parallel) product; the tile itself is exclusive to the
/// task holding it.
#[derive(Debug)]
pub struct CTile<'a, T> {
    /// First row of the tile in C.
    pub row0: usize,
    /// First column of the tile in C.
    pub col0: usize,
    /// Rows of the tile.
    pub rows: usize,
    /// Columns of the tile.
    pub cols: usize,
    /// Row stride of C.
    pub ldc: usize,
    c: SharedMut<'a, T>,
}

impl<'a, T> CTile<'a, T> {
    /// The tile `rows × cols` at `(row0, col0)` of `c` (row stride `ldc`).
    ///
    /// # Safety
    /// The tile must lie inside `c`, and while this `CTile` (or anything borrowed from it)
    /// lives, no other reference may reach its elements.
    pub unsafe fn new(
        c: SharedMut<'a, T>,
        row0: usize,
        col0: usize,
        rows: usize,
        cols: usize,
        ldc: usize,
    ) -> Self {
        debug_assert!(rows == 0 || (row0 + rows - 1) * ldc + col0 + cols <= c.len());
        CTile {
            row0,
            col0,
            rows,
            cols,
            ldc,
            c,
        }
    }

    /// Row `r` of the tile (`cols` values).
    #[inline(always)]
    pub fn row_mut(&mut self, r: usize) -> &mut [T] {
        assert!(r < self.rows);
        let start = (self.row0 + r) * self.ldc + self.col0;
        // SAFETY: inside the tile, which this CTile reaches exclusively (`new`'s contract);
        // the `&mut self` borrow makes it the only reference taken through this CTile.
        unsafe { self.c.range_mut(start..start + self.cols) }
    }

    /// All rows as one slice, when they are contiguous (`cols == ldc`: the tile spans whole
    /// rows of C).
    #[inline(always)]
    pub fn contiguous_mut(&mut self) -> Option<&mut [T]> {
        (self.cols == self.ldc).then(|| {
            let start = self.row0 * self.ldc;
            // SAFETY: exactly the tile's elements (whole rows), reached exclusively as in
            // `row_mut`.
            unsafe { self.c.range_mut(start..start + self.rows * self.cols) }
        })
    }

    /// A pointer to element `(r, j)` of the tile, for the micro-kernel's stores.
    ///
    /// # Safety
    /// `(r, j)` must be inside the tile; writes through the pointer must stay inside it.
    #[inline(always)]
    pub unsafe fn tile_ptr(&mut self, r: usize, j: usize) -> *mut T {
        let at = (self.row0 + r) * self.ldc + self.col0 + j;
        // SAFETY: inside the tile (the caller's contract), hence inside C.
        unsafe { self.c.ptr_at(at) }
    }

    /// Calls `f(run, offset)` on the tile's rows, or once on all of them when they are
    /// contiguous, so an elementwise function runs over long slices. `offset` is the run's
    /// first element relative to the tile's first, in C's layout (`r·ldc + j`).
    #[inline(always)]
    fn for_each_run(&mut self, mut f: impl FnMut(&mut [T], usize)) {
        if let Some(all) = self.contiguous_mut() {
            f(all, 0);
        } else {
            for r in 0..self.rows {
                let ldc = self.ldc;
                f(self.row_mut(r), r * ldc);
            }
        }
    }
}

/// An operation on finished tiles of C (see the module docs). `Sync`: the tasks of a
/// parallel product call it from several threads, each on its own tiles.
pub trait Epilogue<T> {
    /// Transforms one finished tile in place.
    fn apply(&self, tile: CTile<'_, T>);
}

/// Leaves C as the product computed it (what plain `gemm` uses; compiles to nothing).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEpilogue;

impl<T> Epilogue<T> for NoEpilogue {
    #[inline(always)]
    fn apply(&self, _tile: CTile<'_, T>) {}
}

/// `c[r][j] = c[r][j] + bias[j]`, then (optionally) a copy of the row into `keep_z`, then
/// `activate(row)` in place: the forward of a dense layer, with the same operations in the same
/// order as `add_bias` followed by the activation.
#[derive(Debug)]
pub struct BiasActivation<'a, T, F> {
    /// One value per column of C.
    pub bias: &'a [T],
    /// Where `z = op(A)·op(B) + bias` is kept before the activation (same shape and row stride
    /// as C), e.g. the logits a cross-entropy loss reads; `None`: not kept.
    pub keep_z: Option<SharedMut<'a, T>>,
    /// The activation, in place on a slice (e.g. `activations::sigmoid::forward`).
    pub activate: F,
}

impl<T: SimdReal, F: Fn(&mut [T]) + Sync> Epilogue<T> for BiasActivation<'_, T, F> {
    #[inline(always)]
    fn apply(&self, mut tile: CTile<'_, T>) {
        let (row0, col0, cols, ldc) = (tile.row0, tile.col0, tile.cols, tile.ldc);
        let bias = &self.bias[col0..col0 + cols];
        for r in 0..tile.rows {
            let row = tile.row_mut(r);
            add_bias(row, bias, 1, cols);
            if let Some(z) = &self.keep_z {
                let start = (row0 + r) * ldc + col0;
                // SAFETY: the tile's own elements of z (same layout as C), and tiles are
                // disjoint, so no other task reaches them.
                unsafe { z.range_mut(start..start + cols) }.copy_from_slice(row);
            }
        }
        tile.for_each_run(|run, _| (self.activate)(run));
    }
}

/// `derivative(row, y_row)` in place, where `y_row` is the same rows/columns of `y`
/// (row stride `ldy`): e.g. `activations::sigmoid::backward` gives `g = g ⊙ y(1 − y)`, the
/// backward step through the previous layer's activation fused into `g = pre · Wᵀ`.
#[derive(Debug)]
pub struct ScaleByDerivative<'a, T, F> {
    /// The activation outputs the derivative is taken at, same shape as C.
    pub y: &'a [T],
    /// Row stride of `y`.
    pub ldy: usize,
    /// In place `g = g ⊙ act'(·)` given the activation's output (e.g. `sigmoid::backward`).
    pub derivative: F,
}

impl<T: Real, F: Fn(&mut [T], &[T]) + Sync> Epilogue<T> for ScaleByDerivative<'_, T, F> {
    #[inline(always)]
    fn apply(&self, mut tile: CTile<'_, T>) {
        let (rows, ldc) = (tile.rows, tile.ldc);
        let y_start = tile.row0 * self.ldy + tile.col0;
        let (y, ldy) = (&self.y[y_start..], self.ldy);
        if ldy != ldc {
            for r in 0..rows {
                let g = tile.row_mut(r);
                let n = g.len();
                (self.derivative)(g, &y[r * ldy..r * ldy + n]);
            }
            return;
        }
        tile.for_each_run(|g, at| {
            (self.derivative)(g, &y[at..at + g.len()]);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activations::sigmoid;
    use crate::kernels::gemm::{gemm, gemm_with_epilogue, GemmWorkspace, KC, MC, NC};
    use crate::kernels::{add_bias, MatMut, MatRef};
    use crate::test_support::Rng;

    /// Records every visit and the value each element had when its tile was handed over.
    struct Recorder<T> {
        n: usize,
        /// (visits, last value seen) per element of C.
        log: std::sync::Mutex<(Vec<u32>, Vec<T>)>,
    }

    impl<T: Real> Epilogue<T> for Recorder<T> {
        fn apply(&self, mut tile: CTile<'_, T>) {
            let mut log = self.log.lock().unwrap();
            for r in 0..tile.rows {
                let at = (tile.row0 + r) * self.n + tile.col0;
                for (j, &v) in tile.row_mut(r).iter().enumerate() {
                    log.0[at + j] += 1;
                    log.1[at + j] = v;
                }
            }
        }
    }

    /// `op(A)`, `op(B)` views of random data for `(m, n, k)` and the transpositions.
    fn operands<T: SimdReal>(rng: &mut Rng, m: usize, n: usize, k: usize) -> (Vec<T>, Vec<T>) {
        (rng.vec(m * k), rng.vec(k * n))
    }

    fn view<T>(data: &[T], rows: usize, cols: usize, trans: bool) -> MatRef<'_, T> {
        if trans {
            MatRef::new(data, cols, rows).t()
        } else {
            MatRef::new(data, rows, cols)
        }
    }

    const SHAPES: [(usize, usize, usize); 9] = [
        (1, 40, 9),
        (1, 1, 1),
        (3, 5, 7),
        (4, 8, 16),
        (9, 17, 33),
        (MC + 3, 11, 2 * KC + 5),
        (13, 2 * 8 + 1, 0),
        (17, 24, 3 * KC + 13),
        (2, NC + 3, 3),
    ];

    fn every_element_once_with_its_final_value<T: SimdReal>(seed: u64) {
        let mut rng = Rng::new(seed);
        let mut ws = GemmWorkspace::<T>::new();
        for (m, n, k) in SHAPES {
            let (a, b) = operands::<T>(&mut rng, m, n, k);
            let c0: Vec<T> = rng.vec(m * n);
            for (ta, tb, accumulate) in [
                (false, false, false),
                (true, false, true),
                (false, true, true),
            ] {
                let mut want = c0.clone();
                gemm(
                    &mut ws,
                    view(&a, m, k, ta),
                    view(&b, k, n, tb),
                    MatMut::new(&mut want, m, n),
                    accumulate,
                );
                let rec = Recorder {
                    n,
                    log: std::sync::Mutex::new((vec![0; m * n], vec![T::ZERO; m * n])),
                };
                let mut c = c0.clone();
                gemm_with_epilogue(
                    &mut ws,
                    view(&a, m, k, ta),
                    view(&b, k, n, tb),
                    MatMut::new(&mut c, m, n),
                    accumulate,
                    &rec,
                );
                let (visits, seen) = rec.log.into_inner().unwrap();
                assert!(
                    visits.iter().all(|&v| v == 1),
                    "m={m} n={n} k={k}: some element not visited exactly once"
                );
                assert_eq!(
                    seen, want,
                    "m={m} n={n} k={k}: a tile was handed over before it was final"
                );
                assert_eq!(c, want);
            }
        }
    }

    #[test]
    fn epilogue_sees_every_element_once_when_final() {
        every_element_once_with_its_final_value::<f32>(41);
        every_element_once_with_its_final_value::<f64>(42);
    }

    /// `op(A)·op(B)` then `separate` on the result, and the same product with `epi` fused:
    /// asserts they agree bit for bit (same operations, same order per element).
    fn assert_fused_matches<T: SimdReal>(
        ws: &mut GemmWorkspace<T>,
        (a, ta): (&[T], bool),
        (b, tb): (&[T], bool),
        (m, n, k): (usize, usize, usize),
        separate: impl FnOnce(&mut [T]),
        epi: &(impl Epilogue<T> + Sync),
        what: &str,
    ) {
        let mut want = vec![T::ZERO; m * n];
        gemm(
            ws,
            view(a, m, k, ta),
            view(b, k, n, tb),
            MatMut::new(&mut want, m, n),
            false,
        );
        separate(&mut want);
        let mut got = vec![T::ZERO; m * n];
        let c = MatMut::new(&mut got, m, n);
        gemm_with_epilogue(ws, view(a, m, k, ta), view(b, k, n, tb), c, false, epi);
        assert_eq!(got, want, "{what} m={m} n={n} k={k} ta={ta} tb={tb}");
    }

    fn fused_matches_separate<T: SimdReal>(seed: u64) {
        let mut rng = Rng::new(seed);
        let mut ws = GemmWorkspace::<T>::new();
        for (m, n, k) in SHAPES {
            let (a, b) = operands::<T>(&mut rng, m, n, k);
            let bias: Vec<T> = rng.vec(n);
            let y: Vec<T> = rng.vec(m * n);
            for (ta, tb) in [(false, false), (true, false), (false, true)] {
                // forward: C = σ(z), z = op(A)·op(B) + bias, z kept or not
                for keep in [false, true] {
                    let mut z = vec![T::ZERO; m * n];
                    let mut want_z = vec![T::ZERO; m * n];
                    assert_fused_matches(
                        &mut ws,
                        (&a, ta),
                        (&b, tb),
                        (m, n, k),
                        |c| {
                            add_bias(c, &bias, m, n);
                            if keep {
                                want_z.copy_from_slice(c);
                            }
                            sigmoid::forward(c);
                        },
                        &BiasActivation {
                            bias: &bias,
                            keep_z: keep.then(|| SharedMut::new(&mut z[..])),
                            activate: sigmoid::forward::<T>,
                        },
                        "bias+sigmoid",
                    );
                    assert_eq!(z, want_z, "kept z m={m} n={n} k={k} ta={ta} tb={tb}");
                }
                // backward: (op(A)·op(B)) ⊙ y(1 − y)
                assert_fused_matches(
                    &mut ws,
                    (&a, ta),
                    (&b, tb),
                    (m, n, k),
                    |c| sigmoid::backward(c, &y),
                    &ScaleByDerivative {
                        y: &y,
                        ldy: n,
                        derivative: sigmoid::backward::<T>,
                    },
                    "derivative",
                );
            }
        }
    }

    #[test]
    fn fused_epilogues_match_separate_kernels() {
        fused_matches_separate::<f32>(43);
        fused_matches_separate::<f64>(44);
    }
}
