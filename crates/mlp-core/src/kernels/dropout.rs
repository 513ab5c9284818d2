//! Inverted dropout with counter-based masks: whether element `index` of layer `layer`'s output
//! is kept at optimizer step `step` is a pure function of `(seed, step, layer, index)`, so the
//! mask is the same whatever order, chunk or thread computes an element, and the reference
//! backend (`ts/backends/reference/dropout.ts`) reproduces it bit for bit.
//!
//! Bits of an element: `h = mix(mix(index ⊕ k₁) + k₂)` with the per-(seed, step, layer) keys
//! `k₁, k₂` ([`Mask::new`]) and `mix` the 32-bit integer hash "lowbias32" (C. Wellons:
//! xorshift-multiply ×2, full avalanche). The element is dropped iff `h < ⌊rate·2³²⌋`, so it is
//! kept with probability `1 − rate` (to within 2⁻³²); kept values are scaled by `1/(1 − rate)`,
//! which keeps the expected activation unchanged and lets inference skip dropout entirely.
//! `index` is the element's position in the layer's row-major `batch × width` output; every
//! buffer a network has fits in 4 GiB, so it fits in `u32`.

use crate::real::Real;

/// The 32-bit integer hash "lowbias32": `x ^= x >> 16; x *= 0x7feb352d; x ^= x >> 15;
/// x *= 0x846ca68b; x ^= x >> 16` (wrapping).
#[inline]
pub fn mix32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// One layer's mask at one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mask {
    k1: u32,
    k2: u32,
    /// Dropped iff the element's bits are below this: `⌊rate·2³²⌋`.
    threshold: u32,
}

impl Mask {
    /// The mask of `layer` (0-based hidden layer) at optimizer step `step` for the 32-bit
    /// `seed`, dropping with probability `rate ∈ [0, 1)`.
    pub fn new(seed: u32, step: u64, layer: u32, rate: f64) -> Mask {
        let a = mix32(seed ^ 0x243f_6a88);
        let a = mix32(a ^ step as u32);
        let a = mix32(a ^ (step >> 32) as u32);
        let k1 = mix32(a ^ layer);
        let k2 = mix32(k1 ^ 0x85a3_08d3);
        Mask {
            k1,
            k2,
            threshold: threshold(rate),
        }
    }

    /// The 32 random bits of element `index`.
    #[inline]
    pub fn bits(&self, index: u32) -> u32 {
        mix32(mix32(index ^ self.k1).wrapping_add(self.k2))
    }

    /// Whether element `index` is kept.
    #[inline]
    pub fn keeps(&self, index: u32) -> bool {
        self.bits(index) >= self.threshold
    }
}

/// `⌊rate·2³²⌋` (exact in `f64`; below 2³² for `rate < 1`).
fn threshold(rate: f64) -> u32 {
    (rate * 4_294_967_296.0)
        .floor()
        .clamp(0.0, f64::from(u32::MAX)) as u32
}

/// `1/(1 − rate)`, the factor of the kept values.
pub fn keep_scale<T: Real>(rate: f64) -> T {
    T::from_f64(1.0 / (1.0 - rate))
}

/// `data[k] ← data[k]·scale` if element `first + k` is kept, else 0: the forward mask on a
/// layer's output, and the same factor on its gradient in the backward pass. `first` is the
/// index of `data[0]` in the whole output, so a chunk gives the same bits as the whole.
// Not inlined: the forward and the backward pass share one copy per dtype (code size).
#[inline(never)]
pub fn apply<T: Real>(mask: &Mask, data: &mut [T], first: usize, scale: T) {
    for (k, v) in data.iter_mut().enumerate() {
        *v = if mask.keeps((first + k) as u32) {
            *v * scale
        } else {
            T::ZERO
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix32_known_values() {
        // Frozen values, also those of the reference backend's Math.imul version.
        assert_eq!(mix32(0), 0);
        assert_eq!(mix32(1), 0x6889_90c0);
        assert_eq!(mix32(0x1234_5678), 0xf5e7_1c96);
    }

    #[test]
    fn chunks_give_the_same_mask_as_the_whole() {
        let mask = Mask::new(7, 123, 1, 0.3);
        let mut whole = vec![1.0f64; 1000];
        apply(&mask, &mut whole, 0, 2.0);
        let mut parts = vec![1.0f64; 1000];
        let (a, b) = parts.split_at_mut(337);
        apply(&mask, b, 337, 2.0);
        apply(&mask, a, 0, 2.0);
        assert_eq!(whole, parts);
    }

    #[test]
    fn keep_rate_and_key_dependence() {
        let n = 200_000u32;
        for rate in [0.0, 0.1, 0.5, 0.9] {
            let mask = Mask::new(1, 1, 0, rate);
            let kept = (0..n).filter(|&i| mask.keeps(i)).count() as f64 / f64::from(n);
            assert!(
                (kept - (1.0 - rate)).abs() < 0.005,
                "rate {rate}: kept {kept}"
            );
        }
        // Different steps, layers and seeds give (nearly) independent masks: agreement ≈ p² + q².
        let base = Mask::new(1, 1, 0, 0.5);
        for other in [
            Mask::new(1, 2, 0, 0.5),
            Mask::new(1, 1, 1, 0.5),
            Mask::new(2, 1, 0, 0.5),
            Mask::new(1, 1 << 32, 0, 0.5),
        ] {
            assert_ne!(base, other);
            let same = (0..n).filter(|&i| base.keeps(i) == other.keeps(i)).count() as f64;
            assert!((same / f64::from(n) - 0.5).abs() < 0.01);
        }
        assert!((0..1000).all(|i| Mask::new(5, 9, 0, 0.0).keeps(i)));
    }
}
