//! Test build only (cargo feature `test-exports`): hooks into the core that no user may reach.
//!
//! - `mlp_test_set_allocation_budget(n)`: fault injection (`test/faults/allocation-failures`).
//! - `mlp_test_decode_config(config, len, out, cap) -> u32`: what [`decode_config`] makes of a
//!   config block, as JSON named after the Rust types, so `test/abi-codes.test.ts` can check
//!   the TS encoder against the Rust decoder for every option value without a third copy of
//!   the codes.

use super::{decode_config, slice, slice_mut, DecodedConfig};
use crate::activations::Activation;
use crate::optimizers::Rule;

/// Fault injection: the next `n` allocations succeed, every later one fails as if memory were
/// full; `u32::MAX` lifts the limit. wasm32 only (natively the counting allocator is not the
/// global one unless a test installs it, and then it calls `set_allocation_budget` itself).
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn mlp_test_set_allocation_budget(n: u32) {
    crate::alloc_counter::set_allocation_budget((n != u32::MAX).then_some(n as usize));
}

/// Decodes the config block `config[0..len]` and writes the result as UTF-8 JSON into
/// `out[0..cap]` (see [`describe`]). Returns the JSON's length in bytes, written only if it
/// fits in `cap`; 0 if the block does not decode.
///
/// # Safety
/// `config` readable for `len` `f64`s, `out` writable for `cap` bytes, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn mlp_test_decode_config(
    config: *const f64,
    len: u32,
    out: *mut u8,
    cap: u32,
) -> u32 {
    // SAFETY: the caller's contract.
    let Some(block) = (unsafe { slice(config, len as usize) }) else {
        return 0;
    };
    let Some(decoded) = decode_config(block) else {
        return 0;
    };
    let json = describe(&decoded);
    if json.len() <= cap as usize {
        // SAFETY: the caller's contract.
        if let Some(out) = unsafe { slice_mut(out, json.len()) } {
            out.copy_from_slice(json.as_bytes());
        }
    }
    json.len() as u32
}

/// A decoded config as JSON: variants by their Rust names, fields by their Rust names, numbers
/// in Rust's shortest round-trip form (`{:?}`, which JSON parses back to the same `f64`):
///
/// ```json
/// {"ordering":"Exact","loss":"HalfSse","rule":{"type":"Adam","beta1":0.9,"beta2":0.999,
///  "epsilon":1e-8},"weight_decay":0.0,"clip_norm":null,"clip_value":1.0,"sizes":[2,3,1],
///  "activations":[{"type":"LeakyRelu","slope":0.01},{"type":"Sigmoid"}]}
/// ```
pub fn describe(d: &DecodedConfig) -> String {
    let rule = match d.optimizer.rule {
        Rule::Sgd => r#"{"type":"Sgd"}"#.to_string(),
        Rule::Momentum { momentum, nesterov } => {
            format!(r#"{{"type":"Momentum","momentum":{momentum:?},"nesterov":{nesterov}}}"#)
        }
        Rule::Adam {
            beta1,
            beta2,
            epsilon,
        } => format!(
            r#"{{"type":"Adam","beta1":{beta1:?},"beta2":{beta2:?},"epsilon":{epsilon:?}}}"#
        ),
        Rule::AdamW {
            beta1,
            beta2,
            epsilon,
        } => format!(
            r#"{{"type":"AdamW","beta1":{beta1:?},"beta2":{beta2:?},"epsilon":{epsilon:?}}}"#
        ),
        Rule::RmsProp { rho, epsilon } => {
            format!(r#"{{"type":"RmsProp","rho":{rho:?},"epsilon":{epsilon:?}}}"#)
        }
    };
    let clip = |v: Option<f64>| v.map_or("null".to_string(), |v| format!("{v:?}"));
    let activations: Vec<String> = d
        .activations
        .iter()
        .map(|a| match a {
            Activation::LeakyRelu { slope } => {
                format!(r#"{{"type":"LeakyRelu","slope":{slope:?}}}"#)
            }
            other => format!(r#"{{"type":"{other:?}"}}"#),
        })
        .collect();
    format!(
        r#"{{"ordering":"{:?}","loss":"{:?}","rule":{rule},"weight_decay":{:?},"clip_norm":{},"clip_value":{},"sizes":{:?},"activations":[{}]}}"#,
        d.ordering,
        d.loss,
        d.optimizer.weight_decay,
        clip(d.optimizer.clip.norm),
        clip(d.optimizer.clip.value),
        d.sizes,
        activations.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_config_export_writes_json() {
        // [3, 4, 2]: leakyRelu 0.25, softmax; categorical cross-entropy; adam; clipValue 1;
        // update-first
        let block = [
            1.0, 3.0, 2.0, 0.9, 0.999, 1e-8, 0.01, 0.0, 1.0, 3.0, 3.0, 4.0, 2.0, 3.0, 0.25, 5.0,
            0.0,
        ];
        let want = r#"{"ordering":"UpdateFirst","loss":"CategoricalCrossEntropy","rule":{"type":"Adam","beta1":0.9,"beta2":0.999,"epsilon":1e-8},"weight_decay":0.01,"clip_norm":null,"clip_value":1.0,"sizes":[3, 4, 2],"activations":[{"type":"LeakyRelu","slope":0.25},{"type":"Softmax"}]}"#;
        let mut out = vec![0u8; 512];
        // SAFETY: buffers of the stated lengths.
        let n = unsafe {
            mlp_test_decode_config(block.as_ptr(), block.len() as u32, out.as_mut_ptr(), 512)
        };
        assert_eq!(std::str::from_utf8(&out[..n as usize]).unwrap(), want);
        // Too small: the length, nothing written. Malformed: 0.
        let mut tiny = [0u8; 4];
        // SAFETY: as above.
        unsafe {
            assert_eq!(
                mlp_test_decode_config(block.as_ptr(), block.len() as u32, tiny.as_mut_ptr(), 4),
                n
            );
            assert_eq!(tiny, [0; 4]);
            assert_eq!(
                mlp_test_decode_config(block.as_ptr(), 3, out.as_mut_ptr(), 512),
                0
            );
        }
    }
}
