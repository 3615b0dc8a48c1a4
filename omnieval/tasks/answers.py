"""What tasks scored by rule-based judges share: the multiple-choice prompt, turning a judge's
Score into a sample's scores, and accuracy with its breakdowns and extraction-failure rate."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from omnieval.judges.choice import LETTERS
from omnieval.judges.official import OfficialVerdict
from omnieval.tasks.base import Scored
from omnieval.types import SampleRecord, Score

if TYPE_CHECKING:
    from omnieval.stats import MetricColumns

#: simple-evals' zero-shot chain-of-thought template (QUERY_TEMPLATE_MULTICHOICE), which lighteval,
#: OpenCompass and EvalScope also use for GPQA and MMLU-Redux
CHOICE_PROMPT = (
    "Answer the following multiple choice question. The last line of your response should be of the "
    "following format: 'Answer: $LETTER' (without quotes) where LETTER is one of {letters}. Think step "
    "by step before answering.\n\n{question}\n\n{options}"
)
#: the name of the 0/1 score that marks an answer no rule could read
UNREADABLE = "unreadable"


def choice_prompt(question: str, options: Sequence[str]) -> str:
    """The question with its options lettered A) B) C) ..."""
    letters = LETTERS[: len(options)]
    lines = "\n".join(f"{letter}) {option}" for letter, option in zip(letters, options, strict=False))
    return CHOICE_PROMPT.format(letters=letters, question=question.strip(), options=lines)


def scored(score: Score) -> Scored:
    """A rule-based judge's Score as a sample's scores; the answer it read goes into the details."""
    return Scored(
        scores={score.name: score.value, UNREADABLE: float(score.explanation is None)},
        details={"extracted": score.explanation},
    )


#: the name of our own reader's accuracy where an official scorer gives the headline `accuracy`
LENIENT = "accuracy_lenient"
#: 0/1 per answer: the official scorer and our reader judge it differently
DISAGREE = "readers_disagree"
#: 0/1 per answer: the official script would have guessed a random answer here (we score it wrong)
GUESSED = "official_guessed"
#: 0/1 per answer: the official script leaves it out of its denominator (an answer it cannot read)
EXCLUDED = "official_excluded"


def official_and_lenient(verdict: OfficialVerdict, lenient: Score, name: str = "accuracy") -> Scored:
    """A sample's scores under the benchmark's official reader (`name`, `accuracy` unless the benchmark calls its
    metric otherwise) and ours (`accuracy_lenient`)."""
    return Scored(
        scores={
            name: float(verdict.correct),
            LENIENT: lenient.value,
            UNREADABLE: float(lenient.explanation is None),
            DISAGREE: float(verdict.correct != bool(lenient.value)),
            GUESSED: float(verdict.guessed),
            EXCLUDED: float(verdict.excluded),
        },
        details={"extracted": lenient.explanation, "official_read": verdict.read},
    )


def lenient_metrics(records: list[SampleRecord]) -> dict[str, float]:
    """Our reader's accuracy beside the official one, how many answers the two judge differently, how many
    the official script would have guessed, and how many it leaves out."""
    if not records:
        return {}
    answered = [r for r in records if not r.failed]  # a failed generation is wrong for both, never a guess
    return {
        LENIENT: 100.0 * sum(r.scores.get(LENIENT, 0.0) for r in records) / len(records),
        **{name: sum(r.scores.get(name, 0.0) for r in answered) for name in (DISAGREE, GUESSED, EXCLUDED)},
    }


def official_accuracy_metrics(
    records: list[SampleRecord], by: Sequence[str] = (), name: str = "accuracy"
) -> dict[str, float]:
    """Accuracy (`name`) as an official scorer counts it (over the answers it does not leave out) with its
    breakdowns, our reader's beside it, and the extraction-failure rate of our reader over every generated
    answer. A sample whose generation failed has no answer to leave out: it counts, as wrong."""
    # a failed generation is wrong whatever a script would make of an empty answer (WorldSense's "A")
    counted = [
        r.model_copy(update={"scores": {**r.scores, name: 0.0}}) if r.failed else r
        for r in records
        if r.failed or not r.scores.get(EXCLUDED)
    ]
    metrics = {k: v for k, v in accuracy_metrics(counted, name=name, by=by).items() if k != "extraction_failure_rate"}
    if records and not counted:  # every answer left out: none is correct (the script would divide by zero)
        metrics = {name: 0.0}
    failure = accuracy_metrics(records).get("extraction_failure_rate")
    return {
        **metrics,
        **({"extraction_failure_rate": failure} if failure is not None else {}),
        **lenient_metrics(records),
    }


def accuracy_metrics(records: list[SampleRecord], name: str = "accuracy", by: Sequence[str] = ()) -> dict[str, float]:
    """Accuracy in percent overall and per value of each metadata key in `by` (`accuracy/domain/Physics`; a
    record whose value is a list counts under each of its values), and the percentage of answers that
    were generated but could not be read."""

    def percent(values: list[float]) -> float:
        return 100.0 * sum(values) / len(values)

    if not records:
        return {}
    metrics = {name: percent([r.scores.get(name, 0.0) for r in records])}
    for key in by:
        groups: dict[str, list[float]] = defaultdict(list)
        for record in records:
            value = record.metadata.get(key)
            for each in value if isinstance(value, list) else [value]:
                groups[str(each)].append(record.scores.get(name, 0.0))
        for value, scores in sorted(groups.items()):
            metrics[f"{name}/{key}/{value}"] = percent(scores)
    generated = [r for r in records if not r.failed]
    if generated:
        metrics["extraction_failure_rate"] = percent([r.scores.get(UNREADABLE, 0.0) for r in generated])
    return metrics


def accuracy_columns(
    records: list[SampleRecord], name: str = "accuracy", by: Sequence[str] = (), columns: MetricColumns | None = None
) -> MetricColumns:
    """accuracy_metrics as per-sample columns (Task.metric_columns): accuracy and each breakdown the mean of the 0/1
    scores of the records it counts, x 100, and the extraction-failure rate the mean of `unreadable` over the
    generated answers. Added to `columns` where given."""
    from omnieval.stats import MetricColumns

    columns = MetricColumns(len(records)) if columns is None else columns
    correct = [r.scores.get(name, 0.0) for r in records]
    columns.mean(name, correct, scale=100.0)
    _breakdown_columns(columns, records, correct, name, by)
    generated = [0.0 if r.failed else 1.0 for r in records]
    columns.mean("extraction_failure_rate", [r.scores.get(UNREADABLE, 0.0) for r in records], 100.0, generated)
    return columns


def _breakdown_columns(
    columns: MetricColumns,
    records: list[SampleRecord],
    correct: list[float],
    name: str,
    by: Sequence[str],
    counted: list[float] | None = None,
) -> None:
    """`name/key/value` for each value of each key in `by`: the mean of `correct` over the records with that value
    (a record whose value is a list counts under each of its values), among those `counted` marks."""
    import numpy as np

    for key in by:
        members: dict[str, list[int]] = defaultdict(list)
        for i, record in enumerate(records):
            if counted is not None and not counted[i]:
                continue
            value = record.metadata.get(key)
            for each in value if isinstance(value, list) else [value]:
                members[str(each)].append(i)
        for value, indices in sorted(members.items()):
            columns.mean(f"{name}/{key}/{value}", correct, 100.0, np.bincount(indices, minlength=len(records)))


def official_accuracy_columns(
    records: list[SampleRecord], by: Sequence[str] = (), name: str = "accuracy"
) -> MetricColumns:
    """official_accuracy_metrics as per-sample columns (Task.metric_columns): accuracy over the answers the official
    scorer counts (a failed generation counts, as wrong; 0 where it counts none) and its breakdowns, our reader's
    accuracy and extraction-failure rate, and the counts of answers the readers disagree on, guessed or left out."""
    from omnieval.stats import MetricColumns

    columns = MetricColumns(len(records))
    counted = [1.0 if r.failed or not r.scores.get(EXCLUDED) else 0.0 for r in records]
    correct = [0.0 if r.failed else r.scores.get(name, 0.0) for r in records]
    columns.ratio(name, [c * w for c, w in zip(correct, counted, strict=True)], counted, scale=100.0, empty=0.0)
    _breakdown_columns(columns, records, correct, name, by, counted)
    generated = [0.0 if r.failed else 1.0 for r in records]
    columns.mean("extraction_failure_rate", [r.scores.get(UNREADABLE, 0.0) for r in records], 100.0, generated)
    columns.mean(LENIENT, [r.scores.get(LENIENT, 0.0) for r in records], scale=100.0)
    for count in (DISAGREE, GUESSED, EXCLUDED):
        columns.total(count, [r.scores.get(count, 0.0) * g for r, g in zip(records, generated, strict=True)])
    return columns


#: the rating a failed generation counts as on a 1-5 judge scale: the rubrics' floor
RATING_FLOOR = 1.0


def rating_metrics(records: list[SampleRecord]) -> dict[str, float]:
    """The mean judge `rating` (1-5) and `score` = rating x 20: failed generations count as the floor,
    failed judgments are left out (they are counted in `judge_failed` and can be judged again)."""
    ratings = [RATING_FLOOR if r.failed else r.scores["rating"] for r in records if r.failed or "rating" in r.scores]
    if not ratings:
        return {}
    rating = sum(ratings) / len(ratings)
    return {"score": 20 * rating, "rating": rating}
