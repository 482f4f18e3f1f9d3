//! Fuzz target `grafana_csv`: see `memgrowth_fuzz::checks::grafana_csv` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::grafana_csv(data));
