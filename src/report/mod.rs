//! The analysis result as data: the report contract and its assembly.

pub mod model;
pub mod postmortem;

pub use model::*;
pub use postmortem::*;
