//! Fuzz target `parquet_frame`: see `memgrowth_fuzz::checks::parquet_frame` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::parquet_frame(data));
