"""In-process evaluation helpers shared by the tests."""

from __future__ import annotations

import asyncio
from pathlib import Path

from omnieval.config import load_preset
from omnieval.pipeline import Evaluation, RunOptions, task_for_run
from omnieval.registry import RUNNERS, TASKS
from omnieval.results import RunDir
from omnieval.scoring import ROW_ERRORS, make_record, summarize, unreadable_row_record
from omnieval.tasks.base import Task
from omnieval.types import Response


def evaluate(
    task: str | Task,
    dataset: Path,
    output: Path,
    model: str = "pocketsphinx-en",
    task_params: dict | None = None,
    runner_settings: dict | None = None,
    **options,
) -> RunDir:
    """One run of `task` on `model` over a local dataset, without progress bars or a cache by default."""
    preset = load_preset(model)
    runner = RUNNERS.get(preset.runner)(**{**preset.settings, **(runner_settings or {})})
    options = {"show_progress": False, "cache_path": None, **options}
    named = TASKS.get(task) if isinstance(task, str) else task
    chosen = task_for_run(named, preset, options.get("gen_overrides", {}), task_params or {})
    run = Evaluation(chosen, runner, preset, RunOptions(output_dir=output, dataset_path=str(dataset), **options))
    return asyncio.run(run.run())


def score_answers(task_name, path, answers: list[str | None]):
    """The task, its records and its metrics when the rows of the local dataset at `path` are answered
    in order with `answers` (None: a failed generation)."""
    task = TASKS.get(task_name) if isinstance(task_name, str) else task_name
    loaded = task.load(str(path))
    ids = task.sample_ids(loaded)
    records = []
    for i, answer in enumerate(answers):
        try:  # a row the task cannot read fails its sample, as `run` and `score` do
            sample = task.describe_row(loaded.rows[i], i, ids[i])
        except ROW_ERRORS as err:
            records.append(unreadable_row_record(ids[i], i, err))
            continue
        records.append(
            make_record(task, sample, Response(text=answer) if answer is not None else Response(error="out of memory"))
        )
    return task, records, summarize(task, records, len(records)).metrics
