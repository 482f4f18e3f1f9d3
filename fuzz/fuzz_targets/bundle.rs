//! Fuzz target `bundle`: see `memgrowth_fuzz::checks::bundle` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::bundle(data));
