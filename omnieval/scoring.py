"""Turning predictions into SampleRecords and records into run metrics.

Shared by `run` (fresh generations), `score` (predictions made elsewhere), `rescore`
(stored predictions, new scoring or a new judge) and `merge` (shards), so all four agree
exactly. A record's scores are the task's rule-based scores plus, for model-judged tasks,
the scores of its judgment, which is kept whole in `details["judge"]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from omnieval.errors import OmnievalError
from omnieval.stats import BootstrapSettings, bootstrap_intervals
from omnieval.tasks.base import Task
from omnieval.types import MediaRef, Response, Sample, SampleRecord

if TYPE_CHECKING:
    from omnieval.judges.model_judge import Judgment, ModelJudge


#: what a task raises for a dataset row it cannot read (an answer that is none of the options, a missing field)
ROW_ERRORS = (KeyError, ValueError, TypeError, SyntaxError, AttributeError, IndexError)

#: metadata of a record whose dataset row the task could not read (nothing to score: it is a failure)
UNREADABLE_ROW = "unreadable_row"

#: the error of a sample whose row has no reference (target None) for a task that scores against one
NO_REFERENCE = "no reference"


def lacks_reference(task: Task, sample: Sample) -> bool:
    """Whether the sample cannot be scored for want of a reference: a null target, in a task whose scores
    compare answers with one (scoring it as empty would count every answered word as an error)."""
    return task.needs_reference and sample.target is None


def unreadable_row_record(sample_id: str, index: int, err: Exception) -> SampleRecord:
    """The failed record of a dataset row the task cannot read (an answer that is none of the options):
    one bad row fails its sample, never the run."""
    from omnieval.errors import error_line

    if isinstance(err, UnicodeDecodeError):
        reason = f"the dataset row holds text that is not UTF-8 (byte {err.object[err.start : err.start + 1]!r})"
    else:
        reason = f"the dataset row does not fit the task: {error_line(err)}"
    return SampleRecord(id=sample_id, index=index, metadata={UNREADABLE_ROW: True}, error=reason)


def make_record(
    task: Task,
    sample: Sample,
    response: Response | None,
    error: str | None = None,
    request_hash: str | None = None,
    cached: bool = False,
) -> SampleRecord:
    """Score one sample; a failure (error set, or a response with an error) scores as an empty prediction. A
    sample without the reference its task needs fails with NO_REFERENCE (its answer stays in `response`)."""
    error = error or (response.error if response is not None else None)
    if error is None and response is not None and response.speech_gone:
        error = f"the generated speech is gone: {response.audio_path}"
    if error is None and lacks_reference(task, sample):
        error = NO_REFERENCE
    prediction = response.text if response is not None and error is None else ""
    scored = task.score_response(sample, response if error is None else None)
    return SampleRecord(
        id=sample.id,
        index=sample.index,
        request_hash=request_hash,
        prediction=prediction,
        target=sample.target,
        scores=scored.scores,
        details=scored.details,
        metadata=sample.metadata,
        response=response,
        error=error,
        cached=cached,
    )


def scored_record(
    task: Task,
    sample: Sample,
    response: Response | None,
    error: str | None = None,
    request_hash: str | None = None,
    cached: bool = False,
) -> SampleRecord:
    """make_record, where a scorer that crashes (a speech model out of memory, a row whose options it cannot
    read) fails this sample only, with the reason."""
    from omnieval.errors import error_line

    try:
        return make_record(task, sample, response, error=error, request_hash=request_hash, cached=cached)
    except Exception as err:  # noqa: BLE001 - whatever a scorer raised
        failure = f"scoring failed: {error_line(err)}"
    try:
        return make_record(task, sample, response, error=failure, request_hash=request_hash, cached=cached)
    except Exception:  # noqa: BLE001 - not even an empty answer can be scored: a record without scores
        return SampleRecord(
            id=sample.id,
            index=sample.index,
            request_hash=request_hash,
            target=sample.target,
            metadata=sample.metadata,
            response=response,
            error=failure,
            cached=cached,
        )


def sample_of(record: SampleRecord) -> Sample:
    """The sample a record was made from, as far as scoring needs it (no messages)."""
    return Sample(id=record.id, index=record.index, target=record.target, metadata=record.metadata)


def stored_judgment(record: SampleRecord) -> Judgment | None:
    from omnieval.judges.model_judge import Judgment

    stored = record.details.get("judge")
    return Judgment.model_validate(stored) if stored else None


def with_judgment(task: Task, record: SampleRecord, judgment: Judgment) -> SampleRecord:
    """The record with a judgment's scores added and the judgment kept in its details."""
    return record.model_copy(
        update={
            "scores": {**record.scores, **task.judged_scores(judgment, record)},
            "details": {**record.details, "judge": judgment.model_dump(mode="json")},
        }
    )


def rescore(task: Task, records: list[SampleRecord]) -> list[SampleRecord]:
    """The same records scored again from their stored predictions, targets and metadata; stored
    judgments are kept and counted again (re-judging is `judge_records`)."""
    rescored = []
    for record in records:
        if record.metadata.get(UNREADABLE_ROW):
            rescored.append(record)
            continue
        if not record.failed and lacks_reference(task, sample_of(record)):  # as `run` and `score` record it now
            record = record.model_copy(update={"error": NO_REFERENCE, "prediction": ""})
        generated = None if record.failed else (record.response or Response(text=record.prediction))
        if generated is not None and generated.speech_gone:
            raise OmnievalError(
                f"sample {record.id}: its generated speech is gone ({generated.audio_path}); "
                f"rescore the run where its media folder is"
            )
        try:
            scored = task.score_response(
                sample_of(record),
                generated.model_copy(update={"text": record.prediction}) if generated is not None else None,
            )
        except ROW_ERRORS as err:  # a record the scorer cannot read fails its sample, as in `run`
            from omnieval.errors import error_line

            rescored.append(
                record.model_copy(update={"scores": {}, "details": {}, "error": f"scoring failed: {error_line(err)}"})
            )
            continue
        fresh = record.model_copy(update={"scores": scored.scores, "details": scored.details})
        judgment = stored_judgment(record)
        rescored.append(with_judgment(task, fresh, judgment) if judgment is not None else fresh)
    return rescored


async def judge_records(
    task: Task, records: list[SampleRecord], judge: ModelJudge, media: list[list[MediaRef]] | None = None
) -> list[SampleRecord]:
    """Records with a fresh judgment of each generated answer (failed generations are not judged).
    The media default to those of a record's earlier judgment; the rule-based scores stay as they are."""
    from omnieval.judges.model_judge import JudgeInput

    todo = [i for i, record in enumerate(records) if not record.failed and task.needs_judgment(record)]
    items = []
    for i in todo:
        earlier = stored_judgment(records[i])
        refs = media[i] if media is not None else (earlier.media if earlier else [])
        items.append(JudgeInput(fields=task.judge_fields(sample_of(records[i]), records[i].prediction), media=refs))
    judged = list(records)
    for i, judgment in zip(todo, await judge.judge(items), strict=True):
        judged[i] = with_judgment(task, without_judgment(task, records[i]), judgment)
    return judged


def without_judgment(task: Task, record: SampleRecord) -> SampleRecord:
    """The record with its judgment and the scores that judgment gave taken out (rule scores kept)."""
    earlier = stored_judgment(record)
    stale = set(task.judged_scores(earlier, record)) if earlier is not None else set()
    return record.model_copy(
        update={
            "scores": {k: v for k, v in record.scores.items() if k not in stale},
            "details": {k: v for k, v in record.details.items() if k != "judge"},
        }
    )


def judge_counts(records: list[SampleRecord]) -> dict[str, int]:
    """How many records a judge scored, and how many judgments failed."""
    judgments = [record.details.get("judge") or {} for record in records]
    return {
        "judged": sum(
            1 for j in judgments if j.get("value") is not None or any(v is not None for v in j.get("verdicts") or [])
        ),
        "judge_failed": sum(1 for j in judgments if j.get("error")),
    }


def judge_failed(record: SampleRecord) -> bool:
    return bool((record.details.get("judge") or {}).get("error"))


async def judge_offline(task: Task, records: list[SampleRecord], judge: ModelJudge) -> list[SampleRecord]:
    """`judge_records` outside a run (rescore, score): the judge is started for it and released after."""
    async with judge:
        return await judge_records(task, records, judge)


@dataclass
class Summary:
    """What run.json says about a run's records: metrics, their intervals, and counts."""

    metrics: dict[str, float]
    intervals: dict[str, list[float]]
    statistics: dict[str, Any]
    counts: dict[str, int]
    scoring: dict[str, Any]

    def fields(self) -> dict[str, Any]:
        """The RunRecord fields this summary sets."""
        return {
            "metrics": self.metrics,
            "intervals": self.intervals,
            "statistics": self.statistics,
            "counts": self.counts,
            "scoring": self.scoring,
        }


def summarize(
    task: Task, records: list[SampleRecord], selected: int, settings: BootstrapSettings = BootstrapSettings()
) -> Summary:
    """Run metrics with bootstrap intervals (from records in sample order, so the result never depends on
    finishing order) and counts. The intervals of the metrics the task declares as per-sample sums
    (`Task.metric_columns`) resample those sums; the others re-run the task's aggregate."""
    ordered = sorted(records, key=lambda r: r.index)
    metrics = task.aggregate(ordered) if ordered else {}
    columns = task.interval_columns(ordered) if ordered else None
    intervals = bootstrap_intervals(task.aggregate, ordered, settings, columns=columns, observed=metrics)
    counts = {
        "selected": selected,
        "done": len(ordered),
        "failed": sum(r.failed for r in ordered),
        "cached": sum(r.cached for r in ordered),
        "pending": max(selected - len(ordered), 0),
    }
    if task.judge_template:
        counts.update(judge_counts(ordered))
    return Summary(
        metrics,
        {name: [round(low, 6), round(high, 6)] for name, (low, high) in intervals.items() if name in metrics},
        settings.describe(len(ordered)) if ordered else {},
        counts,
        task.scoring_info(),
    )
