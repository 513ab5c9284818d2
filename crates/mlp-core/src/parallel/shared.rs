//! How the tasks of one parallel kernel write their disjoint parts of shared buffers.
//!
//! Rust's `&mut` cannot be split across threads into interleaved pieces (columns of a
//! row-major matrix), so a parallel kernel wraps the buffer in [`SharedMut`] (a raw pointer
//! with the buffer's length and lifetime) and each task takes `&mut` of exactly its own range.
//! [`PerThread`] gives each thread its own scratch value (a GEMM's packing buffers).

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::ops::Range;

/// A mutable slice shared by the tasks of one kernel, each writing only its own ranges.
#[derive(Debug)]
pub struct SharedMut<'a, T> {
    ptr: *mut T,
    len: usize,
    _borrow: PhantomData<&'a mut [T]>,
}

// SAFETY: a SharedMut is only a way to reach disjoint ranges of one `&mut [T]` from several
// threads; `range_mut`'s contract forbids two live references to one element.
unsafe impl<T: Send> Send for SharedMut<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for SharedMut<'_, T> {}

impl<T> Clone for SharedMut<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for SharedMut<'_, T> {}

impl<'a, T> SharedMut<'a, T> {
    /// Shares `slice` (exclusively borrowed for `'a`) between tasks.
    pub fn new(slice: &'a mut [T]) -> Self {
        SharedMut {
            ptr: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: PhantomData,
        }
    }

    /// Length of the shared slice.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the shared slice is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `&mut` of `range` (panics if it is out of bounds).
    ///
    /// # Safety
    /// While the returned slice lives, no other reference (from any thread) may reach an
    /// element of `range`: the kernel's tasks own disjoint ranges.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn range_mut(&self, range: Range<usize>) -> &'a mut [T] {
        assert!(
            range.start <= range.end && range.end <= self.len,
            "SharedMut: out of bounds"
        );
        // SAFETY: in bounds of the borrowed slice (checked above), which lives for 'a; the
        // caller guarantees exclusive access to the range.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(range.start), range.len()) }
    }
}

impl<T> SharedMut<'_, T> {
    /// A pointer to element `at` (panics if out of bounds), carrying the whole slice's
    /// provenance, for kernels that store through raw pointers (the GEMM micro-kernel).
    ///
    /// # Safety
    /// Writes through the pointer obey [`SharedMut::range_mut`]'s contract.
    pub unsafe fn ptr_at(&self, at: usize) -> *mut T {
        assert!(at < self.len, "SharedMut: out of bounds");
        // SAFETY: in bounds of the borrowed slice.
        unsafe { self.ptr.add(at) }
    }
}

/// One `T` per thread slot (`0..threads`), each reached only by the thread running on that
/// slot (see [`crate::parallel::Task::slot`]). Slot 0, the calling thread's, always exists.
#[derive(Debug, Default)]
pub struct PerThread<T> {
    first: UnsafeCell<T>,
    rest: Vec<UnsafeCell<T>>,
}

// SAFETY: each slot is reached only by the one thread running tasks on it (`get`'s contract).
unsafe impl<T: Send> Sync for PerThread<T> {}

impl<T> PerThread<T> {
    /// Slot 0 only, holding `first`.
    pub const fn new(first: T) -> Self {
        PerThread {
            first: UnsafeCell::new(first),
            rest: Vec::new(),
        }
    }

    /// Number of slots (≥ 1).
    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }

    /// Always false: slot 0 exists.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Every slot, exclusively (no task is running).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut T> {
        std::iter::once(self.first.get_mut()).chain(self.rest.iter_mut().map(UnsafeCell::get_mut))
    }

    /// Fallibly adds slots made by `make` until there are `n`.
    pub fn try_extend_to(
        &mut self,
        n: usize,
        mut make: impl FnMut() -> T,
    ) -> Result<(), std::collections::TryReserveError> {
        self.rest.try_reserve(n.saturating_sub(self.len()))?;
        while self.len() < n {
            self.rest.push(UnsafeCell::new(make()));
        }
        Ok(())
    }

    /// The value of `slot`.
    ///
    /// # Safety
    /// Only the thread running tasks on `slot` may call this while a parallel job runs, and
    /// it may hold only one such reference at a time.
    #[allow(clippy::mut_from_ref)]
    pub unsafe fn get(&self, slot: usize) -> &mut T {
        let cell = if slot == 0 {
            &self.first
        } else {
            &self.rest[slot - 1]
        };
        // SAFETY: the caller is the only thread on this slot (see above).
        unsafe { &mut *cell.get() }
    }
}
