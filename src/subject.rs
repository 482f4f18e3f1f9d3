//! Subject selection: classify raw series into kinds, apply `--app`/`--container`
//! matchers, name services (`--by`) and hosts (`--host-label`).
