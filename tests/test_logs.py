"""Logging: each run's run.log says what the run did; --log-level sets what stderr shows."""

from __future__ import annotations

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
    assert log.count("WARNING omnieval.pipeline: sample ") == 2  # the two broken rows, each with its reason
    assert "complete in" in log and "'failed': 2" in log and "'wer':" in log
    assert "INFO" not in proc.stderr  # the console shows warnings and errors only, by default
    assert proc.stderr.count("WARNING omnieval.pipeline: sample ") == 2


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
