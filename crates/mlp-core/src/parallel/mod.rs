//! Running a kernel's independent tasks on several threads, with results that do not depend on
//! how many threads there are.
//!
//! A parallel kernel splits its *output* into `tasks` disjoint parts (rows or columns of C, a
//! range of parameters) and calls [`run_tasks`]. Every task computes its part exactly as the
//! single-thread kernel would (same operations, same order, per element), so the result is
//! bit-identical for every thread count: only who computes which part changes. Reductions
//! (loss, bias gradient) stay on the calling thread in one fixed order.
//!
//! The threads are a [`pool::Pool`] per instance of the core: in the shared-memory wasm build,
//! Web Workers / `worker_threads` that entered [`pool::Pool::worker_loop`] through the FFI
//! (`mlp_pool_worker_run`); natively, `std::thread`s a test spawned. With no pool workers (the
//! plain build, or none started) every call runs its tasks in order on the calling thread.
//!
//! - [`pool`]: the job protocol (publish, claim tasks, join) on a handful of atomics.
//! - [`futex`]: wait / wake on an atomic (`memory.atomic.wait32` / `notify` on wasm).
//! - [`shared`]: [`SharedMut`] and [`PerThread`], how tasks write their disjoint parts.

pub mod futex;
pub mod pool;
pub mod shared;

pub use pool::POOL;
pub use shared::{PerThread, SharedMut};

/// One task handed to a kernel's closure: which part of the output (`index`, in
/// `0..tasks`) and which thread runs it (`slot`: 0 is the calling thread, `1..threads` pool
/// workers), so the task can use that thread's scratch buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Task {
    /// The part of the output, `0..tasks`.
    pub index: usize,
    /// The thread running it, `0..threads`; no two tasks run on the same slot at once.
    pub slot: usize,
}

/// Calls `f` once for every task index in `0..tasks`, on up to `threads` threads (the caller
/// included), and returns when all have finished. Runs on the calling thread alone, in index
/// order, when `threads ≤ 1`, `tasks ≤ 1`, the pool has no workers, or the pool is already
/// running a job (a nested or concurrent call). Returns `false` only if a pool worker died
/// during the job: some tasks may not have run, so the output is incomplete.
pub fn run_tasks(threads: usize, tasks: usize, f: &(dyn Fn(Task) + Sync)) -> bool {
    if threads > 1 && tasks > 1 {
        if let Some(complete) = POOL.try_run(threads, tasks, f) {
            return complete;
        }
    }
    for index in 0..tasks {
        f(Task { index, slot: 0 });
    }
    true
}

/// Calls `f(range, chunks)` for every `chunk`-element range of `0..len`, on up to `threads`
/// threads, where `chunks` are that range of each slice of `parts` (each of length `len`, or
/// empty: then its chunks are empty). For elementwise updates of several parallel buffers
/// (parameters and optimizer state). The split depends on `len` and `chunk` alone. Returns
/// `false` if a pool worker died (some chunks may not have been updated).
pub fn for_each_chunk<T: Send, const N: usize>(
    threads: usize,
    len: usize,
    chunk: usize,
    parts: [&mut [T]; N],
    f: &ChunkFn<'_, T, N>,
) -> bool {
    assert!(
        parts.iter().all(|p| p.is_empty() || p.len() == len),
        "for_each_chunk: parts of different lengths"
    );
    let shared = parts.map(SharedMut::new);
    let tasks = len.div_ceil(chunk.max(1));
    run_tasks(threads, tasks, &|t| {
        let range = chunk_range(len, chunk, t.index);
        let chunks = shared.each_ref().map(|part| {
            if part.is_empty() {
                &mut [][..]
            } else {
                // SAFETY: chunk ranges of different tasks are disjoint, and each task takes
                // each part's range once.
                unsafe { part.range_mut(range.clone()) }
            }
        });
        f(range, chunks);
    })
}

/// What [`for_each_chunk`] calls: a chunk's range of `0..len` and that range of every part.
pub type ChunkFn<'a, T, const N: usize> = dyn Fn(std::ops::Range<usize>, [&mut [T]; N]) + Sync + 'a;

/// Splits `0..len` into `⌈len / chunk⌉` ranges of `chunk` elements (the last may be shorter):
/// the `index`-th one. A fixed `chunk` makes the split depend on the length alone.
pub fn chunk_range(len: usize, chunk: usize, index: usize) -> std::ops::Range<usize> {
    let start = (index * chunk).min(len);
    start..(start + chunk).min(len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    #[test]
    fn serial_fallback_runs_every_task_once_in_order() {
        let seen = std::sync::Mutex::new(Vec::new());
        assert!(run_tasks(1, 5, &|t| seen.lock().unwrap().push(t)));
        let seen = seen.into_inner().unwrap();
        assert_eq!(
            seen.iter().map(|t| t.index).collect::<Vec<_>>(),
            [0, 1, 2, 3, 4]
        );
        assert!(seen.iter().all(|t| t.slot == 0));
    }

    #[test]
    fn chunks_cover_the_range() {
        let covered = AtomicUsize::new(0);
        let len: usize = 1000;
        let tasks = len.div_ceil(64);
        run_tasks(1, tasks, &|t| {
            covered.fetch_add(chunk_range(len, 64, t.index).len(), Relaxed);
        });
        assert_eq!(covered.load(Relaxed), len);
        assert_eq!(chunk_range(10, 4, 2), 8..10);
        assert_eq!(chunk_range(10, 4, 3), 10..10);
    }
}
