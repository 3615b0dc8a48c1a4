"""A task's model judge from a model preset: a judge is any runner, named like any model.

Light to import (the command line imports it at start-up): the judge, the runners and the presets load
when a judge is made."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from omnieval.errors import OmnievalError

if TYPE_CHECKING:
    from omnieval.judges.model_judge import ModelJudge
    from omnieval.tasks.base import Task


def make_judge(
    task: Task,
    judge: str | None = None,
    overrides: dict[str, Any] | None = None,
    cache_path: Path | None = None,
    template: str | None = None,
) -> ModelJudge | None:
    """The judge of a model-judged task (None for tasks scored by rules alone): the preset `judge`
    names, else the task's default judge, with its settings overridden by `overrides`, judging with
    the task's template or `template`."""
    if not task.judge_template:
        return None
    name = judge or task.default_judge
    if not name:
        raise OmnievalError(f"task {task.name} is judged by a model: name one with --judge")
    # imported here, so that the command line starts without the runners (numpy, soundfile) it needs only to judge
    from omnieval.config import load_preset
    from omnieval.judges.model_judge import ModelJudge
    from omnieval.judges.templates import load_template
    from omnieval.scaleout import runner_for

    preset = load_preset(name, overrides)
    runner = runner_for(preset)
    return ModelJudge(
        preset.name, runner, load_template(template or task.judge_template), gen=preset.gen, cache_path=cache_path
    )
