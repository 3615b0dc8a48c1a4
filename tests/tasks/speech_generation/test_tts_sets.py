"""The speech-generation test sets' layouts: MiniMax multilingual and CV3-Eval cross-lingual read
from their official folders, and run end to end with espeak-ng."""

from __future__ import annotations

import pytest

from omnieval.errors import OmnievalError
from omnieval.registry import TASKS
from omnieval.tasks.speech_generation.tts_sets import MINIMAX_LANGUAGES, script_language
from omnieval.testing.sample_speech import make_cv3_crosslingual_sample, make_minimax_sample
from tests.conftest import read_jsonl, read_run
from tests.helpers import evaluate


@pytest.fixture(scope="module")
def minimax(tmp_path_factory):
    return make_minimax_sample(tmp_path_factory.mktemp("minimax"))


@pytest.fixture(scope="module")
def cv3(tmp_path_factory):
    return make_cv3_crosslingual_sample(tmp_path_factory.mktemp("cv3"))


def test_every_minimax_language_and_cv3_direction_is_a_task():
    names = set(TASKS.names())
    assert {f"minimax_multilingual_{code}" for code in MINIMAX_LANGUAGES.values()} <= names and len(
        MINIMAX_LANGUAGES
    ) == 24
    directions = [n for n in names if n.startswith("cosyvoice3_crosslingual_")]
    assert len(directions) == 12 and "cosyvoice3_crosslingual_ja_to_ko" in directions
    assert (
        TASKS.get("minimax_multilingual_yue").metric == "cer" and TASKS.get("minimax_multilingual_fr").metric == "wer"
    )
    assert TASKS.get("cosyvoice3_crosslingual_en_to_ja").metric == "cer"


def test_minimax_items_pair_each_text_with_its_speakers_prompt(minimax):
    task = TASKS.get("minimax_multilingual_en").with_params(asr="pocketsphinx", sim="resemblyzer")
    loaded = task.load(str(minimax))
    assert task.sample_ids(loaded) == ["english_female_001", "english_female_002", "english_male_001"]
    assert loaded.rows[2]["prompt_text"] == "The train leaves at noon." and loaded.rows[2]["speaker"] == "english_male"
    prompt, target = task.build_messages(loaded.rows[0], loaded.base_dir)
    assert prompt.media("audio")[0].name == "speaker/english/english_female/common_voice_english_female.mp3"
    assert target.text() == "Good morning to you."


def test_cv3_directions_are_told_apart_by_the_prompts_script(cv3):
    rows = {
        name: list(
            TASKS.get(f"cosyvoice3_crosslingual_{name}")
            .with_params(asr="pocketsphinx", sim="resemblyzer")
            .load(str(cv3))
            .rows
        )
        for name in ("zh_to_en", "ko_to_en")
    }
    assert [r["utt"] for r in rows["zh_to_en"]] == ["uttid_1", "uttid_2"] and rows["ko_to_en"][0]["utt"] == "uttid_3"
    assert rows["zh_to_en"][0]["prompt_wav"] == "waveform/prompt_audio_1.wav"
    assert [script_language(t) for t in ("我们", "안녕", "こんにちは世界", "Hello")] == ["zh", "ko", "ja", "en"]
    with pytest.raises(OmnievalError, match="has no items"):
        TASKS.get("cosyvoice3_crosslingual_ja_to_en").with_params(asr="pocketsphinx", sim="resemblyzer").load(str(cv3))
    with pytest.raises(OmnievalError, match="clone FunAudioLLM/CV3-Eval"):
        TASKS.get("cosyvoice3_crosslingual_zh_to_en").with_params(asr="pocketsphinx", sim="resemblyzer").load(None)


@pytest.mark.parametrize(
    "task_name, dataset", [("minimax_multilingual_en", "minimax"), ("cosyvoice3_crosslingual_zh_to_en", "cv3")]
)
def test_espeak_runs_score_every_item(task_name, dataset, request, tmp_path):
    run_dir = evaluate(
        task_name,
        request.getfixturevalue(dataset),
        tmp_path,
        model="espeak-ng",
        task_params={"asr": "pocketsphinx", "sim": "resemblyzer"},
    )
    run, records = read_run(run_dir.path), read_jsonl(run_dir.samples_file)
    assert run["status"] == "complete" and run["counts"]["failed"] == 0 and len(records) == run["counts"]["done"] >= 2
    assert {"wer", "corpus_wer", "sim", "dnsmos"} <= set(run["metrics"])
    assert all(r["details"]["audio_flags"] == [] for r in records) and any(r["details"]["transcript"] for r in records)
