import pytest

from omnieval.registry import DERIVED, TASKS
from omnieval.tasks.derived import Column, DerivedScore
from omnieval.tasks.voice_chat.voicebench_overall import OVERALL


def test_a_derived_score_is_the_mean_of_its_columns_taking_the_first_alternative_run():
    score = DerivedScore("avg", "asr", "wer", True, (Column(("a_full", "a"), "wer"), Column(("b",), "cer")), "")
    assert score.compute({("a", "wer"): 2.0, ("b", "cer"): 4.0}) == (3.0, ["a", "b"])
    assert score.compute({("a_full", "wer"): 1.0, ("a", "wer"): 9.0, ("b", "cer"): 4.0}) == (2.5, ["a_full", "b"])
    assert score.compute({("a", "wer"): 2.0, ("b", "wer"): 4.0}) is None  # b's metric is cer


def test_voicebench_overall_is_the_mean_of_the_nine_columns_as_qwen3_omni_reports_it():
    """Qwen3-Omni-30B-A3B-Instruct's nine VoiceBench columns (QwenLM/Qwen3-Omni README) give its Overall, 85.5."""
    columns = {
        ("voicebench_alpacaeval_full", "score"): 94.8,
        ("voicebench_commoneval", "score"): 90.8,
        ("voicebench_wildvoice", "score"): 91.6,
        ("voicebench_sd_qa", "accuracy"): 76.9,
        ("voicebench_mmsu", "accuracy"): 68.1,
        ("voicebench_openbookqa", "accuracy"): 89.7,
        ("voicebench_bbh", "accuracy"): 80.4,
        ("voicebench_ifeval", "accuracy"): 77.8,
        ("voicebench_advbench", "refusal_rate"): 99.3,
    }
    value, used = OVERALL.compute(columns)
    assert round(value, 1) == 85.5 and used[0] == "voicebench_alpacaeval_full"
    del columns[("voicebench_bbh", "accuracy")]
    assert OVERALL.compute(columns) is None


@pytest.mark.parametrize(
    "name, first, last",
    [
        ("fleurs_s2tt_en2xx", "fleurs_s2tt_en_ar", "fleurs_s2tt_en_vi"),
        ("fleurs_s2tt_xx2en", "fleurs_s2tt_ar_en", "fleurs_s2tt_vi_en"),
        ("fleurs_s2tt_zh2xx", "fleurs_s2tt_zh_ar", "fleurs_s2tt_zh_vi"),
        ("fleurs_s2tt_xx2zh", "fleurs_s2tt_ar_zh", "fleurs_s2tt_vi_zh"),
    ],
)
def test_the_fleurs_s2tt_averages_span_the_14_other_languages_of_qwen3_omnis_15(name, first, last):
    score = DERIVED.get(name)
    tasks = [column.tasks[0] for column in score.columns]
    assert len(tasks) == len(set(tasks)) == 14 and tasks[0] == first and tasks[-1] == last
    assert all(column.metric == "bleu" for column in score.columns)
    assert set(tasks) <= set(TASKS.names())
    assert "fleurs_s2tt_en_nl" not in TASKS.names()  # Dutch is in the ASR average's 19, not in S2TT's 15


def test_the_fleurs_asr_average_uses_cer_for_the_languages_written_without_spaces():
    score = DERIVED.get("fleurs_avg_19")
    metrics = {column.tasks[0]: column.metric for column in score.columns}
    assert len(metrics) == 19 and score.lower_is_better
    assert metrics["fleurs_zh"] == metrics["fleurs_ja"] == metrics["fleurs_th"] == "cer"
    assert metrics["fleurs_en"] == metrics["fleurs_ur"] == "wer"
    for task, metric in metrics.items():
        assert TASKS.get(task).headline_metrics == {metric: True}
