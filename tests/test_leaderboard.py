"""The leaderboard: one row per model, one column per task metric, newest complete run wins."""

from __future__ import annotations

import pytest

from omnieval.errors import OmnievalError
from omnieval.leaderboard import build, to_csv, to_markdown
from omnieval.results import RunDir
from omnieval.types import GenConfig, RunRecord


def _run(root, run_id, task, model, metrics, status="complete", finished="2026-01-01T00:00:00+00:00", lower=True):
    run_dir = RunDir.create(root, run_id)
    headline = {name: lower for name in metrics if not name.endswith("_utterance_mean")}
    run_dir.write_run(RunRecord(run_id=run_id, status=status, task=task, task_version="1", model=model, runner={},
                                gen_config=GenConfig(), config={"headline_metrics": headline}, dataset={},
                                metrics=metrics, timings={"finished": finished}))


def test_rows_columns_and_the_newest_complete_run(tmp_path):
    _run(tmp_path, "a", "fleurs_en", "model-a", {"wer": 5.0, "wer_utterance_mean": 6.0})
    _run(tmp_path, "b", "fleurs_en", "model-a", {"wer": 4.0}, finished="2026-02-01T00:00:00+00:00")
    _run(tmp_path, "c", "fleurs_en", "model-a", {"wer": 1.0}, status="aborted", finished="2026-03-01T00:00:00+00:00")
    _run(tmp_path, "d", "fleurs_zh", "model-b", {"cer": 3.25})
    board = build(tmp_path)
    assert board.header() == ["model", "fleurs_en wer↓", "fleurs_zh cer↓"]
    assert board.table() == [["model-a", "4.00", "—"], ["model-b", "—", "3.25"]]
    markdown = to_markdown(board).splitlines()
    assert markdown[0] == "| model | fleurs_en wer↓ | fleurs_zh cer↓ |"
    assert markdown[2] == "| model-a | 4.00 | — |"
    assert to_csv(board).splitlines() == ["model,fleurs_en/wer,fleurs_zh/cer", "model-a,4.0,", "model-b,,3.25"]


def test_no_complete_runs_is_an_error(tmp_path):
    _run(tmp_path, "a", "fleurs_en", "m", {"wer": 1.0}, status="running")
    with pytest.raises(OmnievalError, match="no complete runs"):
        build(tmp_path)
    with pytest.raises(OmnievalError, match="no such folder"):
        build(tmp_path / "missing")
