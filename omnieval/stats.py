"""Confidence intervals for run metrics and paired tests between two runs, from sample records.

Every metric of a task is a function of its scored records (`Task.aggregate`), so resampling
the records gives an interval for any metric without knowing its formula: corpus WER
resamples utterances, corpus BLEU sentences, accuracy questions. Intervals are percentile
bootstrap intervals; draws are `default_rng(seed).integers(0, n, size=(resamples, n))`, so a
seed fixes them.

A paired comparison of two runs on the same samples gives the difference of each metric
(candidate - baseline), a paired bootstrap interval of it (both runs resampled with the same
draws), and a two-sided p-value from approximate randomization: each sample's two records are
swapped between the runs at random, and the p-value is the share of swaps whose difference is
at least as large as the one observed. With few samples (2^n <= resamples) every swap pattern
is enumerated and the p-value is exact.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from omnieval.errors import OmnievalError

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


def bootstrap_intervals(
    aggregate: Aggregate, records: Sequence[R], settings: BootstrapSettings = BootstrapSettings()
) -> dict[str, tuple[float, float]]:
    """A percentile interval for every metric `aggregate` returns. A metric missing from some resamples
    (a category no drawn sample belongs to) gets its interval from the resamples that have it."""
    if not records:
        return {}
    resampled = (aggregate([records[i] for i in row]) for row in draws(len(records), settings))
    return {name: percentile_interval(values, settings.confidence) for name, values in _collect(resampled).items()}


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


def paired_differences(
    aggregate: Aggregate,
    baseline: Sequence[R],
    candidate: Sequence[R],
    metrics: Iterable[str] | None = None,
    settings: BootstrapSettings = BootstrapSettings(),
) -> dict[str, PairedDifference]:
    """Paired comparison of `candidate` against `baseline`, whose records must be in the same sample order.
    Compares `metrics` (default: every metric both runs have)."""
    if len(baseline) != len(candidate):
        raise ValueError(f"paired runs need the same samples ({len(baseline)} vs {len(candidate)})")
    if not baseline:
        return {}
    observed_base, observed_cand = aggregate(list(baseline)), aggregate(list(candidate))
    names = [
        m for m in (metrics if metrics is not None else observed_base) if m in observed_base and m in observed_cand
    ]
    if not names:
        return {}

    def differences(base_rows: list[R], cand_rows: list[R]) -> dict[str, float]:
        base, cand = aggregate(base_rows), aggregate(cand_rows)
        return {m: cand[m] - base[m] for m in names if m in base and m in cand}

    boot = _collect(
        differences([baseline[i] for i in row], [candidate[i] for i in row]) for row in draws(len(baseline), settings)
    )
    patterns, exact = _swap_patterns(len(baseline), settings)
    null = _collect(
        differences(
            [c if s else b for b, c, s in zip(baseline, candidate, swap, strict=False)],
            [b if s else c for b, c, s in zip(baseline, candidate, swap, strict=False)],
        )
        for swap in patterns
    )
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
