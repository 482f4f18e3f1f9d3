//! Fuzz target `report_json`: see `memgrowth_fuzz::checks::report_json` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::report_json(data));
