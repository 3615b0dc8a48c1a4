"""omnieval: evaluation and benchmarking of omni models."""

__version__ = "0.1.0"
