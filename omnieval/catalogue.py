"""The task catalogue (docs/catalogue.md), made from the registered tasks: per family, each task's dataset,
headline metrics, official scorer and the values Qwen3-Omni and Qwen2.5-Omni report for it.

`omnieval tasks --format md` prints it; a test keeps docs/catalogue.md equal to it.
"""

from __future__ import annotations

from typing import Any

from omnieval.leaderboard.board import FAMILIES, family_name
from omnieval.leaderboard.text import md_cell
from omnieval.reference import published_models
from omnieval.registry import TASKS
from omnieval.tasks.base import Task

#: the published models whose numbers the catalogue shows, as the reports name them
REPORTED = ("qwen3-omni-30b-a3b-instruct", "qwen2.5-omni-7b")


def official_scorer(task: Task) -> str:
    """The task's official scorer as repository@commit path, or "" where it has none (or needs a package that is
    not installed to say)."""
    try:
        source: dict[str, Any] = task.scoring_info().get("official_scorer") or {}
    except (ImportError, OSError):
        return ""
    if not source:
        return ""
    repository = str(source.get("repository", "")).removeprefix("https://github.com/")
    return f"{repository}@{str(source.get('commit', ''))[:7]} `{source.get('path', '')}`"


def dataset_of(task: Task) -> str:
    spec = task.dataset
    parts = [f"`{spec.hub_id}`", spec.config or (f"{len(spec.subsets)} subsets" if spec.subsets else None), spec.split]
    return " ".join(part for part in parts if part)


def catalogue_markdown() -> str:
    """The catalogue as markdown, one table per family in the leaderboard's order."""
    published = published_models()
    reported = [published[name] for name in REPORTED if name in published]
    tasks = [task for _, task in TASKS.items()]
    families = sorted(
        {task.family for task in tasks}, key=lambda f: (list(FAMILIES).index(f) if f in FAMILIES else len(FAMILIES), f)
    )
    lines = [
        "# Task catalogue (generated)",
        "",
        f"{len(tasks)} tasks. Made from the registered tasks by `omnieval tasks --format md`; a test keeps this "
        "file equal to it. How each benchmark's data is laid out and scored: [tasks.md](tasks.md).",
        "",
    ]
    header = ["task", "dataset", "headline", "official scorer"] + [f"{p.display} (reported)" for p in reported]
    for family in families:
        lines += [
            f"## {family_name(family)}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
        ]
        for task in sorted((t for t in tasks if t.family == family), key=lambda t: t.name):
            metrics = list(task.headline_metrics)
            values = []
            for model in reported:
                scores = [model.score(task.name, metric) for metric in metrics]
                values.append(", ".join(f"{s.value:g}" for s in scores if s is not None) or "—")
            cells = [f"`{task.name}`", dataset_of(task), ", ".join(metrics), official_scorer(task) or "—", *values]
            lines.append("| " + " | ".join(md_cell(c) if not c.startswith("`") else c for c in cells) + " |")
        lines.append("")
    return "\n".join(lines)
