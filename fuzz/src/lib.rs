//! The fuzz targets' checks, kept apart from the targets so that saved inputs replay as
//! ordinary tests.

pub mod checks;
