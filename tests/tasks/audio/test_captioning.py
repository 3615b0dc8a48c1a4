"""Audio captioning (AudioCaps): rows grouped into clips with all their captions, judged 1-5."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from omnieval.judges.model_judge import Judgment
from omnieval.judges.templates import load_template
from omnieval.registry import TASKS
from omnieval.scoring import make_record, summarize, with_judgment
from omnieval.testing.sample_understanding import audiocaps_sample
from omnieval.types import Response


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    path = audiocaps_sample(tmp_path_factory.mktemp("audiocaps"))
    return TASKS.get("audiocaps").load(str(path))


def test_rows_become_clips_holding_every_caption_of_the_clip(loaded):
    task = TASKS.get("audiocaps")
    assert len(loaded.rows) == 2 and loaded.source["clips"] == 2
    samples = [task.describe_row(row, i, str(i)) for i, row in enumerate(loaded.rows)]
    assert samples[0].target == ["A man speaks", "A man talks in a quiet room"]
    assert samples[1].target == ["Loud static noise", "White noise hisses steadily", "Static hisses"]
    assert [(s.metadata["clip"], s.metadata["start"]) for s in samples] == [("clip-a", 30), ("clip-b", 30)]


def test_two_segments_of_one_video_are_two_clips(tmp_path):
    path = audiocaps_sample(tmp_path)
    table = pq.read_table(path)
    starts = table.column("start_time").to_pylist()
    starts[-1] = 90  # clip-b's last caption now describes another segment of the video
    pq.write_table(
        table.set_column(table.schema.get_field_index("start_time"), "start_time", pa.array(starts, type=pa.int64())),
        path,
    )
    loaded = TASKS.get("audiocaps").load(str(path))
    assert [row["references"] for row in loaded.rows][1:] == [
        ["Loud static noise", "White noise hisses steadily"],
        ["Static hisses"],
    ]


def test_the_judge_reads_every_reference_and_the_final_answer_and_captioners_get_the_audio_alone(loaded):
    task = TASKS.get("audiocaps")
    sample = task.describe_row(loaded.rows[1], 1, "1")
    fields = task.judge_fields(sample, "<think>hmm</think>Static noise hisses.")
    assert fields["reference"] == "Loud static noise\nWhite noise hisses steadily\nStatic hisses"
    assert fields["answer"] == "Static noise hisses." and fields["question"] == task.params["prompt"]
    prompt = load_template(task.judge_template).render(fields)
    assert "White noise hisses steadily" in prompt and prompt.rstrip().endswith("`Rating: N`.")
    (message,) = task.build_messages(loaded.rows[1], loaded.base_dir)
    assert [p.type for p in message.content] == ["audio", "text"]
    captioner = task.with_params(prompt="")
    (message,) = captioner.build_messages(loaded.rows[1], loaded.base_dir)
    assert [p.type for p in message.content] == ["audio"]
    assert captioner.judge_fields(sample, "x")["question"] == "(the audio alone, with no text prompt)"


def test_the_score_is_twenty_times_the_mean_rating_with_failures_handled(loaded):
    task = TASKS.get("audiocaps")
    sample = task.describe_row(loaded.rows[0], 0, "0")

    def judged(n: int, value: float | None, error: str | None = None):
        record = make_record(task, sample.model_copy(update={"id": str(n), "index": n}), Response(text="a man"))
        return with_judgment(
            task,
            record,
            Judgment(judge="j", template="audio_caption", version="0" * 12, value=value, verdicts=[value], error=error),
        )

    records = [
        judged(0, 5.0),
        judged(1, 3.0),
        judged(2, None, "judge unavailable"),
        make_record(task, sample.model_copy(update={"id": "3", "index": 3}), Response(error="oom")),
    ]
    summary = summarize(task, records, 4)
    assert summary.metrics["rating"] == pytest.approx(3.0) and summary.metrics["score"] == pytest.approx(60.0)
    assert summary.counts["judged"] == 2 and summary.counts["judge_failed"] == 1
