"""A whole run through the pipeline on a tiny omni checkpoint with audio, image, video and
audio-in-video samples, speech out: what samples.jsonl records, and a failing sample that does
not stop the run. The task here is a minimal one of the tests' own (the benchmark families with
images and video have their own tasks); the runner, pipeline and results are the production ones."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import soundfile

from omnieval.config import load_preset
from omnieval.data import DatasetSpec
from omnieval.pipeline import Evaluation, RunOptions, task_for_run
from omnieval.registry import RUNNERS
from omnieval.tasks.base import Scored, Task
from omnieval.types import MediaRef, Message, Sample, SampleRecord, media_part, text_part
from tests.conftest import read_jsonl, read_run


class MediaQuestions(Task):
    """One media file and a question per row (columns id, kind, path, question, answer)."""

    name = "media_questions"
    description = "a question about one media file"
    family = "test"
    dataset = DatasetSpec(
        "local/media-questions",
        split="train",
        fields={"id": "id", "kind": "kind", "path": "path", "question": "question", "answer": "answer"},
    )
    headline_metrics = {"exact": False}

    def describe_row(self, row: dict[str, Any], index: int, sample_id: str) -> Sample:
        return Sample(id=sample_id, index=index, target=row["answer"], metadata={"kind": row["kind"]})

    def build_messages(self, row: dict[str, Any], base_dir: Path | None) -> list[Message]:
        media = MediaRef(kind=row["kind"], path=str(base_dir / row["path"]))
        return [Message(role="user", content=[media_part(media), text_part(row["question"])])]

    def score(self, sample: Sample, prediction: str) -> Scored:
        return Scored(scores={"exact": float(prediction.strip().lower() == str(sample.target).lower())})

    def aggregate(self, records: list[SampleRecord]) -> dict[str, float]:
        return {"exact": 100 * sum(r.scores.get("exact", 0.0) for r in records) / max(len(records), 1)}


def test_a_run_records_every_stream_and_writes_speech(tiny_checkpoints, family, media, tmp_path):
    rows = [
        {"id": "speech", "kind": "audio", "path": str(media["speech"])},
        {"id": "shapes", "kind": "image", "path": str(media["image"])},
        {"id": "clip", "kind": "video", "path": str(media["video"])},
        {"id": "silent", "kind": "video", "path": str(media["silent_video"])},
    ]
    data = tmp_path / "questions.jsonl"
    data.write_text("".join(json.dumps({**row, "question": "What colour?", "answer": "blue"}) + "\n" for row in rows))
    preset = load_preset(str(tiny_checkpoints[family]), {"talker": True, "talker_max_new_tokens": 12, "batch_size": 2})
    runner = RUNNERS.get(preset.runner)(**preset.settings)
    options = RunOptions(
        output_dir=tmp_path / "results",
        dataset_path=str(data),
        show_progress=False,
        gen_overrides={"use_audio_in_video": True, "return_audio": True, "max_new_tokens": 4},
    )
    task = task_for_run(MediaQuestions(), preset, options.gen_overrides, {"spoken_asr": "pocketsphinx"})
    run_dir = asyncio.run(Evaluation(task, runner, preset, options).run())

    run = read_run(run_dir.path)
    assert run["status"] == "complete"
    assert run["counts"]["done"] == 4 and run["counts"]["failed"] == 1
    records = {r["id"]: r for r in read_jsonl(run_dir.samples_file)}
    assert "has no audio track" in records["silent"]["error"]  # never answered on the frames alone
    streams = {name: records[name]["response"]["inputs"] for name in ("speech", "shapes", "clip")}
    assert streams["speech"]["audio_s"][0] > 0.5
    assert streams["shapes"]["images"] == [[112, 84]]
    assert streams["clip"]["video_frames"] == [4] and streams["clip"]["use_audio_in_video"] is True
    assert abs(streams["clip"]["video_audio_s"][0] - soundfile.info(str(media["video_track"])).duration) < 0.05
    for name in ("speech", "shapes", "clip"):
        response = records[name]["response"]
        assert response["audio_path"] == str(run_dir.path / "media" / f"{name}.wav")
        assert soundfile.info(response["audio_path"]).samplerate == 24000
