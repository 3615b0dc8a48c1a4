"""Bootstrap intervals and paired tests, checked against independent computations (jiwer, numpy, scipy)."""

from __future__ import annotations

import jiwer
import numpy as np
import pytest
from scipy import stats as scipy_stats
from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

from omnieval.registry import TASKS
from omnieval.scoring import make_record, summarize
from omnieval.stats import (
    BootstrapSettings,
    MetricColumns,
    aggregate_intervals,
    align,
    bootstrap_intervals,
    paired_differences,
)
from omnieval.tasks.answers import DISAGREE, EXCLUDED, GUESSED, LENIENT, UNREADABLE
from omnieval.types import GenConfig, Response, Sample, SampleRecord

REFERENCES = [
    "the cat sat on the mat",
    "a quick brown fox jumps",
    "over the lazy dog today",
    "hello world",
    "speech recognition is hard to evaluate well",
    "one two three four five six",
    "good morning",
    "she sells sea shells by the sea shore",
    "it is raining again",
    "please call stella",
]
HYPOTHESES = [
    "the cat sat on a mat",
    "a quick brown fox jumped",
    "over the lazy dog",
    "hello word",
    "speech recognition is hard to evaluate",
    "one two three four five six",
    "good morning to you",
    "she sells shells by the shore",
    "it is raining",
    "please call stella now",
]


def _asr_records(references: list[str], hypotheses: list[str]) -> list[SampleRecord]:
    task = TASKS.get("librispeech_test_clean")
    return [
        make_record(task, Sample(id=str(i), index=i, target=ref), Response(text=hyp))
        for i, (ref, hyp) in enumerate(zip(references, hypotheses, strict=False))
    ]


def _accuracy_records(correct: list[int]) -> list[SampleRecord]:
    return [SampleRecord(id=str(i), index=i, scores={"accuracy": float(c)}) for i, c in enumerate(correct)]


def _accuracy(records: list[SampleRecord]) -> dict[str, float]:
    return {"accuracy": 100.0 * sum(r.scores["accuracy"] for r in records) / len(records)}


def test_corpus_wer_interval_resamples_utterances_as_an_independent_jiwer_computation():
    references, hypotheses = REFERENCES * 3, HYPOTHESES * 3
    records = _asr_records(references, hypotheses)
    summary = summarize(TASKS.get("librispeech_test_clean"), records, len(records), BootstrapSettings(resamples=500))
    # independently: jiwer's edit counts per utterance, the documented draws, corpus WER per draw
    normalize = lambda text: BasicTextNormalizer()(EnglishTextNormalizer()(text))  # noqa: E731
    outputs = [jiwer.process_words(normalize(r), normalize(h)) for r, h in zip(references, hypotheses, strict=False)]
    errors = np.array([o.substitutions + o.deletions + o.insertions for o in outputs])
    lengths = np.array([len(normalize(r).split()) for r in references])
    rows = np.random.default_rng(0).integers(0, len(records), size=(500, len(records)))
    rates = 100 * errors[rows].sum(axis=1) / lengths[rows].sum(axis=1)
    low, high = np.quantile(rates, [0.025, 0.975])
    assert summary.metrics["wer"] == pytest.approx(100 * errors.sum() / lengths.sum())
    assert summary.intervals["wer"] == pytest.approx([low, high], abs=1e-5)
    assert summary.statistics == {
        "method": "percentile bootstrap over samples",
        "confidence": 0.95,
        "resamples": 500,
        "seed": 0,
        "n": 30,
    }


def test_accuracy_interval_agrees_with_scipy_bootstrap():
    rng = np.random.default_rng(5)
    correct = (rng.random(300) < 0.7).astype(int).tolist()
    ours = bootstrap_intervals(_accuracy, _accuracy_records(correct), BootstrapSettings(resamples=4000))["accuracy"]
    theirs = scipy_stats.bootstrap(
        (100.0 * np.array(correct),),
        np.mean,
        n_resamples=4000,
        method="percentile",
        confidence_level=0.95,
        random_state=1,
    ).confidence_interval
    # two Monte Carlo estimates of the same interval: equal within their noise, about a tenth of its width
    assert ours[0] == pytest.approx(theirs.low, abs=0.8) and ours[1] == pytest.approx(theirs.high, abs=0.8)
    # and close to the normal approximation, which is good at n=300
    p, half = np.mean(correct), 1.96 * np.sqrt(np.mean(correct) * (1 - np.mean(correct)) / 300)
    assert ours[0] == pytest.approx(100 * (p - half), abs=1.0) and ours[1] == pytest.approx(100 * (p + half), abs=1.0)


def test_a_metric_some_resamples_lack_still_gets_an_interval():
    def by_category(records):
        metrics = {"all": float(len(records))}
        if any(r.metadata["cat"] == "rare" for r in records):
            metrics["rare"] = 1.0
        return metrics

    records = [SampleRecord(id=str(i), index=i, metadata={"cat": "rare" if i == 0 else "common"}) for i in range(20)]
    intervals = bootstrap_intervals(by_category, records, BootstrapSettings(resamples=200))
    assert intervals["rare"] == (1.0, 1.0) and intervals["all"] == (20.0, 20.0)
    assert bootstrap_intervals(by_category, [], BootstrapSettings()) == {}


def test_exact_paired_p_value_equals_scipy_permutation_test():
    baseline = [1, 1, 0, 1, 1, 1, 0, 1]
    candidate = [0, 1, 0, 0, 1, 0, 0, 1]
    result = paired_differences(_accuracy, _accuracy_records(baseline), _accuracy_records(candidate))["accuracy"]
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
        _accuracy, _accuracy_records(baseline.tolist()), _accuracy_records(candidate.tolist()), settings=settings
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
    records = _asr_records(REFERENCES, HYPOTHESES)
    results = paired_differences(TASKS.get("librispeech_test_clean").aggregate, records, records, metrics=["wer"])
    assert list(results) == ["wer"]
    assert results["wer"].difference == 0 and results["wer"].p_value == 1.0 and results["wer"].interval == (0, 0)


def test_paired_runs_must_hold_the_same_samples():
    with pytest.raises(ValueError, match="same samples"):
        paired_differences(_accuracy, _accuracy_records([1, 0]), _accuracy_records([1]))
    aligned = align(_accuracy_records([1, 0, 1]), _accuracy_records([1, 1])[::-1], key=lambda r: r.id)
    assert [r.id for r in aligned.baseline] == [r.id for r in aligned.candidate] == ["0", "1"]
    assert aligned.only_baseline == ["2"] and aligned.only_candidate == []


@pytest.mark.parametrize(("resamples", "confidence"), [(0, 0.95), (100, 1.0), (100, 0.0)])
def test_bad_bootstrap_settings_are_clear_errors(resamples, confidence):
    from omnieval.errors import OmnievalError

    with pytest.raises(OmnievalError):
        BootstrapSettings(resamples=resamples, confidence=confidence)


# intervals from per-sample sums (a task's MetricColumns) against re-running its aggregate on every resample


def _assert_same_intervals(task, records, settings):
    """The task declares every metric its aggregate gives, and resampling the declared sums gives the intervals
    re-running the aggregate gives, on the same draws (they differ by rounding only: far inside 0.01)."""
    columns = task.interval_columns(records)
    assert columns is not None
    assert set(task.aggregate(records)) <= set(columns.metrics)
    old = aggregate_intervals(task.aggregate, records, settings)
    new = bootstrap_intervals(task.aggregate, records, settings, columns=columns)
    assert new.keys() == old.keys()
    for metric, interval in old.items():
        assert new[metric] == pytest.approx(interval, abs=1e-6), metric
    return new


def test_asr_intervals_from_edit_sums_equal_those_re_running_the_aggregate():
    rng = np.random.default_rng(3)
    hypotheses = [HYPOTHESES[i] for i in rng.integers(0, len(HYPOTHESES), 40)]
    references = [REFERENCES[i] for i in rng.integers(0, len(REFERENCES), 40)]
    # an empty reference has no utterance rate (left out of the mean) but its insertions count
    records = _asr_records([*references, ""], [*hypotheses, "uh huh"])
    intervals = _assert_same_intervals(TASKS.get("librispeech_test_clean"), records, BootstrapSettings(300, seed=4))
    assert {"wer", "wer_utterance_mean", "insertions", "reference_tokens"} <= set(intervals)
    assert intervals["wer"][0] < intervals["wer"][1]


def _choice_records(n: int, keys: tuple[str, ...], seed: int, official: bool) -> list[SampleRecord]:
    """Scored multiple-choice records: breakdown values (some a list, some missing), failed generations, unreadable
    answers and, for an official scorer, answers it leaves out (most of them, so that some resamples count none)."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        metadata: dict[str, object] = {key: str(rng.choice(["a", "b", "c"])) for key in keys}
        if keys and i % 7 == 0:
            metadata[keys[0]] = ["a", "c"]
        if keys and i % 11 == 0:
            del metadata[keys[-1]]
        metadata["error_type"] = "ok" if rng.random() < 0.8 else "bad_question"
        failed = rng.random() < 0.1
        scores = {"accuracy": float(rng.random() < 0.6), UNREADABLE: float(rng.random() < 0.1)}
        if official:
            scores |= {
                LENIENT: float(rng.random() < 0.6),
                DISAGREE: float(rng.random() < 0.2),
                GUESSED: float(rng.random() < 0.1),
                EXCLUDED: float(rng.random() < 0.7),
            }
        records.append(
            SampleRecord(
                id=str(i), index=i, metadata=metadata, scores={} if failed else scores, error="x" if failed else None
            )
        )
    return records


@pytest.mark.parametrize("name", ["mmlu_redux", "mmau_test_mini", "tut2017"])
def test_multiple_choice_intervals_from_score_means_equal_those_re_running_the_aggregate(name):
    task = TASKS.get(name)
    keys = tuple(dict.fromkeys((*task.breakdowns, "category")))
    records = _choice_records(60, keys, seed=len(name), official=getattr(task, "official", None) is not None)
    intervals = _assert_same_intervals(task, records, BootstrapSettings(300, seed=1))
    assert "accuracy" in intervals and "extraction_failure_rate" in intervals
    assert any(metric.startswith(f"accuracy/{keys[0]}/") for metric in intervals)


def test_resamples_where_the_official_scorer_counts_no_answer_score_zero_as_the_aggregate_does():
    records = [
        SampleRecord(id=str(i), index=i, scores={"accuracy": 1.0, UNREADABLE: 0.0, EXCLUDED: float(i > 0)})
        for i in range(5)
    ]  # a third of the resamples draw only answers the scorer leaves out
    _assert_same_intervals(TASKS.get("mmau_test_mini"), records, BootstrapSettings(200))


def _close(intervals, expected):
    return intervals.keys() == expected.keys() and all(
        intervals[m] == pytest.approx(interval, abs=1e-9) for m, interval in expected.items()
    )


def test_a_metric_without_a_declaration_gets_its_interval_by_re_running_the_aggregate(caplog):
    def aggregate(records):
        """Accuracy, and the longest run of right answers: no sum over samples."""
        runs = "".join(str(int(r.scores["accuracy"])) for r in records).split("0")
        return {**_accuracy(records), "longest_run": float(max(len(run) for run in runs))}

    records = _accuracy_records((np.random.default_rng(2).random(50) < 0.7).astype(int).tolist())
    settings = BootstrapSettings(resamples=200)
    declared = MetricColumns(len(records))
    declared.mean("accuracy", [r.scores["accuracy"] for r in records], scale=100.0)
    old = aggregate_intervals(aggregate, records, settings)
    assert set(old) == {"accuracy", "longest_run"}
    assert _close(bootstrap_intervals(aggregate, records, settings, columns=declared), old)
    # a declaration that does not give what the aggregate gives is not used (and is logged)
    wrong = MetricColumns(len(records))
    wrong.mean("accuracy", [r.scores["accuracy"] for r in records])  # a share, not a percentage
    assert _close(bootstrap_intervals(aggregate, records, settings, columns=wrong), old)
    assert "accuracy" in caplog.text and "aggregate" in caplog.text


def test_a_declaration_is_not_inherited_past_an_aggregate_that_counts_otherwise():
    from omnieval.speech.spoken import speaking

    records = _choice_records(30, ("category", "l2_category"), seed=5, official=True)
    mmstar = TASKS.get("mmstar")  # its own aggregate, below the multiple-choice class that declares columns
    assert mmstar.interval_columns(records) is None
    spoken = speaking(TASKS.get("mmau_test_mini"), GenConfig(return_audio=True))  # a mixin's aggregate
    assert spoken.interval_columns(records) is None
    assert TASKS.get("mmau_test_mini").interval_columns(records) is not None
    # summarize still gives every metric its interval, the aggregate's way
    summary = summarize(mmstar, records, len(records), BootstrapSettings(resamples=100))
    assert set(summary.intervals) == set(summary.metrics)


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
    baseline = _asr_records(references, [HYPOTHESES[i] for i in rng.integers(0, len(HYPOTHESES), n)])
    candidate = _asr_records(references, [HYPOTHESES[i] for i in rng.integers(0, len(HYPOTHESES), n)])
    new = _assert_same_paired(
        TASKS.get("librispeech_test_clean"), baseline, candidate, BootstrapSettings(resamples, seed=2)
    )
    assert new["wer"].exact == (resamples == 1024) and new["wer"].interval[0] < new["wer"].interval[1]


def test_paired_multiple_choice_differences_from_score_means_equal_those_re_running_the_aggregate():
    task = TASKS.get("mmau_test_mini")
    keys = tuple(dict.fromkeys((*task.breakdowns, "category")))
    baseline, candidate = (_choice_records(60, keys, seed=seed, official=True) for seed in (3, 4))
    candidate = [c.model_copy(update={"metadata": b.metadata}) for b, c in zip(baseline, candidate, strict=True)]
    new = _assert_same_paired(task, baseline, candidate, BootstrapSettings(300, seed=1))
    assert "accuracy" in new and any(metric.startswith(f"accuracy/{keys[0]}/") for metric in new)


def test_a_paired_metric_without_a_declaration_re_runs_the_aggregate():
    def aggregate(records):
        runs = "".join(str(int(r.scores["accuracy"])) for r in records).split("0")
        return {**_accuracy(records), "longest_run": float(max(len(run) for run in runs))}

    rng = np.random.default_rng(6)
    baseline, candidate = (_accuracy_records((rng.random(30) < 0.6).astype(int).tolist()) for _ in range(2))
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
