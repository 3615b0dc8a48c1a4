"""Bootstrap intervals, checked against independent computations (jiwer, numpy, scipy) and against re-running
the aggregate on every resample."""

from __future__ import annotations

import jiwer
import numpy as np
import pytest
from scipy import stats as scipy_stats
from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

from omnieval.registry import TASKS
from omnieval.scoring import summarize
from omnieval.stats import BootstrapSettings, MetricColumns, aggregate_intervals, bootstrap_intervals
from omnieval.tasks.answers import EXCLUDED, UNREADABLE
from omnieval.types import GenConfig, SampleRecord
from tests.scored_records import HYPOTHESES, REFERENCES, accuracy, accuracy_records, asr_records, choice_records


def test_corpus_wer_interval_resamples_utterances_as_an_independent_jiwer_computation():
    references, hypotheses = REFERENCES * 3, HYPOTHESES * 3
    records = asr_records(references, hypotheses)
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
    ours = bootstrap_intervals(accuracy, accuracy_records(correct), BootstrapSettings(resamples=4000))["accuracy"]
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
    records = asr_records([*references, ""], [*hypotheses, "uh huh"])
    intervals = _assert_same_intervals(TASKS.get("librispeech_test_clean"), records, BootstrapSettings(300, seed=4))
    assert {"wer", "wer_utterance_mean", "insertions", "reference_tokens"} <= set(intervals)
    assert intervals["wer"][0] < intervals["wer"][1]


@pytest.mark.parametrize("name", ["mmlu_redux", "mmau_test_mini", "tut2017"])
def test_multiple_choice_intervals_from_score_means_equal_those_re_running_the_aggregate(name):
    task = TASKS.get(name)
    keys = tuple(dict.fromkeys((*task.breakdowns, "category")))
    records = choice_records(60, keys, seed=len(name), official=getattr(task, "official", None) is not None)
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
        return {**accuracy(records), "longest_run": float(max(len(run) for run in runs))}

    records = accuracy_records((np.random.default_rng(2).random(50) < 0.7).astype(int).tolist())
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

    records = choice_records(30, ("category", "l2_category"), seed=5, official=True)
    mmstar = TASKS.get("mmstar")  # its own aggregate, below the multiple-choice class that declares columns
    assert mmstar.interval_columns(records) is None
    spoken = speaking(TASKS.get("mmau_test_mini"), GenConfig(return_audio=True))  # a mixin's aggregate
    assert spoken.interval_columns(records) is None
    assert TASKS.get("mmau_test_mini").interval_columns(records) is not None
    # summarize still gives every metric its interval, the aggregate's way
    summary = summarize(mmstar, records, len(records), BootstrapSettings(resamples=100))
    assert set(summary.intervals) == set(summary.metrics)
