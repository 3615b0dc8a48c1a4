"""Benchmark task families; each module registers its tasks with omnieval.registry.TASKS."""
