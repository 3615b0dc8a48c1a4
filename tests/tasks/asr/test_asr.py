"""The ASR family: names, datasets, prompts and scoring per language, each real schema end to end."""

from __future__ import annotations

import json

import pytest

from omnieval.registry import TASKS
from omnieval.tasks.languages import FLEURS_LANGUAGES, QWEN3_OMNI_FLEURS_19
from tests.conftest import only_run_dir, read_jsonl, read_run, run_cli
from tests.helpers import evaluate


def test_every_benchmark_is_registered_under_its_name():
    names = set(TASKS.names())
    assert {
        "librispeech_test_clean",
        "librispeech_test_other",
        "commonvoice15_en",
        "commonvoice15_zh",
        "commonvoice15_fr",
        "wenetspeech_test_net",
        "wenetspeech_test_meeting",
    } <= names
    assert {f"fleurs_{code}" for code, _ in FLEURS_LANGUAGES.values()} <= names
    assert {f"fleurs_{code}" for code in QWEN3_OMNI_FLEURS_19} <= names


@pytest.mark.parametrize(
    ("task", "hub_id", "split", "text_field"),
    [
        ("librispeech_test_other", "openslr/librispeech_asr", "test", "text"),
        ("fleurs_zh", "google/fleurs", "test", "transcription"),
        ("commonvoice15_fr", "lmms-lab-audio/common_voice_15", "test", "sentence"),
        ("wenetspeech_test_meeting", "lmms-lab-audio/WenetSpeech", "test_meeting", "text"),
    ],
)
def test_datasets_name_their_hub_source(task, hub_id, split, text_field):
    spec = TASKS.get(task).dataset
    assert (spec.hub_id, spec.split, spec.fields["text"]) == (hub_id, split, text_field)
    assert spec.media_fields == ("audio",)


def test_sources_are_pinned_where_the_hub_repo_is_a_script():
    assert TASKS.get("librispeech_test_clean").dataset.data_files == "clean/test/*.parquet"
    assert len(TASKS.get("librispeech_test_clean").dataset.revision) == 40
    assert TASKS.get("fleurs_ja").dataset.data_files == "ja_jp/test/*.parquet"
    assert TASKS.get("commonvoice15_zh").dataset.config == "zh-CN"


@pytest.mark.parametrize(
    ("task", "prompt", "metric", "normalizer"),
    [
        ("librispeech_test_clean", "Transcribe the English audio into text.", "wer", "qwen_english"),
        ("fleurs_zh", "请将这段中文语音转换为纯文本。", "cer", "chinese"),
        ("wenetspeech_test_net", "请将这段中文语音转换为纯文本。", "cer", "chinese"),
        ("fleurs_yue", "Transcribe the Cantonese audio into text.", "cer", "chars_simplified"),
        ("fleurs_de", "Transcribe the German audio into text.", "wer", "whisper_basic"),
        ("fleurs_ja", "Transcribe the Japanese audio into text.", "cer", "chars"),
        ("fleurs_th", "Transcribe the Thai audio into text.", "cer", "chars"),
        ("commonvoice15_fr", "Transcribe the French audio into text.", "wer", "whisper_basic"),
    ],
)
def test_prompt_metric_and_normalizer_per_language(task, prompt, metric, normalizer):
    chosen = TASKS.get(task)
    assert chosen.params["prompt"] == prompt and chosen.params["normalizer"] == normalizer
    assert list(chosen.headline_metrics) == [metric]


def test_media_comes_before_the_instruction_and_there_is_no_system_prompt(speech_rows):
    task = TASKS.get("librispeech_test_clean").with_params(prompt="Write down what is said.")
    messages = task.build_messages(speech_rows[0], None)
    assert [m.role for m in messages] == ["user"]
    assert [p.type for p in messages[0].content] == ["audio", "text"]
    assert messages[0].content[0].media.kind == "audio" and messages[0].content[0].media.sha256
    assert messages[0].text() == "Write down what is said."
    assert task.gen.system_prompt is None and task.gen.temperature == 0.0


def test_fleurs_schema_end_to_end(fleurs_en_parquet, tmp_path):
    run_dir = evaluate("fleurs_en", fleurs_en_parquet, tmp_path)
    records = {r["id"]: r for r in read_jsonl(run_dir.samples_file)}
    # FLEURS repeats a sentence id for each speaker
    assert set(records) == {"1000", "1000#2", "1001", "1001#2"}
    assert records["1000#2"]["target"] == "the old man sat by the fire"
    assert records["1000"]["metadata"] == {"language": "en", "gender": 0}
    assert read_run(run_dir.path)["counts"]["failed"] == 0


def test_common_voice_schema_end_to_end(common_voice_en_parquet, tmp_path):
    run_dir = evaluate("commonvoice15_en", common_voice_en_parquet, tmp_path)
    records = {r["id"]: r for r in read_jsonl(run_dir.samples_file)}
    assert set(records) == {"common_voice_en_4000000.mp3", "common_voice_en_4000001.mp3"}
    assert records["common_voice_en_4000000.mp3"]["target"] == "My father bought three horses."
    assert not any(r["error"] for r in records.values())  # MP3 decoded


def test_wenetspeech_schema_end_to_end_and_chinese_scoring(wenetspeech_parquet, tmp_path):
    # pocketsphinx knows no Mandarin: the run must still complete, Opus decoded, CER near 100
    run = read_run(evaluate("wenetspeech_test_net", wenetspeech_parquet, tmp_path / "run").path)
    assert run["counts"]["done"] == 4 and run["counts"]["failed"] == 0 and run["metrics"]["cer"] >= 80

    predictions = tmp_path / "predictions.jsonl"
    lines = [
        {"id": "0", "prediction": "今天天气很好，我们去公园吧！"},  # punctuation only
        {"id": "1", "prediction": "他买了3个苹果。"},  # a digit for 三
        {"id": "2", "prediction": "北京是中国首都"},  # 的 deleted
        {"id": "3", "prediction": "我们明天早上8点钟见"},  # 八 as a digit, 钟 inserted
    ]
    predictions.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines))
    proc = run_cli(
        "score",
        "--task",
        "wenetspeech_test_net",
        "--predictions",
        predictions,
        "--dataset-path",
        wenetspeech_parquet,
        "--output",
        tmp_path / "scored",
        "--format",
        "json",
    )
    metrics = json.loads(proc.stdout)
    reference_chars = len("今天天气很好我们去公园吧他买了三个苹果北京是中国的首都我们明天早上八点见")
    assert metrics["cer"] == pytest.approx(100 * 2 / reference_chars)
    assert metrics["deletions"] == 1 and metrics["insertions"] == 1 and metrics["substitutions"] == 0
    records = {r["id"]: r for r in read_jsonl(only_run_dir(tmp_path / "scored") / "samples.jsonl")}
    assert records["1"]["details"]["prediction_normalized"] == "他买了三个苹果"
