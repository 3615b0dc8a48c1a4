"""omnieval's Python API: evaluate as `omnieval run` does, and results as pandas tables."""

from __future__ import annotations

import json

import pytest

import omnieval
from omnieval.errors import OmnievalError
from omnieval.types import FORMAT_VERSION


def test_evaluate_runs_a_task_and_the_tables_read_what_it_wrote(librispeech_parquet, tmp_path):
    run = omnieval.evaluate(
        "librispeech_test_clean",
        "pocketsphinx-en",
        limit=3,
        dataset_path=str(librispeech_parquet),
        output=tmp_path,
        cache=False,
    )
    record = run.read_run()
    assert record.status == "complete" and record.counts["done"] == 3 and "wer" in record.metrics
    assert json.loads((run.path / "run.json").read_text())["format_version"] == FORMAT_VERSION

    runs = omnieval.runs_df(tmp_path)
    wer = runs[runs.metric == "wer"].iloc[0]
    assert (wer.task, wer.model, wer.n) == ("librispeech_test_clean", "pocketsphinx-en", 3)
    assert wer.value == record.metrics["wer"] and bool(wer.headline)
    assert wer.ci_low <= wer.value <= wer.ci_high
    assert len(runs) == len(record.metrics)  # long form: one row per metric

    samples = omnieval.samples_df(run.path)
    assert list(samples["id"]) == [r.id for r in run.read_records()] and len(samples) == 3
    assert {"prediction", "target", "error", "score.wer"} <= set(samples.columns)
    assert samples["score.wer"].tolist() == [r.scores["wer"] for r in run.read_records()]


def test_evaluate_takes_the_options_of_run_and_says_what_is_wrong(librispeech_parquet, tmp_path):
    with pytest.raises(OmnievalError, match="unknown task 'nope'"):
        omnieval.evaluate("nope", "pocketsphinx-en")
    with pytest.raises(OmnievalError, match="no such folder"):
        omnieval.runs_df(tmp_path / "missing")
    run = omnieval.evaluate(
        "librispeech_test_clean",
        "pocketsphinx-en",
        limit=2,
        seed=1,
        run_id="mine",
        dataset_path=str(librispeech_parquet),
        output=tmp_path,
        cache=False,
        gen={"max_new_tokens": 64},
    )
    assert run.path.name == "mine" and run.read_run().config["selection"]["seed"] == 1
    assert run.read_run().gen_config.max_new_tokens == 64


def test_evaluate_on_ray_gives_the_records_of_a_local_run(librispeech_parquet, tmp_path):
    common = {"limit": 3, "dataset_path": str(librispeech_parquet), "cache": False}
    local = omnieval.evaluate("librispeech_test_clean", "pocketsphinx-en", output=tmp_path / "local", **common)
    on_ray = omnieval.evaluate(
        "librispeech_test_clean",
        "pocketsphinx-en",
        output=tmp_path / "ray",
        ray={"workers": 1, "cpus_per_worker": 0.5},
        **common,
    )
    assert (
        on_ray.read_run().runner["executor"]["name"] == "ray" and on_ray.read_run().metrics == local.read_run().metrics
    )
    # the same answers, in the order they finished (costliest first on Ray)
    assert sorted((r.id, r.prediction) for r in on_ray.read_records()) == sorted(
        (r.id, r.prediction) for r in local.read_records()
    )
