"""The published numbers in configs/reference: well-formed, in our tasks' metrics, cited."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from omnieval.errors import OmnievalError
from omnieval.reference import published_models
from omnieval.registry import DERIVED, TASKS


@pytest.fixture(scope="module")
def published():
    return published_models()


def test_the_report_models_and_their_baselines_are_there(published):
    assert {
        "qwen3-omni-30b-a3b-instruct",
        "qwen3-omni-30b-a3b-thinking",
        "qwen2.5-omni-7b",
        "gpt-4o",
        "gemini-2.5-pro",
        "seed-asr",
    } <= set(published)
    instruct = published["qwen3-omni-30b-a3b-instruct"]
    # values as the Qwen3-Omni README prints them (commit 0309c20), checked by hand
    assert instruct.score("librispeech_test_other", "wer").value == 2.48
    assert instruct.score("worldsense", "accuracy").value == 54.0
    assert published["qwen2.5-omni-7b"].score("worldsense", "accuracy").value == 45.4


def test_every_score_of_a_registered_task_is_in_one_of_its_headline_metrics(published):
    checked = 0
    for model in published.values():
        for score in model.scores:
            if score.task in TASKS.names():
                assert score.metric in TASKS.get(score.task).headline_metrics, (model.model, score.task, score.metric)
                checked += 1
    assert checked > 50


def test_every_score_of_a_derived_task_is_in_its_metric(published):
    derived = {name: score.metric for name, score in DERIVED.items()}
    checked = [
        (model.model, s.task)
        for model in published.values()
        for s in model.scores
        if s.task in derived and s.metric == derived[s.task]
    ]
    wrong = [
        (model.model, s.task, s.metric)
        for model in published.values()
        for s in model.scores
        if s.task in derived and s.metric != derived[s.task]
    ]
    assert not wrong and len(checked) >= 30
    assert ("qwen3-omni-30b-a3b-instruct", "fleurs_s2tt_xx2zh") in checked


def test_scores_are_cited_and_never_given_twice_by_one_source(published):
    for model in published.values():
        twice = [key for key, n in Counter((s.task, s.metric, s.source) for s in model.scores).items() if n > 1]
        assert twice == [], model.model
        for score in model.scores:
            assert model.sources[score.source].url.startswith("https://") and score.table
            assert "github.com" not in model.sources[score.source].url or "/blob/" in model.sources[score.source].url


def test_a_score_citing_an_unknown_source_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "reference").mkdir()
    bad = {
        "model": "bad",
        "display": "Bad",
        "sources": {"paper": {"title": "t", "url": "https://x"}},
        "scores": [
            {"task": "fleurs_en", "metric": "wer", "value": 1.0, "split": "test", "source": "blog", "table": "1"}
        ],
    }
    (tmp_path / "reference" / "bad.yaml").write_text(yaml.safe_dump(bad))
    monkeypatch.setenv("OMNIEVAL_CONFIG_PATH", str(tmp_path))
    with pytest.raises(OmnievalError, match="unknown source 'blog'"):
        published_models()
