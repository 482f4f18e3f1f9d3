//! Synthetic scenarios shaped like real exporter output, for fixtures and tests.
