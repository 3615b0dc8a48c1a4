"""Logging: each run's run.log says what the run did; --log-level sets what stderr shows."""

from __future__ import annotations

import json

from tests.conftest import only_run_dir, run_cli


def test_a_run_leaves_a_run_log_of_its_settings_failures_and_end(broken_parquet, tmp_path):
    proc = run_cli(
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        "pocketsphinx-en",
        "--no-progress",
        "--dataset-path",
        broken_parquet,
        "--output",
        tmp_path,
    )
    log = (only_run_dir(tmp_path) / "run.log").read_text()
    assert "task librispeech_test_clean (version" in log and "on model pocketsphinx-en, runner pocketsphinx" in log
    assert "model ready in" in log and "selection {'limit': None" in log
    assert log.count("WARNING omnieval.generation: sample ") == 2  # the two broken rows, each with its reason
    assert "complete in" in log and "'failed': 2" in log and "'wer':" in log
    assert "INFO" not in proc.stderr  # the console shows warnings and errors only, by default
    assert proc.stderr.count("WARNING omnieval.generation: sample ") == 2


def test_log_level_sets_what_the_console_shows_and_a_bad_one_is_a_usage_error(broken_parquet, tmp_path):
    proc = run_cli(
        "--log-level",
        "info",
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        "pocketsphinx-en",
        "--no-progress",
        "--limit",
        "2",
        "--dataset-path",
        broken_parquet,
        "--output",
        tmp_path,
    )
    assert "INFO omnieval.pipeline: run " in proc.stderr and "model ready in" in proc.stderr
    quiet = run_cli(
        "--log-level",
        "error",
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        "pocketsphinx-en",
        "--no-progress",
        "--dataset-path",
        broken_parquet,
        "--output",
        tmp_path / "quiet",
    )
    assert "WARNING" not in quiet.stderr
    bad = run_cli("--log-level", "loud", "tasks", check=False)
    assert bad.returncode == 2 and "--log-level takes debug, info, warning, error, not 'loud'" in bad.stderr


def test_score_and_rescore_leave_what_they_did_in_the_run_log(librispeech_parquet, speech_rows, tmp_path):
    predictions = tmp_path / "predictions.jsonl"
    lines = [{"id": row["id"], "prediction": row["text"].lower()} for row in speech_rows[:7]]
    predictions.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    output = tmp_path / "scored"
    run_cli(
        "score",
        "--task",
        "librispeech_test_clean",
        "--predictions",
        predictions,
        "--dataset-path",
        librispeech_parquet,
        "--output",
        output,
    )
    run_dir = only_run_dir(output)
    log = (run_dir / "run.log").read_text()
    assert "score: external for librispeech_test_clean from {'predictions':" in log and "8 samples selected" in log
    assert "scored 8 samples (1 failed): wer=" in log

    run_cli("rescore", run_dir, "-T", "normalizer=none")
    log = (run_dir / "run.log").read_text()
    assert "scored 8 samples (1 failed)" in log  # what score wrote stays; rescore adds to it
    assert "rescore: scoring parameters {'normalizer': 'none'}, judge as before" in log
    rescored = log.split("rescore: ", 1)[1]
    # without normalization the lower-case predictions miss every (upper-case) reference word: WER 100
    assert "rescored 8 samples: wer=100" in rescored
