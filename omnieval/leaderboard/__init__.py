"""Leaderboards from run folders: measured scores with intervals beside published ones, as markdown,
csv or a self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

from omnieval.leaderboard.board import Entry, Leaderboard, Row, build, newest_complete_runs
from omnieval.leaderboard.html import to_html
from omnieval.leaderboard.text import to_csv, to_markdown
from omnieval.reference import choose, published_models

#: the published model measured scores are compared with when none shares their name
FLAGSHIP = "qwen3-omni-30b-a3b-instruct"
FORMATS = {"md": to_markdown, "csv": to_csv, "html": to_html}


def make_leaderboard(
    root: str | Path, reference: bool = True, reference_models: list[str] | None = None
) -> Leaderboard:
    """The leaderboard of `root`. With `reference`, measured scores are compared with the published ones of
    `reference_models` (default: the published namesakes of the measured models, else the flagship)."""
    if not reference:
        return build(root)
    available = published_models()
    if reference_models:
        return build(root, choose(available, reference_models))
    measured = sorted({run.model for run, _ in newest_complete_runs(root)})
    names = [m for m in measured if m in available] or ([FLAGSHIP] if FLAGSHIP in available else [])
    return build(root, [available[name] for name in names])


__all__ = ["Entry", "FORMATS", "Leaderboard", "Row", "build", "make_leaderboard", "to_csv", "to_html", "to_markdown"]
