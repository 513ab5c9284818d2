//! Matrix views for the GEMM: a strided read-only view and a row-major mutable one.
//!
//! Transposition is a property of the *view*: `MatRef::t` swaps the (row, column) strides, in
//! the style of the `matrixmultiply` crate. Nothing is ever copied to transpose a matrix; the
//! packing routines read through the strides.

/// A read-only `rows × cols` view: element `(i, j)` is `data[i·rs + j·cs]`.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    pub(crate) data: &'a [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major `rows × cols` matrix stored in `data` (panics if `data` is too short).
    pub fn new(data: &'a [T], rows: usize, cols: usize) -> Self {
        assert!(rows.checked_mul(cols).is_some_and(|len| data.len() >= len));
        MatRef {
            data,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The transposed view (`cols × rows`), no copy.
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            rs: self.cs,
            cs: self.rs,
        }
    }

    /// Number of rows of the view.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns of the view.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The `rows × cols` block whose top-left corner is `(r0, c0)` (must be inside the view).
    pub(crate) fn block(self, r0: usize, c0: usize, rows: usize, cols: usize) -> Self {
        debug_assert!(r0 + rows <= self.rows && c0 + cols <= self.cols);
        let start = if rows == 0 || cols == 0 {
            0
        } else {
            r0 * self.rs + c0 * self.cs
        };
        MatRef {
            data: &self.data[start..],
            rows,
            cols,
            rs: self.rs,
            cs: self.cs,
        }
    }
}

/// A mutable row-major `rows × cols` matrix (row stride `cols`).
#[derive(Debug)]
pub struct MatMut<'a, T> {
    pub(crate) data: &'a mut [T],
    pub(crate) rows: usize,
    pub(crate) cols: usize,
}

impl<'a, T> MatMut<'a, T> {
    /// A row-major `rows × cols` matrix stored in `data` (panics if `data` is too short).
    pub fn new(data: &'a mut [T], rows: usize, cols: usize) -> Self {
        assert!(rows.checked_mul(cols).is_some_and(|len| data.len() >= len));
        MatMut { data, rows, cols }
    }
}
