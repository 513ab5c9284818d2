//! THE FFI BOUNDARY: every `extern "C"` export of the crate, and the only place that turns raw
//! pointers into slices or references (the SIMD kernels' own loads/stores aside).
//!
//! On wasm32 every pointer is a byte offset into the module's linear memory; `u32` counts.
//!
//! | file | exports |
//! |---|---|
//! | `mod.rs` | none: the slice helpers, [`try_box`] and [`decode_config`], the one table of ABI codes |
//! | [`net`] | `mlp_net_*_{f32,f64}`: a network's lifecycle, buffers and training calls |
//! | [`memory`] | `mlp_alloc` / `mlp_free`, and the diagnostics `mlp_alloc_count` / `mlp_live_bytes` |
//! | [`pool`] | `mlp_pool_*`, `mlp_threads_supported`: the thread pool's workers and status |
//! | [`kernels`] | test build only: `mlp_gemm_*`, `mlp_sigmoid_*`, … (the kernels alone) |
//! | [`test_hooks`] | test build only: `mlp_test_set_allocation_budget`, `mlp_test_decode_config` |
//!
//! The test build is the cargo feature `test-exports` (`target/test-wasm/*.wasm`, made by
//! `scripts/build-wasm.mjs`); the published `.wasm` files carry none of its exports. `cargo
//! test` compiles the test-only modules too, so their unit tests run natively.
//!
//! Ownership and validity:
//! - A `Net*` comes from `mlp_net_create_{t}` (`Box::into_raw`) and is owned by the caller
//!   until it passes it to `mlp_net_destroy_{t}`, which frees the network and every buffer it
//!   owns. Every other `mlp_net_*` call requires a live `Net*` of the matching dtype; a null
//!   `Net*` is tolerated (the call does nothing and returns 0 / null / NaN).
//! - `mlp_net_params_{t}` / `mlp_net_grads_{t}` point into buffers the network owns; they
//!   stay valid (same address) for the network's whole life.
//! - `mlp_net_input_{t}` / `_target_{t}` / `_output_{t}` point into batch buffers holding
//!   `capacity` rows; they stay valid until the next `mlp_net_reserve_{t}` that grows the
//!   capacity (which may move them), or until destroy. The caller writes inputs/targets there
//!   and reads outputs; Rust holds no reference to them between calls.
//! - A `batch` larger than the reserved capacity is rejected without touching memory
//!   (forward/backward do nothing, loss-returning calls return NaN): no panic is reachable
//!   from arguments the TS side can pass.
//! - Creation takes one config block of `f64`s (layout: [`decode_config`]) and fails (null)
//!   on a malformed block, invalid sizes (fewer than 2, or a zero), an invalid code or
//!   hyperparameter, softmax before the last layer, a cross-entropy without its output
//!   activation, a parameter count above `u32::MAX`, or allocation failure.

use crate::activations::Activation;
use crate::losses::Loss;
use crate::network::{Config, Ordering};
use crate::optimizers::{Clip, Optimizer, Rule};
use std::alloc::Layout;

#[cfg(any(test, feature = "test-exports"))]
pub mod kernels;
pub mod memory;
pub mod net;
pub mod pool;
#[cfg(any(test, feature = "test-exports"))]
pub mod test_hooks;

pub use memory::{mlp_alloc, mlp_free};
pub use net::{f32_exports, f64_exports};

/// `&[T]` of `len` elements at `p`; `None` if `p` is null while `len > 0`.
///
/// # Safety
/// If `len > 0` and `p` is non-null, `p` must be valid for reads of `len` elements for `'a`,
/// and not mutated through another pointer during `'a`.
unsafe fn slice<'a, T>(p: *const T, len: usize) -> Option<&'a [T]> {
    if len == 0 {
        Some(&[])
    } else if p.is_null() {
        None
    } else {
        // SAFETY: non-null, and the caller guarantees `len` valid, unaliased elements.
        Some(unsafe { std::slice::from_raw_parts(p, len) })
    }
}

/// `&mut [T]` of `len` elements at `p`; `None` if `p` is null while `len > 0`. (Only the test
/// exports write through caller-owned buffers; networks own theirs.)
///
/// # Safety
/// If `len > 0` and `p` is non-null, `p` must be valid for reads and writes of `len`
/// elements for `'a`, and not accessed through any other pointer during `'a`.
#[cfg(any(test, feature = "test-exports"))]
unsafe fn slice_mut<'a, T>(p: *mut T, len: usize) -> Option<&'a mut [T]> {
    if len == 0 {
        Some(&mut [])
    } else if p.is_null() {
        None
    } else {
        // SAFETY: non-null, and the caller guarantees `len` valid, exclusive elements.
        Some(unsafe { std::slice::from_raw_parts_mut(p, len) })
    }
}

/// `Box::into_raw(Box::new(value))`, but null when the allocator refuses (`Box::new` would
/// abort, trapping the whole instance and every network in it). Free with `Box::from_raw`.
fn try_box<T>(value: T) -> *mut T {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        return Box::into_raw(Box::new(value));
    }
    // SAFETY: the layout has a non-zero size.
    let p = unsafe { std::alloc::alloc(layout) }.cast::<T>();
    if !p.is_null() {
        // SAFETY: `p` is fresh, non-null and allocated for one `T` by the global allocator,
        // which is what `Box::from_raw` (in `net_destroy`) expects.
        unsafe { p.write(value) };
    }
    p
}

/// Slots of the config block before the layer sizes.
pub const CONFIG_HEADER: usize = 10;

/// A config block decoded into owned values (the sizes and activations a [`Config`] borrows).
#[derive(Debug, PartialEq)]
pub struct DecodedConfig {
    /// Layer sizes.
    pub sizes: Vec<usize>,
    /// One activation per weight layer.
    pub activations: Vec<Activation>,
    /// The loss.
    pub loss: Loss,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// The backward ordering.
    pub ordering: Ordering,
}

impl DecodedConfig {
    /// The borrowed view [`Network::with_config`](crate::Network::with_config) takes.
    pub fn as_config(&self) -> Config<'_> {
        Config {
            sizes: &self.sizes,
            activations: &self.activations,
            loss: self.loss,
            optimizer: self.optimizer,
            ordering: self.ordering,
        }
    }
}

/// Decodes the network config block (every slot an `f64`; codes and sizes are exact
/// integers). With `n = L + 1` layer sizes the block is `CONFIG_HEADER + 3L + 1` long:
///
/// | slot | meaning |
/// |---|---|
/// | 0 | ordering: 0 exact, 1 update-first |
/// | 1 | loss: 0 half-sse, 1 mse, 2 binary-cross-entropy, 3 categorical-cross-entropy |
/// | 2 | optimizer: 0 sgd, 1 momentum, 2 adam, 3 adamw, 4 rmsprop |
/// | 3, 4, 5 | optimizer hyperparameters: momentum `μ, nesterov (0/1), 0`; adam and adamw `β₁, β₂, ε`; rmsprop `ρ, ε, 0`; sgd `0, 0, 0` |
/// | 6 | weight decay `λ ≥ 0` (L2; decoupled for adamw) |
/// | 7 | gradient clipping `clipNorm` `c > 0` (global norm), 0 = off |
/// | 8 | gradient clipping `clipValue` `v > 0` (per element), 0 = off |
/// | 9 | `n`, the number of layer sizes |
/// | 10 … 10+n−1 | the sizes `n_0 … n_L` |
/// | then, per weight layer | activation code (0 sigmoid, 1 tanh, 2 relu, 3 leakyRelu, 4 linear, 5 softmax), its parameter (leakyRelu's slope, else 0) |
///
/// The codes are those of [`ordering`], [`loss`], [`optimizer`] and [`activation`] below, the
/// one table on the Rust side; the TS encoder (`ts/backends/wasm/abi.ts`) must match it, which
/// `test/abi-codes.test.ts` checks for every option value.
///
/// `None` if the block is malformed or a code or value is out of range (structural rules,
/// like softmax only last, are checked by [`Network::with_config`](crate::Network::with_config)).
pub fn decode_config(block: &[f64]) -> Option<DecodedConfig> {
    let header = block.get(..CONFIG_HEADER)?;
    let ordering = ordering(code(header[0])?)?;
    let loss = loss(code(header[1])?)?;
    let optimizer = optimizer(
        code(header[2])?,
        [header[3], header[4], header[5]],
        header[6],
        [header[7], header[8]],
    )?;
    let n = code(header[9])? as usize;
    let layers = n.checked_sub(1)?;
    if block.len() != CONFIG_HEADER.checked_add(n)?.checked_add(2 * layers)? {
        return None;
    }
    let (size_slots, activation_slots) = block[CONFIG_HEADER..].split_at(n);
    let mut sizes = Vec::new();
    sizes.try_reserve_exact(n).ok()?;
    for &s in size_slots {
        sizes.push(code(s)? as usize);
    }
    let mut activations = Vec::new();
    activations.try_reserve_exact(layers).ok()?;
    for pair in activation_slots.chunks_exact(2) {
        activations.push(activation(code(pair[0])?, pair[1])?);
    }
    Some(DecodedConfig {
        sizes,
        activations,
        loss,
        optimizer,
        ordering,
    })
}

/// A slot holding a code or a size: an exact integer in `[0, u32::MAX]`.
fn code(v: f64) -> Option<u32> {
    (v >= 0.0 && v <= f64::from(u32::MAX) && v.fract() == 0.0).then_some(v as u32)
}

/// Slot 0.
fn ordering(code: u32) -> Option<Ordering> {
    Some(match code {
        0 => Ordering::Exact,
        1 => Ordering::UpdateFirst,
        _ => return None,
    })
}

/// Slot 1.
fn loss(code: u32) -> Option<Loss> {
    Some(match code {
        0 => Loss::HalfSse,
        1 => Loss::Mse,
        2 => Loss::BinaryCrossEntropy,
        3 => Loss::CategoricalCrossEntropy,
        _ => return None,
    })
}

/// Slots 2–8: the rule's code, its hyperparameters `h`, the weight decay and the clipping.
/// Momentum: `h = [μ, nesterov (0/1), 0]`, `μ ∈ [0, 1)`. Adam, AdamW: `h = [β₁, β₂, ε]`,
/// `β ∈ [0, 1)`, `ε > 0` finite. RMSprop: `h = [ρ, ε, 0]`. Weight decay `λ ≥ 0` finite.
/// Clipping `[clipNorm, clipValue]`: each 0 (off) or finite > 0.
fn optimizer(code: u32, h: [f64; 3], weight_decay: f64, clip: [f64; 2]) -> Option<Optimizer> {
    let unit = |v: f64| (0.0..1.0).contains(&v);
    let positive = |v: f64| v > 0.0 && v.is_finite();
    let clip_slot = |v: f64| {
        if v == 0.0 {
            Some(None)
        } else {
            positive(v).then_some(Some(v))
        }
    };
    let clip = Clip {
        norm: clip_slot(clip[0])?,
        value: clip_slot(clip[1])?,
    };
    let rule = match code {
        0 => Rule::Sgd,
        1 if unit(h[0]) && (h[1] == 0.0 || h[1] == 1.0) => Rule::Momentum {
            momentum: h[0],
            nesterov: h[1] == 1.0,
        },
        2 if unit(h[0]) && unit(h[1]) && positive(h[2]) => Rule::Adam {
            beta1: h[0],
            beta2: h[1],
            epsilon: h[2],
        },
        3 if unit(h[0]) && unit(h[1]) && positive(h[2]) => Rule::AdamW {
            beta1: h[0],
            beta2: h[1],
            epsilon: h[2],
        },
        4 if unit(h[0]) && positive(h[1]) && h[2] == 0.0 => Rule::RmsProp {
            rho: h[0],
            epsilon: h[1],
        },
        _ => return None,
    };
    (weight_decay >= 0.0 && weight_decay.is_finite()).then_some(Optimizer {
        rule,
        weight_decay,
        clip,
    })
}

/// One weight layer's pair: the code and its parameter. The leaky slope must be finite and
/// `≥ 0` (the backward pass reads `y > 0 ⇔ z > 0` from the output).
fn activation(code: u32, param: f64) -> Option<Activation> {
    Some(match code {
        0 => Activation::Sigmoid,
        1 => Activation::Tanh,
        2 => Activation::Relu,
        3 if param.is_finite() && param >= 0.0 => Activation::LeakyRelu { slope: param },
        4 => Activation::Linear,
        5 => Activation::Softmax,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_codes_round_trip_and_reject_invalid() {
        assert_eq!(
            activation(3, 0.2),
            Some(Activation::LeakyRelu { slope: 0.2 })
        );
        assert_eq!(activation(3, -0.1), None);
        assert_eq!(activation(3, f64::NAN), None);
        assert_eq!(activation(6, 0.0), None);
        assert_eq!(activation(5, 0.0), Some(Activation::Softmax));
    }
}
