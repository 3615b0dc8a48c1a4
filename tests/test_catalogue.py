"""docs/catalogue.md is the catalogue the registered tasks make, so it never goes stale."""

from __future__ import annotations

from omnieval.catalogue import catalogue_markdown
from omnieval.registry import TASKS
from tests.conftest import REPO, run_cli


def test_the_catalogue_in_docs_is_the_one_the_tasks_make():
    made = catalogue_markdown()
    assert (REPO / "docs" / "catalogue.md").read_text() == made, (
        "docs/catalogue.md is stale: write it again with `omnieval tasks --format md > docs/catalogue.md`"
    )
    assert run_cli("tasks", "--format", "md").stdout == made


def test_every_task_is_listed_once_with_its_official_scorer_and_reported_values():
    made = catalogue_markdown()
    for name in TASKS.names():
        assert made.count(f"| `{name}` |") == 1, name
    worldsense = next(line for line in made.splitlines() if line.startswith("| `worldsense` |"))
    assert "EvolvingLMMs-Lab/lmms-eval@75571cf" in worldsense and "| 54 | 45.4 |" in worldsense
