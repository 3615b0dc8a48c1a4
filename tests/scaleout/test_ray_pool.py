"""The Ray executor on a local cluster started once for this module (2 CPUs, a custom resource standing
for GPUs), with real runners: PocketSphinx through the command line, and the fixed-wait runner (a stand-in
for a GPU) where a test must kill something mid-run."""

from __future__ import annotations

import asyncio
import collections
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import ray
import soundfile
import yaml

from omnieval.errors import FatalRunnerError
from omnieval.pipeline import Evaluation, RunOptions
from omnieval.registry import TASKS
from omnieval.scaleout.ray_pool import RayOptions, RayPool
from omnieval.testing.wait_runner import FixedWaitRunner
from tests.conftest import REPO, only_run_dir, read_jsonl, read_run, run_cli
from tests.scaleout.drive import pool


@pytest.fixture(scope="module")
def cluster() -> str:
    """The address of a local Ray cluster, for this process and the commands it starts."""
    context = ray.init(
        num_cpus=2, resources={"gpu_standin": 2}, include_dashboard=False, log_to_driver=False, configure_logging=False
    )
    yield context.address_info["gcs_address"]
    ray.shutdown()


def _records(output: Path) -> dict[str, dict[str, tuple]]:
    """task -> sample id -> (prediction, scores, error) of every run below `output`."""
    runs = {}
    for run_dir in output.iterdir():
        run = read_run(run_dir)
        runs[run["task"]] = {
            r["id"]: (r["prediction"], r["scores"], r["error"]) for r in read_jsonl(run_dir / "samples.jsonl")
        }
    return runs


def _metrics(output: Path) -> dict[str, dict[str, float]]:
    return {read_run(d)["task"]: read_run(d)["metrics"] for d in output.iterdir()}


def test_a_suite_on_ray_gives_the_records_and_metrics_of_a_local_run(
    cluster, librispeech_parquet, fleurs_en_parquet, tmp_path
):
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump(
            {
                "name": "two",
                "tasks": [
                    {"task": "librispeech_test_clean", "dataset_path": str(librispeech_parquet)},
                    {"task": "fleurs_en", "dataset_path": str(fleurs_en_parquet)},
                ],
            }
        )
    )
    common = ("run", "--suite", suite, "--model", "pocketsphinx-en", "--no-cache", "--no-progress")
    run_cli(*common, "--output", tmp_path / "local")
    run_cli(*common, "--output", tmp_path / "ray", "--executor", "ray", "--ray-address", cluster, "--workers", "2")
    local, on_ray = _records(tmp_path / "local"), _records(tmp_path / "ray")
    assert set(on_ray) == {"librispeech_test_clean", "fleurs_en"} and len(on_ray["librispeech_test_clean"]) == 8
    assert on_ray == local and _metrics(tmp_path / "ray") == _metrics(tmp_path / "local")
    # and the same as two shards merged
    for shard in ("0/2", "1/2"):
        run_cli(*common, "--output", tmp_path / "shards", "--shard", shard)
    shards = [d for d in (tmp_path / "shards").iterdir() if read_run(d)["task"] == "librispeech_test_clean"]
    run_cli("merge", *shards, "--output", tmp_path / "merged")
    assert _records(tmp_path / "merged")["librispeech_test_clean"] == on_ray["librispeech_test_clean"]
    assert (
        _metrics(tmp_path / "merged")["librispeech_test_clean"] == _metrics(tmp_path / "ray")["librispeech_test_clean"]
    )
    runner = read_run(next((tmp_path / "ray").iterdir()))["runner"]
    assert (
        runner["name"] == "pocketsphinx" and runner["executor"]["name"] == "ray" and runner["executor"]["workers"] == 2
    )


def test_an_actor_killed_mid_run_is_restarted_and_only_its_chunks_in_flight_are_generated_again(
    cluster, librispeech_parquet, tmp_path
):
    log = tmp_path / "generated.txt"
    preset, runner = pool(cluster, str(log), 0.4, 2)
    options = RunOptions(output_dir=tmp_path / "out", dataset_path=str(librispeech_parquet), show_progress=False)

    processes = []

    async def kill_one_actor_after_the_first_answers() -> None:
        while not log.exists() or len(log.read_text().split()) < 2:
            await asyncio.sleep(0.05)
        processes.append(await runner._actors[0].where.remote())
        ray.kill(runner._actors[0], no_restart=False)

    async def both() -> None:
        evaluation = Evaluation(TASKS.get("librispeech_test_clean"), runner, preset, options)
        await asyncio.gather(evaluation.run(), kill_one_actor_after_the_first_answers())

    try:
        asyncio.run(both())
        processes.append(ray.get(runner._actors[0].where.remote()))
    finally:
        runner.shutdown()
    assert processes[0][1] != processes[1][1]  # the killed actor came back in a new process
    records = read_jsonl(only_run_dir(tmp_path / "out") / "samples.jsonl")
    assert sorted(r["index"] for r in records) == list(range(8))  # every sample once
    assert not any(r["error"] for r in records) and all(r["prediction"] == f"answer to {r['id']}" for r in records)
    generated = collections.Counter(log.read_text().split())
    assert set(generated) == {r["id"] for r in records}
    # the killed actor's chunks in flight (2 of one sample each) may have been answered and lost with it
    assert sum(generated.values()) - 8 <= 2


def test_a_driver_killed_then_resumed_loses_and_duplicates_nothing(cluster, librispeech_parquet, tmp_path):
    log, output = tmp_path / "generated.txt", tmp_path / "out"
    command = [sys.executable, "-m", "tests.scaleout.drive", cluster, str(librispeech_parquet), str(output)]
    command += [str(log), "0.5", "2"]
    driver = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    samples = output / "ray-run" / "samples.jsonl"
    deadline = time.monotonic() + 120
    while not (samples.exists() and len(samples.read_text().splitlines()) >= 3):
        assert driver.poll() is None, driver.stderr.read() if driver.stderr else ""
        assert time.monotonic() < deadline, "the driver wrote no records"
        time.sleep(0.05)
    driver.send_signal(signal.SIGKILL)
    driver.wait()
    before = {r["id"] for r in read_jsonl(samples)}
    assert 3 <= len(before) < 8
    time.sleep(1)  # the killed driver's actors are gone with its job; what they had in flight is logged by now
    generated_before = collections.Counter(log.read_text().split())

    resumed = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    records = read_jsonl(samples)
    assert sorted(r["index"] for r in records) == list(range(8)) and not any(r["error"] for r in records)
    generated = collections.Counter(log.read_text().split()) - generated_before
    assert not set(generated) & before  # nothing finished before the kill was generated again
    assert set(generated) == {r["id"] for r in records} - before


def test_chunks_reading_one_media_file_go_to_one_actor_while_it_has_room(cluster):
    runner = RayPool(FixedWaitRunner, {}, RayOptions(workers=2, in_flight=2, cpus_per_worker=0.5))

    async def take() -> list[int]:
        await runner.start()
        return [await runner._take("video-a.mp4") for _ in range(3)] + [await runner._take(None)]

    try:
        first, second, third, fourth = asyncio.run(take())
    finally:
        runner.shutdown()
    assert first == second  # the actor that holds the file's chunks takes the next one
    assert third != first  # ... until it has its two in flight
    assert fourth == third  # then the least busy one


def test_a_worker_that_cannot_load_its_model_stops_the_run_with_one_line(cluster):
    runner = RayPool(FixedWaitRunner, {"fail_start": "no weights in /models/x"}, RayOptions(cpus_per_worker=0.5))
    with pytest.raises(FatalRunnerError) as caught:
        asyncio.run(runner.start())
    message = str(caught.value)
    assert (
        message == "a Ray worker could not start the fixed-wait runner: cannot load the model: no weights in /models/x"
    )
    assert runner._actors == []  # the pool let its actors go


def test_speech_made_by_a_worker_comes_back_as_bytes_and_the_driver_writes_it(cluster, tmp_path):
    from omnieval.runners.espeak import EspeakRunner
    from omnieval.types import GenConfig, Message, Request, text_part

    runner = RayPool(EspeakRunner, {}, RayOptions(cpus_per_worker=0.5))
    runner.media_dir = tmp_path / "media"
    request = Request(
        sample_id="utt/1",
        messages=[Message(role="user", content=[text_part("The station is near the river.")])],
        gen=GenConfig(return_audio=True),
    )
    try:
        asyncio.run(runner.start())
        [response] = asyncio.run(runner.generate([request]))
        local = asyncio.run(EspeakRunner().generate([request]))[0]
    finally:
        runner.shutdown()
    assert response.ok and response.audio_path == str(tmp_path / "media" / "utt_1.wav")
    info = soundfile.info(response.audio_path)
    assert info.duration == pytest.approx(response.audio_s, abs=0.01) and response.audio_s == local.audio_s
    assert Path(response.audio_path).read_bytes() == Path(local.audio_path).read_bytes()
