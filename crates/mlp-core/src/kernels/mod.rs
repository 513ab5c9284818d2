//! Numeric kernels, one per file. All are generic over `T: SimdReal`.
//!
//! Every kernel takes slices and checks their lengths; `unsafe` lives only inside the SIMD
//! loads/stores and the micro-kernel's pointer walk.

pub mod axpy;
pub mod bias;
pub mod dropout;
pub mod elementwise;
pub mod epilogue;
pub mod exp;
pub mod finite;
pub mod gemm;
pub mod matrix;
pub mod microkernel;
pub mod pack;
pub mod small_gemm;

pub use axpy::axpy;
pub use bias::{add_bias, column_sums};
pub use epilogue::{BiasActivation, CTile, Epilogue, NoEpilogue, ScaleByDerivative};
pub use finite::all_finite;
pub use gemm::{gemm, gemm_with_epilogue, GemmWorkspace};
pub use matrix::{MatMut, MatRef};
