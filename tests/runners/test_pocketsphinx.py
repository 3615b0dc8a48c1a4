"""pocketsphinx: a real English recognizer shipped in its pip package."""

from __future__ import annotations

import asyncio

import jiwer

from omnieval.media import store_bytes
from omnieval.registry import RUNNERS
from omnieval.testing.sample_data import speak
from omnieval.types import GenConfig, MediaRef, Message, Part, Request, media_part, text_part


def _request(sample_id: str, parts: list[Part]) -> Request:
    return Request(sample_id=sample_id, messages=[Message(role="user", content=parts)], gen=GenConfig())


def test_transcribes_real_speech_and_reports_failures_per_request():
    path, digest = store_bytes(speak("my father bought three horses at the market", "en-us+f5"), ".wav")
    audio = media_part(MediaRef(kind="audio", path=str(path), sha256=digest))
    broken_path, broken_digest = store_bytes(b"not audio", ".wav")
    broken = media_part(MediaRef(kind="audio", path=str(broken_path), name="b.wav", sha256=broken_digest))
    runner = RUNNERS.get("pocketsphinx")(workers=2)

    async def go():
        await runner.start()
        try:
            return await runner.generate(
                [
                    _request("ok", [audio, text_part("Transcribe.")]),
                    _request("text-only", [text_part("hello")]),
                    _request("broken", [broken]),
                ]
            )
        finally:
            await runner.close()

    ok, text_only, bad = asyncio.run(go())
    assert ok.ok and jiwer.wer("my father bought three horses at the market", ok.text) < 0.5
    assert ok.latency_s > 0
    assert text_only.error == "pocketsphinx needs an audio input and the request has none"
    assert bad.error.startswith("cannot decode audio b.wav")


def test_cache_identity_ignores_the_worker_count():
    one, four = RUNNERS.get("pocketsphinx")(workers=1), RUNNERS.get("pocketsphinx")(workers=4)
    assert one.cache_identity() == four.cache_identity()
