//! The Prometheus HTTP API client (Prometheus, Mimir, Thanos, VictoriaMetrics): settings,
//! credentials, range planning, retries, typed errors, discovery and fetching.

pub mod auth;
pub mod client;
pub mod config;
pub mod costs;
pub mod decode;
pub mod discover;
pub mod errors;
pub mod fetch;
pub mod fetch_bundle;
pub mod fleet;
pub mod plan;
pub mod queries;
pub mod retry;

pub use auth::{Auth, AuthSources, ExtraHeader, Secret};
pub use client::{ClientStats, PromClient, RangeResult, runtime};
pub use config::{Backend, PromConfig, PromSettings};
pub use discover::{DiscoveryReport, Gap, HostDiscovery, KindPresence, Missing, discover};
pub use errors::{ErrorType, PromError, TransportCause};
pub use fetch::{FetchWindow, KindQuery, fetch_queries, fetch_series};
pub use fetch_bundle::{FetchError, FetchSummary, fetch_queries_to_bundle, fetch_to_bundle};
pub use plan::{Chunk, RangePlan, auto_step, plan_range};
pub use queries::{AUTO_STEP_POINTS, choose_step, kind_queries, plan_queries};
pub use retry::RetryPolicy;
