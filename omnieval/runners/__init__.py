"""Runners: one protocol (`generate(requests) -> responses`), one module per backend."""
