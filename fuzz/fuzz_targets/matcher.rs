//! Fuzz target `matcher`: see `memgrowth_fuzz::checks::matcher` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::matcher(data));
