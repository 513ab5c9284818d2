//! `Real`: the scalar abstraction over `f32` and `f64`.
//!
//! Everything numeric in the crate is generic over `T: Real` (or `T: SimdReal`, which adds the
//! vector type); the one macro below is the only place that names the two float types.

use core::fmt::Debug;
use core::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

/// A floating-point scalar the network can be computed in.
pub trait Real:
    Copy
    + Default
    + PartialOrd
    + Debug
    + Send
    + Sync
    + 'static
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
{
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Machine epsilon (distance from 1 to the next representable value).
    const EPSILON: Self;
    /// Significand bits, including the implicit one (24, 53).
    const MANTISSA_DIGITS: i32;
    /// `2^(MIN_EXP − 1)` is the smallest normal number.
    const MIN_EXP: i32;
    /// `2^MAX_EXP` is the first power of two that overflows.
    const MAX_EXP: i32;
    /// `ln 2 = LN2_HI + LN2_LO`, `LN2_HI` with enough trailing zero bits that `n·LN2_HI` is
    /// exact for every exponent `n` (Cody–Waite range reduction in `kernels::exp`).
    const LN2_HI: Self;
    /// See [`Real::LN2_HI`].
    const LN2_LO: Self;
    /// Degree of the Taylor polynomial of `e^r − 1` on `|r| ≤ ln2/2` whose truncation error is
    /// below a quarter of an ulp (`r^(d+1)/(d+1)! / (e^r − 1) < EPSILON/4`).
    const EXPM1_DEGREE: usize;

    /// Rounds an `f64` to this type (identity for `f64`).
    fn from_f64(x: f64) -> Self;
    /// Widens to `f64` (exact for both types).
    fn to_f64(self) -> f64;
    /// `e^self`.
    fn exp(self) -> Self;
    /// `ln(1 + self)`, accurate near 0.
    fn ln_1p(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Neither NaN nor ±∞.
    fn is_finite(self) -> bool;
}

macro_rules! impl_real {
    ($($t:ident { ln2_hi: $hi:literal, ln2_lo: $lo:literal, expm1_degree: $deg:literal }),*) => {$(
        impl Real for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const EPSILON: Self = $t::EPSILON;
            const MANTISSA_DIGITS: i32 = $t::MANTISSA_DIGITS as i32;
            const MIN_EXP: i32 = $t::MIN_EXP;
            const MAX_EXP: i32 = $t::MAX_EXP;
            const LN2_HI: Self = $hi;
            const LN2_LO: Self = $lo;
            const EXPM1_DEGREE: usize = $deg;

            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                x as $t
            }

            #[inline(always)]
            fn to_f64(self) -> f64 {
                f64::from(self)
            }

            #[inline(always)]
            fn exp(self) -> Self {
                $t::exp(self)
            }

            #[inline(always)]
            fn ln_1p(self) -> Self {
                $t::ln_1p(self)
            }

            #[inline(always)]
            fn ln(self) -> Self {
                $t::ln(self)
            }

            #[inline(always)]
            fn tanh(self) -> Self {
                $t::tanh(self)
            }

            #[inline(always)]
            fn sqrt(self) -> Self {
                $t::sqrt(self)
            }

            #[inline(always)]
            fn abs(self) -> Self {
                $t::abs(self)
            }

            #[inline(always)]
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
        }
    )*};
}

// ln2 splits: f32 `0x3f318000` (9 significant bits) and fdlibm's `0x3fe62e42fee00000`
// (32 significant bits), so `n·LN2_HI` is exact for |n| < 2^15 resp. 2^21.
impl_real!(
    f32 {
        ln2_hi: 0.693_359_4,
        ln2_lo: -2.121_944_4e-4,
        expm1_degree: 7
    },
    f64 {
        ln2_hi: 6.931_471_803_691_238e-1,
        ln2_lo: 1.908_214_929_270_587_7e-10,
        expm1_degree: 13
    }
);
