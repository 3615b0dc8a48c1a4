"""`omnieval run --task worldsense|dailyomni|videoholmes|videomme_w_subtitle --model <tiny checkpoint>`: video
frames and their sound reach the model on CPU, bad media fail their samples only, and the sound can be switched
off."""

from __future__ import annotations

import importlib.abc
import sys

import pytest

from omnieval.errors import FatalRunnerError
from omnieval.testing.sample_av import dailyomni_sample, videoholmes_sample, videomme_sample, worldsense_sample
from omnieval.testing.sample_images import image_samples
from tests.conftest import only_run_dir, read_jsonl, read_run, run_cli
from tests.helpers import evaluate


def run_task(task: str, checkpoint, dataset, output, *extra: str) -> tuple[dict, dict[str, dict]]:
    run_cli(
        "run",
        "--task",
        task,
        "--model",
        str(checkpoint),
        "--dataset-path",
        str(dataset),
        "--output",
        str(output),
        "--no-cache",
        "--no-progress",
        "--gen",
        "max_new_tokens=3",
        "-M",
        "batch_size=2",
        *extra,
    )
    run_dir = only_run_dir(output)
    return read_run(run_dir), {r["id"]: r for r in read_jsonl(run_dir / "samples.jsonl")}


def test_worldsense_runs_end_to_end_with_frames_and_sound_reaching_the_model(tiny_checkpoints, family, tmp_path):
    dataset = worldsense_sample(tmp_path / "worldsense")
    run, records = run_task("worldsense", tiny_checkpoints[family], dataset, tmp_path / "with_sound")
    assert run["status"] == "complete" and run["counts"]["done"] == 5 and run["counts"]["failed"] == 2
    assert run["gen_config"]["use_audio_in_video"] is True and "accuracy/domain/Daily Life" in run["metrics"]
    for sample_id in ("ws_red/task0", "ws_red/task1", "ws_pattern/task0"):
        record = records[sample_id]
        assert record["error"] is None, record["error"]
        streams = record["response"]["inputs"]
        assert streams["video_frames"] == [4] and streams["use_audio_in_video"] is True
        assert abs(streams["video_audio_s"][0] - 2.0) < 0.1  # the whole track of the 2 s clip
    assert "has no audio track" in records["ws_mute/task0"]["error"]
    assert "video file not found: videos/ws_missing.mp4" in records["ws_missing/task0"]["error"]
    assert records["ws_missing/task0"]["response"] is None  # never asked on the text alone

    silent_run, silent = run_task(
        "worldsense", tiny_checkpoints[family], dataset, tmp_path / "without_sound", "--gen", "use_audio_in_video=false"
    )
    assert silent_run["counts"]["failed"] == 1  # the clip without a track is fine when its sound is not asked for
    streams = silent["ws_red/task0"]["response"]["inputs"]
    assert streams["video_frames"] == [4] and "video_audio_s" not in streams and streams["use_audio_in_video"] is False
    # the track's tokens were in the prompt: the same question without them is shorter
    assert records["ws_red/task0"]["response"]["input_tokens"] > silent["ws_red/task0"]["response"]["input_tokens"]


def test_dailyomni_videoholmes_videomme_and_mmstar_run_with_their_media(tiny_checkpoints, tmp_path):
    checkpoint = tiny_checkpoints["qwen2_5_omni"]
    run, records = run_task("dailyomni", checkpoint, dailyomni_sample(tmp_path / "do"), tmp_path / "do_out")
    assert run["counts"]["done"] == 3 and run["counts"]["failed"] == 1
    streams = records["do_green"]["response"]["inputs"]
    assert streams["video_frames"] == [4] and abs(streams["audio_s"][0] - 2.0) < 1.5
    assert streams["use_audio_in_video"] is False and "audio file not found" in records["do_pattern"]["error"]

    run, records = run_task("videoholmes", checkpoint, videoholmes_sample(tmp_path / "vh"), tmp_path / "vh_out")
    assert run["counts"]["done"] == 3 and run["counts"]["failed"] == 1
    assert records["vh_film/1"]["response"]["inputs"]["video_audio_s"][0] > 1.0
    assert records["vh_cut/1"]["error"].startswith("cannot decode video videos_cropped/vh_cut.mp4")

    run, records = run_task("videomme_w_subtitle", checkpoint, videomme_sample(tmp_path / "vm"), tmp_path / "vm_out")
    assert run["counts"]["done"] == 4 and run["counts"]["failed"] == 1
    streams = records["001-1"]["response"]["inputs"]
    assert streams["video_frames"] == [4] and "video_audio_s" not in streams  # Video-MME: the frames alone

    run, records = run_task("mmstar", checkpoint, image_samples(tmp_path / "images")["mmstar"], tmp_path / "im_out")
    assert run["counts"]["done"] == 2 and run["counts"]["failed"] == 0
    assert records["0"]["response"]["inputs"]["images"] == [[168, 84]]  # 160x96 drawn, rounded to 28-pixel steps


class Uninstalled(importlib.abc.MetaPathFinder):
    """Imports of `package` fail as those of a package that is not installed do."""

    def __init__(self, package: str) -> None:
        self.package = package

    def find_spec(self, name, path=None, target=None):
        if name == self.package or name.startswith(f"{self.package}."):
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def test_without_torchcodec_the_run_stops_with_what_to_install_and_resumes_once_it_is(
    tiny_checkpoints, tmp_path, monkeypatch
):
    dataset, output = worldsense_sample(tmp_path / "worldsense"), tmp_path / "out"
    monkeypatch.setenv("OMNIEVAL_DECODED_DIR", str(tmp_path / "decoded"))  # nothing decoded earlier helps
    settings = {"model": str(tiny_checkpoints["qwen2_5_omni"]), "batch_size": 2}
    options = {"gen_overrides": {"max_new_tokens": 3}, "run_id": "ws"}
    import datasets  # noqa: F401 - as in a run, datasets and transformers (the fixture's) look for torchcodec first

    with monkeypatch.context() as hidden:
        for name in [name for name in sys.modules if name.split(".")[0] == "torchcodec"]:
            hidden.delitem(sys.modules, name)
        hidden.setattr(sys, "meta_path", [Uninstalled("torchcodec"), *sys.meta_path])
        with pytest.raises(
            FatalRunnerError, match=r"decoding video needs torchcodec .*\(pip install 'omnieval\[gpu\]'"
        ):
            evaluate("worldsense", dataset, output, model="qwen2.5-omni-7b", runner_settings=settings, **options)
    stopped = read_run(output / "ws")
    assert stopped["status"] != "complete"
    assert not (output / "ws" / "samples.jsonl").exists() or not any(
        "torchcodec" in str(r["error"]) for r in read_jsonl(output / "ws" / "samples.jsonl")
    )  # no sample was failed for the missing package

    run_dir = evaluate(
        "worldsense", dataset, output, model="qwen2.5-omni-7b", runner_settings=settings, resume=True, **options
    )
    finished = read_run(run_dir.path)
    assert finished["status"] == "complete" and finished["counts"]["done"] == 5 and finished["counts"]["failed"] == 2
