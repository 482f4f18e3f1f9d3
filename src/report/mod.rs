//! The analysis result as data: the report contract and its assembly.

pub mod model;

pub use model::*;
