//! The statistics of the engine, as plain functions over plain data: bucket means on a
//! regular grid, small least squares, the noise model of scraped gauges, the quasi-GLS
//! trend regression with load cycles, and change points in the slope. Nothing here knows
//! about kinds, targets or verdicts.

pub mod bucket;
pub mod design;
pub mod gls;
pub mod hinge;
pub mod linalg;
pub mod noise;
#[cfg(test)]
mod props;
pub mod tdist;
