"""Spoken answers of speech-out runs: real espeak-ng speech, transcribed by pocketsphinx, compared
with the model's own text answer beside the task's text score."""

from __future__ import annotations

import jiwer
import pytest

from omnieval.errors import OmnievalError
from omnieval.metrics.normalizers import get_normalizer
from omnieval.offline import task_of
from omnieval.registry import TASKS
from omnieval.scoring import make_record, rescore, summarize
from omnieval.speech.backends import load_backends
from omnieval.speech.spoken import SpokenAnswers, speaking
from omnieval.testing.sample_data import speak
from omnieval.types import GenConfig, Response, RunRecord, Sample
from tests.helpers import evaluate

SAID = "the weather today is sunny and warm"
OTHER = "please close the window before you leave the house"
SPEECH_OUT = GenConfig(return_audio=True)


@pytest.fixture(scope="module")
def task():
    return speaking(TASKS.get("librispeech_test_clean"), SPEECH_OUT).with_params(spoken_asr="pocketsphinx")


@pytest.fixture(scope="module")
def wavs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spoken")
    paths = {}
    for name, text in (("said", SAID), ("other", OTHER)):
        paths[name] = folder / f"{name}.wav"
        paths[name].write_bytes(speak(text, "en-us"))
    return paths


def sample(index: int = 0) -> Sample:
    return Sample(id=f"s{index}", index=index, target=SAID, metadata={"language": "en"})


def test_only_speech_out_runs_of_text_tasks_score_spoken_answers():
    librispeech = TASKS.get("librispeech_test_clean")
    assert speaking(librispeech, GenConfig()) is librispeech
    tts = TASKS.get("seedtts_test_en")
    assert speaking(tts, SPEECH_OUT) is tts  # it scores its speech itself
    spoken = speaking(librispeech, SPEECH_OUT)
    assert isinstance(spoken, SpokenAnswers) and not isinstance(librispeech, SpokenAnswers)
    assert spoken.params["spoken_asr"] == "whisper-large-v3" and spoken.params["normalizer"] == "qwen_english"
    assert {"spoken_asr", "spoken_quality"} <= set(spoken.scoring_params)
    assert speaking(spoken, SPEECH_OUT) is spoken
    assert type(spoken.with_params(spoken_asr="pocketsphinx")) is type(spoken)
    assert list(spoken.headline_metrics) == ["wer", "spoken/wer", "spoken/dnsmos"]
    with pytest.raises(OmnievalError, match="no parameter spoken_asr"):
        librispeech.with_params(spoken_asr="pocketsphinx")


def test_a_spoken_answer_is_scored_against_the_models_own_text(task, wavs):
    scored = task.score_response(sample(), Response(text=SAID, audio_path=str(wavs["said"])))
    assert scored.scores["wer"] == 0.0  # the text score is the task's own
    spoken = scored.details["spoken"]
    normalize = get_normalizer("qwen_english")
    expected = 100 * jiwer.wer(normalize(SAID), normalize(spoken["transcript"]))
    assert scored.scores["spoken/wer"] == pytest.approx(expected)
    assert spoken["audio_flags"] == [] and 1.0 <= scored.scores["spoken/dnsmos"] <= 5.0

    mismatched = task.score_response(sample(), Response(text=SAID, audio_path=str(wavs["other"])))
    assert mismatched.scores["spoken/wer"] > scored.scores["spoken/wer"] + 30


def test_an_answer_without_speech_is_all_missed_and_a_failed_one_has_no_spoken_scores(task, wavs):
    silent = task.score_response(sample(), Response(text=SAID))
    assert silent.scores["spoken/wer"] == 100.0 and silent.details["spoken"]["audio_flags"] == ["empty"]
    gone = task.score_response(sample(), Response(text=SAID, audio_path=str(wavs["said"].with_name("none.wav"))))
    assert gone.scores["spoken/wer"] == 100.0 and gone.details["spoken"]["audio_flags"] == ["empty"]
    failed = task.score_response(sample(), None)
    assert not any(name.startswith("spoken/") for name in failed.scores) and "spoken" not in failed.details


def test_run_metrics_sum_the_spoken_answers_beside_the_text_score(task, wavs):
    responses = [
        Response(text=SAID, audio_path=str(wavs["said"]), audio_s=2.0, rtf=0.5),
        Response(text=SAID, audio_path=str(wavs["other"]), audio_s=4.0, rtf=0.25),
        Response(text=SAID),
        None,
    ]
    records = [
        make_record(task, sample(i), response, error=None if response else "out of memory")
        for i, response in enumerate(responses)
    ]
    metrics = summarize(task, records, len(records)).metrics
    spoken = [r.scores["spoken/wer"] for r in records[:3]]
    assert metrics["spoken/wer"] == pytest.approx(sum(spoken) / 3)
    errors, words = sum(r.scores["spoken/errors"] for r in records[:3]), 3 * len(SAID.split())
    assert metrics["spoken/corpus_wer"] == pytest.approx(100 * errors / words)
    assert metrics["spoken/audio_s"] == 3.0 and metrics["spoken/rtf"] == 0.375
    assert metrics["spoken/dnsmos"] == pytest.approx(
        (records[0].scores["spoken/dnsmos"] + records[1].scores["spoken/dnsmos"]) / 2
    )
    assert metrics["spoken/flagged/empty"] == pytest.approx(100 / 3) and "wer" in metrics
    assert rescore(task, records)[0].scores == records[0].scores


def test_a_transcriber_that_cannot_hear_the_answers_language_is_refused_before_scoring():
    chinese = speaking(TASKS.get("wenetspeech_test_net"), SPEECH_OUT).with_params(spoken_asr="pocketsphinx")
    with pytest.raises(OmnievalError, match="pocketsphinx transcriber cannot transcribe 'zh'"):
        chinese.prepare_scoring()


def test_whisper_is_refused_for_languages_it_does_not_know():
    with pytest.raises(OmnievalError, match="Whisper cannot transcribe 'wo' speech"):
        load_backends("whisper-large-v3", None, None, "wo")


def test_a_runner_that_cannot_speak_is_refused_before_the_run(librispeech_parquet, tmp_path):
    with pytest.raises(OmnievalError, match="the pocketsphinx runner cannot answer in speech"):
        evaluate(
            "librispeech_test_clean",
            librispeech_parquet,
            tmp_path,
            gen_overrides={"return_audio": True},
            task_params={"spoken_asr": "pocketsphinx"},
        )
    assert not any(tmp_path.iterdir())


def test_runs_from_before_spoken_answers_are_rescored_as_they_were_made():
    made = {
        "run_id": "r",
        "task": "librispeech_test_clean",
        "task_version": "1",
        "model": "m",
        "runner": {},
        "gen_config": GenConfig(return_audio=True),
        "dataset": {},
    }
    old = RunRecord(**made, config={"selection": {"task_params": {"normalizer": "qwen_english"}}})
    assert not isinstance(task_of(old), SpokenAnswers)
    new = RunRecord(**made, config={"selection": {"task_params": {"spoken_asr": "pocketsphinx"}}})
    assert isinstance(task_of(new), SpokenAnswers) and task_of(new).params["spoken_asr"] == "pocketsphinx"
