"""In-process evaluation helpers shared by the tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from omnieval.config import load_preset
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import RUNNERS, TASKS
from omnieval.results import RunDir


def evaluate(task: str, dataset: Path, output: Path, model: str = "pocketsphinx-en", **options) -> RunDir:
    """One run of `task` on `model` over a local dataset, without progress bars or a cache by default."""
    preset = load_preset(model)
    runner = RUNNERS.get(preset.runner)(**preset.settings)
    options = {"show_progress": False, "cache_path": None, **options}
    run = Evaluation(TASKS.get(task), runner, preset, RunOptions(output_dir=output, dataset_path=str(dataset), **options))
    return asyncio.run(run.run())
