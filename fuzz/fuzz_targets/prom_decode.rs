//! Fuzz target `prom_decode`: see `memgrowth_fuzz::checks::prom_decode` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::prom_decode(data));
