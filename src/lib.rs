//! memgrowth: tells, with evidence, whether a service's memory growth is a leak, a
//! plateau, reclaimable page cache, native (off-heap) growth or a leak hidden by
//! restarts, and why the same service looks different on different hosts.
//!
//! Pipeline: `input`/`prom` (sources) -> `subject` (classify and select) -> `frame`
//! (tidy frame) -> `target` -> `analysis` (statistics and verdicts) ->
//! `compare` (across hosts) -> `timeline` (events, before/after) -> `report` (plain data)
//! -> `render` (formats).

pub mod analysis;
pub mod catalog;
pub mod cli;
pub mod compare;
pub mod config;
pub mod frame;
pub mod goroutines;
pub mod input;
pub mod kind;
pub mod links;
pub mod matcher;
pub mod pipeline;
pub mod prom;
pub mod redis;
pub mod render;
pub mod report;
pub mod rules;
pub mod series;
pub mod subject;
pub mod synth;
pub mod target;
pub mod timeline;
pub mod units;
pub mod verdict;
