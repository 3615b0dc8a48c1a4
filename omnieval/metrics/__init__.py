"""Metrics: pure functions of (prediction, reference), pinned by tests to reference values."""
