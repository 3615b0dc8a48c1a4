"""The espeak-ng runner: a cloning request spoken in espeak's own voice, written to the media folder."""

from __future__ import annotations

import asyncio

import pytest
import soundfile

from omnieval.errors import OmnievalError
from omnieval.registry import RUNNERS
from omnieval.speech.cloning import cloning_messages, read_cloning_request
from omnieval.types import GenConfig, MediaRef, Request


def request(text: str, sample_id: str = "utt/1", **gen) -> Request:
    prompt = MediaRef(kind="audio", path="/nowhere/prompt.wav")
    return Request(
        sample_id=sample_id,
        messages=cloning_messages(prompt, "the prompt", text),
        gen=GenConfig(return_audio=True, **gen),
    )


def test_the_cloning_request_round_trips():
    parsed = read_cloning_request(request("Say this."))
    assert (parsed.target_text, parsed.prompt_text, parsed.prompt_audio.path) == (
        "Say this.",
        "the prompt",
        "/nowhere/prompt.wav",
    )


def test_speech_is_written_per_sample_with_its_length_and_real_time_factor(tmp_path):
    runner = RUNNERS.get("espeak-ng")()
    runner.media_dir = tmp_path / "media"
    english, chinese, bad = asyncio.run(
        runner.generate(
            [request("Get the trust fund to the bank early."), request("今天天气很好。", "zh-1"), request("  ", "x")]
        )
    )
    info = soundfile.info(english.audio_path)
    assert english.audio_path == str(tmp_path / "media" / "utt_1.wav") and info.samplerate == 22050
    assert english.audio_s == round(info.frames / info.samplerate, 3) > 1.0 and english.rtf > 0
    assert chinese.ok and soundfile.info(chinese.audio_path).frames > 0
    assert not bad.ok and "no text to speak" in bad.error


def test_the_voice_follows_the_requested_speaker_then_the_setting_then_the_script(tmp_path):
    runner = RUNNERS.get("espeak-ng")()
    runner.media_dir = tmp_path
    default, female = asyncio.run(
        runner.generate([request("One two three.", "a"), request("One two three.", "b", speaker="en-us+f3")])
    )
    assert open(default.audio_path, "rb").read() != open(female.audio_path, "rb").read()
    fixed = RUNNERS.get("espeak-ng")(voice="en-us+f3")
    fixed.media_dir = tmp_path / "fixed"
    (same,) = asyncio.run(fixed.generate([request("One two three.", "b")]))
    assert open(same.audio_path, "rb").read() == open(female.audio_path, "rb").read()
    (speaker_first,) = asyncio.run(fixed.generate([request("One two three.", "c", speaker="en-us+m3")]))
    assert open(speaker_first.audio_path, "rb").read() != open(same.audio_path, "rb").read()
    (alloy,) = asyncio.run(runner.generate([request("One two three.", "d", speaker="alloy")]))  # an OpenAI voice
    assert alloy.ok and open(alloy.audio_path, "rb").read() == open(default.audio_path, "rb").read()


def test_a_voice_espeak_lacks_is_refused_at_start():
    with pytest.raises(OmnievalError, match="no voice 'alloy'"):
        asyncio.run(RUNNERS.get("espeak-ng")(voice="alloy").start())
