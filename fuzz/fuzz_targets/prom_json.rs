//! Fuzz target `prom_json`: see `memgrowth_fuzz::checks::prom_json` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::prom_json(data));
