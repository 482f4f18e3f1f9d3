//! The Prometheus HTTP API client (Prometheus, Mimir, Thanos, VictoriaMetrics).
