//! The network exports `mlp_net_*_{f32,f64}`: create / destroy a `Network<T>`, its buffers
//! (parameters, gradients, optimizer state, batch input / target / output) and one call per
//! training operation. One macro writes both dtypes: Rust paths `ffi::f32_exports::<name>` /
//! `ffi::f64_exports::<name>`. Contracts: the module docs of [`crate::ffi`].

use super::{decode_config, slice, try_box};
use crate::network::Network;
use crate::real::Real;
use std::ptr;

macro_rules! net_exports {
    ($m:ident, $t:ty, $suffix:literal) => {
        #[doc = concat!("The `", $suffix, "` network exports (`mlp_net_*_", $suffix, "`).")]
        pub mod $m {
            use super::*;

            /// The element type of every `T*` in this module.
            pub type T = $t;
            /// The opaque network handle.
            pub type Net = Network<T>;

            /// `&mut Network` from a handle; `None` for null.
            ///
            /// # Safety
            /// `net` is null or a live handle from `net_create` not otherwise borrowed.
            unsafe fn net_ref<'a>(net: *mut Net) -> Option<&'a mut Net> {
                // SAFETY: the caller's contract (null is handled by as_mut).
                unsafe { net.as_mut() }
            }

            /// The network if `batch` fits its reserved capacity.
            ///
            /// # Safety
            /// As [`net_ref`].
            unsafe fn net_batch<'a>(net: *mut Net, batch: u32) -> Option<&'a mut Net> {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.filter(|n| batch as usize <= n.capacity())
            }

            /// Creates a network from the config block `config[0..len]` (layout:
            /// [`decode_config`]); parameters, optimizer state and step count start at zero.
            /// Null on an invalid block or OOM.
            ///
            /// # Safety
            /// `config` must be valid for reads of `len` `f64`s.
            #[export_name = concat!("mlp_net_create_", $suffix)]
            pub unsafe extern "C" fn net_create(config: *const f64, len: u32) -> *mut Net {
                // SAFETY: the caller's contract.
                let Some(block) = (unsafe { slice(config, len as usize) }) else {
                    return ptr::null_mut();
                };
                let Some(decoded) = decode_config(block) else {
                    return ptr::null_mut();
                };
                match Network::<T>::with_config(decoded.as_config()) {
                    Ok(net) => try_box(net),
                    Err(_) => ptr::null_mut(),
                }
            }

            /// Frees the network and everything it owns. Null is a no-op.
            ///
            /// # Safety
            /// `net` is null or a live handle, not used again afterwards.
            #[export_name = concat!("mlp_net_destroy_", $suffix)]
            pub unsafe extern "C" fn net_destroy(net: *mut Net) {
                if !net.is_null() {
                    // SAFETY: a live handle made by Box::into_raw in net_create, freed once.
                    drop(unsafe { Box::from_raw(net) });
                }
            }

            /// Lets the network's products and updates use up to `threads` threads of the
            /// pool (clamped to 1..=64; results are bit-identical for every count). 0 on
            /// success, 1 for a null handle, 2 if the extra threads' buffers could not be
            /// allocated (nothing changed).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_set_threads_", $suffix)]
            pub unsafe extern "C" fn net_set_threads(net: *mut Net, threads: u32) -> u32 {
                // SAFETY: forwarded contract.
                match unsafe { net_ref(net) } {
                    None => 1,
                    Some(n) => match n.set_threads(threads as usize) {
                        Ok(()) => 0,
                        Err(_) => 2,
                    },
                }
            }

            /// Length of the flat parameter vector.
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_param_count_", $suffix)]
            pub unsafe extern "C" fn net_param_count(net: *mut Net) -> u32 {
                // SAFETY: forwarded contract. The count fits u32 (checked at creation).
                unsafe { net_ref(net) }.map_or(0, |n| n.params().len() as u32)
            }

            /// The flat parameter vector (stable for the network's life).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_params_", $suffix)]
            pub unsafe extern "C" fn net_params(net: *mut Net) -> *mut T {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(ptr::null_mut(), |n| n.params_mut().as_mut_ptr())
            }

            /// The flat gradient vector (stable for the network's life).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_grads_", $suffix)]
            pub unsafe extern "C" fn net_grads(net: *mut Net) -> *mut T {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(ptr::null_mut(), |n| n.grads_mut().as_mut_ptr())
            }

            /// Length of the optimizer state (`slots × param_count`; 0 for SGD).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_state_len_", $suffix)]
            pub unsafe extern "C" fn net_state_len(net: *mut Net) -> u32 {
                // SAFETY: forwarded contract. The length fits u32 (checked at creation).
                unsafe { net_ref(net) }.map_or(0, |n| n.optimizer_state().len() as u32)
            }

            /// The flat optimizer state, slot-major and parallel to the parameters (stable for
            /// the network's life).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_state_", $suffix)]
            pub unsafe extern "C" fn net_state(net: *mut Net) -> *mut T {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }
                    .map_or(ptr::null_mut(), |n| n.optimizer_state_mut().as_mut_ptr())
            }

            /// Completed optimizer steps, as an `f64` (exact up to 2⁵³; NaN for a null handle).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_step_count_", $suffix)]
            pub unsafe extern "C" fn net_step_count(net: *mut Net) -> f64 {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(f64::NAN, |n| n.step_count() as f64)
            }

            /// Sets the completed step count; ignored unless `steps` is an integer in [0, 2⁵³].
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_set_step_count_", $suffix)]
            pub unsafe extern "C" fn net_set_step_count(net: *mut Net, steps: f64) {
                // SAFETY: forwarded contract.
                if let Some(n) = unsafe { net_ref(net) } {
                    if (0.0..=9_007_199_254_740_992.0).contains(&steps) && steps.fract() == 0.0 {
                        n.set_step_count(steps as u64);
                    }
                }
            }

            /// Grows the batch buffers to `batch` rows: 1 ok, 0 on OOM (or a null handle).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_reserve_", $suffix)]
            pub unsafe extern "C" fn net_reserve(net: *mut Net, batch: u32) -> u32 {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(0, |n| u32::from(n.reserve(batch as usize).is_ok()))
            }

            /// The `capacity × n_0` input buffer (valid until the next growing reserve).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_input_", $suffix)]
            pub unsafe extern "C" fn net_input(net: *mut Net) -> *mut T {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(ptr::null_mut(), |n| n.input_mut().as_mut_ptr())
            }

            /// The `capacity × n_L` target buffer (valid until the next growing reserve).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_target_", $suffix)]
            pub unsafe extern "C" fn net_target(net: *mut Net) -> *mut T {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(ptr::null_mut(), |n| n.target_mut().as_mut_ptr())
            }

            /// The `capacity × n_L` output of the last forward (valid until the next growing reserve).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_output_", $suffix)]
            pub unsafe extern "C" fn net_output(net: *mut Net) -> *mut T {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(ptr::null_mut(), |n| n.output_mut().as_mut_ptr())
            }

            /// Forward over the first `batch` input rows: 1 when done; 0 (nothing computed) if
            /// an input value is not finite, or `batch > capacity`.
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_forward_", $suffix)]
            pub unsafe extern "C" fn net_forward(net: *mut Net, batch: u32) -> u32 {
                // SAFETY: forwarded contract.
                unsafe { net_batch(net, batch) }
                    .map_or(0, |n| u32::from(n.forward_checked(batch as usize)))
            }

            /// One optimizer step from the cached forward and the targets (no-op if `batch > capacity`).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_backward_", $suffix)]
            pub unsafe extern "C" fn net_backward(net: *mut Net, batch: u32, lr: f64) {
                // SAFETY: forwarded contract.
                if let Some(n) = unsafe { net_batch(net, batch) } {
                    n.backward(batch as usize, T::from_f64(lr));
                }
            }

            /// Forward + loss + backward; the loss before the update (NaN if `batch > capacity`).
            /// A non-finite loss skips the update (parameters and optimizer state unchanged).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_train_step_", $suffix)]
            pub unsafe extern "C" fn net_train_step(net: *mut Net, batch: u32, lr: f64) -> f64 {
                // SAFETY: forwarded contract.
                unsafe { net_batch(net, batch) }
                    .map_or(f64::NAN, |n| n.train_step(batch as usize, T::from_f64(lr)))
            }

            /// Forward + loss + exact gradient into the grads buffer; the loss (NaN if `batch > capacity`).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_gradients_", $suffix)]
            pub unsafe extern "C" fn net_gradients(net: *mut Net, batch: u32) -> f64 {
                // SAFETY: forwarded contract.
                unsafe { net_batch(net, batch) }.map_or(f64::NAN, |n| n.gradients(batch as usize))
            }

            /// Forward + loss (NaN if `batch > capacity`).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_loss_", $suffix)]
            pub unsafe extern "C" fn net_loss(net: *mut Net, batch: u32) -> f64 {
                // SAFETY: forwarded contract.
                unsafe { net_batch(net, batch) }.map_or(f64::NAN, |n| n.loss(batch as usize))
            }

            /// Sets the dropout rate of each hidden layer (`rates[0..len]`, `len = L − 1`
            /// values in `[0, 1)`, or `len = 0` for none) and the masks' seed (see
            /// `Network::set_dropout`): 1 ok, 0 for invalid rates or OOM (network unchanged).
            ///
            /// # Safety
            /// `net` is null or a live handle; `rates` valid for reads of `len` `f64`s.
            #[export_name = concat!("mlp_net_set_dropout_", $suffix)]
            pub unsafe extern "C" fn net_set_dropout(
                net: *mut Net,
                rates: *const f64,
                len: u32,
                seed: u32,
            ) -> u32 {
                // SAFETY: the caller's contract.
                let (Some(n), Some(rates)) = (unsafe { net_ref(net) }, unsafe {
                    slice(rates, len as usize)
                }) else {
                    return 0;
                };
                u32::from(n.set_dropout(rates, seed).is_ok())
            }

            /// The `capacity` per-row loss weights (valid until the next growing reserve).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_weights_", $suffix)]
            pub unsafe extern "C" fn net_weights(net: *mut Net) -> *mut T {
                // SAFETY: forwarded contract.
                unsafe { net_ref(net) }.map_or(ptr::null_mut(), |n| n.weights_mut().as_mut_ptr())
            }

            /// Whether loss, gradients and train_step weight each row by the weights buffer
            /// (`on != 0`).
            ///
            /// # Safety
            /// `net` is null or a live handle.
            #[export_name = concat!("mlp_net_set_weighted_", $suffix)]
            pub unsafe extern "C" fn net_set_weighted(net: *mut Net, on: u32) {
                // SAFETY: forwarded contract.
                if let Some(n) = unsafe { net_ref(net) } {
                    n.set_weighted(on != 0);
                }
            }
        }
    };
}

net_exports!(f32_exports, f32, "f32");
net_exports!(f64_exports, f64, "f64");
