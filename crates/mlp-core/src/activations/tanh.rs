//! `y = tanh(z)`, with `tanh'(z) = 1 − y²`.

use crate::kernels::elementwise::map_in_place;
use crate::kernels::exp::vtanh;
use crate::real::Real;
use crate::simd::SimdReal;

/// In place `z ← tanh(z)`, vectorised ([`kernels::exp`](crate::kernels::exp): within 2 ulp of
/// the exact value in f32, 2.5 ulp of libm in f64).
pub fn forward<T: SimdReal>(z: &mut [T]) {
    map_in_place(z, vtanh::<T>);
}

/// In place `dL/dz = dL/dy ⊙ (1 − y²)`. Panics if the lengths differ.
pub fn backward<T: Real>(grad: &mut [T], y: &[T]) {
    assert_eq!(grad.len(), y.len(), "tanh backward: length mismatch");
    for (g, &y) in grad.iter_mut().zip(y) {
        *g *= T::ONE - y * y;
    }
}
