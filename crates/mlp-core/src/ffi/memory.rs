//! Memory exports: scratch buffers for the TS side (the config block, the test kernels'
//! operands) and the allocator's counters, which the leak and zero-allocation tests read from
//! the published build.

use std::alloc::Layout;
use std::ptr;

/// Allocates `bytes` with alignment `align` (a power of two) for the caller's buffers.
/// Null on failure or an invalid alignment; `bytes == 0` returns a non-null dangling pointer.
#[no_mangle]
pub extern "C" fn mlp_alloc(bytes: u32, align: u32) -> *mut u8 {
    let Ok(layout) = Layout::from_size_align(bytes as usize, align as usize) else {
        return ptr::null_mut();
    };
    if layout.size() == 0 {
        return ptr::without_provenance_mut(layout.align());
    }
    // SAFETY: the layout has a non-zero size.
    unsafe { std::alloc::alloc(layout) }
}

/// Frees a buffer from `mlp_alloc`, given the same `bytes` and `align`. Null or zero-size
/// is a no-op.
///
/// # Safety
/// `ptr` came from `mlp_alloc(bytes, align)` and is not used again.
#[no_mangle]
pub unsafe extern "C" fn mlp_free(ptr: *mut u8, bytes: u32, align: u32) {
    let Ok(layout) = Layout::from_size_align(bytes as usize, align as usize) else {
        return;
    };
    if ptr.is_null() || layout.size() == 0 {
        return;
    }
    // SAFETY: the caller's contract: allocated by mlp_alloc with this very layout.
    unsafe { std::alloc::dealloc(ptr, layout) }
}

/// Allocation calls made since start-up (saturating at `u32::MAX`). wasm32 only.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn mlp_alloc_count() -> u32 {
    u32::try_from(crate::alloc_counter::allocation_count()).unwrap_or(u32::MAX)
}

/// Bytes currently allocated (saturating at `u32::MAX`). wasm32 only.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub extern "C" fn mlp_live_bytes() -> u32 {
    u32::try_from(crate::alloc_counter::live_bytes()).unwrap_or(u32::MAX)
}
