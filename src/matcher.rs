//! PromQL label matchers (`{job="api", instance=~"10\\.0\\..*"}`) with Prometheus semantics.
