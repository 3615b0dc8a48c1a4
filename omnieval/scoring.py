"""Turning predictions into SampleRecords and records into run metrics.

Shared by `run` (fresh generations), `score` (predictions made elsewhere), `rescore`
(stored predictions, new scoring) and `merge` (shards), so all four agree exactly.
"""

from __future__ import annotations

from omnieval.tasks.base import Task
from omnieval.types import Response, Sample, SampleRecord


def make_record(task: Task, sample: Sample, response: Response | None, error: str | None = None,
                request_hash: str | None = None, cached: bool = False) -> SampleRecord:
    """Score one sample; a failure (error set, or a response with an error) scores as an empty prediction."""
    error = error or (response.error if response is not None else None)
    prediction = response.text if response is not None and error is None else ""
    scored = task.score(sample, prediction)
    return SampleRecord(
        id=sample.id, index=sample.index, request_hash=request_hash, prediction=prediction, target=sample.target,
        scores=scored.scores, details=scored.details, metadata=sample.metadata, response=response, error=error,
        cached=cached,
    )


def rescore(task: Task, records: list[SampleRecord]) -> list[SampleRecord]:
    """The same records scored again from their stored predictions, targets and metadata."""
    rescored = []
    for record in records:
        sample = Sample(id=record.id, index=record.index, target=record.target, metadata=record.metadata)
        scored = task.score(sample, record.prediction)
        rescored.append(record.model_copy(update={"scores": scored.scores, "details": scored.details}))
    return rescored


def summarize(task: Task, records: list[SampleRecord], selected: int) -> tuple[dict[str, float], dict[str, int]]:
    """Run metrics (from records in sample order, so the result never depends on finishing order) and counts."""
    ordered = sorted(records, key=lambda r: r.index)
    metrics = task.aggregate(ordered) if ordered else {}
    counts = {
        "selected": selected,
        "done": len(ordered),
        "failed": sum(r.failed for r in ordered),
        "cached": sum(r.cached for r in ordered),
        "pending": max(selected - len(ordered), 0),
    }
    return metrics, counts
