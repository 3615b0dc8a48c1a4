"""Paired tests between two runs on the same samples, from sample records.

A paired comparison gives the difference of each metric (candidate - baseline), a paired
bootstrap interval of it (both runs resampled with the same draws, omnieval.stats'), and a
two-sided p-value from approximate randomization: each sample's two records are swapped between
the runs at random, and the p-value is the share of swaps whose difference is at least as large
as the one observed. With few samples (2^n <= resamples) every swap pattern is enumerated and
the p-value is exact. Where both runs' records declare their metric columns, draws and swaps sum
them as the intervals do, instead of re-running `aggregate`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np

from omnieval.stats import (
    Aggregate,
    BootstrapSettings,
    MetricColumns,
    R,
    agrees,
    block_sums,
    collect,
    draw_counts,
    draws,
    percentile_interval,
)

#: differences this close (relative) to the observed one count as equal, as floating-point noise
_TIES = 1e-12


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
        and all(agrees(d.get(m), o.get(m)) for d, o in zip(declared, observed, strict=True))
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
        boot = collect(differences([baseline[i] for i in row], [candidate[i] for i in row]) for row in rows)
        null = collect(
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
            declared, summed, (block_sums(rows, base_sums, counts), block_sums(rows, cand_sums, counts))
        )
        # a swapped sample moves its candidate columns to the baseline and its baseline columns to the candidate
        moved = block_sums(patterns, cand_sums - base_sums, lambda block: block)
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
