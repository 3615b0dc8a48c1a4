"""omnieval: evaluation and benchmarking of omni models.

From Python: `omnieval.evaluate(task, model, **options)` runs an evaluation and returns its run folder;
`omnieval.runs_df(folder)` and `omnieval.samples_df(run)` read results as pandas tables (omnieval.api).
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "evaluate", "runs_df", "samples_df"]


def __getattr__(name: str) -> Any:
    # the API loads on first use, so that `import omnieval` stays light (the CLI imports it for its version)
    if name in ("evaluate", "runs_df", "samples_df"):
        from omnieval import api

        return getattr(api, name)
    raise AttributeError(f"module 'omnieval' has no attribute {name!r}")
