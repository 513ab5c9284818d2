//! Fallible, zero-initialised buffers: every allocation the core makes goes through here, so
//! an out-of-memory is an `Err`, never an abort (which would trap the whole wasm instance).

use crate::real::Real;
use std::collections::TryReserveError;

/// `v.len() = len` when `v` is shorter (grow-only, fallible, new elements zero). May move `v`.
pub fn grow<T: Real>(v: &mut Vec<T>, len: usize) -> Result<(), TryReserveError> {
    if v.len() < len {
        v.try_reserve_exact(len - v.len())?;
        v.resize(len, T::ZERO);
    }
    Ok(())
}

/// A zeroed vector of `len`, fallibly.
pub fn zeros<T: Real>(len: usize) -> Result<Vec<T>, TryReserveError> {
    let mut v = Vec::new();
    grow(&mut v, len)?;
    Ok(v)
}

/// A zeroed replacement of `len` elements for `current` if it is shorter, else `None`.
///
/// Staging: a caller that must grow several buffers allocates every replacement first and
/// swaps them in with [`commit`] only when all succeeded, so a failure moves nothing.
pub fn replacement<T: Real>(current: &[T], len: usize) -> Result<Option<Vec<T>>, TryReserveError> {
    if current.len() >= len {
        return Ok(None);
    }
    zeros(len).map(Some)
}

/// Puts a staged [`replacement`] in place (dropping the old buffer); `None` keeps `v`.
pub fn commit<T>(v: &mut Vec<T>, staged: Option<Vec<T>>) {
    if let Some(new) = staged {
        *v = new;
    }
}
