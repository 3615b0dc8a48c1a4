"""Confidence intervals for run metrics and paired tests between two runs, from sample records.

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

A paired comparison of two runs on the same samples gives the difference of each metric
(candidate - baseline), a paired bootstrap interval of it (both runs resampled with the same
draws), and a two-sided p-value from approximate randomization: each sample's two records are
swapped between the runs at random, and the p-value is the share of swaps whose difference is
at least as large as the one observed. With few samples (2^n <= resamples) every swap pattern
is enumerated and the p-value is exact. Where both runs' records declare their metric columns,
draws and swaps sum them as the intervals do, instead of re-running `aggregate`.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from omnieval.errors import OmnievalError

log = logging.getLogger(__name__)

R = TypeVar("R")
Aggregate = Callable[[list[R]], dict[str, float]]

RESAMPLES = 1000
CONFIDENCE = 0.95
#: differences this close (relative) to the observed one count as equal, as floating-point noise
_TIES = 1e-12


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


def _collect(aggregates: Iterable[dict[str, float]]) -> dict[str, list[float]]:
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


def _block_sums(rows: np.ndarray, stacked: np.ndarray, weights: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
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
    totals = _block_sums(rows, columns.stacked(names), lambda block: draw_counts(block, columns.n))
    intervals = {}
    for name, values in columns.from_totals(names, totals).items():
        values = values[~np.isnan(values)]
        if values.size:
            intervals[name] = percentile_interval(values, confidence)
    return intervals


def _agrees(declared: float | None, observed: float | None) -> bool:
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
    return {name: percentile_interval(values, confidence) for name, values in _collect(resampled).items()}


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
    agreeing = [name for name in columns.metrics if _agrees(declared.get(name), observed.get(name))]
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


@dataclass(frozen=True)
class PairedDifference:
    """One metric compared between two runs on the same samples."""

    metric: str
    baseline: float
    candidate: float
    difference: float  # candidate - baseline
    interval: tuple[float, float]  # of the difference
    p_value: float
    n: int
    exact: bool  # the p-value enumerated every swap pattern

    def to_dict(self) -> dict[str, object]:
        return {
            "metric": self.metric,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "difference": self.difference,
            "interval": list(self.interval),
            "p_value": self.p_value,
            "n": self.n,
            "exact": self.exact,
        }


def _swap_patterns(n: int, settings: BootstrapSettings) -> tuple[np.ndarray, bool]:
    """Which samples trade places in each randomization round (True: take the other run's record)."""
    if n <= 20 and 2**n <= settings.resamples:
        return np.array(list(itertools.product((False, True), repeat=n)), dtype=bool), True
    rng = np.random.default_rng(settings.seed + 1)
    return rng.random((settings.resamples, n)) < 0.5, False


def _summable(
    base: MetricColumns, cand: MetricColumns, names: list[str], observed: tuple[dict[str, float], dict[str, float]]
) -> list[str]:
    """The metrics of `names` both runs' columns declare alike and that give what the aggregate gives on each run."""
    declared = base.observed(), cand.observed()
    return [
        m
        for m in names
        if m in base.metrics
        and m in cand.metrics
        and (base.metrics[m].denominator is None) == (cand.metrics[m].denominator is None)
        and base.metrics[m].scale == cand.metrics[m].scale
        and all(_agrees(d.get(m), o.get(m)) for d, o in zip(declared, observed, strict=True))
    ]


def _column_differences(
    columns: tuple[MetricColumns, MetricColumns], names: list[str], totals: tuple[np.ndarray, np.ndarray]
) -> dict[str, list[float]]:
    """candidate - baseline of each metric of `names` from each run's column sums (`totals`, one row per draw),
    where both have a value."""
    base, cand = columns[0].from_totals(names, totals[0]), columns[1].from_totals(names, totals[1])
    differences = {m: cand[m] - base[m] for m in names}
    return {m: d[~np.isnan(d)].tolist() for m, d in differences.items()}


def paired_differences(
    aggregate: Aggregate,
    baseline: Sequence[R],
    candidate: Sequence[R],
    metrics: Iterable[str] | None = None,
    settings: BootstrapSettings = BootstrapSettings(),
    columns: tuple[MetricColumns | None, MetricColumns | None] | None = None,
) -> dict[str, PairedDifference]:
    """Paired comparison of `candidate` against `baseline`, whose records must be in the same sample order.
    Compares `metrics` (default: every metric both runs have). The metrics both runs' `columns` (the task's
    MetricColumns for each run's records) declare come from resampled and swapped sums, as `bootstrap_intervals`
    does; the others by re-running `aggregate` on every draw and swap. Both use the same draws and swaps."""
    if len(baseline) != len(candidate):
        raise ValueError(f"paired runs need the same samples ({len(baseline)} vs {len(candidate)})")
    if not baseline:
        return {}
    base_columns, cand_columns = columns if columns is not None else (None, None)
    if any(c is not None and c.n != len(baseline) for c in (base_columns, cand_columns)):
        raise ValueError(f"metric columns for other than the {len(baseline)} paired records")
    observed_base, observed_cand = aggregate(list(baseline)), aggregate(list(candidate))
    names = [
        m for m in (metrics if metrics is not None else observed_base) if m in observed_base and m in observed_cand
    ]
    if not names:
        return {}
    summed = []
    if base_columns is not None and cand_columns is not None:
        summed = _summable(base_columns, cand_columns, names, (observed_base, observed_cand))
    rest = [m for m in names if m not in summed]

    def differences(base_rows: list[R], cand_rows: list[R]) -> dict[str, float]:
        base, cand = aggregate(base_rows), aggregate(cand_rows)
        return {m: cand[m] - base[m] for m in rest if m in base and m in cand}

    rows = draws(len(baseline), settings)
    patterns, exact = _swap_patterns(len(baseline), settings)
    boot: dict[str, list[float]] = {}
    null: dict[str, list[float]] = {}
    if rest:
        boot = _collect(differences([baseline[i] for i in row], [candidate[i] for i in row]) for row in rows)
        null = _collect(
            differences(
                [c if s else b for b, c, s in zip(baseline, candidate, swap, strict=False)],
                [b if s else c for b, c, s in zip(baseline, candidate, swap, strict=False)],
            )
            for swap in patterns
        )
    if summed and base_columns is not None and cand_columns is not None:
        declared = (base_columns, cand_columns)
        base_sums, cand_sums = base_columns.stacked(summed), cand_columns.stacked(summed)

        def counts(block: np.ndarray) -> np.ndarray:
            return draw_counts(block, len(baseline))

        boot |= _column_differences(
            declared, summed, (_block_sums(rows, base_sums, counts), _block_sums(rows, cand_sums, counts))
        )
        # a swapped sample moves its candidate columns to the baseline and its baseline columns to the candidate
        moved = _block_sums(patterns, cand_sums - base_sums, lambda block: block)
        null |= _column_differences(declared, summed, (base_sums.sum(axis=0) + moved, cand_sums.sum(axis=0) - moved))
    results = {}
    for m in names:
        observed = observed_cand[m] - observed_base[m]
        threshold = abs(observed) * (1 - _TIES)
        extreme = sum(abs(d) >= threshold for d in null.get(m, []))
        rounds = len(null.get(m, []))
        p_value = extreme / rounds if exact else (extreme + 1) / (rounds + 1)
        interval = percentile_interval(boot[m], settings.confidence) if boot.get(m) else (observed, observed)
        results[m] = PairedDifference(
            m, observed_base[m], observed_cand[m], observed, interval, min(1.0, p_value), len(baseline), exact
        )
    return results


T = TypeVar("T")


@dataclass
class Aligned(Generic[T]):
    """Two runs' records matched by sample id."""

    baseline: list[T]
    candidate: list[T]
    only_baseline: list[str]
    only_candidate: list[str]


def align(baseline: Sequence[T], candidate: Sequence[T], key: Callable[[T], str]) -> Aligned[T]:
    """Records of both runs in the baseline's order, with the ids only one run has."""
    by_id = {key(r): r for r in candidate}
    base_ids = {key(r) for r in baseline}
    shared = [r for r in baseline if key(r) in by_id]
    return Aligned(
        shared, [by_id[key(r)] for r in shared], sorted(base_ids - by_id.keys()), sorted(by_id.keys() - base_ids)
    )
