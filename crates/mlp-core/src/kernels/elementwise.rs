//! Elementwise maps over slices with a per-vector function: every full vector through `f`, the
//! last partial vector through a zero-padded copy, so every element is computed by the same
//! code (an element's value does not depend on where it sits in the slice: a GEMM tile in a
//! layer's epilogue gives the same bits as a whole-buffer pass). The activations are written
//! with these.

use crate::simd::SimdReal;

/// In place `x[i] = f(x[i])`, `f` a function of one vector.
#[inline(always)]
pub fn map_in_place<T: SimdReal>(x: &mut [T], f: impl Fn(T::V) -> T::V) {
    let mut chunks = x.chunks_exact_mut(T::LANES);
    for v in &mut chunks {
        T::vstore_to(v, f(T::vload_from(v)));
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        let mut pad = [T::ZERO; 4]; // LANES ≤ 4
        let pad = &mut pad[..T::LANES];
        pad[..tail.len()].copy_from_slice(tail);
        T::vstore_to(pad, f(T::vload_from(pad)));
        tail.copy_from_slice(&pad[..tail.len()]);
    }
}

/// In place `g[i] = f(g[i], y[i])`, `f` a function of two vectors (e.g. a backward step
/// `g ⊙ f'(y)`). Panics if the lengths differ.
#[inline(always)]
pub fn zip_map_in_place<T: SimdReal>(g: &mut [T], y: &[T], f: impl Fn(T::V, T::V) -> T::V) {
    assert_eq!(g.len(), y.len(), "zip_map_in_place: length mismatch");
    let mut gc = g.chunks_exact_mut(T::LANES);
    let mut yc = y.chunks_exact(T::LANES);
    for (gv, yv) in (&mut gc).zip(&mut yc) {
        T::vstore_to(gv, f(T::vload_from(gv), T::vload_from(yv)));
    }
    let (tail, y_tail) = (gc.into_remainder(), yc.remainder());
    if !tail.is_empty() {
        let (mut pad_g, mut pad_y) = ([T::ZERO; 4], [T::ZERO; 4]); // LANES ≤ 4
        let (pad_g, pad_y) = (&mut pad_g[..T::LANES], &mut pad_y[..T::LANES]);
        pad_g[..tail.len()].copy_from_slice(tail);
        pad_y[..tail.len()].copy_from_slice(y_tail);
        T::vstore_to(pad_g, f(T::vload_from(pad_g), T::vload_from(pad_y)));
        tail.copy_from_slice(&pad_g[..tail.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::Rng;

    fn check<T: SimdReal>(rng: &mut Rng) {
        for len in [0, 1, 3, 4, 5, 8, 17, 33] {
            let x: Vec<T> = rng.vec(len);
            let y: Vec<T> = rng.vec(len);
            let mut got = x.clone();
            map_in_place(&mut got, |v| T::vmul(v, v));
            let want: Vec<T> = x.iter().map(|&v| v * v).collect();
            assert_eq!(got, want, "map len {len}");
            let mut got = x.clone();
            zip_map_in_place(&mut got, &y, |g, y| T::vsub(g, T::vmul(g, y)));
            let want: Vec<T> = x.iter().zip(&y).map(|(&g, &y)| g - g * y).collect();
            assert_eq!(got, want, "zip_map len {len}");
        }
    }

    #[test]
    fn every_element_matches_the_scalar_formula() {
        let mut rng = Rng::new(12);
        check::<f32>(&mut rng);
        check::<f64>(&mut rng);
    }
}
