//! Wait until an atomic changes, and wake the waiters: the one blocking primitive of the pool.
//!
//! wasm32 with `+atomics`: `memory.atomic.wait32` / `memory.atomic.notify` (what
//! `Atomics.wait` / `Atomics.notify` are in JavaScript). Only pool workers ever wait: a
//! browser's main thread may not (`wait32` traps there), and the calling thread only spins.
//! Elsewhere (native tests): a short sleep, and waking is a no-op (the sleeper re-checks).

use std::sync::atomic::AtomicU32;

/// Blocks while `*atomic == expected` (returns at once if it already differs; may return
/// spuriously: callers re-check).
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub fn wait(atomic: &AtomicU32, expected: u32) {
    // SAFETY: the pointer is to a live, 4-byte-aligned atomic in shared linear memory; the
    // instruction only reads it. -1: no timeout.
    unsafe {
        core::arch::wasm32::memory_atomic_wait32(
            atomic.as_ptr().cast::<i32>(),
            expected as i32,
            -1,
        );
    }
}

/// Wakes every thread blocked in [`wait`] on `atomic`.
#[cfg(all(target_arch = "wasm32", target_feature = "atomics"))]
pub fn wake_all(atomic: &AtomicU32) {
    // SAFETY: the pointer is to a live, 4-byte-aligned atomic in shared linear memory.
    unsafe {
        core::arch::wasm32::memory_atomic_notify(atomic.as_ptr().cast::<i32>(), u32::MAX);
    }
}

/// Blocks while `*atomic == expected` (native: sleeps 20 µs; callers re-check).
#[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
pub fn wait(atomic: &AtomicU32, expected: u32) {
    if atomic.load(std::sync::atomic::Ordering::Acquire) == expected {
        std::thread::sleep(std::time::Duration::from_micros(20));
    }
}

/// Wakes the waiters (native: nothing to do, they poll).
#[cfg(not(all(target_arch = "wasm32", target_feature = "atomics")))]
pub fn wake_all(_atomic: &AtomicU32) {}
