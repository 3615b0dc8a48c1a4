"""VoiceBench's open-ended subsets: the schema, what the model and the judge see, and the score."""

from __future__ import annotations

import pytest

from omnieval.judges.model_judge import Judgment
from omnieval.registry import TASKS
from omnieval.scoring import make_record, summarize, with_judgment
from omnieval.types import Response, Sample


def test_the_model_hears_the_request_and_the_judge_reads_its_transcript(voicebench_parquet):
    task = TASKS.get("voicebench_commoneval")
    loaded = task.load(str(voicebench_parquet))
    assert task.sample_ids(loaded) == ["0", "1", "2", "3"]  # no id column: row indices
    (message,) = task.build_messages(loaded.rows[0], loaded.base_dir)
    assert [part.type for part in message.content] == ["audio"] and message.media()[0].kind == "audio"
    sample = task.describe_row(loaded.rows[0], 0, "0")
    assert task.judge_fields(sample, "Paris.") == {"question": "What is the capital of France?", "answer": "Paris."}
    assert (task.judge_template, task.default_judge) == ("voicebench_open", "gpt-4o-mini")
    assert {f"voicebench_{s}" for s in ("alpacaeval", "alpacaeval_full", "commoneval", "wildvoice")} <= set(
        TASKS.names()
    )


def _judgment(value: float | None, error: str | None = None) -> Judgment:
    return Judgment(
        judge="j",
        template="voicebench_open",
        version="0" * 12,
        value=value,
        verdicts=[value, value, value],
        error=error,
    )


def test_the_score_is_twenty_times_the_mean_rating():
    """Judged answers count with their mean rating, a failed generation with the floor (1), and a
    failed judgment not at all (it is counted and can be judged again)."""
    task = TASKS.get("voicebench_commoneval")
    sample = Sample(id="0", index=0, metadata={"prompt": "q"})
    records = [
        with_judgment(
            task,
            make_record(task, sample.model_copy(update={"id": "a", "index": 0}), Response(text="x")),
            _judgment(4.0),
        ),
        with_judgment(
            task,
            make_record(task, sample.model_copy(update={"id": "b", "index": 1}), Response(text="y")),
            _judgment(2.0),
        ),
        make_record(task, sample.model_copy(update={"id": "c", "index": 2}), Response(error="out of memory")),
        with_judgment(
            task,
            make_record(task, sample.model_copy(update={"id": "d", "index": 3}), Response(text="z")),
            _judgment(None, "judge unavailable: down"),
        ),
    ]
    summary = summarize(task, records, 4)
    metrics, counts = summary.metrics, summary.counts
    assert metrics["rating"] == pytest.approx(7 / 3) and metrics["score"] == pytest.approx(20 * 7 / 3)
    assert counts["judged"] == 2 and counts["judge_failed"] == 1 and counts["failed"] == 1
    assert records[0].details["judge"]["value"] == 4.0 and records[3].scores == {}
