//! Optimizers: in-place updates of the flat parameter vector from the flat gradient.

pub mod sgd;

pub use sgd::Sgd;
