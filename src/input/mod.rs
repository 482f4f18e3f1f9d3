//! Offline sources: Prometheus API JSON, Grafana CSV exports and bundles.
