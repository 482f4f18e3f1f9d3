//! Fuzz target `parquet_frame`: see `memgrowth_fuzz::checks::parquet_frame` (fuzz/src/checks.rs).
//!
//! libfuzzer-sys installs a panic hook that aborts on every panic, even one that is caught.
//! The Parquet decoder panics on some malformed files and `decode_parquet` catches that
//! panic and returns an error, which is the behaviour under test; so this target replaces
//! the aborting hook with one that stays silent for panics raised in a dependency's source
//! and prints the rest. A panic that escapes the reader still crashes the target: the
//! fuzz entry point catches it and aborts, and libFuzzer saves the input.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: {
        let _aborting = std::panic::take_hook();
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_dependency = info
                .location()
                .is_some_and(|at| at.file().contains("/.cargo/registry/"));
            if !in_dependency {
                default(info);
            }
        }));
    },
    |data: &[u8]| memgrowth_fuzz::checks::parquet_frame(data)
);
