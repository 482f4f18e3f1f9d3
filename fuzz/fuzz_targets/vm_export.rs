//! Fuzz target `vm_export`: see `memgrowth_fuzz::checks::vm_export` (fuzz/src/checks.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| memgrowth_fuzz::checks::vm_export(data));
