"""Confidence intervals for run metrics, from sample records (paired tests between runs: omnieval.paired).

Every metric of a task is a function of its scored records (`Task.aggregate`), so resampling
the records gives an interval for any metric without knowing its formula: corpus WER
resamples utterances, corpus BLEU sentences, accuracy questions. Intervals are percentile
bootstrap intervals; draws are `default_rng(seed).integers(0, n, size=(resamples, n))`, so a
seed fixes them.

Re-running `aggregate` on every resample costs a thousand aggregations. Most metrics are sums
over samples, or ratios of them (accuracy: the mean of 0/1 scores; corpus WER: the sum of edits
over the sum of reference words), and a task says so (`Task.metric_columns`, a MetricColumns):
then a resample's metric comes from resampled sums of the per-sample columns, all resamples at
once (how often each sample is drawn, times the columns: a matrix product), with the same draws
and the same values as re-running `aggregate` up to rounding. The metrics a task does not
declare (corpus BLEU), or whose declaration disagrees with `aggregate` on the records
themselves, get theirs by re-running `aggregate` (`aggregate_intervals`).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from omnieval.errors import OmnievalError

log = logging.getLogger(__name__)

R = TypeVar("R")
Aggregate = Callable[[list[R]], dict[str, float]]

RESAMPLES = 1000
CONFIDENCE = 0.95


@dataclass(frozen=True)
class BootstrapSettings:
    resamples: int = RESAMPLES
    confidence: float = CONFIDENCE
    seed: int = 0

    def __post_init__(self) -> None:
        if self.resamples < 1:
            raise OmnievalError(f"resamples must be at least 1, got {self.resamples}")
        if not 0 < self.confidence < 1:
            raise OmnievalError(f"confidence must lie between 0 and 1, got {self.confidence}")

    def describe(self, n: int) -> dict[str, object]:
        return {
            "method": "percentile bootstrap over samples",
            "confidence": self.confidence,
            "resamples": self.resamples,
            "seed": self.seed,
            "n": n,
        }


def draws(n: int, settings: BootstrapSettings) -> np.ndarray:
    """The bootstrap draws: `resamples` rows of n sample indices drawn with replacement."""
    return np.random.default_rng(settings.seed).integers(0, n, size=(settings.resamples, n))


def percentile_interval(values: Sequence[float], confidence: float) -> tuple[float, float]:
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(np.asarray(values, dtype=float), [tail, 1.0 - tail])
    return float(low), float(high)


def collect(aggregates: Iterable[dict[str, float]]) -> dict[str, list[float]]:
    values: dict[str, list[float]] = defaultdict(list)
    for metrics in aggregates:
        for name, value in metrics.items():
            if value is not None and not math.isnan(value):
                values[name].append(value)
    return values


@dataclass(frozen=True)
class Sums:
    """One metric as per-sample sums: `scale` x sum(numerator) / sum(denominator) over the samples (`scale` x
    sum(numerator) without a denominator). Where the denominator sums to 0 the metric is `empty`, or has no
    value when `empty` is None (a category no sample belongs to)."""

    numerator: np.ndarray
    denominator: np.ndarray | None = None
    scale: float = 1.0
    empty: float | None = None


class MetricColumns:
    """How a task's metrics are built from its records, one value per record (in the order of the records):
    a task's declaration (`Task.metric_columns`), which lets the bootstrap resample sums instead of records.

        columns = MetricColumns(len(records))
        columns.mean("accuracy", [r.scores["accuracy"] for r in records], scale=100)
        columns.ratio("wer", errors, reference_words, scale=100)
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self.metrics: dict[str, Sums] = {}

    def _column(self, values: Iterable[float] | np.ndarray) -> np.ndarray:
        column = np.asarray(values if isinstance(values, np.ndarray) else list(values), dtype=float)
        if column.shape != (self.n,):
            raise ValueError(f"a column needs one value for each of the {self.n} records, got shape {column.shape}")
        return column

    def mean(
        self,
        metric: str,
        values: Iterable[float] | np.ndarray,
        scale: float = 1.0,
        where: Iterable[float] | np.ndarray | None = None,
    ) -> None:
        """`metric` = `scale` x the mean of `values` over the records `where` marks (all of them by default;
        a weight above 1 counts a record that many times); no value where it marks none."""
        column = self._column(values)
        weight = np.ones(self.n) if where is None else self._column(where)
        self.metrics[metric] = Sums(np.where(weight != 0, column, 0.0) * weight, weight, scale)

    def ratio(
        self,
        metric: str,
        numerator: Iterable[float] | np.ndarray,
        denominator: Iterable[float] | np.ndarray,
        scale: float = 1.0,
        empty: float | None = None,
    ) -> None:
        """`metric` = `scale` x sum(numerator) / sum(denominator) (corpus WER: edits over reference words, x 100);
        `empty` where the denominator sums to 0 (None: no value)."""
        self.metrics[metric] = Sums(self._column(numerator), self._column(denominator), scale, empty)

    def total(self, metric: str, values: Iterable[float] | np.ndarray, scale: float = 1.0) -> None:
        """`metric` = `scale` x the sum of `values` (a count: substitutions, answers left out)."""
        self.metrics[metric] = Sums(self._column(values), None, scale)

    def stacked(self, names: list[str]) -> np.ndarray:
        """The columns the metrics `names` sum, side by side (records x columns): each one's numerator, then its
        denominator where it has one."""
        columns: list[np.ndarray] = []
        for name in names:
            sums = self.metrics[name]
            columns += [sums.numerator] if sums.denominator is None else [sums.numerator, sums.denominator]
        return np.column_stack(columns)

    def from_totals(self, names: list[str], totals: np.ndarray) -> dict[str, np.ndarray]:
        """Each metric of `names` from the sums of its columns (`totals`, one row per resample, the columns as
        `stacked` orders them): NaN where it has no value."""
        result, at = {}, 0
        for name in names:
            sums = self.metrics[name]
            numerator = totals[:, at]
            if sums.denominator is None:
                result[name], at = sums.scale * numerator, at + 1
                continue
            denominator = totals[:, at + 1]
            at += 2
            present = denominator != 0
            empty = np.nan if sums.empty is None else sums.empty
            result[name] = np.where(present, sums.scale * numerator / np.where(present, denominator, 1.0), empty)
        return result

    def values(self, names: Iterable[str], counts: np.ndarray) -> dict[str, np.ndarray]:
        """Each metric of `names` on each resample, given how often each record is drawn in it (`counts`, one
        row of n per resample): NaN where it has no value."""
        names = list(names)
        if not names:
            return {}
        return self.from_totals(names, _weighted_sums(counts, self.stacked(names)))

    def observed(self) -> dict[str, float]:
        """The metrics on the records themselves (each drawn once): what `aggregate` returns, for the metrics
        declared here; a metric without a value is left out."""
        values = self.values(self.metrics, np.ones((1, self.n)))
        return {name: float(v[0]) for name, v in values.items() if not math.isnan(v[0])}


def _weighted_sums(counts: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """sum over records of count x column, for each row of counts (resamples x records) and each column."""
    return np.asarray(counts, dtype=float) @ columns


def _one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """The matrix products on one thread: a thousand resamples of 10,000 records take a tenth of a second on one
    core, while BLAS threads spinning against other work on a busy machine (a CI run, the runner's own threads)
    take ten times that. threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def draw_counts(rows: np.ndarray, n: int) -> np.ndarray:
    """How often each of n records is drawn in each row of draws (resamples x n)."""
    offsets = np.arange(rows.shape[0])[:, None] * n
    return np.bincount((rows + offsets).ravel(), minlength=rows.shape[0] * n).reshape(rows.shape[0], n)


#: resamples whose draw counts are made at once (a block of counts is this many x n numbers)
_BLOCK = 100


def block_sums(rows: np.ndarray, stacked: np.ndarray, weights: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The sums of `stacked`'s columns (records x columns) weighted by `weights` of each row of `rows` (draws or
    swap patterns), a block of rows at a time, by one matrix product each."""
    totals = np.empty((rows.shape[0], stacked.shape[1]))
    with _one_blas_thread():
        for start in range(0, rows.shape[0], _BLOCK):
            block = rows[start : start + _BLOCK]
            totals[start : start + len(block)] = _weighted_sums(weights(block), stacked)
    return totals


def column_intervals(
    columns: MetricColumns, names: Iterable[str], rows: np.ndarray, confidence: float
) -> dict[str, tuple[float, float]]:
    """Percentile intervals of the metrics `names` that `columns` declares, over the resamples `rows` (draws):
    a block of resamples at a time, their sums by one matrix product."""
    names = list(names)
    if not names:
        return {}
    totals = block_sums(rows, columns.stacked(names), lambda block: draw_counts(block, columns.n))
    intervals = {}
    for name, values in columns.from_totals(names, totals).items():
        values = values[~np.isnan(values)]
        if values.size:
            intervals[name] = percentile_interval(values, confidence)
    return intervals


def agrees(declared: float | None, observed: float | None) -> bool:
    if declared is None or observed is None:
        return declared is None and observed is None
    return math.isclose(declared, observed, rel_tol=1e-9, abs_tol=1e-9)


def aggregate_intervals(
    aggregate: Aggregate, records: Sequence[R], settings: BootstrapSettings = BootstrapSettings()
) -> dict[str, tuple[float, float]]:
    """A percentile interval for every metric `aggregate` returns, by re-running `aggregate` on every resample
    (what works for any metric, and the slowest). A metric missing from some resamples (a category no drawn
    sample belongs to) gets its interval from the resamples that have it."""
    if not records:
        return {}
    return _aggregate_intervals(aggregate, records, draws(len(records), settings), settings.confidence)


def _aggregate_intervals(
    aggregate: Aggregate, records: Sequence[R], rows: np.ndarray, confidence: float
) -> dict[str, tuple[float, float]]:
    resampled = (aggregate([records[i] for i in row]) for row in rows)
    return {name: percentile_interval(values, confidence) for name, values in collect(resampled).items()}


def bootstrap_intervals(
    aggregate: Aggregate,
    records: Sequence[R],
    settings: BootstrapSettings = BootstrapSettings(),
    columns: MetricColumns | None = None,
    observed: dict[str, float] | None = None,
) -> dict[str, tuple[float, float]]:
    """A percentile interval for every metric `aggregate` returns. The metrics `columns` declares (the task's
    MetricColumns for these records) come from resampled sums; the others, and any whose declaration does not
    give what `aggregate` gives on the records themselves (`observed`, computed when not given), by re-running
    `aggregate` on every resample (`aggregate_intervals`). Both use the same draws. A metric missing from some
    resamples (a category no drawn sample belongs to) gets its interval from the resamples that have it."""
    if not records:
        return {}
    if columns is None:
        return aggregate_intervals(aggregate, records, settings)
    if columns.n != len(records):
        raise ValueError(f"metric columns for {columns.n} records, given {len(records)}")
    observed = aggregate(list(records)) if observed is None else observed
    declared = columns.observed()
    agreeing = [name for name in columns.metrics if agrees(declared.get(name), observed.get(name))]
    disagreeing = sorted(name for name in columns.metrics if name not in agreeing)
    if disagreeing:
        log.warning(
            "the declared per-sample form of %s gives other values than the task's aggregate; their intervals "
            "re-run the aggregate",
            ", ".join(disagreeing),
        )
    rows = draws(len(records), settings)
    summed = [name for name in agreeing if name in observed]
    intervals = column_intervals(columns, summed, rows, settings.confidence)
    rest = [name for name in observed if name not in summed]
    if rest:
        by_aggregate = _aggregate_intervals(aggregate, records, rows, settings.confidence)
        intervals.update({name: by_aggregate[name] for name in rest if name in by_aggregate})
    return intervals
