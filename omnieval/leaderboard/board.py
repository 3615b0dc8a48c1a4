"""The leaderboard's content: measured scores with intervals beside published ones.

Only complete runs count; when a model has several complete runs of a task, the newest one
is shown. Each task contributes its headline metrics. A measured score is compared with the
published score of the model of the same name (configs/reference), else with the first
published model asked for; the difference is flagged when the published value lies outside
the run's confidence interval.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from omnieval.errors import OmnievalError
from omnieval.reference import PublishedModel, ReportedScore
from omnieval.registry import DERIVED
from omnieval.results import RunDir, iter_run_dirs
from omnieval.tasks.answers import DISAGREE, LENIENT
from omnieval.types import RunRecord

#: families in the order reports tabulate them, with their display names
FAMILIES = {
    "asr": "ASR",
    "s2tt": "Speech translation",
    "voice_chat": "Voice chat",
    "audio_reasoning": "Audio reasoning",
    "music": "Music",
    "sound": "Sound",
    "text": "Text",
    "image": "Image",
    "video": "Video",
    "audio_visual": "Audio-visual",
    "tts": "Speech generation",
}


def family_name(family: str) -> str:
    return FAMILIES.get(family, family.replace("_", " ").capitalize())


def _family_order(family: str) -> tuple[int, str]:
    return (list(FAMILIES).index(family) if family in FAMILIES else len(FAMILIES), family)


@dataclass(frozen=True)
class Row:
    """One task metric: a line of the side-by-side table."""

    family: str
    task: str
    metric: str
    lower_is_better: bool

    @property
    def label(self) -> str:
        return f"{self.metric}{'↓' if self.lower_is_better else '↑'}"


#: fewer samples than this and a value is flagged (its interval says little)
SMALL_SAMPLE = 30


@dataclass
class Entry:
    """One model's measured value of one task metric, and the published value it is compared with."""

    row: Row
    model: str
    value: float
    interval: tuple[float, float] | None
    n: int
    run_id: str
    reported: ReportedScore | None = None
    reported_by: str | None = None  # the published model whose value `reported` is
    citation: str | None = None
    #: made from other entries (omnieval.tasks.derived): left out of the family summaries, which count its parts
    derived: bool = False
    #: where the headline is a benchmark's official scorer: our own reader's accuracy on the same answers, and
    #: the number of answers the two judge differently
    lenient: float | None = None
    readers_disagree: float | None = None
    #: the run's folder, relative to the folder the leaderboard was made from
    folder: str | None = None

    @property
    def delta(self) -> float | None:
        """How much better than the published value (+ = better, whichever way the metric is better)."""
        if self.reported is None:
            return None
        difference = self.value - self.reported.value
        return -difference if self.row.lower_is_better else difference

    @property
    def warnings(self) -> list[str]:
        """Why this value is less sure than its interval says: few samples (n < SMALL_SAMPLE), or an interval of
        zero width (every resample gave the same value)."""
        notes = []
        if self.n < SMALL_SAMPLE:
            notes.append(f"n < {SMALL_SAMPLE}")
        if self.interval is not None and self.interval[0] == self.interval[1]:
            notes.append("zero-width interval")
        return notes

    @property
    def beyond_interval(self) -> bool:
        """The published value lies outside this run's confidence interval."""
        if self.reported is None or self.interval is None:
            return False
        low, high = self.interval
        return not low <= self.reported.value <= high


@dataclass
class FamilySummary:
    family: str
    model: str
    tasks: int
    samples: int
    compared: int  # tasks with a published value
    mean_delta: float | None
    beyond_interval: int


@dataclass
class Leaderboard:
    entries: list[Entry]
    published: list[PublishedModel] = field(default_factory=list)
    runs: int = 0
    statistics: dict = field(default_factory=dict)

    @property
    def models(self) -> list[str]:
        return sorted({e.model for e in self.entries})

    @property
    def rows(self) -> list[Row]:
        rows = {e.row: None for e in self.entries}
        return sorted(rows, key=lambda r: (_family_order(r.family), r.task, r.metric))

    @property
    def families(self) -> list[str]:
        return list(dict.fromkeys(r.family for r in self.rows))

    def entry(self, model: str, row: Row) -> Entry | None:
        return next((e for e in self.entries if e.model == model and e.row == row), None)

    def family_entries(self, family: str) -> list[Entry]:
        order = {row: i for i, row in enumerate(self.rows)}
        return sorted((e for e in self.entries if e.row.family == family), key=lambda e: (order[e.row], e.model))

    def summaries(self) -> list[FamilySummary]:
        grouped: dict[tuple[str, str], list[Entry]] = defaultdict(list)
        for entry in self.entries:
            if not entry.derived:
                grouped[(entry.row.family, entry.model)].append(entry)
        summaries = []
        for (family, model), entries in sorted(
            grouped.items(), key=lambda item: (_family_order(item[0][0]), item[0][1])
        ):
            compared = [e for e in entries if e.delta is not None]
            signed = [e.delta for e in compared if e.delta is not None]
            samples = {e.run_id: e.n for e in entries}
            summaries.append(
                FamilySummary(
                    family,
                    model,
                    len({e.row.task for e in entries}),
                    sum(samples.values()),
                    len(compared),
                    sum(signed) / len(signed) if signed else None,
                    sum(e.beyond_interval for e in compared),
                )
            )
        return summaries


def newest_complete_runs(root: str | Path) -> list[tuple[RunRecord, RunDir]]:
    """The newest complete run of each (model, task) under `root`, with its folder."""
    newest: dict[tuple[str, str], tuple[RunRecord, RunDir]] = {}
    for run_dir in iter_run_dirs(root):
        try:
            run = run_dir.read_run()
        except OmnievalError:
            continue
        if run.status != "complete" or run.runner.get("name") == "compare":
            continue  # unfinished, or a comparison of two models rather than a model's score
        key = (run.model, run.task)
        if key not in newest or run.timings.get("finished", "") > newest[key][0].timings.get("finished", ""):
            newest[key] = (run, run_dir)
    return list(newest.values())


def _compared(entry: Entry, by_name: dict[str, PublishedModel], published: list[PublishedModel]) -> Entry:
    """The entry with the published value it is compared with: its model's namesake's, else the first model's."""
    compared_with = by_name.get(entry.model) or (published[0] if published else None)
    if compared_with is not None and (score := compared_with.score(entry.row.task, entry.row.metric)) is not None:
        entry.reported, entry.reported_by = score, compared_with.model
        entry.citation = compared_with.citation(score)
    return entry


def _derived_entries(
    entries: list[Entry], by_name: dict[str, PublishedModel], published: list[PublishedModel]
) -> list[Entry]:
    """Scores made from other tasks' scores (omnieval.tasks.derived), for each model with all their columns."""
    derived = []
    for model in sorted({e.model for e in entries}):
        mine = {(e.row.task, e.row.metric): e for e in entries if e.model == model}
        values = {key: e.value for key, e in mine.items()}
        for _, score in DERIVED.items():
            result = score.compute(values)
            if result is None:
                continue
            value, used = result
            parts = [mine[(task, column.metric)] for task, column in zip(used, score.columns, strict=True)]
            entry = Entry(
                Row(score.family, score.task, score.metric, score.lower_is_better),
                model,
                value,
                None,
                sum(e.n for e in parts),
                "derived from " + ", ".join(e.run_id for e in parts),
                derived=True,
            )
            derived.append(_compared(entry, by_name, published))
    return derived


def build(root: str | Path, published: list[PublishedModel] | None = None) -> Leaderboard:
    """The leaderboard of the complete runs under `root`, compared with `published` models: a model's
    namesake when there is one, else the first of them."""
    root = Path(root)
    found = newest_complete_runs(root)
    runs = [run for run, _ in found]
    folders = {run.run_id: run_dir.path for run, run_dir in found}
    if not runs:
        raise OmnievalError(f"no complete runs under {root}")
    published = published or []
    by_name = {p.model: p for p in published}
    entries = []
    for run in runs:
        headline = run.config.get("headline_metrics") or {name: False for name in run.metrics}
        family = run.config.get("family") or "other"
        for metric, lower in headline.items():
            if metric not in run.metrics:
                continue
            interval = run.intervals.get(metric)
            entry = Entry(
                Row(family, run.task, metric, bool(lower)),
                run.model,
                run.metrics[metric],
                (interval[0], interval[1]) if interval else None,
                run.counts.get("done", 0),
                run.run_id,
                lenient=run.metrics.get(LENIENT),
                readers_disagree=run.metrics.get(DISAGREE),
                folder=folders[run.run_id].relative_to(root).as_posix(),
            )
            entries.append(_compared(entry, by_name, published))
    entries += _derived_entries(entries, by_name, published)
    statistics = next((r.statistics for r in runs if r.statistics), {})
    return Leaderboard(entries, published, len(runs), statistics)
