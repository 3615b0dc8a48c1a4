"""The leaderboard's content and its markdown and csv forms: measured beside reported, with intervals."""

from __future__ import annotations

import csv
import io

import pytest

from omnieval.errors import OmnievalError
from omnieval.leaderboard import build, make_leaderboard, to_csv, to_html, to_markdown
from omnieval.reference import published_models
from tests.leaderboard.runs import three_model_results, write_run


def test_the_newest_complete_run_of_each_model_and_task_counts(tmp_path):
    write_run(tmp_path, "a", "fleurs_en", "model-a", {"wer": 5.0, "wer_utterance_mean": 6.0}, {"wer": [4.0, 6.0]})
    write_run(tmp_path, "b", "fleurs_en", "model-a", {"wer": 4.0}, finished="2026-02-01T00:00:00+00:00")
    write_run(
        tmp_path, "c", "fleurs_en", "model-a", {"wer": 1.0}, status="aborted", finished="2026-03-01T00:00:00+00:00"
    )
    write_run(tmp_path, "d", "fleurs_zh", "model-b", {"cer": 3.25}, {"cer": [3.0, 3.5]})
    board = build(tmp_path)
    assert board.runs == 2 and board.models == ["model-a", "model-b"]
    assert [(e.model, e.row.task, e.row.metric, e.value, e.interval) for e in board.entries] == [
        ("model-a", "fleurs_en", "wer", 4.0, None),
        ("model-b", "fleurs_zh", "cer", 3.25, (3.0, 3.5)),
    ]


def test_measured_is_compared_with_the_published_namesake_and_flagged_beyond_the_interval(tmp_path):
    three_model_results(tmp_path)
    board = make_leaderboard(tmp_path)
    assert [p.model for p in board.published] == ["qwen3-omni-30b-a3b-instruct"]
    reported = published_models()["qwen3-omni-30b-a3b-instruct"]
    clean = next(
        e for e in board.entries if e.model == "qwen3-omni-30b-a3b-instruct" and e.row.task == "librispeech_test_clean"
    )
    assert clean.reported.value == reported.score("librispeech_test_clean", "wer").value == 1.22
    # WER 1.5 against a published 1.22 is worse: Δ is negative, as everywhere (+ = better)
    assert clean.delta == pytest.approx(1.22 - 1.5) and clean.beyond_interval  # 1.22 lies below [1.3, 1.7]
    chat = next(e for e in board.entries if e.model == "qwen3-omni-30b-a3b-instruct" and e.row.task.startswith("voice"))
    assert chat.reported.value == 90.8 and not chat.beyond_interval  # within [87, 93]
    assert "Qwen3-Omni README" in chat.citation and "0309c20" in chat.citation
    # a model without a published namesake is compared with the flagship's numbers
    other = next(e for e in board.entries if e.model == "audio-model" and e.row.task == "librispeech_test_clean")
    assert other.reported_by == "qwen3-omni-30b-a3b-instruct" and other.beyond_interval is False  # 1.22 in [1, 3]


def test_markdown_shows_families_side_by_side_and_a_summary(tmp_path):
    three_model_results(tmp_path)
    text = to_markdown(make_leaderboard(tmp_path, reference_models=["qwen3-omni-30b-a3b-instruct", "gemini-2.5-pro"]))
    sections = [line for line in text.splitlines() if line.startswith("## ")]
    assert sections == ["## ASR", "## Voice chat", "## Text", "## Side by side", "## By family"]
    assert (
        "| librispeech_test_clean | wer↓ | qwen3-omni-30b-a3b-instruct | 1.50 [1.30, 1.70] | 50 | "
        "1.22 (qwen3-omni-30b-a3b-instruct) | -0.28 ⚠ |"
    ) in text
    assert "+ is better (for a metric where lower is better too)" in text
    side = next(line for line in text.splitlines() if line.startswith("| family | task | metric |"))
    assert side == (
        "| family | task | metric | audio-model | qwen3-omni-30b-a3b-instruct | text-model | "
        "Qwen3-Omni-30B-A3B-Instruct (reported) | Gemini-2.5-Pro (reported) |"
    )
    gpt = published_models()["gemini-2.5-pro"].score("librispeech_test_clean", "wer").value
    assert (
        f"| ASR | librispeech_test_clean | wer↓ | 2.00 [1.00, 3.00] | 1.50 [1.30, 1.70] | — | 1.22 | {gpt:.2f} |"
        in text
    )
    # text-model: better than the published 86.6? no, 84.0 - 86.6 = -2.6 and 86.6 lies above [82.5, 85.5]
    assert "| Text | text-model | 1 | 50 | 1 | -2.60 | 1 |" in text


def test_csv_has_one_line_per_model_and_metric_at_full_precision(tmp_path):
    three_model_results(tmp_path)
    rows = list(csv.DictReader(io.StringIO(to_csv(make_leaderboard(tmp_path)))))
    assert len(rows) == 6 and rows[0]["family"] == "asr"
    omni = next(r for r in rows if r["model"] == "qwen3-omni-30b-a3b-instruct" and r["task"] == "mmlu_redux")
    assert (float(omni["value"]), float(omni["ci_low"]), float(omni["ci_high"])) == (80.0, 78.0, 82.0)
    assert float(omni["reported"]) == 86.6 and float(omni["delta"]) == pytest.approx(-6.6)
    assert omni["beyond_interval"] == "True" and omni["lower_is_better"] == "False"
    assert "github.com/QwenLM/Qwen3-Omni" in omni["source"]
    assert all(r["reported_by"] == "qwen3-omni-30b-a3b-instruct" for r in rows)  # the namesake, else the flagship


def test_csv_carries_our_reading_beside_an_official_headline(tmp_path):
    write_run(
        tmp_path,
        "m1",
        "mmau_test_mini",
        "omni",
        {"accuracy": 61.0, "accuracy_lenient": 74.5, "readers_disagree": 137.0},
        family="audio_reasoning",
        lower=False,
    )
    write_run(tmp_path, "m2", "librispeech_test_clean", "omni", {"wer": 2.0})
    rows = {
        r["task"]: r
        for r in csv.DictReader(io.StringIO(to_csv(make_leaderboard(tmp_path))))
        if r["metric"] in ("accuracy", "wer")
    }
    assert float(rows["mmau_test_mini"]["value"]) == 61.0
    assert (float(rows["mmau_test_mini"]["accuracy_lenient"]), rows["mmau_test_mini"]["readers_disagree"]) == (
        74.5,
        "137",
    )
    assert (
        rows["librispeech_test_clean"]["accuracy_lenient"] == rows["librispeech_test_clean"]["readers_disagree"] == ""
    )


def test_names_from_runs_cannot_inject_markup_or_formulas(tmp_path):
    write_run(tmp_path, "x1", "librispeech_test_clean", "evil|model<img src=x onerror=alert(1)>\nnext", {"wer": 2.0})
    write_run(tmp_path, "x2", "librispeech_test_clean", '=HYPERLINK("http://x","y")', {"wer": 3.0})
    write_run(tmp_path, "x3", "librispeech_test_clean", "@SUM(A1)", {"wer": 4.0}, {"wer": [-1.0, 5.0]})
    markdown = to_markdown(make_leaderboard(tmp_path))
    assert "<img" not in markdown and "evil\\|model&lt;img src=x onerror=alert(1)&gt; next" in markdown
    table_lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    widths = {line.replace("\\|", "").count("|") for line in table_lines if "librispeech" in line}
    assert len(widths) <= 2  # per table, every row has its table's columns: no name adds one
    rows = list(csv.DictReader(io.StringIO(to_csv(make_leaderboard(tmp_path)))))
    models = {r["model"] for r in rows}
    assert '\'=HYPERLINK("http://x","y")' in models and "'@SUM(A1)" in models
    assert all(not cell.startswith(("=", "+", "@")) for r in rows for cell in r.values())
    assert {float(r["ci_low"]) for r in rows if r["ci_low"]} == {-1.0}  # numbers stay numbers


def test_without_reference_and_with_errors(tmp_path):
    three_model_results(tmp_path)
    board = make_leaderboard(tmp_path, reference=False)
    assert board.published == [] and all(e.reported is None for e in board.entries)
    with pytest.raises(OmnievalError, match="unknown published model 'gpt-5'"):
        make_leaderboard(tmp_path, reference_models=["gpt-5"])
    write_run(tmp_path / "empty", "x", "fleurs_en", "m", {"wer": 1.0}, status="running")
    with pytest.raises(OmnievalError, match="no complete runs"):
        build(tmp_path / "empty")
    with pytest.raises(OmnievalError, match="no such folder"):
        build(tmp_path / "missing")


def test_voicebench_overall_is_derived_for_a_model_with_all_nine_columns(tmp_path):
    """Qwen3-Omni's nine published columns as runs give its published Overall (85.5) beside it."""
    columns = {
        "voicebench_alpacaeval_full": ("score", 94.8),
        "voicebench_commoneval": ("score", 90.8),
        "voicebench_wildvoice": ("score", 91.6),
        "voicebench_sd_qa": ("accuracy", 76.9),
        "voicebench_mmsu": ("accuracy", 68.1),
        "voicebench_openbookqa": ("accuracy", 89.7),
        "voicebench_bbh": ("accuracy", 80.4),
        "voicebench_ifeval": ("accuracy", 77.8),
        "voicebench_advbench": ("refusal_rate", 99.3),
    }
    for n, (task, (metric, value)) in enumerate(columns.items()):
        write_run(
            tmp_path,
            f"r{n}",
            task,
            "qwen3-omni-30b-a3b-instruct",
            {metric: value},
            family="voice_chat",
            lower=False,
            n=10,
        )
    write_run(tmp_path, "x", "voicebench_mmsu", "other-model", {"accuracy": 50.0}, family="voice_chat", lower=False)
    board = build(tmp_path, [published_models()["qwen3-omni-30b-a3b-instruct"]])
    (overall,) = [e for e in board.entries if e.row.task == "voicebench_overall"]
    assert overall.model == "qwen3-omni-30b-a3b-instruct" and round(overall.value, 1) == 85.5
    assert overall.reported.value == 85.5 and overall.n == 90 and overall.run_id.startswith("derived from r0")


def test_fleurs_s2tt_en2xx_is_derived_once_all_14_directions_are_run(tmp_path):
    """The mean BLEU of the 14 en->xx runs, compared with Qwen3-Omni's published en2xx (37.50)."""
    targets = ["ar", "yue", "zh", "fr", "de", "id", "it", "ja", "ko", "pt", "ru", "es", "th", "vi"]
    for n, target in enumerate(targets):
        write_run(
            tmp_path,
            f"r{n:02d}",
            f"fleurs_s2tt_en_{target}",
            "qwen3-omni-30b-a3b-instruct",
            {"bleu": 30.0 + n},
            family="s2tt",
            lower=False,
            n=5,
        )
    board = build(tmp_path, [published_models()["qwen3-omni-30b-a3b-instruct"]])
    (average,) = [e for e in board.entries if e.row.task == "fleurs_s2tt_en2xx"]
    assert average.value == pytest.approx(30.0 + 6.5) and average.n == 70 and not average.row.lower_is_better
    assert average.reported.value == 37.50
    assert not [e for e in board.entries if e.row.task == "fleurs_s2tt_xx2en"]
    (summary,) = board.summaries()  # the average's samples and delta are not counted twice
    assert (summary.tasks, summary.samples, summary.compared) == (14, 70, 0)


def test_a_small_sample_or_a_zero_width_interval_is_flagged(tmp_path):
    write_run(
        tmp_path,
        "a",
        "mmau_test_mini",
        "few",
        {"accuracy": 20.0},
        {"accuracy": [20.0, 20.0]},
        family="audio_reasoning",
        lower=False,
        n=4,
    )
    board = build(tmp_path)
    (entry,) = board.entries
    assert entry.n < 30 and entry.warnings == ["n < 30", "zero-width interval"]
    assert "| 20.00 [20.00, 20.00] † |" in to_markdown(board)
    page = to_html(board)
    assert 'class="num warn"' in page and "n &lt; 30; zero-width interval" in page


def test_each_family_opens_with_its_models_mean_delta_and_each_row_links_its_run(tmp_path):
    three_model_results(tmp_path)
    page = to_html(make_leaderboard(tmp_path))
    board = make_leaderboard(tmp_path)
    asr = [s for s in board.summaries() if s.family == "asr" and s.mean_delta is not None]
    overview = page[page.index('<figure class="chart overview" data-family="asr">') :]
    overview = overview[: overview.index("</figure>")]
    for summary in asr:  # one bar per model, right of zero when better than published, left when worse
        css = "better" if summary.mean_delta >= 0 else "worse"
        assert f'<rect class="bar {css}"' in overview and f"{summary.mean_delta:+.2f}" in overview
    entry = next(e for e in board.entries if e.model == "audio-model" and e.row.task == "librispeech_test_clean")
    assert entry.folder == "a2" and '<a href="a2/run.json">audio-model</a>' in page
