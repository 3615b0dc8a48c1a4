"""Seed-TTS zero-shot generation: the layout read, espeak-ng speaking, transcripts scored with
seed-tts-eval's normalization (checked against an independent jiwer computation), speaker
similarity and DNSMOS per sample and overall, and a folder of wavs scored the same as the run."""

from __future__ import annotations

import json
import string

import jiwer
import numpy as np
import pytest
import soundfile
from zhon.hanzi import punctuation as chinese_punctuation

from omnieval.errors import OmnievalError
from omnieval.metrics.error_rate import utterance_edits
from omnieval.registry import TASKS
from omnieval.scoring import make_record
from omnieval.testing.sample_speech import make_seedtts_sample
from omnieval.types import Response, Sample
from tests.conftest import read_jsonl, read_run, run_cli
from tests.helpers import evaluate


def seedtts_eval_wer(truth: str, hypo: str, language: str) -> float:
    """run_wer.py's process_one, written again from its description (BytedanceSpeech/seed-tts-eval)."""
    for mark in chinese_punctuation + string.punctuation:
        if mark != "'":
            truth, hypo = truth.replace(mark, ""), hypo.replace(mark, "")
    truth, hypo = truth.replace("  ", " "), hypo.replace("  ", " ")
    if language == "zh":
        truth, hypo = " ".join(truth), " ".join(hypo)
    else:
        truth, hypo = truth.lower(), hypo.lower()
    return jiwer.wer(truth, hypo) if hypo.strip() else 1.0


@pytest.fixture(scope="module")
def seedtts(tmp_path_factory):
    return make_seedtts_sample(tmp_path_factory.mktemp("seedtts"))


@pytest.fixture(scope="module")
def espeak_run(seedtts, tmp_path_factory):
    return evaluate(
        "seedtts_test_en",
        seedtts,
        tmp_path_factory.mktemp("runs"),
        model="espeak-ng",
        task_params={"asr": "pocketsphinx", "sim": "resemblyzer"},
    )


def test_the_lists_of_the_three_test_sets_are_read_with_their_prompts(seedtts):
    for name, size, first in (
        ("seedtts_test_en", 3, "en-1"),
        ("seedtts_test_zh", 2, "zh-1"),
        ("seedtts_test_hard", 2, "zh-1"),
    ):
        task = TASKS.get(name).with_params(asr="whisper-large-v3", sim="resemblyzer")
        loaded = task.load(str(seedtts))
        assert len(loaded.rows) == size and task.sample_ids(loaded)[0] == first
        prompt, target = task.build_messages(loaded.rows[0], loaded.base_dir)
        assert prompt.role == "assistant" and prompt.media("audio")[0].path.endswith(f"prompt-wavs/{first}.wav")
        assert target.text() == loaded.rows[0]["text"]
    assert TASKS.get("seedtts_test_zh").headline_metrics == {"cer": True, "sim": False}


def test_a_transcriber_that_cannot_take_the_language_is_refused_before_the_run(seedtts):
    with pytest.raises(OmnievalError, match="pocketsphinx transcriber cannot transcribe 'zh'"):
        TASKS.get("seedtts_test_zh").with_params(asr="pocketsphinx", sim="resemblyzer").prepare_scoring()


def test_espeak_speech_gets_wer_sim_and_dnsmos_per_sample_and_overall(espeak_run):
    run, records = read_run(espeak_run.path), read_jsonl(espeak_run.samples_file)
    assert run["status"] == "complete" and run["counts"]["done"] == 3 and run["counts"]["failed"] == 0
    for record in records:
        assert record["details"]["audio_flags"] == [] and record["response"]["audio_path"].endswith(".wav")
        assert {"wer", "sim", "dnsmos", "dnsmos_sig", "dnsmos_bak"} <= set(record["scores"])
    metrics = run["metrics"]
    assert {"wer", "corpus_wer", "sim", "dnsmos", "audio_s", "rtf", "flagged/silent"} <= set(metrics)
    assert metrics["sim"] == pytest.approx(np.mean([r["scores"]["sim"] for r in records]))
    assert run["scoring"]["transcriber"] == "pocketsphinx" and run["scoring"]["speaker_similarity"] == "resemblyzer"


def test_wer_is_the_mean_of_independent_per_utterance_jiwer_wers(espeak_run):
    records = read_jsonl(espeak_run.samples_file)
    independent = [seedtts_eval_wer(r["target"], r["details"]["transcript"], "en") for r in records]
    assert any(r["details"]["transcript"] for r in records) and min(independent) < 1.0  # not all-empty transcripts
    assert read_run(espeak_run.path)["metrics"]["wer"] == pytest.approx(100 * np.mean(independent))
    for record, wer in zip(records, independent, strict=False):
        assert record["scores"]["wer"] == pytest.approx(100 * wer)


def test_chinese_cer_follows_seed_tts_eval():
    task = TASKS.get("seedtts_test_zh")
    truth, hypo = "简单地说，这相当于“惠普”把市场拱手相让了。", "简单的说这相当于惠普把市场拱手让了"
    edits, _, _ = utterance_edits(truth, hypo, task.normalizer, task.unit)
    assert edits.rate == pytest.approx(100 * seedtts_eval_wer(truth, hypo, "zh"))


def test_a_folder_of_wavs_scores_the_same_as_the_run(espeak_run, seedtts, tmp_path):
    proc = run_cli(
        "score",
        "--task",
        "seedtts_test_en",
        "--audio-dir",
        espeak_run.path / "media",
        "--dataset-path",
        seedtts,
        "-T",
        "asr=pocketsphinx",
        "-T",
        "sim=resemblyzer",
        "--output",
        tmp_path,
        "--format",
        "json",
    )
    scored, run = json.loads(proc.stdout), read_run(espeak_run.path)
    for metric in ("wer", "corpus_wer", "sim", "dnsmos"):
        assert scored[metric] == pytest.approx(run["metrics"][metric]), metric
    assert "3 samples scored, 0 failed" in proc.stderr


def test_a_wav_naming_no_sample_and_a_text_task_are_clear_errors(espeak_run, seedtts, tmp_path):
    stray = tmp_path / "wavs"
    stray.mkdir()
    (stray / "nobody.wav").write_bytes((espeak_run.path / "media" / "en-1.wav").read_bytes())
    proc = run_cli(
        "score",
        "--task",
        "seedtts_test_en",
        "--audio-dir",
        stray,
        "--dataset-path",
        seedtts,
        "-T",
        "asr=pocketsphinx",
        "-T",
        "sim=resemblyzer",
        "--output",
        tmp_path,
        check=False,
    )
    assert proc.returncode != 0 and "nobody.wav" in proc.stderr
    proc = run_cli("score", "--task", "librispeech_test_clean", "--audio-dir", stray, check=False)
    assert proc.returncode != 0 and "scores text, not speech" in proc.stderr


def test_a_wav_that_links_out_of_the_audio_folder_is_refused(espeak_run, seedtts, tmp_path):
    folder = tmp_path / "wavs"
    folder.mkdir()
    (folder / "en-1.wav").symlink_to(espeak_run.path / "media" / "en-1.wav")  # outside the folder
    inside = folder / "kept"
    inside.mkdir()
    (inside / "en-2.wav").write_bytes((espeak_run.path / "media" / "en-2.wav").read_bytes())
    (folder / "en-2.wav").symlink_to(inside / "en-2.wav")  # a link within the folder is fine
    proc = run_cli(
        "score",
        "--task",
        "seedtts_test_en",
        "--audio-dir",
        folder,
        "--dataset-path",
        seedtts,
        "-T",
        "asr=pocketsphinx",
        "-T",
        "sim=resemblyzer",
        "--output",
        tmp_path / "out",
        check=False,
    )
    assert proc.returncode == 2 and "1 file(s) in" in proc.stderr and "en-1.wav" in proc.stderr
    assert "en-2.wav" not in proc.stderr and not (tmp_path / "out").exists()


def test_failed_empty_and_silent_speech_are_flagged_and_scored_without_crashing(seedtts, tmp_path):
    task = TASKS.get("seedtts_test_en").with_params(asr="pocketsphinx", sim="resemblyzer")
    loaded = task.load(str(seedtts))
    sample = task.describe_row(loaded.rows[0], 0, "en-1")
    failed = make_record(task, sample, Response(error="out of memory"))
    assert failed.scores["wer"] == 100.0 and "sim" not in failed.scores
    empty, silent = tmp_path / "empty.wav", tmp_path / "silent.wav"
    soundfile.write(empty, np.zeros(100, np.float32), 16000)
    soundfile.write(silent, np.zeros(32000, np.float32), 16000)
    empty_record = make_record(task, sample, Response(audio_path=str(empty)))
    assert empty_record.details["audio_flags"] == ["empty"] and empty_record.scores["wer"] == 100.0
    silent_record = make_record(task, sample, Response(audio_path=str(silent)))
    assert silent_record.details["audio_flags"] == ["silent"] and "dnsmos" in silent_record.scores
    assert "no voiced audio" in silent_record.details["sim_error"]
    summary = task.aggregate([failed, empty_record, silent_record])
    assert summary["flagged/empty"] == pytest.approx(100 / 3) and summary["flagged/silent"] == pytest.approx(100 / 3)


def test_sim_is_higher_when_the_voice_is_the_prompts_own(seedtts, tmp_path):
    """espeak-ng in the en-1 prompt's voice (en-us+m3): closer to en-1's prompt than to en-2's (en-us+f3)."""
    run_dir = evaluate(
        "seedtts_test_en",
        seedtts,
        tmp_path,
        model="espeak-ng",
        task_params={"asr": "pocketsphinx", "sim": "resemblyzer"},
        runner_settings={"voice": "en-us+m3"},
    )
    sims = {r["id"]: r["scores"]["sim"] for r in read_jsonl(run_dir.samples_file)}
    assert sims["en-1"] > sims["en-2"]


def test_rescoring_a_run_transcribes_its_speech_again_to_the_same_numbers(espeak_run, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(espeak_run.path, copy)
    proc = run_cli("rescore", copy, "--format", "json")
    rescored, run = json.loads(proc.stdout), read_run(espeak_run.path)
    assert {k: round(v, 6) for k, v in rescored.items()} == {k: round(v, 6) for k, v in run["metrics"].items()}


def test_speech_whose_file_is_gone_fails_the_sample_and_a_cached_response_to_it_is_a_miss(tmp_path):
    from omnieval.cache import ResponseCache

    task = TASKS.get("seedtts_test_en").with_params(asr="pocketsphinx", sim="resemblyzer")
    sample = Sample(
        id="en-1", index=0, target="Get the trust fund to the bank early.", metadata={"prompt_wav": "/nowhere.wav"}
    )
    record = make_record(task, sample, Response(audio_path=str(tmp_path / "gone.wav")))
    assert record.failed and "generated speech is gone" in record.error
    cache = ResponseCache(tmp_path / "cache.sqlite")
    cache.put("key", "m", Response(audio_path=str(tmp_path / "gone.wav")))
    assert cache.get("key") is None
    cache.close()


def test_speech_tasks_refuse_text_predictions_and_missing_scorers(seedtts, tmp_path):
    predictions = tmp_path / "p.jsonl"
    predictions.write_text('{"id": "en-1", "prediction": "text"}\n')
    proc = run_cli(
        "score", "--task", "seedtts_test_en", "--predictions", predictions, "--dataset-path", seedtts, check=False
    )
    assert proc.returncode != 0 and "scores speech, not text: give --audio-dir" in proc.stderr
    with pytest.raises(OmnievalError, match="paraformer-zh backend needs funasr"):
        TASKS.get("seedtts_test_zh").prepare_scoring()  # FunASR is not installed here
