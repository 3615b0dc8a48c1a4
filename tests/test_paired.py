"""Paired tests between runs, checked against independent computations (numpy, scipy) and against
re-running the aggregate on every draw and swap."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as scipy_stats

from omnieval.paired import align, paired_differences
from omnieval.registry import TASKS
from omnieval.stats import BootstrapSettings, MetricColumns
from tests.scored_records import HYPOTHESES, REFERENCES, accuracy, accuracy_records, asr_records, choice_records


def test_exact_paired_p_value_equals_scipy_permutation_test():
    baseline = [1, 1, 0, 1, 1, 1, 0, 1]
    candidate = [0, 1, 0, 0, 1, 0, 0, 1]
    result = paired_differences(accuracy, accuracy_records(baseline), accuracy_records(candidate))["accuracy"]
    assert result.exact and result.n == 8
    assert result.difference == pytest.approx(100 * (np.mean(candidate) - np.mean(baseline)))
    reference = scipy_stats.permutation_test(
        (np.array(baseline, float), np.array(candidate, float)),
        lambda x, y: abs(np.mean(y) - np.mean(x)),
        permutation_type="samples",
        alternative="greater",
        n_resamples=10_000,
    )
    assert result.p_value == pytest.approx(reference.pvalue, abs=1e-12)


def test_sampled_paired_p_value_agrees_with_scipy_and_the_interval_with_numpy():
    rng = np.random.default_rng(11)
    baseline = (rng.random(400) < 0.75).astype(int)
    candidate = np.where(rng.random(400) < 0.1, 0, baseline)  # about 7 points worse
    settings = BootstrapSettings(resamples=2000)
    result = paired_differences(
        accuracy, accuracy_records(baseline.tolist()), accuracy_records(candidate.tolist()), settings=settings
    )["accuracy"]
    assert not result.exact
    reference = scipy_stats.permutation_test(
        (baseline.astype(float), candidate.astype(float)),
        lambda x, y: abs(np.mean(y) - np.mean(x)),
        permutation_type="samples",
        alternative="greater",
        n_resamples=2000,
        random_state=0,
    )
    assert result.p_value == pytest.approx(reference.pvalue, abs=0.01) and result.p_value < 0.01
    rows = np.random.default_rng(0).integers(0, 400, size=(2000, 400))
    diffs = 100 * (candidate[rows].mean(axis=1) - baseline[rows].mean(axis=1))
    assert result.interval == pytest.approx(tuple(np.quantile(diffs, [0.025, 0.975])))
    assert result.interval[1] < 0 < result.baseline - result.candidate


def test_identical_runs_differ_by_nothing_and_are_not_significant():
    records = asr_records(REFERENCES, HYPOTHESES)
    results = paired_differences(TASKS.get("librispeech_test_clean").aggregate, records, records, metrics=["wer"])
    assert list(results) == ["wer"]
    assert results["wer"].difference == 0 and results["wer"].p_value == 1.0 and results["wer"].interval == (0, 0)


def test_paired_runs_must_hold_the_same_samples():
    with pytest.raises(ValueError, match="same samples"):
        paired_differences(accuracy, accuracy_records([1, 0]), accuracy_records([1]))
    aligned = align(accuracy_records([1, 0, 1]), accuracy_records([1, 1])[::-1], key=lambda r: r.id)
    assert [r.id for r in aligned.baseline] == [r.id for r in aligned.candidate] == ["0", "1"]
    assert aligned.only_baseline == ["2"] and aligned.only_candidate == []


# paired comparisons from per-sample sums against re-running the aggregate on every draw and swap


def _assert_same_paired(task, baseline, candidate, settings):
    """Both runs' declared columns give the paired differences re-running the aggregate gives (rounding aside)."""
    calls = []

    def counted(records):
        calls.append(len(records))
        return task.aggregate(records)

    old = paired_differences(task.aggregate, baseline, candidate, settings=settings)
    columns = (task.interval_columns(baseline), task.interval_columns(candidate))
    new = paired_differences(counted, baseline, candidate, settings=settings, columns=columns)
    assert len(calls) == 2  # the observed metrics only: every draw and swap summed the columns
    assert new.keys() == old.keys() and len(new) > 1
    for metric, expected in old.items():
        got = new[metric]
        assert (got.baseline, got.candidate, got.n, got.exact) == (
            expected.baseline,
            expected.candidate,
            expected.n,
            expected.exact,
        )
        assert got.difference == pytest.approx(expected.difference, abs=1e-9), metric
        assert got.interval == pytest.approx(expected.interval, abs=1e-9), metric
        assert got.p_value == pytest.approx(expected.p_value, abs=1e-9), metric
    return new


@pytest.mark.parametrize("resamples", [300, 1024])  # sampled swaps; every swap pattern of 10 samples
def test_paired_asr_differences_from_edit_sums_equal_those_re_running_the_aggregate(resamples):
    rng = np.random.default_rng(8)
    n = 10 if resamples == 1024 else 40
    references = [REFERENCES[i] for i in rng.integers(0, len(REFERENCES), n)]
    baseline = asr_records(references, [HYPOTHESES[i] for i in rng.integers(0, len(HYPOTHESES), n)])
    candidate = asr_records(references, [HYPOTHESES[i] for i in rng.integers(0, len(HYPOTHESES), n)])
    new = _assert_same_paired(
        TASKS.get("librispeech_test_clean"), baseline, candidate, BootstrapSettings(resamples, seed=2)
    )
    assert new["wer"].exact == (resamples == 1024) and new["wer"].interval[0] < new["wer"].interval[1]


def test_paired_multiple_choice_differences_from_score_means_equal_those_re_running_the_aggregate():
    task = TASKS.get("mmau_test_mini")
    keys = tuple(dict.fromkeys((*task.breakdowns, "category")))
    baseline, candidate = (choice_records(60, keys, seed=seed, official=True) for seed in (3, 4))
    candidate = [c.model_copy(update={"metadata": b.metadata}) for b, c in zip(baseline, candidate, strict=True)]
    new = _assert_same_paired(task, baseline, candidate, BootstrapSettings(300, seed=1))
    assert "accuracy" in new and any(metric.startswith(f"accuracy/{keys[0]}/") for metric in new)


def test_a_paired_metric_without_a_declaration_re_runs_the_aggregate():
    def aggregate(records):
        runs = "".join(str(int(r.scores["accuracy"])) for r in records).split("0")
        return {**accuracy(records), "longest_run": float(max(len(run) for run in runs))}

    rng = np.random.default_rng(6)
    baseline, candidate = (accuracy_records((rng.random(30) < 0.6).astype(int).tolist()) for _ in range(2))
    columns = []
    for records in (baseline, candidate):
        declared = MetricColumns(len(records))
        declared.mean("accuracy", [r.scores["accuracy"] for r in records], scale=100.0)
        columns.append(declared)
    settings = BootstrapSettings(200)
    old = paired_differences(aggregate, baseline, candidate, settings=settings)
    new = paired_differences(aggregate, baseline, candidate, settings=settings, columns=(columns[0], columns[1]))
    assert new["longest_run"] == old["longest_run"]
    assert new["accuracy"].interval == pytest.approx(old["accuracy"].interval, abs=1e-9)
    assert new["accuracy"].p_value == pytest.approx(old["accuracy"].p_value, abs=1e-9)
