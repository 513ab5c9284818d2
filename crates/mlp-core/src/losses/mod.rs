//! Losses: the value and its derivative with respect to the prediction.

pub mod half_sse;
