"""The task catalogue (docs/catalogue.md), made from the registered tasks: per family, each task's dataset,
headline metrics, official scorer and the values Qwen3-Omni and Qwen2.5-Omni report for it, then the cards
of the family's benchmarks (omnieval.cards: paper, data licence, how to get the data), each card shown once,
under the first family that uses it.

`omnieval tasks --format md` prints it; a test keeps docs/catalogue.md equal to it.
"""

from __future__ import annotations

import re
from typing import Any

from omnieval.cards import Card, card_for
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


#: the columns of a family's benchmark cards
CARD_HEADER = ("benchmark", "paper", "data licence", "how to get the data")


def card_row(card: Card) -> str:
    """A card as a row of its family's benchmark table."""
    datasets = ", ".join(f"`{hub_id}`" for hub_id in card.hub_ids)
    title = md_cell(card.paper).replace("[", "\\[").replace("]", "\\]")
    cells = [f"{md_cell(card.name)}: {datasets}", f"[{title}]({card.paper_url})", md_cell(card.licence)]
    return "| " + " | ".join([*cells, md_cell(card.how_to_get)]) + " |"


def benchmarks_heading(family: str) -> str:
    return f"{family_name(family)} benchmarks"


def anchor(heading: str) -> str:
    """The anchor GitHub gives a markdown heading."""
    return re.sub(r"[^a-z0-9 _-]", "", heading.lower()).replace(" ", "-")


def benchmark_lines(family: str, tasks: list[Task], shown: dict[str, str]) -> list[str]:
    """The family's benchmark cards: a table of those not shown under an earlier family (recorded in `shown`,
    card name -> heading), a line naming those that were, and the tasks without a card."""
    cards: dict[str, Card] = {}
    no_card = []
    for task in tasks:
        card = card_for(task)
        if card is None:
            no_card.append(task.name)
        else:
            cards.setdefault(card.name, card)
    heading = benchmarks_heading(family)
    new = [card for name, card in sorted(cards.items(), key=lambda kv: kv[0].casefold()) if name not in shown]
    earlier = sorted((name for name in cards if name in shown), key=str.casefold)
    lines = [f"### {heading}", ""]
    if new:
        lines += ["| " + " | ".join(CARD_HEADER) + " |", "|" + "|".join("---" for _ in CARD_HEADER) + "|"]
        lines += [card_row(card) for card in new]
        lines.append("")
    for name in earlier:
        lines += [f"{md_cell(name)}: its card is under [{shown[name]}](#{anchor(shown[name])}).", ""]
    if no_card:
        lines += ["Without a card: " + ", ".join(f"`{name}`" for name in sorted(no_card)) + ".", ""]
    shown.update((card.name, heading) for card in new)
    return lines


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
        "file equal to it. How each benchmark's data is laid out and scored: [tasks.md](tasks.md). Under each "
        "family's tasks, the cards of its benchmarks (`omnieval/cards.py`): the paper, the licence of the data "
        "as its card or repository states it, and how to get the data; a benchmark shared by two families is "
        "shown under the first.",
        "",
    ]
    shown: dict[str, str] = {}
    header = ["task", "dataset", "headline", "official scorer"] + [f"{p.display} (reported)" for p in reported]
    for family in families:
        family_tasks = sorted((t for t in tasks if t.family == family), key=lambda t: t.name)
        lines += [
            f"## {family_name(family)}",
            "",
            "| " + " | ".join(header) + " |",
            "|" + "|".join("---" for _ in header) + "|",
        ]
        for task in family_tasks:
            metrics = list(task.headline_metrics)
            values = []
            for model in reported:
                scores = [model.score(task.name, metric) for metric in metrics]
                values.append(", ".join(f"{s.value:g}" for s in scores if s is not None) or "—")
            cells = [f"`{task.name}`", dataset_of(task), ", ".join(metrics), official_scorer(task) or "—", *values]
            lines.append("| " + " | ".join(md_cell(c) if not c.startswith("`") else c for c in cells) + " |")
        lines.append("")
        lines += benchmark_lines(family, family_tasks, shown)
    return "\n".join(lines)
