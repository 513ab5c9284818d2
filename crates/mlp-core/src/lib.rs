//! # wasm-mlp core
//!
//! The math of wasm-mlp: a packed, register-blocked SIMD GEMM and the kernels around it, a
//! multilayer perceptron with per-layer activations, four losses and three optimizers (the
//! original sigmoid / ½·SSE / SGD network is the default), and the plain C ABI the TypeScript
//! side calls. Builds as a `cdylib` for `wasm32-unknown-unknown` (+simd128), and as an `rlib`
//! natively, where the same kernels run on a portable vector type so `cargo test` checks them.
//!
//! Module map:
//! - [`real`]: `Real`, the f32/f64 scalar abstraction.
//! - [`simd`]: `SimdReal`, f32x4 / f64x2 (wasm intrinsics or portable arrays).
//! - [`kernels`]: GEMM (packing, micro-kernel, blocking, epilogues), vectorised `e^x` / σ /
//!   tanh, elementwise maps, bias, axpy, the finiteness check.
//! - [`activations`], [`losses`], [`optimizers`]: the model's pieces, one file each (an
//!   activation's `forward` / `backward`, an optimizer's `update`), an enum dispatching.
//! - [`network`]: `Network<T>`, forward and the backward loop.
//! - [`parallel`]: the thread pool and how kernels split their output into tasks.
//! - [`ffi`]: every `extern "C"` export, and the one table of the config block's codes.
//! - [`buffer`]: fallible, zeroed, grow-only buffers (every allocation of the core).
//! - [`alloc_counter`]: allocation counters (the global allocator on wasm32).

#![deny(unsafe_op_in_unsafe_fn)]
// `memory.atomic.wait32` / `notify` (the pool's futex, parallel/futex.rs) are still unstable in
// core::arch; only the shared-memory build uses them, and it is built with -Zbuild-std (so
// with RUSTC_BOOTSTRAP=1) anyway.
#![cfg_attr(
    all(target_arch = "wasm32", target_feature = "atomics"),
    feature(stdarch_wasm_atomic_wait)
)]

pub mod activations;
pub mod alloc_counter;
pub mod buffer;
pub mod ffi;
pub mod kernels;
pub mod losses;
pub mod network;
pub mod optimizers;
pub mod parallel;
pub mod real;
pub mod simd;
#[doc(hidden)]
pub mod test_support;

pub use activations::Activation;
pub use losses::Loss;
pub use network::{Config, NetError, Network, Ordering};
pub use optimizers::{Clip, Optimizer, Rule};
pub use real::Real;
pub use simd::SimdReal;
