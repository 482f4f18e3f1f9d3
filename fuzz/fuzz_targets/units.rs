//! Fuzz target `units`: see `memgrowth_fuzz::checks::units` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::units(data));
