//! A counting wrapper around the system allocator, for "training does not allocate" tests.
//!
//! On wasm32 it is the crate's `#[global_allocator]` and the FFI exports its counters
//! (`mlp_alloc_count`, `mlp_live_bytes`). Natively it is not installed; a test binary may
//! install it itself. Counters are relaxed atomics: exact on a single thread, which is all
//! that wasm32 (without threads) has.
//!
//! Fault injection: [`set_allocation_budget`] makes every allocation after the next `n` fail
//! (return null, as a full memory does), so tests can check that each failure point leaves a
//! usable network behind. Unlimited by default; the wasm export that sets it exists only in
//! the test build (cargo feature `test-exports`, `ffi/test_hooks.rs`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
/// Allocations still allowed to succeed (`usize::MAX`: unlimited).
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Lets the next `n` allocations succeed and fails every one after them; `None` lifts the
/// limit. For fault-injection tests only.
pub fn set_allocation_budget(n: Option<usize>) {
    BUDGET.store(n.unwrap_or(usize::MAX), Relaxed);
}

/// Takes one allocation from the budget; false once it is spent.
fn allowed() -> bool {
    BUDGET
        .fetch_update(Relaxed, Relaxed, |left| match left {
            usize::MAX => Some(usize::MAX),
            0 => None,
            n => Some(n - 1),
        })
        .is_ok()
}

/// `System`, plus a count of allocation calls and of the bytes currently allocated.
#[derive(Debug, Default)]
pub struct CountingAlloc;

/// Allocation calls ever made (`alloc`, `alloc_zeroed` and `realloc` each count one).
pub fn allocation_count() -> usize {
    ALLOCATIONS.load(Relaxed)
}

/// Bytes currently allocated.
pub fn live_bytes() -> usize {
    LIVE_BYTES.load(Relaxed)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged and only
// updates counters on the side, so `System`'s guarantees carry over.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !allowed() {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded contract (layout has non-zero size).
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if !allowed() {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded contract (layout has non-zero size).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_add(layout.size(), Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract (ptr was allocated by this allocator with `layout`).
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !allowed() {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded contract.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            ALLOCATIONS.fetch_add(1, Relaxed);
            LIVE_BYTES.fetch_sub(layout.size(), Relaxed);
            LIVE_BYTES.fetch_add(new_size, Relaxed);
        }
        p
    }
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;
