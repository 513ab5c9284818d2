//! Pool exports: how the TypeScript side runs the core on several threads.
//!
//! In the shared-memory build (`+atomics`, memory imported and shared), each pool worker is a
//! Web Worker / `worker_threads` worker that instantiated the same module on the same memory,
//! set its own shadow stack (and TLS block), and called `mlp_pool_worker_run(slot)`, which
//! returns only at shutdown. A network then uses up to `mlp_net_set_threads_{t}` threads.
//! In the plain build these exports exist too (the pool never gets a worker, so every call
//! runs on the calling thread); `mlp_threads_supported` tells the builds apart.

use crate::parallel::POOL;

/// 1 if this build can run pool workers (shared memory, atomics), else 0.
#[no_mangle]
pub extern "C" fn mlp_threads_supported() -> u32 {
    u32::from(cfg!(target_feature = "atomics"))
}

/// A pool worker's whole life: waits for jobs and helps with them as thread `slot` (1, 2, …;
/// each worker its own) until `mlp_pool_shutdown`. Only in the shared-memory build, on a
/// worker thread (it blocks in `memory.atomic.wait32`); returns at once elsewhere.
#[no_mangle]
pub extern "C" fn mlp_pool_worker_run(slot: u32) {
    if cfg!(target_feature = "atomics") && slot >= 1 {
        POOL.worker_loop(slot as usize);
    }
}

/// Called by a worker's JavaScript when its `mlp_pool_worker_run` ended with an exception (a
/// trap): the pool stops waiting for it and takes no more jobs (calls run on one thread).
#[no_mangle]
pub extern "C" fn mlp_pool_worker_failed() {
    POOL.worker_failed();
}

/// Workers currently in the pool.
#[no_mangle]
pub extern "C" fn mlp_pool_workers() -> u32 {
    POOL.workers()
}

/// Workers that died (any makes the pool refuse jobs).
#[no_mangle]
pub extern "C" fn mlp_pool_failures() -> u32 {
    POOL.failures()
}

/// Asks every pool worker to return from `mlp_pool_worker_run`.
#[no_mangle]
pub extern "C" fn mlp_pool_shutdown() {
    POOL.shut_down();
}
