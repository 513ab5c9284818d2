//! Layer activations: the forward map and its local derivative, side by side.

pub mod sigmoid;

pub use sigmoid::Sigmoid;
