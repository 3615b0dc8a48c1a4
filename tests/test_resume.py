"""kill -9 at any moment, then --resume: every sample exactly once, nothing finished generated twice.

The run talks to a real pocketsphinx server in this process, which counts the requests it
answers, so the test can tell how many transcripts were generated in all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, openai_preset, read_jsonl, read_run, run_cli

KEY = {"LOCAL_KEY": "test-key-not-secret"}


def _start_run(preset: Path, dataset: Path, output: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "omnieval",
            "run",
            "--task",
            "librispeech_test_clean",
            "--model",
            str(preset),
            "--dataset-path",
            str(dataset),
            "--output",
            str(output),
            "--run-id",
            "killed",
            "--no-progress",
            *extra,
        ],
        cwd=REPO,
        env={**os.environ, **KEY},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def _kill_when(proc: subprocess.Popen, samples: Path, lines: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before it could be killed: {proc.stderr.read().decode()}")
        if samples.exists() and samples.read_bytes().count(b"\n") >= lines:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return
        time.sleep(0.01)
    proc.kill()
    raise AssertionError("timed out waiting for the run to make progress")


@pytest.mark.parametrize("kill_after_lines", [0, 3])
@pytest.mark.parametrize("cache", [False, True])
def test_kill_9_then_resume_ends_with_every_sample_exactly_once(
    kill_after_lines, cache, pocketsphinx_server, librispeech_parquet, tmp_path
):
    preset = openai_preset(tmp_path, pocketsphinx_server.url, max_concurrency=1)
    output = tmp_path / "results"
    cache_args = ["--cache", str(tmp_path / "cache.sqlite")] if cache else ["--no-cache"]
    answered_before = pocketsphinx_server.stats["generated"]

    proc = _start_run(preset, librispeech_parquet, output, *cache_args)
    samples = output / "killed" / "samples.jsonl"
    if kill_after_lines == 0:  # as soon as the run folder exists, before anything finished
        _kill_when(proc, output / "killed" / "run.json", 0)
    else:
        _kill_when(proc, samples, kill_after_lines)
    finished = samples.read_bytes() if samples.exists() else b""
    finished = finished[: finished.rfind(b"\n") + 1]
    assert finished.count(b"\n") < 8, "the run finished before it was killed"
    assert read_run(output / "killed")["status"] == "running"

    run_cli(
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        preset,
        "--dataset-path",
        librispeech_parquet,
        "--output",
        output,
        "--run-id",
        "killed",
        "--resume",
        "--no-progress",
        *cache_args,
        env=KEY,
    )

    assert samples.read_bytes().startswith(finished), "a finished sample was rewritten"
    ids = [r["id"] for r in read_jsonl(samples)]
    assert len(ids) == len(set(ids)) == 8
    run = read_run(output / "killed")
    assert run["status"] == "complete" and run["counts"]["done"] == 8 and run["counts"]["failed"] == 0
    answered = pocketsphinx_server.stats["generated"] - answered_before
    # one request may have been in flight at the kill (concurrency 1); with the cache even that one
    # is not asked again if its answer had arrived
    assert 8 <= answered <= 9, f"{answered} transcripts generated for 8 samples"


@pytest.mark.parametrize("name_the_run", [True, False])
def test_four_resumes_at_once_write_each_sample_once(name_the_run, librispeech_parquet, tmp_path):
    output = tmp_path / "results"
    base = [
        "run",
        "--task",
        "librispeech_test_clean",
        "--model",
        "pocketsphinx-en",
        "--dataset-path",
        str(librispeech_parquet),
        "--output",
        str(output),
        "--no-cache",
        "--no-progress",
    ]
    run_cli(*base, "--run-id", "r")
    samples = output / "r" / "samples.jsonl"
    complete = read_jsonl(samples)
    whole_run_wer = read_run(output / "r")["metrics"]["wer"]
    samples.write_text("".join(line + "\n" for line in samples.read_text().splitlines()[:2]))  # a run cut short
    resume = base + (["--run-id", "r"] if name_the_run else []) + ["--resume"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "omnieval", *resume],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outcomes = [(proc.wait(timeout=300), proc.stderr.read()) for proc in procs]
    for code, stderr in outcomes:  # each either resumed the run or was refused in one line
        assert code == 0 or (
            code == 2 and "is in use by process" in stderr and len(stderr.strip().splitlines()) == 1
        ), stderr
    assert any(code == 0 for code, _ in outcomes)
    assert [p.name for p in output.iterdir()] == ["r"]  # no resume went off to a folder of its own
    records = read_jsonl(samples)
    assert sorted(r["id"] for r in records) == sorted(r["id"] for r in complete)
    run = read_run(output / "r")
    assert run["status"] == "complete" and run["counts"]["done"] == len(complete) == 8
    assert run["metrics"]["wer"] == pytest.approx(whole_run_wer)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_and_sigterm_stop_a_run_within_seconds_marked_interrupted(signum, code, librispeech_parquet, tmp_path):
    output = tmp_path / "results"
    command = [
        *("run", "--task", "librispeech_test_clean", "--model", "pocketsphinx-en", "-M", "workers=1"),
        *("--dataset-path", str(librispeech_parquet), "--output", str(output), "--run-id", "r"),
        *("--no-cache", "--no-progress"),
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "omnieval", *command], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    samples = output / "r" / "samples.jsonl"
    deadline = time.monotonic() + 120
    while not (samples.exists() and samples.read_bytes().count(b"\n") >= 1):  # midway: one sample done
        assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read().decode()
        time.sleep(0.01)
    sent = time.monotonic()
    proc.send_signal(signum)
    stderr = proc.communicate(timeout=60)[1].decode()
    assert proc.returncode == code, stderr
    assert time.monotonic() - sent < 10, "the run did not stop within seconds"
    done = read_jsonl(samples)
    assert 1 <= len(done) < 8
    assert stderr.strip().splitlines() == [
        f"interrupted by {signum.name}: {len(done)} of 8 samples are done and kept in {output / 'r'}; "
        "continue with the same command and --resume"
    ]
    run = read_run(output / "r")
    assert run["status"] == "interrupted" and run["error"] == f"interrupted by {signum.name}"
    assert run["counts"] == {"selected": 8, "done": len(done), "failed": 0, "cached": 0, "pending": 8 - len(done)}
    kept = samples.read_bytes()

    run_cli(*command, "--resume")
    assert samples.read_bytes().startswith(kept)
    ids = [r["id"] for r in read_jsonl(samples)]
    assert len(ids) == len(set(ids)) == 8 and read_run(output / "r")["status"] == "complete"


def test_resuming_a_finished_run_never_starts_its_model(librispeech_parquet, tmp_path):
    preset = tmp_path / "m.yaml"
    preset.write_text("name: m\nrunner: pocketsphinx\n")
    output = tmp_path / "results"
    command = (
        *("run", "--task", "librispeech_test_clean", "--model", preset, "--dataset-path", librispeech_parquet),
        *("--output", output, "--limit", "3", "--no-cache", "--no-progress"),
    )
    run_cli(*command)
    [run_dir] = output.iterdir()
    finished, before = (run_dir / "samples.jsonl").read_bytes(), read_run(run_dir)
    # the same model name, now served where nothing answers: starting it fails
    preset.write_text(
        "name: m\nrunner: openai\nsettings: {model: m, base_url: 'http://127.0.0.1:9/v1', max_retries: 0}\n"
    )
    fresh = run_cli(*command, check=False)
    assert fresh.returncode == 3 and "cannot reach the server" in fresh.stderr
    assert list(output.iterdir()) == [run_dir]  # a model that cannot start leaves no run folder behind

    resumed = run_cli(*command, "--resume")
    assert "complete" in resumed.stdout
    assert (run_dir / "samples.jsonl").read_bytes() == finished
    after = read_run(run_dir)
    assert after["status"] == "complete" and after["metrics"] == before["metrics"]
    assert after["runner"] == before["runner"]  # the model that made the answers, not the one never started
    log = (run_dir / "run.log").read_text()
    assert "nothing to generate: every selected sample is done, so the model is not loaded" in log
    assert log.count("model ready in") == 1  # the first run's
