//! Packing of GEMM operands into contiguous micro-panels.
//!
//! `pack_panels(src, w, dst)` copies a `rows × k` view into panels of `w` rows each, laid out
//! panel by panel, and inside a panel `k`-major: `dst[q·k·w + p·w + i] = src(q·w + i, p)`.
//! The last panel is zero-padded to `w` rows, so the micro-kernel never needs an edge case in
//! its inner loop (the padding only produces results that the masked store discards).
//!
//! - A block (`mc × kc` of `op(A)`) is packed with `w = MR`.
//! - B block (`kc × nc` of `op(B)`) is packed as its transposed view with `w = NR`.
//!
//! Transposition is handled here and only here: the view's (row, column) strides decide which
//! of the two fast paths applies (`k` contiguous, or the panel dimension contiguous).

use crate::kernels::matrix::MatRef;
use crate::real::Real;

/// Number of elements `pack_panels` writes for a `rows × k` view and panel width `w`.
pub fn packed_len(rows: usize, k: usize, w: usize) -> usize {
    rows.div_ceil(w) * w * k
}

/// Packs `src` (`rows × k`) into `w`-row panels in `dst` (see the module docs).
/// Always inlined so `w` (`MR` or `NR`) is a constant and the short copies become vector moves.
#[inline(always)]
pub fn pack_panels<T: Real>(src: MatRef<'_, T>, w: usize, dst: &mut [T]) {
    let (rows, k) = (src.rows, src.cols);
    if rows == 0 || k == 0 {
        return;
    }
    let dst = &mut dst[..packed_len(rows, k, w)];
    for (q, panel) in dst.chunks_exact_mut(k * w).enumerate() {
        let r0 = q * w;
        let h = w.min(rows - r0);
        if src.cs == 1 && h == w {
            // k is contiguous in the source: gather one value from each of the w rows per k
            // step, so the writes are contiguous (w constant-length row streams are read).
            let block = &src.data[r0 * src.rs..(r0 + w - 1) * src.rs + k];
            for (p, d) in panel.chunks_exact_mut(w).enumerate() {
                for (i, v) in d.iter_mut().enumerate() {
                    *v = block[i * src.rs + p];
                }
            }
        } else if src.cs == 1 {
            // The zero-padded last panel: walk each source row, scatter with stride w.
            for i in 0..h {
                let start = (r0 + i) * src.rs;
                let row = &src.data[start..start + k];
                for (d, &v) in panel.chunks_exact_mut(w).zip(row) {
                    d[i] = v;
                }
            }
            if h < w {
                for d in panel.chunks_exact_mut(w) {
                    d[h..].fill(T::ZERO);
                }
            }
        } else if src.rs == 1 {
            // The panel dimension is contiguous: each k step is one short contiguous copy.
            for (p, d) in panel.chunks_exact_mut(w).enumerate() {
                let start = r0 + p * src.cs;
                if h == w {
                    d.copy_from_slice(&src.data[start..start + w]);
                } else {
                    d[..h].copy_from_slice(&src.data[start..start + h]);
                    d[h..].fill(T::ZERO);
                }
            }
        } else {
            // General strides (not produced by the crate itself, kept for completeness).
            for (p, d) in panel.chunks_exact_mut(w).enumerate() {
                for (i, v) in d.iter_mut().enumerate() {
                    *v = if i < h {
                        src.data[(r0 + i) * src.rs + p * src.cs]
                    } else {
                        T::ZERO
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packs_both_layouts_with_zero_padding() {
        // 5 × 3 row-major, value = 10·i + p
        let data: Vec<f64> = (0..5)
            .flat_map(|i| (0..3).map(move |p| f64::from(10 * i + p)))
            .collect();
        let m = MatRef::new(&data, 5, 3);
        // Same logical matrix stored transposed (3 × 5) and viewed through .t()
        let dt: Vec<f64> = (0..3)
            .flat_map(|p| (0..5).map(move |i| f64::from(10 * i + p)))
            .collect();
        let mt = MatRef::new(&dt, 3, 5).t();
        for w in [1, 2, 4, 8] {
            let len = packed_len(5, 3, w);
            let (mut a, mut b) = (vec![f64::NAN; len], vec![f64::NAN; len]);
            pack_panels(m, w, &mut a);
            pack_panels(mt, w, &mut b);
            for q in 0..5usize.div_ceil(w) {
                for p in 0..3 {
                    for i in 0..w {
                        let r = q * w + i;
                        let want = if r < 5 { (10 * r + p) as f64 } else { 0.0 };
                        let at = q * 3 * w + p * w + i;
                        assert_eq!(a[at], want, "w={w} q={q} p={p} i={i}");
                        assert_eq!(b[at], want, "w={w} q={q} p={p} i={i} (transposed)");
                    }
                }
            }
        }
    }
}
