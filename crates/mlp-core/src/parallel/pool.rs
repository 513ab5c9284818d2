//! The thread pool of one core instance: a job protocol on a handful of atomics.
//!
//! One thread (the *caller*: the JavaScript thread that owns the core) publishes a job —
//! a closure and a task count — and works on it too; pool *workers* (slots `1..`, each parked
//! in [`Pool::worker_loop`]) claim task indices from a shared counter until none are left.
//! Claiming dynamically means a worker that wakes late simply does fewer tasks, and the result
//! never depends on who ran what (see [`crate::parallel`]).
//!
//! ```text
//! caller                                    worker (slot s)
//! job, counters ← new values                 spin, then sleep, until generation ≠ seen
//! generation += 1 ; wake sleepers             active += 1
//! claim + run tasks                           if generation ≠ g or closed = g: leave
//! spin until done = tasks                     claim + run tasks (slot s < threads only)
//! closed ← generation                         active −= 1
//! spin until active = 0   (no worker still holds the closure: safe to return)
//! ```
//! `closed` and `active` form a Dekker pair (both sequentially consistent): either the
//! caller sees the worker's `active += 1` and waits for it, or the worker sees `closed` and
//! leaves without touching the job. The caller never blocks in `wait` (a browser's main thread
//! may not), only workers do, after spinning [`SPIN_LIMIT`] times, so back-to-back products
//! (microseconds apart in a training step) find them awake.
//!
//! A worker whose JavaScript side died with an exception (a trap in the core) reports it
//! through [`Pool::worker_failed`]: the running job stops waiting for it, returns
//! "incomplete", and the pool refuses further jobs (every later call runs on the caller
//! alone), since the dead worker's bookkeeping can no longer be trusted.

use super::futex;
use super::Task;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering::*};

/// Spins of an idle worker before it sleeps: measured 0.44 ms of CPU after a product (median of
/// 20, Node 20 on the 2-vCPU EPYC; p25–p75 0.30–0.52 ms), longer than the gap between two
/// products of a training step, far shorter than a human notices a busy core (THREADS.md:
/// waking a sleeper costs ≈ 54 µs, a spinning one ≈ 0.4 µs).
pub const SPIN_LIMIT: u32 = 1 << 17;

/// The most threads a pool serves (the caller included); `'auto'` stays well below it.
pub const MAX_THREADS: usize = 64;

/// A published job: lives on the caller's stack while the job runs.
struct Job<'a> {
    f: &'a (dyn Fn(Task) + Sync),
    tasks: u32,
    threads: u32,
}

/// The pool's shared state. One static per core instance ([`POOL`]).
#[derive(Debug)]
pub struct Pool {
    /// Bumped to publish a job (workers wait on it); also bumped, with `shutdown`, to stop.
    generation: AtomicU32,
    /// The generation whose job admits no more workers.
    closed: AtomicU32,
    job: AtomicPtr<Job<'static>>,
    next_task: AtomicU32,
    done: AtomicU32,
    /// Workers inside the current job (they may still read the job's closure).
    active: AtomicU32,
    /// Workers parked in `worker_loop`.
    workers: AtomicU32,
    /// Workers blocked in `futex::wait` (so the caller skips `wake_all` when none are).
    sleeping: AtomicU32,
    /// Workers that died; any makes the pool refuse jobs.
    failed: AtomicU32,
    /// A job is running (another caller, or a task itself, then runs serially).
    busy: AtomicBool,
    shutdown: AtomicBool,
}

/// The pool of this instance of the core.
pub static POOL: Pool = Pool::new();

impl Pool {
    const fn new() -> Self {
        Pool {
            generation: AtomicU32::new(0),
            closed: AtomicU32::new(0),
            job: AtomicPtr::new(std::ptr::null_mut()),
            next_task: AtomicU32::new(0),
            done: AtomicU32::new(0),
            active: AtomicU32::new(0),
            workers: AtomicU32::new(0),
            sleeping: AtomicU32::new(0),
            failed: AtomicU32::new(0),
            busy: AtomicBool::new(false),
            shutdown: AtomicBool::new(false),
        }
    }

    /// Workers currently parked in the pool.
    pub fn workers(&self) -> u32 {
        self.workers.load(Acquire)
    }

    /// Workers that died (see [`Pool::worker_failed`]).
    pub fn failures(&self) -> u32 {
        self.failed.load(Acquire)
    }

    /// Runs `f` for every task in `0..tasks` on up to `threads` threads (this one included).
    /// `None` (nothing ran) if the pool cannot take the job: no workers, a failed worker, shut
    /// down, or already busy; the caller then runs the tasks itself. `Some(false)`: a worker
    /// died during the job, so some tasks may not have run.
    pub fn try_run(&self, threads: usize, tasks: usize, f: &(dyn Fn(Task) + Sync)) -> Option<bool> {
        if self.workers() == 0 || self.failures() > 0 || self.shutdown.load(Acquire) {
            return None;
        }
        if self.busy.swap(true, Acquire) {
            return None;
        }
        let tasks = u32::try_from(tasks).expect("task count fits in u32");
        let job = Job {
            f,
            tasks,
            threads: threads.min(MAX_THREADS) as u32,
        };
        // Publish: the job and fresh counters, then the generation (SeqCst orders them before
        // it for every worker that sees the new generation).
        self.job
            .store((&job as *const Job<'_>).cast_mut().cast(), SeqCst);
        self.done.store(0, SeqCst);
        self.next_task.store(0, SeqCst);
        let generation = self.generation.fetch_add(1, SeqCst).wrapping_add(1);
        if self.sleeping.load(SeqCst) > 0 {
            futex::wake_all(&self.generation);
        }

        let own = self.work_on(&job, 0);
        self.done.fetch_add(own, SeqCst);
        let mut complete = true;
        while self.done.load(Acquire) < tasks {
            if self.failures() > 0 {
                complete = false;
                break;
            }
            std::hint::spin_loop();
        }
        self.closed.store(generation, SeqCst);
        // Wait until no live worker can still read `job` (dead ones never will).
        while self.active.load(SeqCst) > self.failures() {
            std::hint::spin_loop();
        }
        self.job.store(std::ptr::null_mut(), SeqCst);
        self.busy.store(false, Release);
        Some(complete)
    }

    /// Claims and runs tasks of `job` as `slot` until none are left; returns how many ran.
    fn work_on(&self, job: &Job<'_>, slot: usize) -> u32 {
        let mut ran = 0;
        loop {
            let index = self.next_task.fetch_add(1, SeqCst);
            if index >= job.tasks {
                return ran;
            }
            (job.f)(Task {
                index: index as usize,
                slot,
            });
            ran += 1;
        }
    }

    /// A worker's life: wait for jobs and help with them as thread `slot` (≥ 1) until
    /// [`Pool::shut_down`]. Called by each pool worker once, through `mlp_pool_worker_run`.
    pub fn worker_loop(&self, slot: usize) {
        // Read the generation before counting ourselves in: a caller that sees us in
        // `workers` publishes its job after this read, so we cannot miss it.
        let mut seen = self.generation.load(SeqCst);
        self.workers.fetch_add(1, SeqCst);
        loop {
            let mut spins = 0;
            while self.generation.load(Acquire) == seen {
                if spins < SPIN_LIMIT {
                    spins += 1;
                    std::hint::spin_loop();
                } else {
                    self.sleeping.fetch_add(1, SeqCst);
                    futex::wait(&self.generation, seen);
                    self.sleeping.fetch_sub(1, SeqCst);
                }
            }
            if self.shutdown.load(Acquire) {
                self.workers.fetch_sub(1, SeqCst);
                return;
            }
            let generation = self.generation.load(SeqCst);
            seen = generation;
            self.active.fetch_add(1, SeqCst);
            if self.generation.load(SeqCst) == generation && self.closed.load(SeqCst) != generation
            {
                let job = self.job.load(SeqCst);
                // SAFETY: the job of `generation` is not closed and we are counted in
                // `active`, so the caller is still inside `try_run` and `job` points to its
                // live Job (module docs: the Dekker pair).
                if let Some(job) = unsafe { job.cast_const().as_ref() } {
                    if slot < job.threads as usize {
                        let ran = self.work_on(job, slot);
                        self.done.fetch_add(ran, SeqCst);
                    }
                }
            }
            self.active.fetch_sub(1, SeqCst);
        }
    }

    /// Records that a worker died (its JavaScript caught a trap out of `worker_loop`): the
    /// running job, if any, stops waiting for it and every later job runs on the caller alone.
    pub fn worker_failed(&self) {
        self.failed.fetch_add(1, SeqCst);
        self.workers.fetch_sub(1, SeqCst);
    }

    /// Asks every worker to leave `worker_loop` (they return as soon as they see it).
    pub fn shut_down(&self) {
        self.shutdown.store(true, SeqCst);
        self.generation.fetch_add(1, SeqCst);
        futex::wake_all(&self.generation);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// A private pool with `n` native worker threads, shut down at the end of `body`; `dying`
    /// of them are expected to die (panic, as a trapped wasm worker does).
    fn with_pool_dying(n: usize, dying: usize, body: impl FnOnce(&'static Pool)) {
        let pool: &'static Pool = Box::leak(Box::new(Pool::new()));
        let handles: Vec<_> = (1..=n)
            .map(|slot| std::thread::spawn(move || pool.worker_loop(slot)))
            .collect();
        while pool.workers() < n as u32 {
            std::thread::yield_now();
        }
        body(pool);
        pool.shut_down();
        let died = handles.into_iter().filter_map(|h| h.join().err()).count();
        assert_eq!(died, dying, "workers that died");
    }

    fn with_pool(n: usize, body: impl FnOnce(&'static Pool)) {
        with_pool_dying(n, 0, body);
    }

    #[test]
    fn every_task_runs_exactly_once_on_distinct_slots() {
        with_pool(3, |pool| {
            for round in 0..2000 {
                let tasks = 1 + round % 37;
                let counts: Vec<AtomicUsize> = (0..tasks).map(|_| AtomicUsize::new(0)).collect();
                let on_slot: Vec<AtomicUsize> = (0..4).map(|_| AtomicUsize::new(0)).collect();
                let complete = pool.try_run(4, tasks, &|t| {
                    assert_eq!(
                        on_slot[t.slot].fetch_add(1, SeqCst),
                        0,
                        "two tasks on one slot"
                    );
                    counts[t.index].fetch_add(1, SeqCst);
                    on_slot[t.slot].fetch_sub(1, SeqCst);
                });
                assert_eq!(complete, Some(true));
                assert!(counts.iter().all(|c| c.load(SeqCst) == 1), "round {round}");
            }
        });
    }

    #[test]
    fn threads_limit_which_slots_join() {
        with_pool(3, |pool| {
            let max_slot = AtomicUsize::new(0);
            for _ in 0..200 {
                pool.try_run(2, 50, &|t| {
                    max_slot.fetch_max(t.slot, SeqCst);
                    std::hint::black_box((0..200).sum::<usize>());
                });
            }
            assert!(max_slot.load(SeqCst) <= 1);
        });
    }

    #[test]
    fn busy_pool_declines_nested_jobs() {
        with_pool(1, |pool| {
            let nested = AtomicUsize::new(0);
            pool.try_run(2, 4, &|_| {
                if pool.try_run(2, 2, &|_| {}).is_none() {
                    nested.fetch_add(1, SeqCst);
                }
            });
            assert_eq!(nested.load(SeqCst), 4);
        });
    }

    #[test]
    fn a_failed_worker_ends_the_job_and_the_pool() {
        with_pool_dying(1, 1, |pool| {
            // The worker dies inside its task as a trapped wasm worker does: its JavaScript
            // reports the failure and the thread is gone (here: a panic ends the thread).
            let result = pool.try_run(2, 2, &|t| {
                if t.slot == 1 {
                    pool.worker_failed();
                    panic!("simulated trap in a pool worker");
                } else {
                    // Leave the second task to the worker.
                    while pool.failures() == 0 {
                        std::thread::yield_now();
                    }
                }
            });
            assert_eq!(result, Some(false));
            assert_eq!(
                pool.try_run(2, 2, &|_| {}),
                None,
                "a failed pool takes no jobs"
            );
        });
    }
}
