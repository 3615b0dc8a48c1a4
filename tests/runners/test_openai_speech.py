"""The openai-speech runner against a real /v1/audio/speech endpoint: `omnieval serve` in front of
espeak-ng on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.request

import pytest
import soundfile
import yaml

from omnieval.registry import RUNNERS
from omnieval.serve import RunnerServer
from omnieval.speech.cloning import cloning_messages
from omnieval.testing.sample_speech import make_seedtts_sample
from omnieval.types import GenConfig, Request
from tests.conftest import read_jsonl, read_run
from tests.helpers import evaluate


@pytest.fixture(scope="module")
def espeak_server():
    server = RunnerServer(RUNNERS.get("espeak-ng")(), "espeak-ng", "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


def speech_runner(server, tmp_path, **settings):
    runner = RUNNERS.get("openai-speech")(base_url=server.url, model="espeak-ng", max_retries=0, **settings)
    runner.media_dir = tmp_path
    return runner


def generate(runner, requests):
    async def go():
        await runner.start()
        try:
            return await runner.generate(requests)
        finally:
            await runner.close()

    return asyncio.run(go())


def test_the_server_speaks_wav_and_refuses_what_it_cannot(espeak_server):
    def post(body):
        request = urllib.request.Request(
            espeak_server.url + "/audio/speech",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status, answer.headers["Content-Type"], answer.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers["Content-Type"], err.read()

    status, kind, data = post({"model": "espeak-ng", "input": "Hello there.", "voice": "en-us+f3"})
    assert (status, kind) == (200, "audio/wav") and data[:4] == b"RIFF"
    assert post({"model": "espeak-ng", "input": "Hi", "response_format": "mp3"})[0] == 400
    chat = urllib.request.Request(
        espeak_server.url + "/chat/completions",
        headers={"Content-Type": "application/json"},
        data=json.dumps(
            {
                "model": "espeak-ng",
                "messages": [{"role": "user", "content": "Hi"}],
                "modalities": ["text", "audio"],
                "audio": "wav",
            }
        ).encode(),
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(chat)
    assert refused.value.code == 400 and "'audio' must be an object" in refused.value.read().decode()
    assert post({"model": "espeak-ng", "input": " "})[0] == 400
    assert post({"model": "other", "input": "Hi"})[0] == 404


def test_the_runner_writes_the_servers_speech_in_the_requested_voice(espeak_server, tmp_path):
    def request(sample_id, **gen):
        return Request(
            sample_id=sample_id,
            messages=cloning_messages(None, None, "One two three."),
            gen=GenConfig(return_audio=True, **gen),
        )

    runner = speech_runner(espeak_server, tmp_path, voice="en-us")
    plain, female, empty = generate(
        runner,
        [
            request("a"),
            request("b", speaker="en-us+f3"),
            Request(sample_id="c", messages=cloning_messages(None, None, ""), gen=GenConfig(return_audio=True)),
        ],
    )
    assert plain.ok and soundfile.info(plain.audio_path).samplerate == 22050 and plain.audio_s > 0.5
    assert open(plain.audio_path, "rb").read() != open(female.audio_path, "rb").read()
    assert not empty.ok and "no text" in empty.error


def test_a_seed_tts_run_through_the_endpoint_is_scored(espeak_server, tmp_path):
    data = make_seedtts_sample(tmp_path / "seed")
    preset = tmp_path / "speech.yaml"
    preset.write_text(
        yaml.safe_dump(
            {
                "name": "local-speech",
                "runner": "openai-speech",
                "settings": {"base_url": espeak_server.url, "model": "espeak-ng", "voice": "en-us"},
            }
        )
    )
    run_dir = evaluate(
        "seedtts_test_en",
        data,
        tmp_path / "out",
        model=str(preset),
        task_params={"asr": "pocketsphinx", "sim": "resemblyzer"},
    )
    run = read_run(run_dir.path)
    assert run["status"] == "complete" and run["counts"]["done"] == 3 and run["counts"]["failed"] == 0
    assert {"wer", "sim", "dnsmos"} <= set(run["metrics"]) and run["runner"]["name"] == "openai-speech"
    assert all(r["response"]["audio_path"].startswith(str(run_dir.path)) for r in read_jsonl(run_dir.samples_file))
