//! The catalog: which metric names (per exporter) carry which kind.
