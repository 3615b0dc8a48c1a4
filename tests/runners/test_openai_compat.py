"""The OpenAI-compatible runner against a real server on 127.0.0.1 serving a real model (pocketsphinx)."""

from __future__ import annotations

import base64
import io
import threading

import pytest
import soundfile

from omnieval.errors import FatalRunnerError
from omnieval.registry import RUNNERS
from omnieval.runners.openai_compat import to_openai_messages
from omnieval.serve import RunnerServer
from omnieval.types import MediaRef, Message, media_part, text_part
from tests.conftest import openai_preset, read_jsonl, read_run
from tests.helpers import evaluate

KEY = {"LOCAL_KEY": "test-key-not-secret"}


def evaluate_over_http(preset_file, dataset, output, monkeypatch, env=KEY, **options):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return evaluate("librispeech_test_clean", dataset, output, model=str(preset_file), **options)


def test_http_run_gives_the_transcripts_of_a_direct_run(
    pocketsphinx_server, librispeech_parquet, tmp_path, monkeypatch
):
    direct = {
        r["id"]: r["prediction"]
        for r in read_jsonl(evaluate("librispeech_test_clean", librispeech_parquet, tmp_path / "d").samples_file)
    }
    preset = openai_preset(tmp_path, pocketsphinx_server.url, max_concurrency=4)
    run_dir = evaluate_over_http(preset, librispeech_parquet, tmp_path / "http", monkeypatch)
    over_http = {r["id"]: r["prediction"] for r in read_jsonl(run_dir.samples_file)}
    assert over_http == direct
    run = read_run(run_dir.path)
    assert run["status"] == "complete" and run["counts"]["failed"] == 0
    assert run["runner"]["name"] == "openai" and run["runner"]["settings"]["api_key_env"] == "LOCAL_KEY"
    # the key itself is written nowhere in the results
    for path in run_dir.path.rglob("*"):
        if path.is_file():
            assert "test-key-not-secret" not in path.read_text()


def test_rate_limited_requests_are_retried_until_they_succeed(librispeech_parquet, tmp_path, monkeypatch):
    server = RunnerServer(
        RUNNERS.get("pocketsphinx")(workers=1),
        "pocketsphinx-en",
        "127.0.0.1",
        0,
        api_key="test-key-not-secret",
        max_inflight=1,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        preset = openai_preset(tmp_path, server.url, max_concurrency=4, max_retries=30)
        run_dir = evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, limit=4)
    finally:
        server.shutdown()
    assert server.stats["rejected_busy"] > 0, "the server never pushed back; nothing was retried"
    records = read_jsonl(run_dir.samples_file)
    assert len(records) == 4 and not any(r["error"] for r in records)


def test_no_more_requests_are_in_flight_than_max_concurrency_while_more_are_made_ready(
    librispeech_parquet, tmp_path, monkeypatch
):
    """`prefetch` requests have their audio encoded while `max_concurrency` wait for the server; the server
    never sees more than `max_concurrency` at once."""
    import asyncio

    runner = RUNNERS.get("pocketsphinx")(workers=2)
    original, load = runner.generate, {"now": 0, "most": 0}

    async def slow_generate(requests):
        load["now"] += 1
        load["most"] = max(load["most"], load["now"])
        try:
            await asyncio.sleep(0.2)
            return await original(requests)
        finally:
            load["now"] -= 1

    runner.generate = slow_generate
    server = RunnerServer(runner, "pocketsphinx-en", "127.0.0.1", 0, api_key="test-key-not-secret")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        preset = openai_preset(tmp_path, server.url, max_concurrency=3, prefetch=2)
        assert RUNNERS.get("openai")(model="m", max_concurrency=3, prefetch=2).max_concurrency == 5  # workers
        run_dir = evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, limit=8)
    finally:
        server.shutdown()
    records = read_jsonl(run_dir.samples_file)
    assert len(records) == 8 and not any(r["error"] for r in records)
    assert load["most"] == 3


def test_a_wrong_api_key_stops_the_run_with_a_clear_error(
    pocketsphinx_server, librispeech_parquet, tmp_path, monkeypatch
):
    preset = openai_preset(tmp_path, pocketsphinx_server.url)
    with pytest.raises(FatalRunnerError, match=r"rejected the credentials \(\$LOCAL_KEY\): HTTP 401"):
        evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, env={"LOCAL_KEY": "wrong"})


def test_an_unset_key_variable_is_named(pocketsphinx_server, librispeech_parquet, tmp_path, monkeypatch):
    monkeypatch.delenv("LOCAL_KEY", raising=False)
    preset = openai_preset(tmp_path, pocketsphinx_server.url)
    with pytest.raises(Exception, match=r"\$LOCAL_KEY, which is not set"):
        evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, env={})


def test_an_unreachable_server_stops_the_run_with_a_clear_error(librispeech_parquet, tmp_path, monkeypatch):
    preset = openai_preset(tmp_path, "http://127.0.0.1:9/v1", max_retries=0)
    with pytest.raises(FatalRunnerError, match="cannot reach the server at http://127.0.0.1:9/v1"):
        evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch)


def test_a_model_the_server_does_not_serve_is_reported(pocketsphinx_server, librispeech_parquet, tmp_path, monkeypatch):
    preset = openai_preset(tmp_path, pocketsphinx_server.url, model="whisper-large-v3")
    with pytest.raises(FatalRunnerError, match="does not serve model 'whisper-large-v3'"):
        evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, limit=1)


def test_a_server_that_dies_mid_run_loses_nothing_finished(librispeech_parquet, tmp_path, monkeypatch):
    runner = RUNNERS.get("pocketsphinx")(workers=1)
    original = runner.generate
    server: RunnerServer | None = None

    async def generate_then_die(requests):
        answer = await original(requests)
        if server is not None and server.stats["generated"] == 2:  # the third answer is the server's last
            threading.Thread(target=server.shutdown, daemon=True).start()
        return answer

    runner.generate = generate_then_die
    server = RunnerServer(runner, "pocketsphinx-en", "127.0.0.1", 0, api_key="test-key-not-secret")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    preset = openai_preset(tmp_path, server.url, max_concurrency=1, max_retries=0)
    with pytest.raises(FatalRunnerError, match="cannot reach the server"):
        evaluate_over_http(preset, librispeech_parquet, tmp_path / "out", monkeypatch, run_id="r")
    run_dir = tmp_path / "out" / "r"
    kept = read_jsonl(run_dir / "samples.jsonl")
    assert 1 <= len(kept) <= 3 and not any(r["error"] for r in kept)
    assert read_run(run_dir)["status"] == "aborted" and "cannot reach" in read_run(run_dir)["error"]


def test_audio_is_sent_as_16k_wav_input_audio(speech_rows, tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(speech_rows[0]["audio"]["bytes"])
    messages = [
        Message(
            role="user",
            content=[
                media_part(MediaRef(kind="audio", path=str(wav))),
                text_part("Transcribe the English audio into text."),
            ],
        )
    ]
    converted, streams = to_openai_messages(messages, 16000)
    assert list(streams) == ["audio_s"] and streams["audio_s"][0] > 1
    audio_item, text_item = converted[0]["content"]
    assert audio_item["type"] == "input_audio" and audio_item["input_audio"]["format"] == "wav"
    data, rate = soundfile.read(io.BytesIO(base64.b64decode(audio_item["input_audio"]["data"])))
    assert rate == 16000 and data.ndim == 1 and len(data) > 16000
    assert text_item == {"type": "text", "text": "Transcribe the English audio into text."}


def test_a_video_is_sent_as_evenly_spaced_jpeg_frames(tmp_path):
    import subprocess

    from PIL import Image

    video = tmp_path / "clip.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=96x64:rate=10",
            "-t",
            "3",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(video),
        ],
        check=True,
    )
    messages = [
        Message(role="user", content=[media_part(MediaRef(kind="video", path=str(video))), text_part("What happens?")])
    ]
    converted, streams = to_openai_messages(messages, 16000, video_frames=6)
    parts = converted[0]["content"]
    frames, text = parts[:-1], parts[-1]
    assert len(frames) == 6 and text["text"] == "What happens?"
    assert streams == {"video_frames": [6], "use_audio_in_video": False}
    first = frames[0]["image_url"]["url"]
    assert first.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(first.split(",", 1)[1])))
    assert image.format == "JPEG" and image.size[0] > image.size[1]
    assert len({frame["image_url"]["url"] for frame in frames}) == 6  # testsrc moves: six different frames


def test_a_video_s_sound_goes_along_as_audio_and_is_never_dropped(tmp_path):
    from omnieval.errors import MediaError
    from omnieval.testing.sample_av import make_video

    spoken = make_video(tmp_path / "spoken.mp4", speech="the answer is blue")
    mute = make_video(tmp_path / "mute.mp4")

    def ask(video):
        return [
            Message(
                role="user",
                content=[media_part(MediaRef(kind="video", path=str(video))), text_part("What is said?")],
            )
        ]

    converted, streams = to_openai_messages(ask(spoken), 16000, video_frames=4, use_audio_in_video=True)
    parts = converted[0]["content"]
    assert [p["type"] for p in parts] == ["image_url"] * 4 + ["input_audio", "text"]
    track, rate = soundfile.read(io.BytesIO(base64.b64decode(parts[4]["input_audio"]["data"])))
    assert rate == 16000 and abs(len(track) / rate - 2.0) < 0.1 and abs(track).max() > 0.05
    assert streams == {"video_frames": [4], "video_audio_s": [round(len(track) / rate, 3)], "use_audio_in_video": True}
    with pytest.raises(MediaError, match="has no audio track"):
        to_openai_messages(ask(mute), 16000, video_frames=4, use_audio_in_video=True)
    assert to_openai_messages(ask(mute), 16000, video_frames=4)[1]["video_frames"] == [4]
