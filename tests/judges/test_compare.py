"""Pairwise comparison of two runs with a judge named by a preset, and `judge-agreement` on it."""

from __future__ import annotations

import asyncio
import json

import yaml

from omnieval.compare import compare_runs
from omnieval.leaderboard import build
from omnieval.offline import score_predictions
from omnieval.registry import RUNNERS, TASKS
from omnieval.results import RunDir
from tests.conftest import read_jsonl, run_cli
from tests.judges.judge_programs import PairJudge

RUNNERS.register(PairJudge)


def _run(folder, voicebench_parquet, name: str, answers: list[str]) -> RunDir:
    predictions = folder / f"{name}.jsonl"
    predictions.write_text("".join(json.dumps({"id": str(i), "prediction": a}) + "\n" for i, a in enumerate(answers)))
    return asyncio.run(
        score_predictions(
            TASKS.get("voicebench_commoneval"), predictions, folder / "results", name, str(voicebench_parquet), None, 0
        )
    )


def _judge_preset(folder, keyword: str | None) -> str:
    path = folder / f"pair-judge-{keyword}.yaml"
    path.write_text(
        yaml.safe_dump({"name": f"pair-judge-{keyword}", "runner": "test-pair-judge", "settings": {"keyword": keyword}})
    )
    return str(path)


def test_the_candidates_win_rate_and_the_judges_position_bias(voicebench_parquet, tmp_path):
    baseline = _run(tmp_path, voicebench_parquet, "base", ["good one", "good two", "poor three", "poor four"])
    candidate = _run(tmp_path, voicebench_parquet, "cand", ["poor one", "poor two", "good three", "good four"])
    fair = compare_runs(baseline, candidate, tmp_path / "results", judge=_judge_preset(tmp_path, "good"))
    result = asyncio.run(fair).read_run()
    # no pair flipped with the order, so there is no first-position preference to report
    assert result.metrics == {
        "win_rate": 50.0,
        "wins": 50.0,
        "losses": 50.0,
        "ties": 0.0,
        "position_consistency": 100.0,
    }
    assert result.model == "cand vs base" and result.config["judge"]["template"]["name"] == "pairwise"
    wins = [r["scores"]["win"] for r in read_jsonl(RunDir(tmp_path / "results" / result.run_id).samples_file)]
    assert wins == [0.0, 0.0, 1.0, 1.0]

    biased = asyncio.run(
        compare_runs(baseline, candidate, tmp_path / "results", judge=_judge_preset(tmp_path, None))
    ).read_run()
    assert biased.metrics["ties"] == 100.0 and biased.metrics["position_consistency"] == 0.0
    assert biased.metrics["first_position_preference"] == 100.0
    # a comparison is not a model's score: the leaderboard leaves it out
    assert "cand vs base" not in build(tmp_path / "results").rows


def test_judge_agreement_from_the_command_line(voicebench_parquet, tmp_path):
    baseline = _run(tmp_path, voicebench_parquet, "base", ["good one", "good two", "poor three", "poor four"])
    candidate = _run(tmp_path, voicebench_parquet, "cand", ["poor one", "poor two", "good three", "good four"])
    result = asyncio.run(compare_runs(baseline, candidate, tmp_path / "results", judge=_judge_preset(tmp_path, "good")))
    labels = tmp_path / "labels.jsonl"
    labels.write_text("".join(json.dumps({"id": str(i), "label": v}) + "\n" for i, v in enumerate([0, 0, 1, 0.5])))
    report = json.loads(run_cli("judge-agreement", result.path, "--labels", labels, "--format", "json").stdout)
    assert report["n"] == 4 and report["accuracy"] == 0.75
    assert report["pairwise_position_consistency"] == 1.0 and report["pairwise_pairs"] == 4
    both = run_cli("judge-agreement", result.path, check=False)
    assert both.returncode == 2 and "give either a second run folder or --labels" in both.stderr
