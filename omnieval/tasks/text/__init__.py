"""Text benchmarks tasks."""
