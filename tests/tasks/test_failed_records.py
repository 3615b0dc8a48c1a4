"""Every registered task aggregates a run with no records, or only failed ones, without crashing."""

from __future__ import annotations

import pytest

from omnieval.registry import TASKS
from omnieval.scoring import unreadable_row_record
from omnieval.tasks.base import Task
from omnieval.types import SampleRecord


def _failed_records() -> dict[str, list[SampleRecord]]:
    """Records as a run can hold them: none at all, or one failed sample without scores."""
    return {
        "no records": [],
        "a scorer that crashed": [SampleRecord(id="q1/0", index=0, error="scoring failed: out of memory")],
        "an unreadable row": [unreadable_row_record("q1/0", 0, KeyError("answer"))],
    }


@pytest.mark.parametrize("case", list(_failed_records()))
@pytest.mark.parametrize("name", TASKS.names())
def test_aggregate_and_metric_columns_take_records_without_scores(name: str, case: str) -> None:
    task: Task = TASKS.get(name)
    records = _failed_records()[case]
    metrics = task.aggregate(records)
    assert all(isinstance(value, float | int) for value in metrics.values())
    task.metric_columns(records)
    task.interval_columns(records)
