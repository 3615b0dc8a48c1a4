"""Speech translation: FLEURS pairing, and BLEU/chrF equal to the sacrebleu command-line tool."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from omnieval.registry import TASKS
from omnieval.scoring import make_record, summarize
from omnieval.types import Response, Sample

#: hand-made translations: one exact, one close, one poor, one empty (a failed generation scores as empty)
ZH = ["孩子们在田野里玩到天黑。", "她打开门，向花园里望去。", "我父亲在市场上买了三匹马。", "今天天气很好。"]
ZH_HYPOTHESES = ["孩子们在田野里玩到天黑。", "她打开了门，看着花园。", "我的父亲买马。", ""]
EN = [
    "The children played in the field until it was dark.",
    "She opened the door and looked out into the garden.",
    "My father bought three horses at the market.",
    "It is a fine day today.",
]
EN_HYPOTHESES = [
    "The children played in the field until dark.",
    "She opened the door and looked at the garden.",
    "<think>hm</think>My dad buys horses.",
    "",
]


def sacrebleu_cli(tmp_path: Path, hypotheses: list[str], references: list[str], *args: str) -> float:
    (tmp_path / "hyp.txt").write_text("\n".join(hypotheses) + "\n")
    (tmp_path / "ref.txt").write_text("\n".join(references) + "\n")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "sacrebleu",
            str(tmp_path / "ref.txt"),
            "-i",
            str(tmp_path / "hyp.txt"),
            "-b",
            "-w",
            "4",
            *args,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


@pytest.mark.parametrize(
    "task_name, references, hypotheses, tokenize",
    [
        ("fleurs_s2tt_en_zh", ZH, ZH_HYPOTHESES, "zh"),
        ("covost2_zh_en", EN, EN_HYPOTHESES, "13a"),
    ],
)
def test_bleu_and_chrf_equal_the_sacrebleu_command_line(task_name, references, hypotheses, tokenize, tmp_path):
    task = TASKS.get(task_name)
    assert task.params["tokenize"] == tokenize
    records = [
        make_record(
            task, Sample(id=str(i), index=i, target=ref), Response(text=hyp) if hyp else Response(error="timed out")
        )
        for i, (ref, hyp) in enumerate(zip(references, hypotheses, strict=True))
    ]
    summary = summarize(task, records, len(records))
    cleaned = [r.details["hypothesis"] for r in records]
    assert cleaned[2] == hypotheses[2].split("</think>")[-1]  # the thinking is not translated text
    assert summary.metrics["bleu"] == pytest.approx(
        sacrebleu_cli(tmp_path, cleaned, references, "-tok", tokenize), abs=1e-3
    )
    assert summary.metrics["chrf"] == pytest.approx(
        sacrebleu_cli(tmp_path, cleaned, references, "-m", "chrf"), abs=1e-3
    )
    assert 0 < summary.metrics["bleu"] < 100
    low, high = summary.intervals["bleu"]
    assert low <= summary.metrics["bleu"] <= high
    signatures = summary.scoring["sacrebleu"]
    assert f"tok:{tokenize}" in signatures["bleu"] and "nrefs:1" in signatures["bleu"] and "nc:6" in signatures["chrf"]


def test_japanese_and_korean_targets_get_the_mecab_tokenizers():
    assert TASKS.get("fleurs_s2tt_en_ja").params["tokenize"] == "ja-mecab"
    assert TASKS.get("fleurs_s2tt_zh_ko").params["tokenize"] == "ko-mecab"
    assert TASKS.get("fleurs_s2tt_zh_fr").params["tokenize"] == "13a"
    task = TASKS.get("fleurs_s2tt_en_ja")
    record = make_record(
        task, Sample(id="0", index=0, target="今日はいい天気です。"), Response(text="今日はいい天気です。")
    )
    assert summarize(task, [record], 1).metrics["bleu"] == pytest.approx(100.0)
    assert "ja-mecab" in summarize(task, [record], 1).scoring["sacrebleu"]["bleu"]


def test_fleurs_pairs_each_recording_with_the_target_languages_sentence(tmp_path):
    from omnieval.testing.sample_understanding import PARALLEL, make_fleurs_translation_sample

    base = make_fleurs_translation_sample(tmp_path)
    task = TASKS.get("fleurs_s2tt_en_zh")
    loaded = task.load(str(base))
    assert task.sample_ids(loaded) == ["1000", "1000#2", "1001", "1001#2", "1002", "1002#2"]
    targets = [task.describe_row(loaded.rows[i], i, "").target for i in range(len(loaded.rows))]
    assert targets == [zh for _, zh in PARALLEL for _ in range(2)]
    (message,) = task.build_messages(loaded.rows[0], loaded.base_dir)
    assert message.media()[0].kind == "audio"
    assert message.text() == "Listen to the provided English speech and produce a translation in Chinese text."
    assert loaded.source["references"]["path"].endswith("cmn_hans_cn")
    reverse = TASKS.get("fleurs_s2tt_zh_en").load(str(base))
    assert len(reverse.rows) == 3  # the Chinese config has one recording per sentence here
    # all 4 directions of each pivot over Qwen3-Omni's FLEURS languages are registered
    assert {"fleurs_s2tt_en_de", "fleurs_s2tt_de_en", "fleurs_s2tt_zh_yue", "fleurs_s2tt_th_zh"} <= set(TASKS.names())


def test_thai_bleu_whose_tokenizer_model_cannot_be_fetched_is_one_clear_error_before_any_scoring(tmp_path):
    from tests.conftest import run_cli

    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "0", "prediction": "x"}\n')
    # no model in an empty sacrebleu folder, and a proxy that refuses every connection: the download fails for sure
    offline = {"SACREBLEU": str(tmp_path / "sacrebleu"), "https_proxy": "http://127.0.0.1:9", "no_proxy": ""}
    output = tmp_path / "out"
    command = ("score", "--task", "fleurs_s2tt_en_th", "--predictions", predictions, "--output", output)
    proc = run_cli(*command, check=False, env=offline)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "'flores200' tokenizer downloads its model on first use" in proc.stderr
    assert not output.exists()  # stopped before a run folder was made
