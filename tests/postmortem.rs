//! Postmortems: offline input cut to a window, marks and the timeline, before/after
//! comparisons and bundles that can be verified.

#[path = "support/prom_fault_server.rs"]
mod prom_fault_server;
#[path = "support/prom_servers.rs"]
mod prom_servers;

#[path = "postmortem/baseline.rs"]
mod baseline;
#[path = "postmortem/edges.rs"]
mod edges;
#[path = "postmortem/manifest.rs"]
mod manifest;
#[path = "postmortem/timeline.rs"]
mod timeline;
#[path = "postmortem/util.rs"]
mod util;
#[path = "postmortem/window.rs"]
mod window;
