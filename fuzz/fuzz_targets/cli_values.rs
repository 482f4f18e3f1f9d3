//! Fuzz target `cli_values`: see `memgrowth_fuzz::checks::cli_values` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::cli_values(data));
