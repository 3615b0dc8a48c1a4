"""omnieval from Python: evaluate a model on a task as `omnieval run` does, and read results as pandas tables.

import omnieval
run = omnieval.evaluate("librispeech_test_clean", "pocketsphinx-en", limit=20)
run.read_run().metrics                    # {"wer": ..., ...}
omnieval.runs_df("results")               # one row per run and metric
omnieval.samples_df(run)                  # one row per sample
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.results import RunDir, iter_run_dirs

if TYPE_CHECKING:
    import pandas


def evaluate(
    task: str,
    model: str,
    *,
    limit: int | None = None,
    seed: int = 0,
    dataset_path: str | None = None,
    output: str | Path = "results",
    task_args: dict[str, Any] | None = None,
    model_args: dict[str, Any] | None = None,
    gen: dict[str, Any] | None = None,
    judge: str | None = None,
    judge_args: dict[str, Any] | None = None,
    run_id: str | None = None,
    resume: bool = False,
    cache: bool | str | Path = True,
    show_progress: bool = False,
    ray: dict[str, Any] | None = None,
) -> RunDir:
    """Evaluate `model` (a preset name, a YAML file, a Hugging Face id or a checkpoint folder) on `task`, with the
    options of `omnieval run` as keyword arguments; the run folder it wrote (`.read_run()`, `.read_records()`).
    `ray` runs it on a Ray cluster, as `--executor ray` does: {"address": ..., "workers": 2, "gpus_per_worker": 1}."""
    from omnieval.cache import default_cache_path
    from omnieval.config import load_preset
    from omnieval.judges.setup import make_judge
    from omnieval.pipeline import Evaluation, RunOptions, task_for_run
    from omnieval.registry import TASKS
    from omnieval.scaleout import runner_for
    from omnieval.scaleout.ray_pool import RayPool

    preset = load_preset(model, model_args or None)
    runner = runner_for(preset, ray)
    chosen = task_for_run(TASKS.get(task), preset, gen or {}, task_args or {})
    cache_path = None if cache is False else (default_cache_path() if cache is True else Path(cache))
    options = RunOptions(
        output_dir=Path(output),
        limit=limit,
        seed=seed,
        dataset_path=dataset_path,
        resume=resume,
        run_id=run_id,
        cache_path=cache_path,
        show_progress=show_progress,
        gen_overrides=gen or {},
    )
    task_judge = make_judge(chosen, judge, judge_args or {}, cache_path)
    try:
        return asyncio.run(Evaluation(chosen, runner, preset, options, task_judge).run())
    finally:
        if isinstance(runner, RayPool):
            runner.shutdown()


def runs_df(folder: str | Path = "results") -> pandas.DataFrame:
    """Every run below `folder` in long form: one row per run and metric, with its interval and sample count."""
    import pandas

    rows = []
    for run_dir in iter_run_dirs(folder):
        record = run_dir.read_run()
        headline = record.config.get("headline_metrics") or {}
        for metric, value in record.metrics.items():
            low, high = record.intervals.get(metric, (None, None))
            rows.append(
                {
                    "run_id": record.run_id,
                    "task": record.task,
                    "task_version": record.task_version,
                    "model": record.model,
                    "status": record.status,
                    "metric": metric,
                    "value": value,
                    "ci_low": low,
                    "ci_high": high,
                    "headline": metric in headline,
                    "n": record.counts.get("done"),
                    "failed": record.counts.get("failed"),
                    "finished": record.timings.get("finished"),
                    "path": str(run_dir.path),
                }
            )
    columns = [
        "run_id",
        "task",
        "task_version",
        "model",
        "status",
        "metric",
        "value",
        "ci_low",
        "ci_high",
        "headline",
        "n",
        "failed",
        "finished",
        "path",
    ]
    return pandas.DataFrame(rows, columns=columns)


def samples_df(run: str | Path | RunDir) -> pandas.DataFrame:
    """One run's samples: id, index, target, prediction, error, cached, one column per score (`score.<name>`) and
    one per metadata key (`meta.<key>`)."""
    import pandas

    run_dir = run if isinstance(run, RunDir) else RunDir(run)
    rows = []
    for record in run_dir.read_records():
        rows.append(
            {
                "id": record.id,
                "index": record.index,
                "target": record.target,
                "prediction": record.prediction,
                "error": record.error,
                "cached": record.cached,
                **{f"score.{name}": value for name, value in record.scores.items()},
                **{f"meta.{key}": value for key, value in record.metadata.items()},
            }
        )
    return pandas.DataFrame(rows)
