"""Spoken answers through an OpenAI-compatible server: `omnieval serve` in front of the tiny
Qwen2.5-Omni with its talker on 127.0.0.1, asked by the openai runner for text and audio."""

from __future__ import annotations

import threading

import pytest
import soundfile
import yaml

from omnieval.registry import RUNNERS
from omnieval.serve import RunnerServer
from tests.conftest import read_jsonl, read_run
from tests.helpers import evaluate


@pytest.fixture(scope="module")
def omni_server(tiny_qwen25_omni):
    runner = RUNNERS.get("hf-omni")(model=str(tiny_qwen25_omni), talker=True, talker_max_new_tokens=16)
    server = RunnerServer(runner, "tiny-omni", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def preset(folder, url: str, **settings):
    path = folder / "served-omni.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "served-omni",
                "runner": "openai",
                "settings": {"base_url": url, "model": "tiny-omni", "max_retries": 0, "timeout_s": 120, **settings},
            }
        )
    )
    return path


def test_spoken_answers_come_back_from_the_server_and_are_scored(omni_server, librispeech_parquet, tmp_path):
    run_dir = evaluate(
        "librispeech_test_clean",
        librispeech_parquet,
        tmp_path / "out",
        model=str(preset(tmp_path, omni_server.url)),
        limit=2,
        gen_overrides={"return_audio": True, "max_new_tokens": 4},
        task_params={"spoken_asr": "pocketsphinx"},
    )
    run, records = read_run(run_dir.path), read_jsonl(run_dir.samples_file)
    assert run["counts"]["failed"] == 0, [r["error"] for r in records]
    for record in records:
        speech = record["response"]["audio_path"]
        assert speech == str(run_dir.path / "media" / f"{record['id']}.wav")
        assert soundfile.info(speech).samplerate == 24000 and record["response"]["audio_s"] > 0
        assert record["prediction"] == record["response"]["text"] and "spoken/errors" in record["scores"]
        assert record["details"]["spoken"]["audio_flags"] != ["empty"]
    assert {"wer", "spoken/audio_s", "spoken/rtf", "spoken/dnsmos", "spoken/flagged/empty"} <= set(run["metrics"])
    assert run["metrics"]["spoken/flagged/empty"] == 0.0


def test_a_voice_the_model_lacks_fails_the_sample_not_the_run(omni_server, librispeech_parquet, tmp_path):
    run_dir = evaluate(
        "librispeech_test_clean",
        librispeech_parquet,
        tmp_path / "out",
        model=str(preset(tmp_path, omni_server.url, voice="alloy")),
        limit=1,
        gen_overrides={"return_audio": True, "max_new_tokens": 4},
        task_params={"spoken_asr": "pocketsphinx"},
    )
    (record,) = read_jsonl(run_dir.samples_file)
    assert "HTTP 400" in record["error"] and "speaker 'alloy' is not offered" in record["error"]
    assert read_run(run_dir.path)["status"] == "complete"
